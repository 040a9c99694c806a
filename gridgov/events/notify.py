"""Telling people about events: a Notice row per person, sent by a background task.

Issuing is idempotent (a unique key per event, kind, deadline and person), and sending
happens only after the transaction that decided it has committed.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from gridgov.accounts.models import Role, User
from gridgov.events.models import Coordination, Event, Notice
from gridgov.lib import once


def issue(
    event: Event, *, kind: str, recipients: Iterable[User], text: str, due_at: datetime | None = None
) -> list[Notice]:
    """Create one notice per recipient unless it exists already; enqueue the new ones.

    `recipients` may be a queryset of users: then the rows are written straight from it,
    in one statement, without reading the people first."""
    now = timezone.now()
    if isinstance(recipients, QuerySet):
        created = _insert_for(event, kind=kind, recipients=recipients, text=text, due_at=due_at, now=now)
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
    event: Event, *, kind: str, recipients: QuerySet, text: str, due_at: datetime | None, now: datetime
) -> list[Notice]:
    """INSERT … SELECT from the recipients' query; a notice that exists already is skipped
    by the unique key, as another sweeper's would be."""
    people, people_params = recipients.filter(is_active=True).values(person=F("pk")).query.sql_with_params()
    values = {"event": event.pk, "kind": kind, "due_at": due_at, "text": text, "created_at": now,
              "sent_at": None, "channels": [], "error": ""}
    fields = [Notice._meta.get_field(name) for name in values]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    recipient = quote(Notice._meta.get_field("recipient").column)
    # "WHERE true": SQLite needs it to tell ON CONFLICT from a join's ON.
    sql = (
        f"INSERT INTO {quote(Notice._meta.db_table)} ({columns}, {recipient}) "
        f"SELECT {', '.join(['%s'] * len(fields))}, people.person FROM ({people}) people WHERE true "
        f"ON CONFLICT DO NOTHING RETURNING {quote('id')}, {recipient}"
    )
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *people_params])
        rows = sorted(cursor.fetchall())
    return [
        Notice(pk=pk, event=event, kind=kind, due_at=due_at, recipient_id=recipient_id, text=text, created_at=now)
        for pk, recipient_id in rows
    ]


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
    return list(command_room_people(event))


def command_room_people(event: Event) -> QuerySet[User]:
    """`command_room` as a query, for `issue` to write the notices from."""
    if event.coordination == Coordination.DISTRICT:
        q = Q(roles__role=Role.DISTRICT_OPERATOR, roles__scope=event.area_code[:6])
    else:
        q = Q(roles__role=Role.TOWN_OPERATOR, roles__scope=event.area_code[:9])
    return User.objects.filter(q, is_active=True).distinct()


def department_people(department) -> list[User]:
    if department is None:
        return []
    people = list(department.members.filter(is_active=True))
    if department.head_id and department.head not in people:
        people.append(department.head)
    return people
