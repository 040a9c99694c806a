"""Verification on site (核查结案) and rework (返工): only the reporter closes a patrol event."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gridgov.conftest import photo
from gridgov.events import workflow
from gridgov.events.models import Closure, LogAction, Notice, Source, Status
from gridgov.events.tests.lifecycle import actions, advance, event_in, fresh
from gridgov.events.workflow import TransitionError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_the_reporting_grid_worker_verifies_and_closes(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLED)
    at = event.handled_at + timedelta(hours=1)
    workflow.verify(event, by=world.gina, note="现场已无摊贩", satisfaction="satisfied", at=at)
    event = fresh(event)
    assert (event.status, event.closure, event.closed_at) == (Status.CLOSED, Closure.VERIFIED, at)
    assert (event.due_at, event.warn_at) == (None, None)
    assert event.log.last().data == {"satisfaction": "satisfied"}


def test_nobody_but_the_reporter_closes_a_patrol_event(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLED)
    for someone in (world.otto, world.dora, world.vera):
        with pytest.raises(PermissionDenied):
            workflow.verify(event, by=someone)
    with pytest.raises(Http404):
        workflow.verify(event, by=world.xena)
    assert fresh(event).status == Status.HANDLED


def test_the_command_room_verifies_an_event_from_the_hotline(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLED, by=world.otto, source=Source.HOTLINE)
    with pytest.raises(PermissionDenied):
        workflow.verify(event, by=world.gina)
    workflow.verify(event, by=world.otto, satisfaction="basically")
    assert fresh(event).status == Status.CLOSED


def test_an_event_still_being_handled_is_not_verified(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLING)
    with pytest.raises(TransitionError):
        workflow.verify(event, by=world.gina)


def test_satisfaction_is_one_of_three(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLED)
    with pytest.raises(ValidationError) as caught:
        workflow.verify(event, by=world.gina, satisfaction="great")
    assert set(caught.value.error_dict) == {"satisfaction"}


def test_rework_sends_the_event_back_to_handling_with_a_new_deadline(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLED)
    old_due = event.handle_due_at
    at = datetime(2026, 3, 9, 15, 0, tzinfo=SHANGHAI)  # a Monday
    workflow.rework(event, by=world.gina, reason="摊贩又回来了", at=at)
    event = fresh(event)
    assert (event.status, event.rework_count, event.handled_at) == (Status.HANDLING, 1, None)
    assert event.due_at == event.handle_due_at == datetime(2026, 3, 16, 17, 30, tzinfo=SHANGHAI)
    assert event.handle_due_at != old_due
    assert (event.log.last().action, event.log.last().note) == (LogAction.REWORK, "摊贩又回来了")
    assert Notice.objects.filter(event=event, recipient=world.dora, text__contains="返工").exists()


def test_rework_counts_each_round(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLED)
    workflow.rework(event, by=world.gina, reason="未处置到位")
    workflow.feed_back(fresh(event), by=world.dora, note="再次劝离", photos=[photo()])
    workflow.rework(fresh(event), by=world.gina, reason="仍未到位")
    event = advance(world, fresh(event), Status.CLOSED)
    assert event.rework_count == 2
    assert actions(event).count(LogAction.REWORK) == 2


def test_rework_needs_a_reason_the_reporter_and_a_handled_event(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLED)
    with pytest.raises(ValidationError) as caught:
        workflow.rework(event, by=world.gina, reason=" ")
    assert set(caught.value.error_dict) == {"reason"}
    with pytest.raises(PermissionDenied):
        workflow.rework(event, by=world.otto, reason="不行")
    handling = event_in(world, street_vending, Status.HANDLING)
    with pytest.raises(TransitionError):
        workflow.rework(handling, by=world.gina, reason="不行")
    assert fresh(event).rework_count == 0
