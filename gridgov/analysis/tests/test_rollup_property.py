"""The rollups folded a few log rows at a time equal the rollups rebuilt from scratch, after
any sequence of workflow steps (random events walked through random transitions)."""

from datetime import timedelta

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.analysis import rollup
from gridgov.analysis.models import DailyRollup, EventFact
from gridgov.conftest import photo, report_in_a1
from gridgov.events import workflow
from gridgov.events.models import Event, Status

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


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(STEPS), st.integers(0, 5), st.integers(1, 60 * 30),
                  st.sampled_from(["", "satisfied", "basically", "unsatisfied"])),
        min_size=1, max_size=25,
    )
)
def test_folded_rollups_equal_a_rebuild_after_random_workflows(world, street_vending, steps):
    with transaction.atomic():
        at = report_in_a1(world, street_vending).reported_at
        for kind, pick, minutes, satisfaction in steps:
            at += timedelta(minutes=minutes)
            _step(world, street_vending, kind, pick, at, satisfaction)
        rollup.fold()
        folded = _state()
        rollup.rebuild()
        rebuilt = _state()
        transaction.set_rollback(True)
    assert folded[0] == rebuilt[0]
    assert folded[1] == rebuilt[1]
    assert rebuilt[1], "the rebuild found nothing to count"
