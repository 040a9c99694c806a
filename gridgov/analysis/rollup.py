"""Keep the facts and the daily rollups in step with the event log.

`fold()` — run every minute by the worker — reads the log rows written since its watermark,
recomputes the fact of every event they touch, and adds to the rollups the difference between
each event's new contributions and its old ones. Because it applies differences, folding an
event twice changes nothing: each pass reads back a margin of log rows before its watermark,
so a transaction that committed late (with a lower id than rows already read) is not missed.

`rebuild()` computes everything from scratch from the events; the two must agree (tested
with random workflows in tests/test_rollup_property.py).
"""

import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from gridgov.analysis.models import DailyRollup, EventFact, RollupState
from gridgov.events.models import Category, Closure, Event, EventLog, LogAction, Status

log = logging.getLogger(__name__)

# The region prefixes a rollup row is kept for: everything, province, city, district, town.
REGION_LENGTHS = (0, 2, 4, 6, 9)
# Log rows read back before the watermark on every pass (see the module's docstring).
OVERLAP = 1000
BATCH = 2000
REBUILD_BATCH = 5000

SATISFIED = {"satisfied", "basically"}
PENDING = {Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING}

# Which measures fall on which of a fact's days, and how the database sums them.
MEASURES = {
    "reported_on": {"reported": Count("pk")},
    "handled_on": {
        "handled": Count("pk"),
        "handled_on_time": Count("pk", filter=Q(handled_on_time=True)),
        "handle_seconds": Sum("handle_seconds"),
        "reworked": Count("pk", filter=Q(reworks__gt=0)),
        "rework_times": Sum("reworks"),
        "extended": Count("pk", filter=Q(extensions__gt=0)),
    },
    "closed_on": {
        "closed": Count("pk", filter=Q(status=Status.CLOSED)),
        "closed_on_time": Count("pk", filter=Q(closed_on_time=True)),
        "close_seconds": Sum("close_seconds"),
        "self_handled": Count("pk", filter=Q(self_handled=True)),
        "rated": Count("pk", filter=Q(rated=True)),
        "satisfied": Count("pk", filter=Q(satisfied=True)),
        "invalid": Count("pk", filter=Q(status__in=[Status.REJECTED, Status.MERGED])),
    },
}
METRICS = [name for measures in MEASURES.values() for name in measures]


# --- one event ------------------------------------------------------------------------------


def _day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def fact_of(event: Event, satisfaction: str = "", *, major_id: int | None = None) -> EventFact:
    """The fact of `event` as it stands; `satisfaction` is the rating on its verify row,
    `major_id` its major class (read from the event's category when not given)."""
    handled = event.handled_at is not None
    on_time = handled and (event.handle_due_at is None or event.handled_at <= event.handle_due_at)
    closed = event.status == Status.CLOSED
    ended = event.status in (Status.CLOSED, Status.REJECTED, Status.MERGED)
    return EventFact(
        event_id=event.pk,
        area_code=event.area_code,
        category_id=event.category_id,
        major_id=major_id or event.category.parent_id or event.category_id,
        source=event.source,
        level=event.level,
        status=event.status,
        lead_id=event.lead_id,
        reporter_id=event.reporter_id,
        reported_at=event.reported_at,
        reported_on=_day(event.reported_at),
        handled_on=_day(event.handled_at) if handled else None,
        closed_on=_day(event.closed_at) if ended else None,
        handled_on_time=on_time,
        handle_seconds=int((event.handled_at - (event.signed_at or event.handled_at)).total_seconds()) if handled else 0,
        reworks=event.rework_count,
        extensions=event.extension_count,
        closed_on_time=closed and on_time,
        close_seconds=int((event.closed_at - event.reported_at).total_seconds()) if closed and event.closed_at else 0,
        self_handled=closed and event.closure == Closure.SELF_HANDLED,
        rated=closed and bool(satisfaction),
        satisfied=closed and satisfaction in SATISFIED,
        pending_due_at=event.due_at if event.status in PENDING else None,
    )


def contributions(fact: EventFact) -> dict[tuple, Counter]:
    """What the fact adds to the rollups: (day, region, category) → measures."""
    by_day: dict[date, Counter] = defaultdict(Counter)
    by_day[fact.reported_on]["reported"] += 1
    if fact.handled_on:
        by_day[fact.handled_on].update({
            "handled": 1, "handled_on_time": int(fact.handled_on_time), "handle_seconds": fact.handle_seconds,
            "reworked": int(fact.reworks > 0), "rework_times": fact.reworks, "extended": int(fact.extensions > 0),
        })
    if fact.closed_on:
        closed = fact.status == Status.CLOSED
        by_day[fact.closed_on].update({
            "closed": int(closed), "closed_on_time": int(fact.closed_on_time), "close_seconds": fact.close_seconds,
            "self_handled": int(fact.self_handled), "rated": int(fact.rated), "satisfied": int(fact.satisfied),
            "invalid": int(not closed),
        })
    result = {}
    for day, measures in by_day.items():
        for length in REGION_LENGTHS:
            result[(day, fact.area_code[:length], fact.category_id)] = measures
    return result


# --- the incremental job --------------------------------------------------------------------


def _satisfaction(event_ids: Iterable[int]) -> dict[int, str]:
    rows = EventLog.objects.filter(event_id__in=event_ids, action=LogAction.VERIFY).values_list("event_id", "data")
    return {event_id: (data or {}).get("satisfaction", "") for event_id, data in rows}


def refresh(event_ids: Iterable[int]) -> int:
    """Recompute the facts of these events and move the rollups by the difference. Must run
    inside the transaction that holds the rollup state's lock (see `fold`)."""
    event_ids = list(event_ids)
    events = list(Event.objects.filter(pk__in=event_ids).select_related("category"))
    ratings = _satisfaction(event_ids)
    old = {f.event_id: f for f in EventFact.objects.filter(event_id__in=event_ids)}
    delta: dict[tuple, Counter] = defaultdict(Counter)
    new = []
    for event in events:
        fact = fact_of(event, ratings.get(event.pk, ""))
        if event.pk in old:
            for key, measures in contributions(old[event.pk]).items():
                delta[key].subtract(measures)
        for key, measures in contributions(fact).items():
            delta[key].update(measures)
        new.append(fact)
    EventFact.objects.filter(event_id__in=[e.pk for e in events]).delete()
    EventFact.objects.bulk_create(new)
    _apply(delta)
    return len(new)


def _apply(delta: dict[tuple, Counter]) -> None:
    delta = {key: measures for key, measures in delta.items() if any(measures.values())}
    if not delta:
        return
    days = {k[0] for k in delta}
    regions = {k[1] for k in delta}
    existing = {
        (r.day, r.region, r.category_id): r
        for r in DailyRollup.objects.select_for_update().filter(day__in=days, region__in=regions)
    }
    created, changed, emptied = [], [], []
    for key, measures in delta.items():
        row = existing.get(key)
        if row is None:
            row = DailyRollup(day=key[0], region=key[1], category_id=key[2])
            created.append(row)
        else:
            changed.append(row)
        for name, value in measures.items():
            setattr(row, name, getattr(row, name) + value)
    for row in changed:
        if not any(getattr(row, name) for name in METRICS):
            emptied.append(row.pk)
    DailyRollup.objects.bulk_create(created)
    kept = [row for row in changed if row.pk not in emptied]
    if kept:
        DailyRollup.objects.bulk_update(kept, METRICS)
    if emptied:
        DailyRollup.objects.filter(pk__in=emptied).delete()


def fold(now: datetime | None = None) -> int:
    """Fold the log rows written since the last pass into facts and rollups; returns how
    many events were refreshed. Several workers may call it: they take turns on one row."""
    now = now or timezone.now()
    with transaction.atomic():
        RollupState.objects.get_or_create(pk=1)
        state = RollupState.objects.select_for_update().get(pk=1)
        last = EventLog.objects.aggregate(last=Max("id"))["last"] or 0
        if last <= state.last_log_id and state.updated_at is not None:
            return 0
        ids = sorted(set(
            EventLog.objects.filter(id__gt=state.last_log_id - OVERLAP, id__lte=last).values_list("event_id", flat=True)
        ))
        for start in range(0, len(ids), BATCH):
            refresh(ids[start:start + BATCH])
        RollupState.objects.filter(pk=1).update(last_log_id=last, updated_at=now)
        return len(ids)


# --- from scratch -----------------------------------------------------------------------------


def sums(facts, date_field: str, keys: dict, start: date | None = None, end: date | None = None) -> dict[tuple, Counter]:
    """The measures that fall on `date_field` (between `start` and `end` when given), summed
    over the `facts` queryset by `keys` (name → expression): (key values…) → measures."""
    facts = facts.filter(**{f"{date_field}__isnull": False})
    if start is not None:
        facts = facts.filter(**{f"{date_field}__gte": start})
    if end is not None:
        facts = facts.filter(**{f"{date_field}__lte": end})
    if keys:
        rows = facts.annotate(**keys).values(*keys).annotate(**MEASURES[date_field]).order_by()
    else:
        rows = [facts.aggregate(**MEASURES[date_field])]
    result = {}
    for row in rows:
        key = tuple(row.pop(k) for k in keys)
        result[key] = Counter({k: v or 0 for k, v in row.items()})
    return result


def rebuild(*, now: datetime | None = None) -> tuple[int, int]:
    """Recompute every fact and rollup row from the events. Returns (facts, rollup rows)."""
    now = now or timezone.now()
    with transaction.atomic():
        RollupState.objects.get_or_create(pk=1)
        RollupState.objects.select_for_update().get(pk=1)
        last = EventLog.objects.aggregate(last=Max("id"))["last"] or 0
        DailyRollup.objects.all().delete()
        EventFact.objects.all().delete()
        majors = {pk: parent or pk for pk, parent in Category.objects.values_list("pk", "parent_id")}
        facts = 0
        after = 0
        while True:
            events = list(Event.objects.filter(pk__gt=after).order_by("pk")[:REBUILD_BATCH])
            if not events:
                break
            ratings = _satisfaction([e.pk for e in events])
            EventFact.objects.bulk_create(
                [fact_of(e, ratings.get(e.pk, ""), major_id=majors[e.category_id]) for e in events]
            )
            facts += len(events)
            after = events[-1].pk
        rows = _insert_rollups()
        RollupState.objects.filter(pk=1).update(last_log_id=last, updated_at=now)
    return facts, rows


# The facts summed into rollup rows in the database, one statement per region length: each
# fact contributes a row per day that one of its measures falls on (as in `contributions`).
_CONTRIBUTIONS = """
SELECT reported_on AS day, substr(area_code, 1, %(n)s) AS region, category_id,
       1 AS reported, 0 AS handled, 0 AS handled_on_time, 0 AS handle_seconds, 0 AS reworked, 0 AS rework_times,
       0 AS extended, 0 AS closed, 0 AS closed_on_time, 0 AS close_seconds, 0 AS self_handled, 0 AS rated,
       0 AS satisfied, 0 AS invalid
FROM {fact}
UNION ALL
SELECT handled_on, substr(area_code, 1, %(n)s), category_id,
       0, 1, CASE WHEN handled_on_time THEN 1 ELSE 0 END, handle_seconds, CASE WHEN reworks > 0 THEN 1 ELSE 0 END,
       reworks, CASE WHEN extensions > 0 THEN 1 ELSE 0 END, 0, 0, 0, 0, 0, 0, 0
FROM {fact} WHERE handled_on IS NOT NULL
UNION ALL
SELECT closed_on, substr(area_code, 1, %(n)s), category_id,
       0, 0, 0, 0, 0, 0, 0, CASE WHEN status = 'closed' THEN 1 ELSE 0 END, CASE WHEN closed_on_time THEN 1 ELSE 0 END,
       close_seconds, CASE WHEN self_handled THEN 1 ELSE 0 END, CASE WHEN rated THEN 1 ELSE 0 END,
       CASE WHEN satisfied THEN 1 ELSE 0 END, CASE WHEN status IN ('rejected', 'merged') THEN 1 ELSE 0 END
FROM {fact} WHERE closed_on IS NOT NULL
"""


def _insert_rollups() -> int:
    """Fill the empty rollup table from the facts; returns the rows written."""
    fact, rollup = EventFact._meta.db_table, DailyRollup._meta.db_table
    columns = ", ".join(METRICS)
    sums = ", ".join(f"SUM({m})" for m in METRICS)
    with connection.cursor() as cursor:
        for length in REGION_LENGTHS:
            cursor.execute(
                f"INSERT INTO {rollup} (day, region, category_id, {columns}) "
                f"SELECT day, region, category_id, {sums} FROM ({_CONTRIBUTIONS.format(fact=fact)}) AS c "
                f"GROUP BY day, region, category_id",
                {"n": length},
            )
    return DailyRollup.objects.count()


# --- the worker's loop ------------------------------------------------------------------------


def run_forever(stopping: threading.Event, *, interval: float = 60.0) -> None:
    """Fold every `interval` seconds until `stopping` is set (a thread of the worker)."""
    while not stopping.is_set():
        if not connection.in_atomic_block:
            close_old_connections()  # a connection dropped while we slept is replaced
        try:
            fold()
        except DatabaseError:
            log.exception("rollup pass failed; retrying after the interval")
        stopping.wait(interval)
