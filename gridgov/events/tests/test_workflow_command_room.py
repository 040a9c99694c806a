"""The command room's steps: accept (受理) with automatic routing, reject, merge, escalate (提级)
and a leader's instruction (批示)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gridgov.accounts.models import (
    Department,
    DepartmentKind,
    DepartmentLevel,
    Role,
    RoleAssignment,
    User,
)
from gridgov.conftest import report_in_a1
from gridgov.events import workflow
from gridgov.events.models import (
    Category,
    Coordination,
    Event,
    LogAction,
    Notice,
    RoutingRule,
    Status,
)
from gridgov.events.tests.lifecycle import actions, event_in, fresh
from gridgov.events.workflow import TransitionError

LATER = timedelta(minutes=5)


@pytest.fixture
def dave(world) -> User:
    """An operator of the district command centre."""
    user = User.objects.create_user(username="dave", password="pw-dave", full_name="戴伟")
    RoleAssignment.objects.create(user=user, role=Role.DISTRICT_OPERATOR, scope=world.district.prefix)
    return user


# --- accept ---------------------------------------------------------------------------------


def test_accepting_keeps_the_accept_deadline_running_until_dispatch(world, street_vending):
    event = report_in_a1(world, street_vending)
    due = event.due_at
    workflow.accept(event, by=world.otto, note="属实", at=event.reported_at + LATER)
    event = fresh(event)
    assert (event.status, event.accepted_at, event.due_at) == (Status.ACCEPTED, event.reported_at + LATER, due)
    assert actions(event) == [LogAction.REPORT, LogAction.ACCEPT]
    assert event.log.get(seq=2).actor == world.otto


def test_an_event_is_accepted_once(world, street_vending):
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto)
    with pytest.raises(TransitionError, match="已受理"):
        workflow.accept(fresh(event), by=world.otto)
    assert actions(event) == [LogAction.REPORT, LogAction.ACCEPT]


def test_a_page_opened_before_someone_else_acted_cannot_act_again(world, street_vending):
    event = report_in_a1(world, street_vending)
    stale = Event.objects.get(pk=event.pk)
    workflow.reject(event, by=world.otto, reason="不属实")
    with pytest.raises(TransitionError, match="刚被他人处理"):
        workflow.accept(stale, by=world.otto)
    assert fresh(event).status == Status.REJECTED
    assert actions(event) == [LogAction.REPORT, LogAction.REJECT]


def test_only_the_towns_command_room_accepts(world, street_vending):
    event = report_in_a1(world, street_vending)
    with pytest.raises(PermissionDenied):
        workflow.accept(event, by=world.gina)
    with pytest.raises(PermissionDenied):
        workflow.accept(event, by=world.dora)
    with pytest.raises(Http404):
        workflow.accept(event, by=world.xena)
    assert fresh(event).status == Status.REPORTED


# --- routing --------------------------------------------------------------------------------


@pytest.fixture
def market(world) -> Department:
    return Department.objects.create(
        name="区市场监管局", kind=DepartmentKind.MARKET_REGULATION, level=DepartmentLevel.DISTRICT, region=world.district
    )


def rule(category: Category, prefix: str, lead: Department, **fields) -> RoutingRule:
    return RoutingRule.objects.create(category=category, region_prefix=prefix, lead=lead, **fields)


def test_a_routing_rule_dispatches_right_after_accept(world, street_vending):
    rule(street_vending, world.town_a.prefix, world.enforcement_a)
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto, at=event.reported_at + LATER)
    event = fresh(event)
    assert (event.status, event.lead) == (Status.DISPATCHED, world.enforcement_a)
    assert actions(event) == [LogAction.REPORT, LogAction.ACCEPT, LogAction.AUTO_DISPATCH]
    auto = event.log.get(seq=3)
    assert auto.actor is None and auto.department == world.enforcement_a
    assert event.dispatched_at == event.reported_at + LATER
    assert Notice.objects.filter(event=event, recipient=world.dora).exists()


def test_the_longest_region_prefix_wins_even_over_a_minor_class(world, street_vending, market):
    rule(street_vending, world.district.prefix, market)
    rule(street_vending.parent, world.town_a.prefix, world.enforcement_a)
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto)
    assert fresh(event).lead == world.enforcement_a


def test_at_the_same_prefix_the_minor_class_beats_its_major_class(world, street_vending, market):
    rule(street_vending.parent, world.district.prefix, market)
    rule(street_vending, world.district.prefix, world.enforcement)
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto)
    assert fresh(event).lead == world.enforcement


def test_a_major_class_rule_routes_its_minor_classes(world, street_vending, market):
    rule(street_vending.parent, world.district.prefix, market)
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto)
    assert fresh(event).lead == market


def test_inactive_rules_rules_elsewhere_and_rules_to_inactive_departments_leave_it_to_the_room(
    world, street_vending, market
):
    rule(street_vending, world.town_b.prefix, world.enforcement)
    rule(street_vending, world.district.prefix, world.enforcement, is_active=False)
    rule(street_vending.parent, world.district.prefix, market)
    market.is_active = False
    market.save(update_fields=["is_active"])
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto)
    event = fresh(event)
    assert (event.status, event.lead) == (Status.ACCEPTED, None)


def test_a_rules_assisting_departments_that_are_closed_or_serve_elsewhere_are_left_out(
    world, street_vending, market
):
    closed = Department.objects.create(
        name="区城管局（已撤并）", kind=DepartmentKind.LAW_ENFORCEMENT, level=DepartmentLevel.DISTRICT,
        region=world.district, is_active=False,
    )
    town_b_unit = Department.objects.create(
        name="综合行政执法局朝阳中队", kind=DepartmentKind.LAW_ENFORCEMENT, level=DepartmentLevel.TOWN,
        region=world.town_b,
    )
    routing = rule(street_vending, world.district.prefix, world.enforcement)
    routing.assisting.set([market, closed, town_b_unit, world.enforcement_a])
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto)
    event = fresh(event)
    assert event.status == Status.DISPATCHED
    assert set(event.assisting.all()) == {market, world.enforcement_a}
    note = event.log.get(action=LogAction.AUTO_DISPATCH).note
    assert "区城管局（已撤并）" in note and "综合行政执法局朝阳中队" in note
    assert market.name not in note
    assert event.log.get(action=LogAction.AUTO_DISPATCH).data["assisting"] == sorted(
        [market.pk, world.enforcement_a.pk]
    )


def test_a_rule_whose_assisting_departments_all_serve_the_event_notes_nothing_left_out(
    world, street_vending, market
):
    routing = rule(street_vending, world.district.prefix, world.enforcement)
    routing.assisting.set([market])
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto)
    event = fresh(event)
    assert list(event.assisting.all()) == [market]
    assert event.log.get(action=LogAction.AUTO_DISPATCH).note == f"按分拨规则自动交办（{world.district.prefix}）"


# --- reject ---------------------------------------------------------------------------------


def test_rejecting_needs_a_reason_and_closes_the_event_for_the_reporter(world, street_vending):
    event = report_in_a1(world, street_vending)
    with pytest.raises(ValidationError) as caught:
        workflow.reject(event, by=world.otto, reason="  ")
    assert set(caught.value.error_dict) == {"reason"}
    workflow.reject(event, by=world.otto, reason="非本辖区职责")
    event = fresh(event)
    assert (event.status, event.due_at, event.log.last().note) == (Status.REJECTED, None, "非本辖区职责")
    assert Notice.objects.filter(event=event, recipient=world.gina, text__contains="非本辖区职责").exists()


def test_an_accepted_event_can_no_longer_be_rejected(world, street_vending):
    event = event_in(world, street_vending, Status.ACCEPTED)
    with pytest.raises(TransitionError):
        workflow.reject(event, by=world.otto, reason="重复")


# --- merge ----------------------------------------------------------------------------------


def test_merging_closes_the_duplicate_into_the_event_that_stays(world, street_vending):
    kept = event_in(world, street_vending, Status.DISPATCHED)
    duplicate = report_in_a1(world, street_vending, lon=120.0051)
    workflow.merge(duplicate, into=kept, by=world.otto, note="同一摊点")
    duplicate = fresh(duplicate)
    assert (duplicate.status, duplicate.merged_into, duplicate.due_at) == (Status.MERGED, kept, None)
    assert duplicate.log.last().data == {"into": kept.code}
    assert list(kept.duplicates.all()) == [duplicate]
    assert fresh(kept).status == Status.DISPATCHED


@pytest.mark.parametrize("target", ["itself", "closed", "merged", "outside"])
def test_an_event_merges_only_into_another_open_event_the_room_sees(world, street_vending, target):
    duplicate = report_in_a1(world, street_vending)
    if target == "itself":
        into = duplicate
    elif target == "closed":
        into = event_in(world, street_vending, Status.CLOSED)
    elif target == "merged":
        into = report_in_a1(world, street_vending)
        workflow.merge(into, into=event_in(world, street_vending), by=world.otto)
        into = fresh(into)
    else:
        into, _ = workflow.report(
            by=world.xena, title="占道经营", description="摊贩占道", category=street_vending, lon=120.03, lat=30.01
        )
    with pytest.raises(ValidationError) as caught:
        workflow.merge(duplicate, into=into, by=world.otto)
    assert set(caught.value.error_dict) == {"into"}
    assert fresh(duplicate).status == Status.REPORTED


def test_a_dispatched_event_is_no_longer_merged(world, street_vending):
    kept = event_in(world, street_vending)
    late = event_in(world, street_vending, Status.DISPATCHED)
    with pytest.raises(TransitionError):
        workflow.merge(late, into=kept, by=world.otto)


# --- escalate -------------------------------------------------------------------------------


def test_escalating_hands_coordination_to_the_district_centre(world, street_vending, dave):
    event = report_in_a1(world, street_vending)
    workflow.escalate(event, by=world.otto, reason="涉及多个镇街")
    event = fresh(event)
    assert (event.coordination, event.status) == (Coordination.DISTRICT, Status.REPORTED)
    row = event.log.last()
    assert (row.action, row.old_status, row.new_status) == (LogAction.ESCALATE, Status.REPORTED, Status.REPORTED)
    assert Notice.objects.filter(event=event, recipient=dave, text__contains="提级").exists()

    with pytest.raises(PermissionDenied):
        workflow.accept(event, by=world.otto)
    with pytest.raises(PermissionDenied):
        workflow.escalate(event, by=world.otto, reason="再提级")
    workflow.accept(event, by=dave)
    workflow.dispatch(event, lead=world.enforcement, by=dave)
    assert fresh(event).status == Status.DISPATCHED


def test_an_escalated_event_leaves_the_towns_queues(world, street_vending, dave):
    from gridgov.events import selectors

    event = report_in_a1(world, street_vending)
    workflow.escalate(event, by=world.otto, reason="涉及多个镇街")
    assert event not in selectors.queue(world.otto, "to_accept")
    assert event in selectors.queue(dave, "to_accept")


def test_escalating_needs_a_reason(world, street_vending):
    event = report_in_a1(world, street_vending)
    with pytest.raises(ValidationError) as caught:
        workflow.escalate(event, by=world.otto, reason="")
    assert set(caught.value.error_dict) == {"reason"}
    assert fresh(event).coordination == Coordination.TOWN


@pytest.mark.parametrize("status", [Status.HANDLED, Status.CLOSED])
def test_an_event_past_handling_is_not_escalated(world, street_vending, status):
    event = event_in(world, street_vending, status)
    with pytest.raises(TransitionError):
        workflow.escalate(event, by=world.otto, reason="群众不满意")
    assert fresh(event).coordination == Coordination.TOWN
    assert LogAction.ESCALATE not in actions(event)


def test_a_rejected_event_is_not_escalated(world, street_vending):
    event = report_in_a1(world, street_vending)
    workflow.reject(event, by=world.otto, reason="不属实")
    with pytest.raises(TransitionError):
        workflow.escalate(fresh(event), by=world.otto, reason="再看看")


# --- instruct -------------------------------------------------------------------------------


def test_a_leaders_instruction_is_logged_and_sent_to_whoever_owes_the_step(world, street_vending):
    event = event_in(world, street_vending, Status.DISPATCHED)
    workflow.instruct(event, by=world.lena, note="请尽快处置，周五前反馈")
    row = fresh(event).log.last()
    assert (row.action, row.actor, row.note) == (LogAction.INSTRUCT, world.lena, "请尽快处置，周五前反馈")
    assert Notice.objects.filter(event=event, recipient=world.dora, text__contains="领导批示").exists()


def test_only_a_leader_instructs_and_never_in_silence(world, street_vending):
    event = report_in_a1(world, street_vending)
    with pytest.raises(PermissionDenied):
        workflow.instruct(event, by=world.otto, note="抓紧")
    with pytest.raises(ValidationError):
        workflow.instruct(event, by=world.lena, note=" ")
    assert actions(event) == [LogAction.REPORT]
