import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from gridgov.analysis import charts, dashboard, indicators, rollup
from gridgov.analysis.models import Assessment, IndicatorWeight
from gridgov.analysis.tests import march
from gridgov.events import workflow
from gridgov.events.models import Status
from gridgov.events.tests.lifecycle import event_in

MARCH = "start=2026-03-01&end=2026-03-31"
MARCH_DAYS = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def events(world, street_vending):
    event_in(world, street_vending, Status.CLOSED)
    event_in(world, street_vending, Status.HANDLING)
    workflow.report(
        by=world.xena, title="南街占道经营", description="南街 3 号门前有人占道卖菜。", category=street_vending,
        lon=120.03, lat=30.01, source="resident", at=datetime(2026, 3, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    rollup.fold()


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_the_dashboard_shows_the_leaders_district(client, world, events):
    response = _get(client, world.lena, f"/dashboard/?{MARCH}")
    assert response.status_code == 200
    text = response.content.decode()
    assert "镇街排名" in text and "月河街道" in text and "朝阳街道" in text


def test_the_dashboard_requires_a_dashboard_role(client, world, events):
    assert _get(client, world.gina, "/dashboard/").status_code == 403


def test_the_analysis_page_draws_every_chart_of_the_readers_scope(client, world, events):
    response = _get(client, world.otto, f"/analysis/?{MARCH}")
    assert response.status_code == 200
    drawn = {c["key"]: c for c in response.context["charts"]}
    assert set(drawn) == set(charts.BY_KEY) and len(drawn) >= 18
    assert drawn["status"]["rows"] == [["已结案", 1], ["处置中", 1]]  # town A only, not B's report
    assert response.context["figures"]["reported"] == 2


def test_it_requires_analysis_scope_for_a_region(client, world, events):
    assert _get(client, world.xena, f"/analysis/?region={world.town_a.prefix}").status_code == 404
    assert _get(client, world.xena, f"/analysis/export/status.xlsx?region={world.town_a.prefix}").status_code == 404
    assert _get(client, world.dora, "/analysis/").status_code == 403


def test_a_chart_exports_to_excel_with_the_scoped_rows(client, world, events):
    response = _get(client, world.xena, f"/analysis/export/towns.xlsx?{MARCH}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "高发区域：镇街"
    assert rows[2:] == [("区域", "事件数"), ("朝阳街道", 1)]


def test_a_bad_period_is_named(client, world, events):
    response = _get(client, world.otto, "/analysis/export/status.xlsx?start=2026-13-01")
    assert response.status_code == 400 and "开始日期" in response.content.decode()
    response = _get(client, world.otto, "/analysis/?start=2026-03-09&end=2026-03-01")
    assert response.status_code == 400 and "开始日期不能晚于结束日期" in response.content.decode()


def test_a_published_assessment_is_frozen(client, world, street_vending, events):
    client.force_login(world.adam)
    url = f"/assessment/?region={world.district.prefix}&month=2026-03&subject=town"
    draft = client.get(url)
    assert draft.context["sheet"]["published"] is None and draft.context["may_publish"]
    response = client.post("/assessment/publish/", {"month": "2026-03", "subject": "town", "region": world.district.prefix})
    assert response.status_code == 302
    frozen = [(r["name"], r["figures"]["reported"]) for r in client.get(url).context["sheet"]["rows"]]
    # More March events and new weights change the live figures, not the published ones.
    event_in(world, street_vending, Status.CLOSED)
    rollup.fold()
    IndicatorWeight.objects.create(indicator="close_rate", weight=100)
    again = client.get(url).context["sheet"]
    assert [(r["name"], r["figures"]["reported"]) for r in again["rows"]] == frozen
    assert again["published"].weights == {"handle_rate": 30, "on_time_handle_rate": 20, "rework_rate": 20,
                                          "overdue_rate": 20, "extension_rate": 10}
    client.post("/assessment/publish/", {"month": "2026-03", "subject": "town", "region": world.district.prefix})
    assert Assessment.objects.count() == 1


def test_only_an_administrator_of_the_region_publishes(client, world, events):
    client.force_login(world.lena)
    response = client.post("/assessment/publish/", {"month": "2026-03", "subject": "town", "region": world.district.prefix})
    assert response.status_code == 403
    assert not Assessment.objects.exists()


def test_the_weights_page_names_a_bad_weight_and_saves_nothing(client, world):
    client.force_login(world.adam)
    response = client.post("/assessment/weights/", {"handle_rate": "abc", "close_rate": "50"})
    assert response.status_code == 400 and "处置率的权重应为 0 到 100 的整数" in response.content.decode()
    assert not IndicatorWeight.objects.exists()
    assert client.post("/assessment/weights/", {"handle_rate": "60", "close_rate": "40"}).status_code == 302
    assert dict(IndicatorWeight.objects.filter(weight__gt=0).values_list("indicator", "weight")) == {
        "handle_rate": 60, "close_rate": 40}
    client.force_login(world.lena)
    assert client.get("/assessment/weights/").status_code == 403


@pytest.fixture
def two_towns(world, street_vending, town_b_staff):
    march.town_a(world, street_vending)
    march.town_b(world, town_b_staff, street_vending)
    rollup.fold()


@pytest.mark.parametrize(("reader", "region", "area"), [
    ("otto", "", "town_a"),
    ("xena", "", "town_b"),
    ("vera", "", "village_a"),
    ("lena", "town_b", "town_b"),
])
def test_every_chart_and_its_export_hold_exactly_the_readers_area(client, world, two_towns, reader, region, area):
    prefix = getattr(world, area).prefix
    query = f"{MARCH}&region={getattr(world, region).prefix}" if region else MARCH
    client.force_login(getattr(world, reader))
    with time_machine.travel(march.AFTER, tick=False):
        page = client.get(f"/analysis/?{query}")
        assert page.status_code == 200
        drawn = {c["key"]: c["rows"] for c in page.context["charts"]}
        assert page.context["figures"] == indicators.totals([prefix], *MARCH_DAYS, now=march.AFTER)
        for key, chart in charts.BY_KEY.items():
            table = chart.compute([prefix], *MARCH_DAYS, march.AFTER)
            expected = table.rows
            # The other town moves every chart of the district: a leak would change the rows.
            assert expected != chart.compute([world.district.prefix], *MARCH_DAYS, march.AFTER).rows, key
            assert drawn[key] == expected, key
            api = client.get(f"/api/analysis/charts/{key}?{query}")
            assert api.json()["rows"] == json.loads(json.dumps(expected)), key
            export = client.get(f"/analysis/export/{key}.xlsx?{query}")
            assert export.status_code == 200, key
            rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
            assert rows[2] == tuple(table.columns), key
            assert rows[3:] == [tuple(r) for r in expected], key


def test_no_chart_nor_export_answers_for_a_region_outside_the_readers_scope(client, world):
    client.force_login(world.xena)
    for key in charts.BY_KEY:
        assert client.get(f"/analysis/export/{key}.xlsx?region={world.town_a.prefix}").status_code == 404, key
        assert client.get(f"/api/analysis/charts/{key}?region={world.town_a.prefix}").status_code == 404, key


def _scores(rows) -> list[tuple]:
    return [(r["name"], r["score"]) for r in rows]


def test_the_administrators_weights_change_the_live_scores(client, world, two_towns):
    with time_machine.travel(march.AFTER, tick=False):
        # Town A 68.3 against B's 30×3/5 + 20×3/5 + 20×(1−1/5) + 20×(1−2/5) + 10×(1−1/5) = 66.0.
        assert _scores(_get(client, world.lena, f"/dashboard/?{MARCH}").context["towns"]) == [
            ("月河街道", 68.3), ("朝阳街道", 66.0)]
        client.force_login(world.adam)
        assert client.post("/assessment/weights/", {"on_time_handle_rate": "100"}).status_code == 302
        # Now only 按期处置率 counts: A handled 3 of its 6 due on time, B 3 of 5.
        expected = [("朝阳街道", 60.0), ("月河街道", 50.0)]
        assert _scores(_get(client, world.lena, f"/dashboard/?{MARCH}").context["towns"]) == expected
        live = _get(client, world.adam, f"/assessment/?region={world.district.prefix}&month=2026-03&subject=town")
        assert _scores(live.context["sheet"]["rows"]) == expected
        api = _get(client, world.lena, f"/api/analysis/indicators?subject=town&{MARCH}").json()
        assert _scores(api) == expected
        drawn = {c["key"]: c["rows"] for c in _get(client, world.lena, f"/analysis/?{MARCH}").context["charts"]}
        assert drawn["ranking"] == [list(t) for t in expected]


ASSESSMENT_HEADER = (
    "名次", "镇街", "上报数", "应处置数", "处置数", "超期待处置数", "结案数", "处置率", "按期处置率", "结案率",
    "按期结案率", "返工率", "延期率", "超期待处置率", "满意率", "平均处置时长（小时）", "综合得分", "等级",
)


def test_the_assessment_exports_its_rows_to_excel_draft_then_published(client, world, two_towns):
    url = f"/assessment/?region={world.district.prefix}&month=2026-03&subject=town&format=xlsx"
    client.force_login(world.adam)

    def exported():
        response = client.get(url)
        assert response.status_code == 200
        return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))

    town_a = (1, "月河街道", 7, 6, 4, 2, 4, 66.7, 50.0, 66.7, 50.0, 16.7, 16.7, 33.3, 66.7, 97.0, 68.3, "C")
    # B: B1 6 h, B2 362 h from signing, B4 self-handled.
    town_b = (2, "朝阳街道", 5, 5, 3, 2, 3, 60.0, 60.0, 60.0, 60.0, 20.0, 20.0, 40.0, 50.0, 122.7, 66.0, "C")
    with time_machine.travel(march.AFTER, tick=False):
        draft = exported()
        assert draft[0][0] == "2026年03月镇街考核"
        assert draft[1][0] == f"范围：{world.district.prefix}　草稿（未发布）"
        assert draft[2:] == [ASSESSMENT_HEADER, town_a, town_b]
        client.post("/assessment/publish/", {"month": "2026-03", "subject": "town", "region": world.district.prefix})
        client.post("/assessment/weights/", {"on_time_handle_rate": "100"})
        published = exported()
    assert published[1][0] == f"范围：{world.district.prefix}　已发布"
    assert published[2:] == [ASSESSMENT_HEADER, town_a, town_b]


def _dashboard(prefixes: list[str]) -> dict:
    """What the dashboard page shows for these prefixes, computed directly."""
    return {
        "summary": dashboard.summary(prefixes, march.AFTER.date(), now=march.AFTER),
        "top": dashboard.top_categories(prefixes, *MARCH_DAYS),
        "towns": dashboard.town_ranking(prefixes, *MARCH_DAYS, now=march.AFTER),
        "trend": [{"day": d["day"].isoformat(), "reported": d["reported"], "closed": d["closed"]}
                  for d in dashboard.trend(prefixes, *MARCH_DAYS)],
    }


@pytest.mark.parametrize(("reader", "area"), [("otto", "town_a"), ("xena", "town_b")])
def test_the_dashboard_holds_exactly_the_readers_town(client, world, two_towns, reader, area):
    with time_machine.travel(march.AFTER, tick=False):
        context = _get(client, getattr(world, reader), f"/dashboard/?{MARCH}").context
        expected = _dashboard([getattr(world, area).prefix])
        wider = _dashboard([world.district.prefix])
    for key, value in expected.items():
        assert context[key] == value, key
        assert value != wider[key], key  # the other town's events would show
