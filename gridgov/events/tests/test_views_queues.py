"""我的待办: each persona finds the event in the queue where its step waits for them."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.conftest import photo, report_in_a1
from gridgov.events import workflow
from gridgov.events.models import Event


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def tabs(response) -> dict[str, int]:
    """{tab label: count} as shown on the page."""
    html = response.content.decode()
    return {
        label: int(count)
        for label, count in re.findall(
            r'class="tab[^"]*"[^>]*>\s*(\S+) <span class="count">(\d+)</span>', html
        )
    }


def codes_listed(response) -> set[str]:
    return set(re.findall(r"<code>(SJ-[\d-]+)</code>", response.content.decode()))


def queue(client, user, key: str | None = None):
    client.force_login(user)
    return client.get(f"/events/queues/{key}/" if key else "/events/queues/")


def dispatched(world, category) -> Event:
    event = report_in_a1(world, category)
    workflow.accept(event, by=world.otto)
    workflow.dispatch(event, lead=world.enforcement_a, by=world.otto)
    return event


def test_the_town_operator_finds_a_new_report_under_to_accept(client, world, street_vending):
    event = report_in_a1(world, street_vending)
    response = queue(client, world.otto, "to_accept")
    assert response.status_code == 200
    assert event.code in codes_listed(response)
    shown = tabs(response)
    assert shown["待受理"] == 1 and shown["待交办"] == 0
    # A report of March is long past its accept deadline: a red light, in words too.
    assert '<span class="light red" title="已超期"><i></i>红</span>' in response.content.decode()


def test_the_queues_page_opens_on_the_first_tab_with_work(client, world, street_vending):
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto)
    response = queue(client, world.otto)
    assert 'class="tab active"' in response.content.decode()
    active = re.search(r'class="tab active"[^>]*>\s*(\S+)', response.content.decode()).group(1)
    assert active == "待交办"
    assert event.code in codes_listed(response)


def test_the_handler_finds_the_event_under_to_sign_only_once_it_is_dispatched(
    client, world, street_vending
):
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto)
    assert event.code not in codes_listed(queue(client, world.dora, "to_sign"))
    workflow.dispatch(event, lead=world.enforcement_a, by=world.otto)
    response = queue(client, world.dora, "to_sign")
    assert event.code in codes_listed(response)
    assert tabs(response)["待签收"] == 1
    assert "综合行政执法局月河中队" in response.content.decode()


def test_the_reporter_finds_the_handled_event_under_to_verify(client, world, street_vending):
    event = dispatched(world, street_vending)
    assert event.code not in codes_listed(queue(client, world.gina, "to_verify"))
    workflow.sign(event, by=world.dora)
    workflow.feed_back(event, by=world.dora, note="已劝离", photos=[photo()])
    response = queue(client, world.gina, "to_verify")
    assert event.code in codes_listed(response)
    assert tabs(response)["待核查"] == 1


def test_each_persona_gets_the_tabs_of_their_work(client, world, street_vending):
    assert set(tabs(queue(client, world.otto))) == {
        "待受理",
        "待交办",
        "处置中",
        "待核查",
        "即将超期",
        "已超期",
        "我上报的",
    }
    assert set(tabs(queue(client, world.dora))) == {
        "待签收",
        "处置中",
        "即将超期",
        "已超期",
        "我上报的",
    }
    assert set(tabs(queue(client, world.gina))) == {"待核查", "即将超期", "已超期", "我上报的"}


def test_a_tab_outside_the_role_shows_up_when_it_holds_events(client, world, street_vending):
    # The leader reports one himself: 我上报的 is his; 待受理 is not his work and stays away.
    event = report_in_a1(world, street_vending, by=world.lena, source="leader")
    shown = tabs(queue(client, world.lena))
    assert shown == {"我上报的": 1}
    assert event.code in codes_listed(queue(client, world.lena, "mine"))


def test_an_operator_of_another_town_never_sees_town_a_events(client, world, street_vending):
    event = report_in_a1(world, street_vending)
    response = queue(client, world.xena, "to_accept")
    assert response.status_code == 200
    assert event.code not in codes_listed(response)
    assert tabs(response)["待受理"] == 0


def test_an_unknown_queue_is_a_404(client, world):
    assert queue(client, world.otto, "everything").status_code == 404


def test_the_queue_page_needs_the_same_queries_for_one_event_or_many(client, world, street_vending):
    report_in_a1(world, street_vending)
    client.force_login(world.otto)
    client.get("/events/queues/to_accept/")  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get("/events/queues/to_accept/")
    for n in range(5):
        report_in_a1(
            world, street_vending, at=Event.objects.first().reported_at + timedelta(minutes=n + 1)
        )
    with CaptureQueriesContext(connection) as six:
        response = client.get("/events/queues/to_accept/")
    assert len(codes_listed(response)) == 6
    assert len(six) == len(one)
