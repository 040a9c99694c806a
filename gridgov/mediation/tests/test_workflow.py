from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from gridgov.lib import encryption
from gridgov.mediation import audit, figures, workflow
from gridgov.mediation.models import Case, CaseLog, CaseSequence, Status

from .conftest import MONDAY, TZ, mediate_to_success, register


def test_it_numbers_cases_per_organisation_and_year_in_the_customary_form(mw):
    first, second = register(mw), register(mw)
    other = register(mw, by=mw.mark, organisation=mw.centre)
    assert first.number == "(2026)衣裳街人调字第 1 号"
    assert second.number == "(2026)衣裳街人调字第 2 号"
    assert other.number == "(2026)吴兴人调字第 1 号"
    assert CaseSequence.objects.get(organisation=mw.village_committee, year=2026).last == 2


def test_it_takes_a_case_through_success_follow_up_and_archive(mw):
    case = register(mw)
    agreement = mediate_to_success(mw, case)
    assert case.status == Status.SUCCEEDED and case.concluded_at and case.due_at is None
    assert agreement.performance_deadline == date(2026, 3, 20)
    workflow.follow_up(case, by=mw.mona, performance="performed", satisfaction="满意", note="已修复并付款")
    workflow.archive(case, by=mw.mona)
    case.refresh_from_db()
    assert case.status == Status.ARCHIVED
    actions = list(CaseLog.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["register", "accept", "session", "succeed", "follow_up", "archive"]
    assert list(audit.verify_all()) == []


@pytest.mark.parametrize(("performance", "label"), [("partly", "部分履行"), ("not", "未履行")])
def test_a_follow_up_records_an_agreement_partly_or_not_performed(mw, performance, label):
    case = register(mw)
    mediate_to_success(mw, case)
    visit = workflow.follow_up(case, by=mw.mona, performance=performance, satisfaction="不满意",
                               note="李建华仅修复防水层，赔偿款未付")
    assert case.status == Status.FOLLOWED_UP and visit.get_performance_display() == label
    assert case.log.last().data == {"performance": performance, "satisfaction": "不满意"}
    workflow.archive(case, by=mw.mona)
    assert case.status == Status.ARCHIVED
    data = figures.summary([""], date(2026, 1, 1), date(2026, 12, 31), now=MONDAY)
    assert (data["followed_up"], data["performed"], data["performance_rate"]) == (1, 0, 0.0)
    assert (data["partly"], data["not_performed"]) == ((1, 0) if performance == "partly" else (0, 1))


def test_a_follow_up_needs_one_of_the_three_outcomes(mw):
    case = register(mw)
    mediate_to_success(mw, case)
    with pytest.raises(ValidationError) as error:
        workflow.follow_up(case, by=mw.mona, performance="maybe")
    assert "performance" in error.value.error_dict and case.status == Status.SUCCEEDED


def test_the_dispute_types_limit_sets_the_deadline_in_working_days_past_a_holiday(mw):
    # Accepted Wednesday 1 April 2026: five working days skip 清明 (Saturday 4 – Monday 6
    # April) and end at the close of Thursday the 9th; the warning comes three days before.
    mw.neighbours.limit_days = 5
    mw.neighbours.save(update_fields=["limit_days"])
    wednesday = datetime(2026, 4, 1, 10, 0, tzinfo=TZ)
    case = register(mw, at=wednesday)
    workflow.accept(case, by=mw.mona, at=wednesday)
    case.refresh_from_db()
    assert case.due_at == datetime(2026, 4, 9, 17, 30, tzinfo=TZ)
    assert case.warn_at == datetime(2026, 4, 3, 17, 30, tzinfo=TZ)


def test_of_two_mediators_accepting_the_same_case_at_once_exactly_one_wins(mw):
    case = register(mw)
    mine, theirs = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)  # both pages loaded
    workflow.accept(mine, by=mw.mona, at=MONDAY)
    with pytest.raises(workflow.TransitionError, match="刚被他人处理"):
        workflow.accept(theirs, by=mw.mark, at=MONDAY)
    case.refresh_from_db()
    assert case.status == Status.ACCEPTED and [m.name for m in case.mediators.all()] == ["孟娜"]
    assert list(case.log.values_list("action", "actor__username")) == [("register", "mona"), ("accept", "mona")]
    assert list(audit.verify_all()) == []


def test_it_refuses_with_a_reason_and_archives_the_refusal(mw):
    case = register(mw)
    with pytest.raises(ValidationError) as error:
        workflow.refuse(case, by=mw.mona, reason=" ")
    assert "reason" in error.value.error_dict
    workflow.refuse(case, by=mw.mona, reason="已起诉至法院，不属人民调解受理范围")
    assert case.status == Status.REFUSED
    with pytest.raises(workflow.TransitionError):
        workflow.accept(case, by=mw.mona)
    workflow.archive(case, by=mw.mona)
    assert case.status == Status.ARCHIVED


def test_it_transfers_a_case_up_to_the_district_centre_which_accepts_it(mw):
    case = register(mw)
    workflow.accept(case, by=mw.mona, at=MONDAY)
    workflow.transfer(case, to=mw.centre, by=mw.mona, reason="涉及多户，需区级协调", at=MONDAY)
    assert case.status == Status.REGISTERED and case.organisation == mw.centre
    with pytest.raises(Http404):
        workflow.accept(case, by=mw.mona)  # no longer the village committee's
    workflow.accept(case, by=mw.mark, at=MONDAY)
    assert case.status == Status.ACCEPTED and case.number.startswith("(2026)衣裳街")


def test_it_refers_a_failed_mediation_and_needs_a_referral(mw):
    case = register(mw)
    workflow.accept(case, by=mw.mona, at=MONDAY)
    workflow.record_session(case, by=mw.mona, held_at=MONDAY, place="调解室", participants="双方", said="分歧较大")
    with pytest.raises(ValidationError) as error:
        workflow.fail(case, by=mw.mona, referral="nowhere", reason="分歧较大")
    assert "referral" in error.value.error_dict
    workflow.fail(case, by=mw.mona, referral="litigation", reason="双方对赔偿数额分歧较大，引导诉讼")
    assert case.status == Status.FAILED and case.referral == "litigation"
    with pytest.raises(workflow.TransitionError):
        workflow.follow_up(case, by=mw.mona, performance="performed")
    workflow.archive(case, by=mw.mona)


def test_it_names_every_bad_field_and_writes_nothing(mw):
    with pytest.raises(ValidationError) as error:
        register(mw, title="", amount="abc", parties=[], dispute_type=None, source="rumour")
    assert {"title", "amount", "parties", "dispute_type", "source"} <= set(error.value.error_dict)
    assert not CaseSequence.objects.exists()


def test_a_case_outside_the_mediators_organisation_is_refused(mw):
    with pytest.raises(ValidationError) as error:
        register(mw, organisation=mw.centre)
    assert "organisation" in error.value.error_dict
    case = register(mw)
    with pytest.raises(Http404):
        workflow.accept(case, by=mw.xena)
    with pytest.raises(PermissionDenied):
        workflow.accept(case, by=mw.lena)  # the leader sees it, but does not mediate


def test_it_stores_id_numbers_sealed(mw):
    case = register(mw)
    party = case.parties.get(name="张桂英")
    assert "330502195803121526" not in party.id_number_sealed
    assert encryption.unseal(party.id_number_sealed) == "330502195803121526"
    assert party.id_tail == "3305**********1526"


def test_verify_log_finds_an_edited_case_row(mw):
    case = register(mw)
    workflow.accept(case, by=mw.mona)
    CaseLog.objects.filter(case=case, seq=1).update(note="改过")
    assert [b.seq for b in audit.verify_all()] == [1]


def test_a_judicial_confirmation_is_recorded_against_the_agreement(mw):
    case = register(mw)
    agreement = mediate_to_success(mw, case)
    workflow.record_confirmation(case, by=mw.mona, court="湖州市吴兴区人民法院", requested_on=date(2026, 3, 5))
    assert agreement.confirmations.get().court == "湖州市吴兴区人民法院"
    assert case.log.last().action == "confirmation"


def test_an_industry_committee_takes_only_its_dispute_types(mw):
    from gridgov.mediation.models import DisputeType

    mw.centre.dispute_types.set([DisputeType.objects.get(name="医患纠纷")])
    with pytest.raises(ValidationError) as error:
        register(mw, by=mw.mark, organisation=mw.centre)
    assert "不受理邻里纠纷" in error.value.error_dict["dispute_type"][0].message


def test_the_verify_log_command_checks_case_logs_too(mw):
    from django.core.management import CommandError, call_command

    case = register(mw)
    call_command("verify_log")
    CaseLog.objects.filter(case=case, seq=1).update(note="改过")
    with pytest.raises(CommandError, match="1 个调解案件"):
        call_command("verify_log")
