"""Signing in: throttling of failed attempts and API tokens."""

import functools
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from gridgov.accounts.models import ApiToken, Department, LoginFailure, RoleAssignment, User


def is_locked(*, username: str, address: str | None) -> bool:
    """True when this account or address failed too often inside the window."""
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    by_user = recent.filter(username=username.lower()).count()
    by_address = recent.filter(address=address).count() if address else 0
    # An address may try several accounts (an office behind one NAT), so it gets more room.
    return by_user >= settings.LOGIN_FAILURE_LIMIT or by_address >= 4 * settings.LOGIN_FAILURE_LIMIT


def record_failure(*, username: str, address: str | None) -> None:
    LoginFailure.objects.create(username=username.lower()[:150], address=address)
    horizon = timezone.now() - timedelta(seconds=2 * settings.LOGIN_FAILURE_WINDOW_SECONDS)
    LoginFailure.objects.filter(at__lt=horizon).delete()


def clear_failures(*, username: str) -> None:
    LoginFailure.objects.filter(Q(username=username.lower())).delete()


def issue_token(user: User, *, name: str = "mobile") -> str:
    """Create an API token and return its key; only the digest is kept."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(key))
    return key


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def user_for_token(key: str) -> User | None:
    """The active user of an API token, with their role assignments (and departments)
    read in the same statement: every API call asks who is calling, and nearly every one
    then asks what they may do. (On SQLite, whose raw rows would want the ORM's
    conversions, the token's row through the ORM.)"""
    if connection.vendor != "postgresql":
        token = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(key)).first()
        if token is None or not token.user.is_active:
            return None
        note_use(token.pk, token.last_used_at)
        return token.user
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [ApiToken.digest_of(key)])
        rows = cursor.fetchall()
    if not rows:
        return None
    token_id, last_used_at = rows[0][:2]
    user = User.from_db(connection.alias, _USER_FIELDS, rows[0][2:_ASSIGNMENT_AT])
    if not user.is_active:
        return None
    user._role_assignments = [_assignment(row) for row in rows if row[_ASSIGNMENT_AT] is not None]
    note_use(token_id, last_used_at)
    return user


_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]
_ASSIGNMENT_FIELDS = [f.attname for f in RoleAssignment._meta.concrete_fields]
_DEPARTMENT_FIELDS = [f.attname for f in Department._meta.concrete_fields]
_ASSIGNMENT_AT = 2 + len(_USER_FIELDS)
_DEPARTMENT_AT = _ASSIGNMENT_AT + len(_ASSIGNMENT_FIELDS)


def _assignment(row: tuple) -> RoleAssignment:
    assignment = RoleAssignment.from_db(connection.alias, _ASSIGNMENT_FIELDS, row[_ASSIGNMENT_AT:_DEPARTMENT_AT])
    department = None
    if row[_DEPARTMENT_AT] is not None:
        department = Department.from_db(connection.alias, _DEPARTMENT_FIELDS, row[_DEPARTMENT_AT:])
    assignment.department = department  # as select_related("department") leaves it
    return assignment


@functools.cache
def _token_sql() -> str:
    def columns(alias: str, model) -> str:
        return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)

    return (
        f"SELECT t.id, t.last_used_at, {columns('u', User)}, {columns('r', RoleAssignment)}, "
        f"{columns('d', Department)} FROM {ApiToken._meta.db_table} t "
        f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
        f"LEFT JOIN {RoleAssignment._meta.db_table} r ON r.user_id = u.id "
        f"LEFT JOIN {Department._meta.db_table} d ON d.id = r.department_id "
        "WHERE t.digest = %s ORDER BY r.id"
    )


def note_use(token_id: int, last_used_at: datetime | None) -> None:
    """Record that the token is in use, at most once a minute."""
    now = timezone.now()
    # To the minute is enough to tell a token in use from a forgotten one; writing it on
    # every request would cost a commit per API call.
    if last_used_at is None or now - last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
