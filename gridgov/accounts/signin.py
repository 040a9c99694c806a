"""Signing in: throttling of failed attempts and API tokens."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from gridgov.accounts.models import ApiToken, LoginFailure, User


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
    token = (
        ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(key)).first()
    )
    if token is None or not token.user.is_active:
        return None
    note_use(token.pk, token.last_used_at)
    return token.user


def note_use(token_id: int, last_used_at: datetime | None) -> None:
    """Record that the token is in use, at most once a minute."""
    now = timezone.now()
    # To the minute is enough to tell a token in use from a forgotten one; writing it on
    # every request would cost a commit per API call.
    if last_used_at is None or now - last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
