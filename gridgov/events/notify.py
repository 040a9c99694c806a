"""Telling people about events: a Notice row per person, sent by a background task.

Issuing is idempotent (a unique key per event, kind, deadline and person), and sending
happens only after the transaction that decided it has committed.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from gridgov.accounts.models import Role, User
from gridgov.events.models import Coordination, Event, Notice


def issue(
    event: Event, *, kind: str, recipients: Iterable[User], text: str, due_at: datetime | None = None
) -> list[Notice]:
    """Create one notice per recipient unless it exists already; enqueue the new ones."""
    now = timezone.now()
    people = {r.pk: r for r in recipients if r is not None and r.is_active}.values()
    notices = [
        Notice(event=event, kind=kind, due_at=due_at, recipient=r, text=text, created_at=now) for r in people
    ]
    if not notices:
        return []
    try:
        # Usually none of them exists yet (a new event, a new step): one INSERT for all.
        with transaction.atomic():
            created = Notice.objects.bulk_create(notices)
    except IntegrityError:
        created = []
        for notice in notices:
            try:
                with transaction.atomic():
                    notice.save(force_insert=True)
                created.append(notice)
            except IntegrityError:
                continue  # already issued, by us earlier or by another sweeper just now
    if created:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(ids: list[int]) -> None:
    from gridgov.events.tasks import send_notices

    # With the database task backend each enqueue is a row: one task for the occasion.
    send_notices.enqueue(ids)


def command_room(event: Event) -> list[User]:
    """The operators who coordinate this event: its town's room, or the district centre."""
    if event.coordination == Coordination.DISTRICT:
        q = Q(roles__role=Role.DISTRICT_OPERATOR, roles__scope=event.area_code[:6])
    else:
        q = Q(roles__role=Role.TOWN_OPERATOR, roles__scope=event.area_code[:9])
    return list(User.objects.filter(q, is_active=True).distinct())


def department_people(department) -> list[User]:
    if department is None:
        return []
    people = list(department.members.filter(is_active=True))
    if department.head_id and department.head not in people:
        people.append(department.head)
    return people
