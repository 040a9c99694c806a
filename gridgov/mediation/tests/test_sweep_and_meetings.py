from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gridgov.events.notifiers import webhook_payload
from gridgov.events.sweep import sweep_once
from gridgov.mediation import figures, meetings, notify, workflow
from gridgov.mediation.models import CaseLog, CaseNotice

from .conftest import MONDAY, mediate_to_success, register


def test_the_sweeper_reminds_then_supervises_an_open_case_once(mw):
    case = register(mw)
    workflow.accept(case, by=mw.mona, at=MONDAY)
    case.refresh_from_db()
    assert case.warn_at < case.due_at
    sweep_once(case.warn_at + timedelta(minutes=1))
    sweep_once(case.warn_at + timedelta(minutes=2))
    assert CaseLog.objects.filter(case=case, action="remind").count() == 1
    sweep_once(case.due_at + timedelta(minutes=1))
    sweep_once(case.due_at + timedelta(minutes=2))
    assert CaseLog.objects.filter(case=case, action="supervise").count() == 1
    case.refresh_from_db()
    assert case.was_overdue


def test_a_directly_registered_case_tells_its_mediator_and_leader_once_when_overdue(
    mw, immediate_tasks, django_capture_on_commit_callbacks
):
    case = register(mw, leader=mw.lena)
    assert case.event_id is None
    workflow.accept(case, by=mw.mona, at=MONDAY)
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        for minutes in (1, 2):
            sweep_once(case.warn_at + timedelta(minutes=minutes))
        for minutes in (1, 2):
            sweep_once(case.due_at + timedelta(minutes=minutes))
    reminders = CaseNotice.objects.filter(case=case, kind="reminder")
    assert sorted(n.recipient.username for n in reminders) == ["lena", "mona"]
    orders = CaseNotice.objects.filter(case=case, kind="supervision")
    # The town's command room supervises as well; mark, of another organisation, is not told.
    assert sorted(n.recipient.username for n in orders) == ["lena", "mona", "otto"]
    assert all(n.sent_at is not None and n.channels == ["log"] for n in [*reminders, *orders])
    assert "已超期" in orders.get(recipient=mw.lena).text
    payload = webhook_payload(notify.envelope(orders.get(recipient=mw.lena)))
    assert payload["event"]["code"] == case.number and payload["event"]["step"] == "mediation"
    assert payload["event"]["url"] == case.get_absolute_url() and payload["event"]["category"] == "0102"


def test_a_review_meeting_records_its_decision_on_each_major_case(mw):
    case = register(mw, is_major=True, leader=mw.lena)
    register(mw)  # not major: not on the agenda
    meeting = meetings.hold(region=mw.town_a, held_on=date(2026, 3, 6), title="月河街道三月研判例会", by=mw.lena)
    from gridgov.mediation.selectors import major_cases

    assert list(major_cases(meeting.area_code)) == [case]
    meetings.decide(meeting, case, decision="由司法所牵头，三日内再次调解", by=mw.lena)
    assert case.log.last().action == "review" and case.review_decisions.count() == 1
    with pytest.raises(ValidationError):
        meetings.decide(meeting, case, decision="重复", by=mw.lena)
    with pytest.raises(PermissionDenied):
        meetings.hold(region=mw.town_b, held_on=date(2026, 3, 6), title="x", by=mw.mona)


def test_summary_gives_the_success_rate_over_accepted_cases(mw):
    mediate_to_success(mw, register(mw))
    failed = register(mw)
    workflow.accept(failed, by=mw.mona, at=MONDAY)
    workflow.record_session(failed, by=mw.mona, held_at=MONDAY, place="室", participants="双方", said="无果", at=MONDAY)
    workflow.fail(failed, by=mw.mona, referral="litigation", reason="分歧大", at=MONDAY)
    register(mw)  # registered only: not accepted
    register(mw, by=mw.mark, organisation=mw.centre, region=mw.town_b)
    data = figures.summary([mw.town_a.prefix], date(2026, 1, 1), date(2026, 12, 31), now=MONDAY)
    assert (data["registered"], data["accepted"], data["succeeded"], data["failed"]) == (3, 2, 1, 1)
    assert data["success_rate"] == 50.0
    assert data["by_type"][0] == {"name": "邻里纠纷", "count": 3, "succeeded": 1}
    assert data["by_region"] == [{"name": "月河街道", "count": 3, "succeeded": 1}]
    everywhere = figures.summary([""], date(2026, 1, 1), date(2026, 12, 31), now=MONDAY)
    assert everywhere["registered"] == 4


def test_summary_averages_the_days_from_registration_to_conclusion(mw):
    case = register(mw)
    workflow.accept(case, by=mw.mona, at=MONDAY)
    workflow.record_session(case, by=mw.mona, held_at=MONDAY, place="室", participants="双方", said="协商",
                            at=MONDAY)
    workflow.fail(case, by=mw.mona, referral="litigation", reason="分歧大", at=MONDAY + timedelta(days=3))
    data = figures.summary([""], date(2026, 1, 1), date(2026, 12, 31), now=MONDAY)
    assert data["average_days"] == 3.0


def test_a_refused_then_archived_case_is_not_counted_as_accepted(mw):
    mediate_to_success(mw, register(mw))
    refused = register(mw)
    workflow.refuse(refused, by=mw.mona, reason="已起诉至法院", at=MONDAY)
    workflow.archive(refused, by=mw.mona, at=MONDAY)
    data = figures.summary([""], date(2026, 1, 1), date(2026, 12, 31), now=MONDAY)
    assert (data["registered"], data["accepted"], data["succeeded"]) == (2, 1, 1)
    assert data["success_rate"] == 100.0
