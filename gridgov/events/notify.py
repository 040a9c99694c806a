"""Telling people about events: a Notice row per person, sent by a background task.

Issuing is idempotent (a unique key per event, kind, deadline and person), and sending
happens only after the transaction that decided it has committed.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.events.models import Coordination, Event, Notice
from gridgov.lib import once


@dataclass(frozen=True)
class Holders:
    """The active holders of `role` over exactly `scope`, as recipients: `issue` writes
    their notices straight from the role table, in one statement, without reading them."""

    role: str
    scope: str

    def people(self) -> QuerySet[User]:
        return User.objects.filter(roles__role=self.role, roles__scope=self.scope, is_active=True).distinct()


def issue(
    event: Event, *, kind: str, recipients: Iterable[User] | Holders, text: str, due_at: datetime | None = None
) -> list[Notice]:
    """Create one notice per recipient unless it exists already; enqueue the new ones."""
    now = timezone.now()
    if isinstance(recipients, Holders):
        created = _insert_for(event, kind=kind, holders=recipients, text=text, due_at=due_at, now=now)
        _send_after_commit([n.pk for n in created])
        return created
    people = {r.pk: r for r in recipients if r is not None and r.is_active}.values()
    notices = [
        Notice(event=event, kind=kind, due_at=due_at, recipient=r, text=text, created_at=now) for r in people
    ]
    created = once.insert_new(notices)
    _send_after_commit([n.pk for n in created])
    return created


def _insert_for(
    event: Event, *, kind: str, holders: Holders, text: str, due_at: datetime | None, now: datetime
) -> list[Notice]:
    """INSERT … SELECT from the role table; a notice that exists already is skipped by the
    unique key, as another sweeper's would be."""
    values = {"event": event.pk, "kind": kind, "due_at": due_at, "text": text, "created_at": now,
              "sent_at": None, "channels": [], "error": ""}
    params = [Notice._meta.get_field(name).get_db_prep_save(value, connection) for name, value in values.items()]
    with connection.cursor() as cursor:
        cursor.execute(_insert_for_holders_sql(), [*params, holders.role, holders.scope])
        rows = sorted(cursor.fetchall())
    return [
        Notice(pk=pk, event=event, kind=kind, due_at=due_at, recipient_id=recipient_id, text=text, created_at=now)
        for pk, recipient_id in rows
    ]


@functools.cache
def _insert_for_holders_sql() -> str:
    quote = connection.ops.quote_name
    names = ["event", "kind", "due_at", "text", "created_at", "sent_at", "channels", "error"]
    columns = ", ".join(quote(Notice._meta.get_field(name).column) for name in names)
    recipient = quote(Notice._meta.get_field("recipient").column)
    roles, users = quote(RoleAssignment._meta.db_table), quote(User._meta.db_table)
    # "WHERE true": SQLite needs it to tell ON CONFLICT from a join's ON.
    return (
        f"INSERT INTO {quote(Notice._meta.db_table)} ({columns}, {recipient}) "
        f"SELECT {', '.join(['%s'] * len(names))}, people.person FROM ("
        f"SELECT DISTINCT r.user_id AS person FROM {roles} r JOIN {users} u ON u.id = r.user_id "
        "WHERE r.role = %s AND r.scope = %s AND u.is_active) people WHERE true "
        f"ON CONFLICT DO NOTHING RETURNING {quote('id')}, {recipient}"
    )


def _send_after_commit(ids: list[int]) -> None:
    from gridgov.events.tasks import send_notices

    if not ids:
        return
    if isinstance(send_notices.get_backend(), DatabaseBackend):
        # The task is a row in this database: written in this transaction, it commits with
        # the notices or not at all, and no worker sees it before, as after a commit.
        _enqueue(ids)
    else:
        transaction.on_commit(lambda: _enqueue(ids))


def _enqueue(ids: list[int]) -> None:
    from gridgov.events.tasks import send_notices

    # With the database task backend each enqueue is a row: one task for the occasion.
    send_notices.enqueue(ids)


def command_room(event: Event) -> list[User]:
    """The operators who coordinate this event: its town's room, or the district centre."""
    return list(command_room_holders(event).people())


def command_room_holders(event: Event) -> Holders:
    """`command_room` as recipients, for `issue` to write the notices from."""
    if event.coordination == Coordination.DISTRICT:
        return Holders(Role.DISTRICT_OPERATOR, event.area_code[:6])
    return Holders(Role.TOWN_OPERATOR, event.area_code[:9])


def department_people(department) -> list[User]:
    if department is None:
        return []
    people = list(department.members.filter(is_active=True))
    if department.head_id and department.head not in people:
        people.append(department.head)
    return people
