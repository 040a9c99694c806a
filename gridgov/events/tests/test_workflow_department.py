"""The department's steps: dispatch (交办) to it, send back (退回), sign (签收), feed back
(反馈), assist (协办) and extensions (延期)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gridgov.accounts.models import (
    Department,
    DepartmentKind,
    DepartmentLevel,
    Role,
    RoleAssignment,
    User,
)
from gridgov.conftest import photo, report_in_a1
from gridgov.events import workflow
from gridgov.events.models import Attachment, ExtensionStatus, LogAction, Notice, Status
from gridgov.events.tests.lifecycle import actions, event_in, fresh
from gridgov.events.workflow import TransitionError

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def ada(world) -> User:
    """A handler of the district law-enforcement bureau, which assists town A's unit."""
    user = User.objects.create_user(username="ada", password="pw-ada", full_name="艾达")
    RoleAssignment.objects.create(
        user=user, role=Role.DEPARTMENT_HANDLER, scope=world.district.prefix, department=world.enforcement
    )
    world.enforcement.members.add(user)
    return user


# --- dispatch -------------------------------------------------------------------------------


def test_dispatching_starts_the_sign_deadline_and_tells_the_department(world, street_vending, ada):
    event = event_in(world, street_vending, Status.ACCEPTED)
    at = datetime(2026, 3, 4, 11, 0, tzinfo=SHANGHAI)
    workflow.dispatch(event, lead=world.enforcement_a, assisting=[world.enforcement], by=world.otto, at=at)
    event = fresh(event)
    assert (event.status, event.lead, event.dispatched_at) == (Status.DISPATCHED, world.enforcement_a, at)
    assert list(event.assisting.all()) == [world.enforcement]
    # Two working hours from 11:00 cross the lunch break: 14:30.
    assert event.due_at == datetime(2026, 3, 4, 14, 30, tzinfo=SHANGHAI)
    assert Notice.objects.filter(event=event, recipient=world.dora, due_at=event.due_at).exists()


def test_a_department_that_does_not_serve_the_place_is_refused(world, street_vending):
    town_b_unit = Department.objects.create(
        name="综合行政执法局朝阳中队", kind=DepartmentKind.LAW_ENFORCEMENT, level=DepartmentLevel.TOWN,
        region=world.town_b,
    )
    event = event_in(world, street_vending, Status.ACCEPTED)
    with pytest.raises(ValidationError) as caught:
        workflow.dispatch(event, lead=town_b_unit, by=world.otto)
    assert set(caught.value.error_dict) == {"lead"}
    with pytest.raises(ValidationError) as caught:
        workflow.dispatch(event, lead=world.enforcement_a, assisting=[town_b_unit], by=world.otto)
    assert set(caught.value.error_dict) == {"assisting"}
    assert fresh(event).status == Status.ACCEPTED


def test_only_the_command_room_dispatches_and_only_an_accepted_event(world, street_vending):
    reported = event_in(world, street_vending)
    with pytest.raises(TransitionError):
        workflow.dispatch(reported, lead=world.enforcement_a, by=world.otto)
    accepted = event_in(world, street_vending, Status.ACCEPTED)
    with pytest.raises(PermissionDenied):
        workflow.dispatch(accepted, lead=world.enforcement_a, by=world.dora)


# --- send back ------------------------------------------------------------------------------


def test_sending_back_returns_the_event_to_the_room_and_clears_the_lead(world, street_vending, ada):
    event = event_in(world, street_vending, Status.DISPATCHED, assisting=[world.enforcement])
    at = event.dispatched_at + timedelta(minutes=30)
    workflow.send_back(event, by=world.dora, reason="属市场监管职责", at=at)
    event = fresh(event)
    assert (event.status, event.lead, event.dispatched_at) == (Status.ACCEPTED, None, None)
    assert list(event.assisting.all()) == []
    assert event.due_at > at  # a fresh accept-step deadline for re-dispatching
    row = event.log.last()
    assert (row.action, row.department, row.note) == (LogAction.SEND_BACK, world.enforcement_a, "属市场监管职责")
    assert Notice.objects.filter(event=event, recipient=world.otto, text__contains="退回").exists()
    workflow.dispatch(event, lead=world.enforcement, by=world.otto)
    assert fresh(event).lead == world.enforcement


def test_sending_back_needs_a_reason_and_the_lead_department(world, street_vending):
    event = event_in(world, street_vending, Status.DISPATCHED)
    with pytest.raises(ValidationError) as caught:
        workflow.send_back(event, by=world.dora, reason="")
    assert set(caught.value.error_dict) == {"reason"}
    with pytest.raises(PermissionDenied):
        workflow.send_back(event, by=world.otto, reason="不归我们")
    assert fresh(event).status == Status.DISPATCHED


def test_a_signed_event_is_no_longer_sent_back(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLING)
    with pytest.raises(TransitionError):
        workflow.send_back(event, by=world.dora, reason="不归我们")


# --- sign -----------------------------------------------------------------------------------


def test_signing_starts_five_working_days_of_handling(world, street_vending):
    event = event_in(world, street_vending, Status.DISPATCHED)
    at = datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)  # a Thursday
    workflow.sign(event, by=world.dora, at=at)
    event = fresh(event)
    assert (event.status, event.signed_at) == (Status.HANDLING, at)
    # The day it starts is not counted; the fifth workday after it ends at the close, 17:30.
    assert event.due_at == event.handle_due_at == datetime(2026, 3, 12, 17, 30, tzinfo=SHANGHAI)


def test_only_the_lead_department_signs_and_only_once(world, street_vending, ada):
    event = event_in(world, street_vending, Status.DISPATCHED, assisting=[world.enforcement])
    for someone in (world.otto, world.gina, ada):
        with pytest.raises(PermissionDenied):
            workflow.sign(event, by=someone)
    workflow.sign(event, by=world.dora)
    with pytest.raises(TransitionError):
        workflow.sign(fresh(event), by=world.dora)
    assert actions(event).count(LogAction.SIGN) == 1


# --- feed back ------------------------------------------------------------------------------


def test_feeding_back_with_evidence_hands_the_event_to_its_reporter(world, street_vending):
    event = event_in(world, street_vending, Status.HANDLING)
    workflow.feed_back(event, by=world.dora, note="已劝离", photos=[photo(), photo("后.png", (1, 2, 3))])
    event = fresh(event)
    assert event.status == Status.HANDLED and event.handled_at is not None
    row = event.log.last()
    assert (row.action, row.note) == (LogAction.FEED_BACK, "已劝离")
    assert Attachment.objects.filter(log=row).count() == 2
    assert Notice.objects.filter(event=event, recipient=world.gina, text__contains="待核查").exists()


@pytest.mark.parametrize(("note", "photos", "fields"), [("已处置", False, {"photos"}), ("", True, {"note"})])
def test_feedback_needs_a_note_and_a_photo(world, street_vending, note, photos, fields):
    event = event_in(world, street_vending, Status.HANDLING)
    with pytest.raises(ValidationError) as caught:
        workflow.feed_back(event, by=world.dora, note=note, photos=[photo()] if photos else [])
    assert set(caught.value.error_dict) == fields
    assert fresh(event).status == Status.HANDLING


def test_feedback_before_signing_is_refused(world, street_vending):
    event = event_in(world, street_vending, Status.DISPATCHED)
    with pytest.raises(TransitionError):
        workflow.feed_back(event, by=world.dora, note="已处置", photos=[photo()])
    assert not Attachment.objects.exists()


# --- assist ---------------------------------------------------------------------------------


def test_an_assisting_department_records_its_part_without_moving_the_event(world, street_vending, ada):
    event = event_in(world, street_vending, Status.HANDLING, assisting=[world.enforcement])
    workflow.assist(event, by=ada, note="已联合执法", photos=[photo()])
    event = fresh(event)
    row = event.log.last()
    assert event.status == Status.HANDLING
    assert (row.action, row.department, row.old_status, row.new_status) == (
        LogAction.ASSIST, world.enforcement, Status.HANDLING, Status.HANDLING
    )
    assert Attachment.objects.get().log == row


def test_only_assisting_departments_assist_and_only_while_the_event_is_worked_on(world, street_vending, ada):
    event = event_in(world, street_vending, Status.HANDLING, assisting=[world.enforcement])
    with pytest.raises(PermissionDenied):
        workflow.assist(event, by=world.dora, note="我们是主办")
    workflow.feed_back(event, by=world.dora, note="已劝离", photos=[photo()])
    with pytest.raises(TransitionError):
        workflow.assist(fresh(event), by=ada, note="补充")


# --- extensions -----------------------------------------------------------------------------


def handling_from(world, category, signed: datetime):
    event = event_in(world, category, Status.DISPATCHED)
    workflow.sign(event, by=world.dora, at=signed)
    return fresh(event)


def test_an_approved_extension_moves_the_deadline_by_working_days_across_a_holiday(world, street_vending):
    # Signed Wednesday 1 April 2026: five working days skip 清明 (4–6 April) and end on the 9th.
    event = handling_from(world, street_vending, datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI))
    assert event.due_at == datetime(2026, 4, 9, 17, 30, tzinfo=SHANGHAI)
    asked = datetime(2026, 4, 8, 9, 0, tzinfo=SHANGHAI)
    extension = workflow.request_extension(event, by=world.dora, days=3, reason="摊主多次返回，需持续巡查", at=asked)
    assert extension.status == ExtensionStatus.PENDING
    assert Notice.objects.filter(event=event, recipient=world.otto, text__contains="申请延期").exists()

    workflow.approve_extension(extension, by=world.otto, note="同意", at=asked + timedelta(hours=1))
    event = fresh(event)
    # Three more working days: Friday the 10th, Monday the 13th, Tuesday the 14th.
    assert event.due_at == event.handle_due_at == datetime(2026, 4, 14, 17, 30, tzinfo=SHANGHAI)
    assert asked < event.warn_at < event.due_at
    assert event.extension_count == 1
    assert fresh(extension).status == ExtensionStatus.APPROVED
    assert actions(event)[-2:] == [LogAction.REQUEST_EXTENSION, LogAction.APPROVE_EXTENSION]


def test_a_denied_extension_needs_a_reason_and_leaves_the_deadline(world, street_vending):
    event = handling_from(world, street_vending, datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI))
    extension = workflow.request_extension(event, by=world.dora, days=2, reason="需要协调")
    with pytest.raises(ValidationError) as caught:
        workflow.deny_extension(extension, by=world.otto, note="")
    assert set(caught.value.error_dict) == {"note"}
    workflow.deny_extension(extension, by=world.otto, note="期限内可以完成")
    event = fresh(event)
    assert event.due_at == datetime(2026, 4, 9, 17, 30, tzinfo=SHANGHAI) and event.extension_count == 0
    assert fresh(extension).status == ExtensionStatus.DENIED


def test_an_extension_is_decided_once_by_the_command_room(world, street_vending):
    event = handling_from(world, street_vending, datetime(2026, 4, 1, 10, 0, tzinfo=SHANGHAI))
    extension = workflow.request_extension(event, by=world.dora, days=2, reason="需要协调")
    with pytest.raises(PermissionDenied):
        workflow.approve_extension(extension, by=world.dora)
    workflow.approve_extension(extension, by=world.otto)
    with pytest.raises(TransitionError):
        workflow.deny_extension(extension, by=world.otto, note="改主意了")
    assert fresh(event).extension_count == 1


@pytest.mark.parametrize("days", [0, 31, -1, True])
def test_an_extension_asks_for_one_to_thirty_working_days(world, street_vending, days):
    event = event_in(world, street_vending, Status.HANDLING)
    with pytest.raises(ValidationError) as caught:
        workflow.request_extension(event, by=world.dora, days=days, reason="需要协调")
    assert set(caught.value.error_dict) == {"days"}


def test_one_extension_request_at_a_time_and_only_while_handling(world, street_vending):
    dispatched = event_in(world, street_vending, Status.DISPATCHED)
    with pytest.raises(PermissionDenied):
        workflow.request_extension(dispatched, by=world.otto, days=2, reason="需要协调")
    with pytest.raises(TransitionError):
        workflow.request_extension(dispatched, by=world.dora, days=2, reason="需要协调")
    event = event_in(world, street_vending, Status.HANDLING)
    workflow.request_extension(event, by=world.dora, days=2, reason="需要协调")
    with pytest.raises(ValidationError) as caught:
        workflow.request_extension(event, by=world.dora, days=3, reason="再多一点")
    assert set(caught.value.error_dict) == {"days"}
    assert event.extensions.count() == 1


def test_a_reported_event_cannot_have_an_extension(world, street_vending):
    event = report_in_a1(world, street_vending)
    with pytest.raises(PermissionDenied):
        workflow.request_extension(event, by=world.dora, days=2, reason="需要协调")
