"""Deadlines in working time across the 2026 Spring Festival (春节): holiday 15–23 February,
with Saturday 14 and Saturday 28 February worked in exchange (调休上班). Time is frozen, and
the workflow reads the clock itself, as it does in production."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from gridgov.events import deadlines, sweep, workflow
from gridgov.events.models import Event, Level, LimitUnit, Status
from gridgov.events.tests.lifecycle import fresh
from gridgov.worktime.calendar import current_calendar, forget

SHANGHAI = timezone.get_fixed_timezone(8 * 60)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _calendar_from_this_database():
    forget()
    yield
    forget()


def report_now(world, category, *, level: int = Level.ORDINARY) -> Event:
    event, _ = workflow.report(
        by=world.gina, title="节前占道经营", description="年货摊点占用人行道。", category=category,
        lon=120.005, lat=30.01, level=level,
    )
    return event


def test_a_report_on_the_last_afternoon_before_the_holiday_is_due_after_it(world, street_vending):
    with time_machine.travel(at(2, 14, 15), tick=False):  # the 调休 Saturday before 除夕
        event = report_now(world, street_vending)
    # 2.5 of the 4 working hours are left that day; the other 1.5 come after the holiday.
    assert event.due_at == at(2, 24, 10)
    assert event.warn_at == at(2, 24, 9, 12)  # the last fifth of the 4 hours: 48 minutes


def test_a_make_up_saturday_counts_as_a_workday(world, street_vending):
    with time_machine.travel(at(2, 13, 15), tick=False):
        event = report_now(world, street_vending)
    assert event.due_at == at(2, 14, 10)


@pytest.mark.parametrize(
    ("moment", "light"),
    [
        (at(2, 14, 16), "green"),
        (at(2, 18, 12), "green"),  # in the middle of the holiday nothing runs late
        (at(2, 24, 9, 11), "green"),
        (at(2, 24, 9, 12), "yellow"),
        (at(2, 24, 9, 59), "yellow"),
        (at(2, 24, 10), "red"),
        (at(3, 2, 10), "red"),
    ],
)
def test_the_light_turns_yellow_then_red_at_the_right_moments(world, street_vending, moment, light):
    with time_machine.travel(at(2, 14, 15), tick=False):
        event = report_now(world, street_vending)
    with time_machine.travel(moment, tick=False):
        assert fresh(event).light_at(timezone.now()) == light


def test_handling_signed_before_the_holiday_ends_five_working_days_later(world, street_vending):
    with time_machine.travel(at(2, 13, 9), tick=False):
        event = report_now(world, street_vending)
        workflow.accept(event, by=world.otto)
        workflow.dispatch(event, lead=world.enforcement_a, by=world.otto)
        workflow.sign(event, by=world.dora)
    event = fresh(event)
    assert event.status == Status.HANDLING
    # 14 (调休), 24, 25, 26, 27 February: five workdays after the 13th, closing at 17:30.
    assert event.due_at == at(2, 27, 17, 30)


def test_a_dispatch_late_on_the_last_day_leaves_its_sign_deadline_after_the_holiday(world, street_vending):
    with time_machine.travel(at(2, 14, 9), tick=False):
        event = report_now(world, street_vending)
        workflow.accept(event, by=world.otto)
    with time_machine.travel(at(2, 14, 17), tick=False):
        workflow.dispatch(event, lead=world.enforcement_a, by=world.otto)
    # Two working hours: half an hour on the 14th, an hour and a half on the 24th.
    assert fresh(event).due_at == at(2, 24, 10)


# --- the warning window of graver events ---------------------------------------------------

MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("level", "due", "warn"),
    [
        # 2 working hours to accept: the 24-hour window is held to the last hour.
        (Level.SERIOUS, at(3, 4, 11), at(3, 4, 10)),
        # 1 working hour: the last half hour.
        (Level.MAJOR, at(3, 4, 10), at(3, 4, 9, 30)),
    ],
)
def test_a_grave_event_is_green_when_reported_and_yellow_only_inside_its_window(
    world, street_vending, level, due, warn
):
    with time_machine.travel(at(3, 4, 9), tick=False):
        event = report_now(world, street_vending, level=level)
        assert event.light_at(timezone.now()) == "green"
        assert sweep.sweep_once().reminders == 0
    assert (event.due_at, event.warn_at) == (due, warn)
    for moment, light in [
        (warn - MINUTE, "green"),
        (warn, "yellow"),
        (due - MINUTE, "yellow"),
        (due, "red"),
        (due + timedelta(days=1), "red"),
    ]:
        with time_machine.travel(moment, tick=False):
            assert fresh(event).light_at(timezone.now()) == light, moment


def test_a_grave_events_handling_step_keeps_the_first_half_green(world, street_vending):
    with time_machine.travel(at(3, 4, 9), tick=False):
        event = report_now(world, street_vending, level=Level.SERIOUS)
        workflow.accept(event, by=world.otto)
        workflow.dispatch(event, lead=world.enforcement_a, by=world.otto)
        workflow.sign(event, by=world.dora)
    event = fresh(event)
    # 3 working days from Wednesday 09:00: 7 hours that day and 22.5 more, to Monday 17:30.
    assert event.due_at == at(3, 9, 17, 30)
    # Half of the 29.5 hours is 14.75, less than 24: yellow from Friday 08:45.
    assert event.warn_at == at(3, 6, 8, 45)


def test_every_default_window_is_one_an_administrator_could_enter(db):
    hours_per_day = current_calendar().hours_per_day
    for level, steps in deadlines.DEFAULTS.items():
        for step, limit in steps.items():
            length = limit.limit if limit.unit == LimitUnit.HOURS else limit.limit * hours_per_day
            window = deadlines.warning_window(length, level=level, warning_hours=limit.warning_hours)
            longest = deadlines.longest_window(limit.limit, limit.unit, hours_per_day)
            assert 0 < window <= longest, (level, step)
            assert limit.warning_hours is None or limit.warning_hours <= longest, (level, step)


def test_a_deadline_already_behind_its_start_turns_yellow_at_once(db):
    """An extension approved after the deadline it moves: the new one may still be past."""
    warn = deadlines.warning_time(at(3, 20, 9), at(3, 16, 17, 30), level=Level.SERIOUS)
    assert warn == at(3, 20, 9)
