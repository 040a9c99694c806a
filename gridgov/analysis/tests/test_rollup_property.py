"""After any sequence of workflow steps (random events walked through random transitions), the
rollups folded a few log rows at a time equal the rollups rebuilt from scratch, and the
dashboard's and indicators' figures equal what a plain count of the events' log gives."""

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gridgov.analysis import dashboard, indicators, rollup
from gridgov.analysis.models import DailyRollup, EventFact
from gridgov.conftest import photo, report_in_a1
from gridgov.events import workflow
from gridgov.events.models import Event, EventLog, LogAction, Status

PENDING = [Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.HANDLING]
STEPS = ["report", "self_handle", "advance", "advance", "advance", "rework", "send_back", "reject", "extend", "fold"]


def _state() -> tuple[dict, dict]:
    facts = {f["event_id"]: f for f in EventFact.objects.values()}
    rows = {}
    for row in DailyRollup.objects.values():
        row.pop("id")
        rows[(row.pop("day"), row.pop("region"), row.pop("category_id"))] = row
    return facts, rows


def _step(world, category, kind: str, pick: int, at, satisfaction: str) -> None:
    events = list(Event.objects.order_by("pk"))
    if kind == "report":
        report_in_a1(world, category, at=at)
        return
    if kind == "self_handle":
        workflow.self_handle(by=world.gina, title="井盖松动", description="人行道井盖松动，已现场加固。",
                             category=category, lon=120.005, lat=30.01, note="已加固", photos=[photo()], at=at)
        return
    if kind == "fold":
        rollup.fold()
        return
    if not events:
        return
    event = events[pick % len(events)]
    member = world.dora
    try:
        if kind == "advance":
            if event.status == Status.REPORTED:
                workflow.accept(event, by=world.otto, at=at)
            elif event.status == Status.ACCEPTED:
                workflow.dispatch(event, lead=world.enforcement_a, by=world.otto, at=at)
            elif event.status == Status.DISPATCHED:
                workflow.sign(event, by=member, at=at)
            elif event.status == Status.HANDLING:
                workflow.feed_back(event, by=member, note="已处置", photos=[photo()], at=at)
            elif event.status == Status.HANDLED:
                workflow.verify(event, by=world.gina, satisfaction=satisfaction, at=at)
        elif kind == "rework" and event.status == Status.HANDLED:
            workflow.rework(event, by=world.gina, reason="摊贩又回来了", at=at)
        elif kind == "send_back" and event.status == Status.DISPATCHED:
            workflow.send_back(event, by=member, reason="不属本单位职责", at=at)
        elif kind == "reject" and event.status == Status.REPORTED:
            workflow.reject(event, by=world.otto, reason="重复反映", at=at)
        elif kind == "extend" and event.status == Status.HANDLING:
            extension = workflow.request_extension(event, by=member, days=2, reason="需协调", at=at)
            workflow.approve_extension(extension, by=world.otto, at=at)
    except workflow.TransitionError:
        pass


# Random workflows: (step, which event, minutes after the step before, rating at verification).
# Now and then a week or two passes between steps, so that deadlines are missed too.
PAUSES = st.one_of(st.integers(1, 60 * 30), st.integers(1, 60 * 30), st.integers(60 * 24 * 6, 60 * 24 * 14))
# One workflow with every edge drawn for sure: a rejection, a self-handled event, an event
# handled a fortnight late, and one extended, handled late, reworked and then handled in time.
EVERY_EDGE = [
    ("report", 0, 5, ""), ("self_handle", 0, 5, ""), ("report", 0, 5, ""), ("reject", 3, 5, ""),
    ("advance", 0, 10, ""), ("advance", 0, 10, ""), ("advance", 0, 10, ""),
    ("advance", 1, 10, ""), ("advance", 1, 10, ""), ("advance", 1, 10, ""), ("extend", 1, 10, ""),
    ("fold", 0, 10, ""),
    ("advance", 0, 60 * 24 * 14, ""), ("advance", 0, 10, "unsatisfied"),
    ("advance", 1, 10, ""), ("rework", 1, 10, ""), ("advance", 1, 10, ""), ("advance", 1, 10, "satisfied"),
]
WORKFLOWS = st.lists(
    st.tuples(st.sampled_from(STEPS), st.integers(0, 5), PAUSES,
              st.sampled_from(["", "satisfied", "basically", "unsatisfied"])),
    min_size=1, max_size=25,
)


def _walk(world, category, steps) -> datetime:
    """Report in grid A1 and take the steps; returns the moment of the last one."""
    at = report_in_a1(world, category).reported_at
    for kind, pick, minutes, satisfaction in steps:
        at += timedelta(minutes=minutes)
        _step(world, category, kind, pick, at, satisfaction)
    return at


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=WORKFLOWS)
@example(steps=EVERY_EDGE)
def test_folded_rollups_equal_a_rebuild_after_random_workflows(world, street_vending, steps):
    with transaction.atomic():
        _walk(world, street_vending, steps)
        rollup.fold()
        folded = _state()
        rollup.rebuild()
        rebuilt = _state()
        transaction.set_rollback(True)
    assert folded[0] == rebuilt[0]
    assert folded[1] == rebuilt[1]
    assert rebuilt[1], "the rebuild found nothing to count"


# --- against the events themselves -------------------------------------------------------------
#
# fold() and rebuild() both derive facts with rollup.fact_of, so they agree even if fact_of
# is wrong. Here the figures are counted again from the events' log rows, without it.


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _counted_from_the_log() -> dict[date, Counter]:
    """Every rollup measure per day, from each event's log and its status and deadline."""
    logs = defaultdict(list)
    for row in EventLog.objects.order_by("event_id", "seq").values("event_id", "action", "at", "data"):
        logs[row["event_id"]].append(row)
    days: dict[date, Counter] = defaultdict(Counter)
    for event in Event.objects.all():
        rows = logs[event.pk]

        def last(*actions, rows=rows):
            return next((r for r in reversed(rows) if r["action"] in actions), None)

        reported = last(LogAction.REPORT)["at"]
        days[_local_day(reported)]["reported"] += 1
        self_handled = last(LogAction.SELF_HANDLE) is not None
        on_time = False
        if event.status in (Status.HANDLED, Status.CLOSED):
            handled = last(LogAction.FEED_BACK, LogAction.SELF_HANDLE)["at"]
            signed = last(LogAction.SIGN)
            on_time = event.handle_due_at is None or handled <= event.handle_due_at
            reworks = sum(r["action"] == LogAction.REWORK for r in rows)
            days[_local_day(handled)].update({
                "handled": 1, "handled_on_time": int(on_time), "reworked": int(reworks > 0), "rework_times": reworks,
                "extended": int(any(r["action"] == LogAction.APPROVE_EXTENSION for r in rows)),
                "handle_seconds": int((handled - signed["at"]).total_seconds()) if signed else 0,
            })
        if event.status == Status.CLOSED:
            closing = last(LogAction.VERIFY, LogAction.SELF_HANDLE)
            rating = (closing["data"] or {}).get("satisfaction", "")
            days[_local_day(closing["at"])].update({
                "closed": 1, "closed_on_time": int(on_time), "self_handled": int(self_handled),
                "close_seconds": int((closing["at"] - reported).total_seconds()),
                "rated": int(bool(rating)), "satisfied": int(rating in ("satisfied", "basically")),
            })
        if event.status == Status.REJECTED:
            days[_local_day(last(LogAction.REJECT)["at"])]["invalid"] += 1
    return days


def _nonzero(days: dict) -> dict:
    kept = {day: {k: v for k, v in measures.items() if v} for day, measures in days.items()}
    return {day: measures for day, measures in kept.items() if measures}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=WORKFLOWS)
@example(steps=EVERY_EDGE)
def test_the_dashboards_figures_equal_counts_of_the_events_log_after_random_workflows(world, street_vending, steps):
    with transaction.atomic():
        last = _walk(world, street_vending, steps)
        rollup.fold()
        now = last + timedelta(hours=2)
        start, end = date(2026, 3, 1), _local_day(last) + timedelta(days=1)
        counted = _nonzero(_counted_from_the_log())
        # The district is read from the rollups, the grid from the facts.
        district = _nonzero(dashboard.totals([world.district.prefix], start, end, by="day"))
        grid = _nonzero(dashboard.totals([world.grid_a1.code], start, end, by="day"))
        trend = {d["day"]: (d["reported"], d["handled"], d["closed"]) for d in dashboard.trend(
            [world.town_a.prefix], start, end)}
        figures = indicators.totals([world.town_a.prefix], start, end, now=now)
        overdue = Event.objects.filter(status__in=PENDING, due_at__lt=now).count()
        transaction.set_rollback(True)
    assert district == counted
    assert grid == counted
    assert {d: t for d, t in trend.items() if any(t)} == {
        d: (m.get("reported", 0), m.get("handled", 0), m.get("closed", 0)) for d, m in counted.items()
        if m.get("reported") or m.get("handled") or m.get("closed")
    }
    total = Counter()
    for measures in counted.values():
        total.update(measures)
    due = total["handled"] + overdue
    assert (figures["reported"], figures["handled"], figures["overdue"], figures["due"]) == (
        total["reported"], total["handled"], overdue, due)
    assert figures["on_time_close_rate"] == (total["closed_on_time"] / due if due else None)
    assert figures["extension_rate"] == (total["extended"] / due if due else None)
    assert figures["satisfaction_rate"] == (total["satisfied"] / total["rated"] if total["rated"] else None)
    assert figures["avg_close_hours"] == (
        total["close_seconds"] / total["closed"] / 3600 if total["closed"] else None)
