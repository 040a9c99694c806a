"""The deadline sweeper: a reminder (临期提醒) when a step's light turns yellow, a
supervision order (督办单) when it turns red, each exactly once per step deadline however
many sweepers run at the same time.

The pattern is healthchecks' `sendalerts`: find the due rows, take one, re-check it, claim
it with a conditional UPDATE, and only the process whose UPDATE matched writes the log row
and issues the notices. A new deadline for the step (after signing, rework, an extension)
resets the claim, so the new deadline gets its own reminder and order.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from gridgov.accounts.models import Department, DepartmentKind, User
from gridgov.events import notify, workflow
from gridgov.events.models import (
    OPEN,
    Coordination,
    Event,
    NoticeKind,
    Source,
    Step,
    SupervisionOrder,
)
from gridgov.lib import codes

log = logging.getLogger("gridgov.sweep")

BATCH = 500
# Two sweepers may compute the same next order number for two different events; the loser
# of the unique index takes the next one. A handful of tries is plenty.
NUMBER_ATTEMPTS = 5


@dataclass
class SweepResult:
    reminders: int = 0
    orders: int = 0
    failures: int = 0

    @property
    def total(self) -> int:
        return self.reminders + self.orders + self.failures


# --- what is due ------------------------------------------------------------------------


def reminders_due(now: datetime) -> QuerySet[Event]:
    """Open events inside their warning window whose current deadline has had no reminder.

    An event already past its deadline gets a supervision order instead: a reminder after
    the fact tells nobody anything.
    """
    return Event.objects.filter(status__in=OPEN, warn_at__lte=now, due_at__gt=now).filter(
        Q(reminded_for__isnull=True) | ~Q(reminded_for=F("due_at"))
    )


def orders_due(now: datetime) -> QuerySet[Event]:
    """Open events past their current deadline with no supervision order for it yet."""
    return Event.objects.filter(status__in=OPEN, due_at__lte=now).filter(
        Q(supervised_for__isnull=True) | ~Q(supervised_for=F("due_at"))
    )


# --- who owes the step ------------------------------------------------------------------


def owing_people(event: Event) -> list[User]:
    """Whoever must act next: the command room accepts and dispatches, and verifies what a
    resident or the hotline reported; the lead department signs and handles; the reporting
    grid worker verifies their own patrol reports."""
    step = event.step
    if step in (Step.SIGN, Step.HANDLE):
        return notify.department_people(event.lead)
    if step == Step.VERIFY and event.source == Source.GRID_PATROL:
        return [event.reporter]
    return notify.command_room(event)


def command_room_department(event: Event) -> Department | None:
    """The command room (as a department) coordinating the event: the town's, or the
    district centre once the event has been escalated."""
    digits = codes.PREFIX_LENGTH[
        codes.DISTRICT if event.coordination == Coordination.DISTRICT else codes.TOWN
    ]
    return (
        Department.objects.filter(
            kind=DepartmentKind.COMMAND_ROOM,
            is_active=True,
            region__code=codes.pad(event.area_code[:digits]),
        )
        .select_related("head")
        .order_by("pk")
        .first()
    )


def supervised_department(event: Event) -> Department | None:
    """The body a supervision order is addressed to: the lead department for signing and
    handling, otherwise the command room that owes the step (or chases the grid worker)."""
    if event.step in (Step.SIGN, Step.HANDLE) and event.lead_id:
        return event.lead
    return command_room_department(event)


# --- one event --------------------------------------------------------------------------


def _load(event_id: int) -> Event | None:
    return (
        Event.objects.select_related("category", "lead", "lead__head", "reporter")
        .filter(pk=event_id)
        .first()
    )


def _claim(event: Event, field: str, seen: datetime) -> bool:
    """Mark the deadline `seen` as handled in `field` unless someone else already has or the
    step moved on. True only for the one process whose UPDATE matched."""
    unclaimed = Q(**{f"{field}__isnull": True}) | ~Q(**{field: seen})
    updated = (
        Event.objects.filter(pk=event.pk, status=event.status, due_at=seen)
        .filter(unclaimed)
        .update(**{field: seen})
    )
    if updated != 1:
        return False
    # The row is ours until commit; a person may have appended to its log between our
    # read and the claim, so take the log head as it is now.
    event.refresh_from_db(fields=["log_length", "log_head", field])
    return True


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


@transaction.atomic
def remind(event_id: int, *, now: datetime) -> bool:
    """Send the reminder for the event's current deadline if it is due and nobody has.
    Returns whether this call sent it."""
    event = _load(event_id)
    if event is None or not event.is_open or event.due_at is None or event.warn_at is None:
        return False
    seen = event.due_at
    if not (event.warn_at <= now < seen) or event.reminded_for == seen:
        return False
    if not _claim(event, "reminded_for", seen):
        return False  # another sweeper got there first, or the step moved on
    step = Step(event.step)
    text = (
        f"临期提醒：事件 {event.code}「{event.title}」的{step.label}环节"
        f"将于 {_when(seen)} 到期，请抓紧办理。"
    )
    workflow.record_reminder(event, at=now, note=text)
    notify.issue(
        event, kind=NoticeKind.REMINDER, recipients=owing_people(event), text=text, due_at=seen
    )
    return True


@transaction.atomic
def supervise(event_id: int, *, now: datetime) -> SupervisionOrder | None:
    """Issue the supervision order for the event's current deadline if it has passed and
    nobody has. Returns the order this call issued."""
    event = _load(event_id)
    if event is None or not event.is_open or event.due_at is None:
        return None
    seen = event.due_at
    if now < seen or event.supervised_for == seen:
        return None
    if not _claim(event, "supervised_for", seen):
        return None
    step = Step(event.step)
    department = supervised_department(event)
    room = command_room_department(event)
    addressee = department.name if department is not None else "指挥室"
    note = (
        f"事件 {event.code}「{event.title}」的{step.label}环节已于 {_when(seen)} 超期，"
        f"请{addressee}立即办理并反馈。"
    )
    if room is not None and room != department:
        note += f"抄送：{room.name}。"
    order = _create_order(event, step=step, due_at=seen, department=department, note=note, at=now)
    if order is None:
        return None
    workflow.record_supervision(event, order=order, at=now)
    recipients = notify.command_room(event)
    if department is not None:
        recipients += (
            [department.head] if department.head_id else notify.department_people(department)
        )
    if step == Step.VERIFY and event.source == Source.GRID_PATROL:
        recipients.append(event.reporter)
    text = f"督办通知：{order.number}，{note}"
    notify.issue(event, kind=NoticeKind.SUPERVISION, recipients=recipients, text=text, due_at=seen)
    return order


def _next_number(event: Event, at: datetime) -> str:
    """DB-<district>-<year>-<6-digit sequence>, counted per district and year."""
    prefix = f"DB-{event.area_code[:6]}-{timezone.localtime(at).year}-"
    last = (
        SupervisionOrder.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1 if last else 1:06d}"


def _create_order(
    event: Event,
    *,
    step: str,
    due_at: datetime,
    department: Department | None,
    note: str,
    at: datetime,
) -> SupervisionOrder | None:
    for _ in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                return SupervisionOrder.objects.create(
                    number=_next_number(event, at),
                    event=event,
                    step=step,
                    due_at=due_at,
                    department=department,
                    issued_at=at,
                    note=note,
                )
        except IntegrityError:
            if SupervisionOrder.objects.filter(event=event, due_at=due_at).exists():
                return None  # this deadline has its order already
            # Otherwise another sweeper took the number for another event: count again.
    raise RuntimeError(f"could not number a supervision order for {event.code}")


# --- a pass -----------------------------------------------------------------------------


def _each_id(queryset: QuerySet[Event], batch: int) -> Iterator[int]:
    """The primary keys of `queryset`, a batch at a time, so a pass over a large backlog
    neither loads it all nor revisits a row it could not finish."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch])
        yield from ids
        if len(ids) < batch:
            return
        last = ids[-1]


def sweep_once(
    now: datetime | None = None, *, batch: int = BATCH, stop: Callable[[], bool] | None = None
) -> SweepResult:
    """One pass: every reminder and every supervision order due at `now`."""
    now = now or timezone.now()
    result = SweepResult()
    for queryset, step, counter in (
        (reminders_due(now), remind, "reminders"),
        (orders_due(now), supervise, "orders"),
    ):
        for event_id in _each_id(queryset, batch):
            if stop is not None and stop():
                return result
            try:
                done = step(event_id, now=now)
            except workflow.TransitionError:
                continue  # a person acted on the event just now; the next pass looks again
            except Exception:
                log.exception("sweeping event %s failed", event_id)
                result.failures += 1
                continue
            if done:
                setattr(result, counter, getattr(result, counter) + 1)
    # Dispute cases carry deadlines of their own, swept the same way (mediation/sweep.py).
    from gridgov.mediation import sweep as mediation_sweep

    reminders, orders = mediation_sweep.sweep_once(now)
    result.reminders += reminders
    result.orders += orders
    return result


def run_forever(
    stopping: threading.Event, *, interval: float, on_result: Callable[[SweepResult], None] | None = None
) -> None:
    """Sweep every `interval` seconds until `stopping` is set (the sweep command's loop, and
    the thread the worker runs)."""
    while not stopping.is_set():
        # A connection the database dropped while we slept is replaced, not reused.
        _release_connection()
        try:
            result = sweep_once(stop=stopping.is_set)
            if on_result is not None:
                on_result(result)
        except DatabaseError:
            log.exception("sweep pass failed; retrying after the interval")
        stopping.wait(interval)
    _release_connection()


def _release_connection() -> None:
    # Never inside a transaction someone else opened (a caller's atomic block): closing the
    # connection there would end their transaction under them.
    if not connection.in_atomic_block:
        close_old_connections()
