"""事件查询 and its Excel export: filters, scope, and a real .xlsx."""

import re
from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from gridgov.conftest import report_in_a1
from gridgov.events import workflow
from gridgov.events.models import Category, Event
from gridgov.events.views import search as search_views

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def events(world, street_vending) -> dict[str, Event]:
    """Three events of town A (one accepted, one of another class, one older) and one of town B."""
    noise = Category.objects.get(code="0102")  # 邻里纠纷
    vending = report_in_a1(world, street_vending)
    workflow.accept(vending, by=world.otto)
    quarrel = report_in_a1(
        world,
        noise,
        title="楼上深夜噪音扰民",
        lon=120.015,
        lat=30.005,
        at=datetime(2026, 3, 6, 10, 0, tzinfo=SHANGHAI),
    )
    old = report_in_a1(
        world,
        street_vending,
        title="衣裳街菜场门口占道",
        at=datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI),
    )
    town_b = report_in_a1(
        world,
        street_vending,
        by=world.xena,
        title="南街占道经营",
        lon=120.03,
        lat=30.01,
        source="hotline",
    )
    return {"vending": vending, "quarrel": quarrel, "old": old, "town_b": town_b}


def listed(client, user, **params) -> set[str]:
    client.force_login(user)
    response = client.get("/events/", params)
    assert response.status_code == 200
    return set(re.findall(r"<code>(SJ-[\d-]+)</code>", response.content.decode()))


def codes(events, *names) -> set[str]:
    return {events[n].code for n in names}


def test_the_operator_lists_every_event_of_the_town_and_none_of_the_other(client, world, events):
    assert listed(client, world.otto) == codes(events, "vending", "quarrel", "old")
    assert listed(client, world.xena) == codes(events, "town_b")


def test_the_district_leader_lists_both_towns_and_narrows_to_one_village(client, world, events):
    assert listed(client, world.lena) == codes(events, "vending", "quarrel", "old", "town_b")
    assert listed(client, world.lena, area=world.village_b.prefix) == codes(events, "town_b")


def test_filters_by_text_status_class_and_reported_dates(client, world, events, street_vending):
    assert listed(client, world.otto, q="噪音") == codes(events, "quarrel")
    assert listed(client, world.otto, q=events["old"].code) == codes(events, "old")
    assert listed(client, world.otto, status="accepted") == codes(events, "vending")
    # A major class takes in its minor classes.
    assert listed(client, world.otto, category=street_vending.parent_id) == codes(
        events, "vending", "old"
    )
    assert listed(
        client, world.otto, reported_from="2026-03-01", reported_to="2026-03-04"
    ) == codes(events, "vending")
    assert listed(client, world.otto, reported_to="2026-03-04") == codes(events, "vending", "old")
    assert listed(client, world.otto, source="hotline") == set()


def test_filters_by_light_and_lead_department(client, world, events):
    workflow.dispatch(events["vending"], lead=world.enforcement_a, by=world.otto)
    assert listed(client, world.otto, lead=world.enforcement_a.pk) == codes(events, "vending")
    # The reports of January and March are long overdue; the one dispatched just now has
    # hours left to be signed for.
    assert listed(client, world.otto, light="red") == codes(events, "quarrel", "old")
    assert listed(client, world.otto, light="green") | listed(
        client, world.otto, light="yellow"
    ) == codes(events, "vending")


def test_an_invalid_filter_is_named_and_the_others_still_apply(client, world, events):
    client.force_login(world.otto)
    response = client.get("/events/", {"status": "bogus", "q": "噪音"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "以下条件有误，已忽略：状态" in html
    assert events["quarrel"].code in html and events["vending"].code not in html


def test_the_list_requires_signing_in(client, world, events):
    assert client.get("/events/")["Location"].startswith("/login/")
    assert client.get("/events/export.xlsx")["Location"].startswith("/login/")


def export(client, user, **params):
    client.force_login(user)
    response = client.get("/events/export.xlsx", params)
    assert response.status_code == 200
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="events-')
    return load_workbook(BytesIO(response.content))


def test_the_export_is_a_real_workbook_with_chinese_headers_and_only_the_users_events(
    client, world, events
):
    book = export(client, world.otto)
    sheet = book["事件"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:8] == ("事件编号", "标题", "大类", "小类", "等级", "来源", "状态", "红黄绿灯")
    exported = {row[0] for row in rows[1:]}
    assert exported == codes(events, "vending", "quarrel", "old")
    assert events["town_b"].code not in exported
    vending = next(row for row in rows if row[0] == events["vending"].code)
    assert vending[2:9] == (
        "市容环境",
        "占道经营",
        "一般",
        "网格员巡查",
        "已受理",
        "红",
        "月河街道",
    )
    # The wall-clock time of the district, as Excel has no time zones.
    assert vending[14] == datetime(2026, 3, 4, 9, 0, tzinfo=SHANGHAI).replace(tzinfo=None)


def test_the_export_applies_the_same_filters_as_the_list(client, world, events):
    rows = list(export(client, world.otto, q="噪音")["事件"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [events["quarrel"].code]


def test_the_export_stops_at_its_cap_and_says_so(client, world, events, monkeypatch):
    monkeypatch.setattr(search_views, "EXPORT_LIMIT", 2)
    book = export(client, world.otto)
    assert len(list(book["事件"].iter_rows(values_only=True))) == 1 + 2
    assert "仅导出前 2 件" in book["说明"]["A1"].value


def test_the_export_of_nothing_is_a_workbook_with_headers_only(client, world, events):
    rows = list(export(client, world.gina, q="没有这样的事件")["事件"].iter_rows(values_only=True))
    assert len(rows) == 1 and rows[0][0] == "事件编号"


def test_a_grid_worker_lists_what_she_reported_and_her_grid(client, world, events):
    # gina's scope is grid A1: the three town A events lie in it (and she reported them).
    assert listed(client, world.gina) == codes(events, "vending", "quarrel", "old")
    later = report_in_a1(
        world,
        Category.objects.get(code="0102"),
        by=world.otto,
        source="hotline",
        lon=120.015,
        lat=30.005,
        at=events["quarrel"].reported_at + timedelta(hours=1),
    )
    assert later.code not in listed(client, world.gina)
