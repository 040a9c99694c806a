from django.core.exceptions import ValidationError

import pytest

from gridgov.conftest import report_in_a1
from gridgov.events.models import Category, EventLog
from gridgov.events.models import Status as EventStatus
from gridgov.mediation import workflow
from gridgov.mediation.models import Source, Status

from .conftest import MONDAY, mediate_to_success, register


@pytest.fixture
def neighbour_event(mw):
    return report_in_a1(mw, Category.objects.get(code="0102"), title="楼上漏水邻里争吵",
                        description="两户因漏水争吵，需调解。", contact_name="张桂英", contact_phone="13857201234")


def test_an_event_becomes_a_case_and_closes_when_the_case_succeeds(mw, neighbour_event, client):
    client.force_login(mw.otto)
    page = client.get(neighbour_event.get_absolute_url())
    assert "转为调解案件" in page.content.decode()
    response = client.post(f"/mediation/from-event/{neighbour_event.code}/")
    case = neighbour_event.mediation_case
    assert response.status_code == 302 and response.url == case.get_absolute_url()
    assert case.source == Source.EVENT and case.organisation == mw.village_committee
    assert case.dispute_type.name == "邻里纠纷"
    neighbour_event.refresh_from_db()
    assert neighbour_event.status == EventStatus.ACCEPTED and neighbour_event.due_at is None
    assert case.number in client.get(neighbour_event.get_absolute_url()).content.decode()

    mediate_to_success(mw, case)
    neighbour_event.refresh_from_db()
    assert neighbour_event.status == EventStatus.CLOSED
    last = EventLog.objects.filter(event=neighbour_event).last()
    assert last.data == {"mediation_case": case.number}


def test_a_refused_case_sends_its_event_back_to_the_command_room(mw, neighbour_event):
    case = workflow.from_event(neighbour_event, by=mw.mona, at=MONDAY)
    workflow.refuse(case, by=mw.mona, reason="属于物业合同纠纷，请交物业调委会")
    neighbour_event.refresh_from_db()
    assert neighbour_event.status == EventStatus.ACCEPTED and neighbour_event.due_at is not None


def test_an_event_of_another_class_cannot_become_a_case(mw, street_vending):
    event = report_in_a1(mw, street_vending)
    with pytest.raises(ValidationError):
        workflow.from_event(event, by=mw.otto)


def test_a_case_found_directly_opens_an_event_for_the_record(mw):
    case = register(mw, source="proactive")
    event = workflow.open_event(case, by=mw.mona)
    assert event.category.code == "0102" and event.status == EventStatus.ACCEPTED
    assert case.event == event and case.log.last().action == "open_event"
    with pytest.raises(workflow.TransitionError):
        workflow.open_event(case, by=mw.mona)
    mediate_to_success(mw, case)
    event.refresh_from_db()
    assert event.status == EventStatus.CLOSED and case.status == Status.SUCCEEDED


def test_a_failed_case_closes_its_event_with_the_referral(mw, neighbour_event):
    case = workflow.from_event(neighbour_event, by=mw.mona, at=MONDAY)
    workflow.accept(case, by=mw.mona, at=MONDAY)
    workflow.record_session(case, by=mw.mona, held_at=MONDAY, place="调解室", participants="双方", said="分歧较大",
                            at=MONDAY)
    neighbour_event.refresh_from_db()
    assert neighbour_event.status == EventStatus.ACCEPTED  # open while the case is mediated
    workflow.fail(case, by=mw.mona, referral="litigation", reason="双方对赔偿数额分歧较大，引导诉讼", at=MONDAY)
    neighbour_event.refresh_from_db()
    assert neighbour_event.status == EventStatus.CLOSED and neighbour_event.closed_at == MONDAY
    last = EventLog.objects.filter(event=neighbour_event).last()
    assert last.data == {"mediation_case": case.number} and "调解不成" in last.note


def test_the_case_page_shows_its_linked_event(mw, neighbour_event, client):
    unlinked = register(mw)
    case = workflow.from_event(neighbour_event, by=mw.mona, at=MONDAY)
    client.force_login(mw.mona)
    page = client.get(case.get_absolute_url()).content.decode()
    cell = page[page.index('id="case-event"'):].split("</td>")[0]
    assert f'href="/events/{neighbour_event.code}/"' in cell and neighbour_event.get_status_display() in cell
    page = client.get(unlinked.get_absolute_url()).content.decode()
    assert neighbour_event.code not in page and "生成事件备案" in page
