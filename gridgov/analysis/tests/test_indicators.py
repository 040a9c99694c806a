"""Indicator formulas against figures worked out by hand."""

from datetime import date, timedelta

import pytest

from gridgov.analysis import indicators, rollup
from gridgov.analysis.models import Subject
from gridgov.analysis.tests import march
from gridgov.conftest import photo
from gridgov.events import workflow
from gridgov.events.models import Status
from gridgov.events.tests.lifecycle import event_in, fresh

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _town_a(world, now):
    rollup.fold()
    return indicators.totals([world.town_a.prefix], *MARCH, now=now)


def test_nothing_due_leaves_every_rate_empty_and_no_score(world, street_vending):
    event = event_in(world, street_vending, Status.ACCEPTED)
    figures = _town_a(world, now=event.reported_at + timedelta(hours=1))
    assert (figures["reported"], figures["due"], figures["handled"], figures["overdue"]) == (1, 0, 0, 0)
    assert all(figures[r.key] is None for r in indicators.RATES)
    assert indicators.score(figures, indicators.DEFAULT_WEIGHTS) is None
    assert indicators.grade(None) == ""


def test_everything_late(world, street_vending):
    # Two events handled an hour after their handling deadline, a third still handling
    # past its deadline.
    for _ in range(2):
        event = event_in(world, street_vending, Status.HANDLING)
        workflow.feed_back(event, by=world.dora, note="已处置", photos=[photo()], at=event.handle_due_at + timedelta(hours=1))
        workflow.verify(fresh(event), by=world.gina, satisfaction="unsatisfied", at=event.handle_due_at + timedelta(hours=2))
    stuck = event_in(world, street_vending, Status.HANDLING)
    figures = _town_a(world, now=stuck.due_at + timedelta(minutes=1))
    assert (figures["handled"], figures["handled_on_time"], figures["overdue"], figures["due"]) == (2, 0, 1, 3)
    assert figures["handle_rate"] == pytest.approx(2 / 3)
    assert figures["on_time_handle_rate"] == 0
    assert figures["overdue_rate"] == pytest.approx(1 / 3)
    assert (figures["closed"], figures["closed_on_time"], figures["on_time_close_rate"]) == (2, 0, 0)
    assert figures["satisfaction_rate"] == 0
    # Jinniu: 30×2/3 + 20×0 + 20×(1−0) + 20×(1−1/3) + 10×(1−0) = 63.3 → C
    points = indicators.score(figures, indicators.DEFAULT_WEIGHTS)
    assert points == pytest.approx(63.3)
    assert indicators.grade(points) == "C"


def test_an_event_reworked_twice_counts_once_as_reworked(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLED)
    at = event.handled_at
    for _ in range(2):
        at += timedelta(hours=1)
        workflow.rework(fresh(event), by=world.gina, reason="摊贩又回来了", at=at)
        at += timedelta(hours=1)
        workflow.feed_back(fresh(event), by=world.dora, note="再次劝离", photos=[photo()], at=at)
    workflow.verify(fresh(event), by=world.gina, satisfaction="basically", at=at + timedelta(hours=1))
    event = fresh(event)
    figures = _town_a(world, now=at + timedelta(days=1))
    assert (figures["handled"], figures["reworked"], figures["closed"], figures["due"]) == (1, 1, 1, 1)
    assert figures["rework_rate"] == 1
    assert figures["satisfaction_rate"] == 1
    # Handling runs from signing to the last feedback, rework included.
    assert figures["avg_handle_hours"] == pytest.approx((event.handled_at - event.signed_at).total_seconds() / 3600)
    assert rollup.EventFact.objects.get(event=event).reworks == 2


def test_self_handled_events_count_as_handled_and_closed_on_time(world, street_vending):
    event, _ = workflow.self_handle(
        by=world.gina, title="井盖松动", description="人行道井盖松动，已现场加固。", category=street_vending,
        lon=120.005, lat=30.01, note="已加固", photos=[photo()], at=event_in(world, street_vending).reported_at,
    )
    figures = _town_a(world, now=event.reported_at + timedelta(hours=1))
    assert (figures["handled"], figures["handled_on_time"], figures["closed"], figures["closed_on_time"]) == (1, 1, 1, 1)
    assert figures["self_handled_share"] == 1


def test_tables_group_by_subject_inside_the_scope(world, street_vending):
    event_in(world, street_vending, Status.CLOSED)
    rollup.fold()
    by_worker = indicators.table([world.district.prefix], *MARCH, Subject.GRID_WORKER)
    assert [(r["name"], r["figures"]["closed"]) for r in by_worker] == [("高娜", 1)]
    by_department = indicators.table([world.district.prefix], *MARCH, Subject.DEPARTMENT)
    assert [r["name"] for r in by_department] == ["综合行政执法局月河中队"]
    assert indicators.table([world.town_b.prefix], *MARCH, Subject.TOWN) == []
    for subject in Subject.values:
        assert indicators.table([world.town_a.prefix], *MARCH, subject)[0]["rank"] == 1


def test_a_month_of_town_a_worked_out_by_hand(world, street_vending):
    march.town_a(world, street_vending)
    figures = _town_a(world, now=march.AFTER)
    counts = ("reported", "due", "handled", "handled_on_time", "overdue", "closed", "closed_on_time", "reworked",
              "extended")
    assert tuple(figures[k] for k in counts) == (7, 6, 4, 3, 2, 4, 3, 1, 1)
    assert figures["extension_rate"] == pytest.approx(1 / 6)  # E3 of 6 due
    assert figures["on_time_close_rate"] == pytest.approx(3 / 6)  # E1, E3, E5
    assert figures["close_rate"] == pytest.approx(4 / 6)
    # Report to closure: E1 3 h, E2 357 h, E3 31.75 h, the self-handled E5 none.
    assert figures["avg_close_hours"] == pytest.approx((3 + 357 + 31.75 + 0) / 4)
    assert figures["avg_handle_hours"] == pytest.approx((2 + 356 + 30 + 0) / 4)
    assert figures["satisfaction_rate"] == pytest.approx(2 / 3)


def test_a_departments_figures_leave_out_what_it_never_led(world, street_vending):
    march.town_a(world, street_vending)
    rollup.fold()
    (unit,) = indicators.table([world.town_a.prefix], *MARCH, Subject.DEPARTMENT, now=march.AFTER)
    figures = unit["figures"]
    # E1, E2, E3 handled, E4 overdue; not the self-handled E5, nor E7 that no one was sent.
    assert (figures["handled"], figures["overdue"], figures["due"], figures["closed_on_time"]) == (3, 1, 4, 2)
    assert figures["extension_rate"] == pytest.approx(1 / 4)
    assert figures["on_time_close_rate"] == pytest.approx(2 / 4)
    assert figures["avg_close_hours"] == pytest.approx((3 + 357 + 31.75) / 3)
    # 30×3/4 + 20×2/4 + 20×(1−1/4) + 20×(1−1/4) + 10×(1−1/4) = 22.5 + 10 + 15 + 15 + 7.5
    assert (unit["score"], unit["grade"]) == (70.0, "C")
