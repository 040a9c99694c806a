"""督办单: who sees which orders, the filters, the links to events."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.conftest import report_in_a1
from gridgov.events import sweep, workflow
from gridgov.events.models import Event, SupervisionOrder

URL = "/events/supervision/"


def overdue_order(event: Event) -> SupervisionOrder:
    event.refresh_from_db()
    order = sweep.supervise(event.pk, now=event.due_at)
    assert order is not None
    return order


@pytest.fixture
def orders(world, street_vending):
    """An accept-step order in town A (to its command room), a sign-step order in town A
    (to the law-enforcement unit), and an accept-step order in town B."""
    unaccepted = report_in_a1(world, street_vending, title="未受理的占道经营")
    unsigned = report_in_a1(world, street_vending, title="未签收的占道经营")
    workflow.accept(unsigned, by=world.otto, at=unsigned.reported_at)
    workflow.dispatch(unsigned, lead=world.enforcement_a, by=world.otto, at=unsigned.reported_at)
    in_town_b, _ = workflow.report(
        by=world.xena,
        title="南街占道经营",
        description="夜市摊位占用消防通道",
        category=street_vending,
        lon=120.03,
        lat=30.01,
        at=unaccepted.reported_at + timedelta(hours=1),
    )
    return {
        "accept_a": overdue_order(unaccepted),
        "sign_a": overdue_order(unsigned),
        "accept_b": overdue_order(in_town_b),
    }


def numbers_seen(client, user, **params) -> list[str]:
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return [order.number for order in response.context["page"]]


def test_a_command_room_sees_the_orders_of_its_town(client, world, orders):
    seen = numbers_seen(client, world.otto)
    assert set(seen) == {orders["accept_a"].number, orders["sign_a"].number}
    assert set(numbers_seen(client, world.xena)) == {orders["accept_b"].number}


def test_a_department_sees_the_orders_addressed_to_it(client, world, orders):
    assert numbers_seen(client, world.dora) == [orders["sign_a"].number]


def test_a_leader_sees_every_order_in_the_region_newest_first(client, world, orders):
    expected = sorted(orders.values(), key=lambda o: o.issued_at, reverse=True)
    assert numbers_seen(client, world.lena) == [o.number for o in expected]


@pytest.mark.parametrize("persona", ["gina", "adam", "vera"])
def test_it_requires_a_command_room_department_or_leader_scope(client, world, orders, persona):
    client.force_login(getattr(world, persona))
    assert client.get(URL).status_code == 403


def test_it_filters_by_step_department_and_date(client, world, orders):
    assert numbers_seen(client, world.lena, step="sign") == [orders["sign_a"].number]
    assert numbers_seen(client, world.lena, department=world.command_a.pk) == [
        orders["accept_a"].number
    ]
    days = sorted(timezone.localtime(o.issued_at).date() for o in orders.values())
    after = (days[-1] + timedelta(days=1)).isoformat()
    assert numbers_seen(client, world.lena, issued_from=after) == []
    assert (
        len(
            numbers_seen(
                client, world.lena, issued_from=days[0].isoformat(), issued_to=days[-1].isoformat()
            )
        )
        == 3
    )
    before = (days[0] - timedelta(days=1)).isoformat()
    assert numbers_seen(client, world.lena, issued_to=before) == []


def test_a_bad_filter_is_dropped_and_the_others_still_apply(client, world, orders):
    client.force_login(world.lena)
    response = client.get(URL, {"step": "sign", "issued_from": "not-a-date"})
    assert [o.number for o in response.context["page"]] == [orders["sign_a"].number]
    assert "以下条件有误" in response.content.decode()


def test_the_department_filter_offers_only_departments_the_reader_has_orders_for(
    client, world, orders
):
    client.force_login(world.dora)
    choices = dict(client.get(URL).context["form"].fields["department"].choices)
    assert set(choices) == {"", str(world.enforcement_a.pk)}


def test_each_order_links_to_its_event(client, world, orders):
    client.force_login(world.otto)
    html = client.get(URL).content.decode()
    for key in ("accept_a", "sign_a"):
        event = orders[key].event
        assert f'href="/events/{event.code}/"' in html
        assert orders[key].number in html
    assert orders["accept_b"].event.code not in html


def test_the_list_costs_the_same_queries_whatever_the_number_of_orders(
    client, world, street_vending, orders
):
    client.force_login(world.lena)
    client.get(URL)  # warm the per-process caches (calendar, locator)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for i in range(4):
        overdue_order(report_in_a1(world, street_vending, title=f"更多占道经营{i}"))
    with CaptureQueriesContext(connection) as more:
        response = client.get(URL)
    assert len(response.context["page"]) == 7
    assert len(more.captured_queries) == len(few.captured_queries)


def test_the_menu_offers_the_page_to_departments(client, world):
    client.force_login(world.dora)
    assert f'href="{URL}"' in client.get("/").content.decode()
    client.force_login(world.gina)
    assert f'href="{URL}"' not in client.get("/").content.decode()
