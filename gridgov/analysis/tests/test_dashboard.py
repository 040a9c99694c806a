from datetime import date, datetime
from zoneinfo import ZoneInfo

from gridgov.analysis import dashboard, rollup
from gridgov.events import workflow
from gridgov.events.models import Status
from gridgov.events.tests.lifecycle import event_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 4)
NOON = datetime(2026, 3, 4, 12, 0, tzinfo=SHANGHAI)


def _events(world, street_vending):
    closed = event_in(world, street_vending, Status.CLOSED)
    handling = event_in(world, street_vending, Status.HANDLING)
    workflow.report(
        by=world.xena, title="南街路灯不亮", description="南街 3 号门前路灯连续三晚不亮。",
        category=street_vending.parent.children.exclude(pk=street_vending.pk).first(),
        lon=120.03, lat=30.01, source="resident", at=datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI),
    )
    rollup.fold()
    return closed, handling


def test_summary_counts_the_days_intake_closures_and_open_events_by_light(world, street_vending):
    _events(world, street_vending)
    district = dashboard.summary([world.district.prefix], DAY, now=NOON)
    assert (district["reported"], district["closed"], district["open_total"]) == (3, 1, 2)
    assert sum(district["open"].values()) == 2
    town_a = dashboard.summary([world.town_a.prefix], DAY, now=NOON)
    assert (town_a["reported"], town_a["closed"], town_a["open_total"]) == (2, 1, 1)
    # A grid scope is answered from the facts, with the same figures.
    grid = dashboard.summary([world.grid_a1.code], DAY, now=NOON)
    assert (grid["reported"], grid["closed"], grid["open_total"]) == (2, 1, 1)


def test_an_overdue_event_is_red_and_counted_overdue(world, street_vending):
    _, handling = _events(world, street_vending)
    figures = dashboard.summary([world.town_a.prefix], DAY, now=handling.due_at)
    assert figures["open"]["red"] == figures["overdue"] == 1


def test_top_categories_and_town_ranking_stay_inside_the_scope(world, street_vending):
    _events(world, street_vending)
    top = dashboard.top_categories([world.town_a.prefix], DAY, DAY)
    assert [(c["code"], c["reported"]) for c in top] == [("0503", 2)]
    ranking = dashboard.town_ranking([world.district.prefix], DAY, DAY, now=NOON)
    assert {r["name"] for r in ranking} == {"月河街道", "朝阳街道"}
    assert [r["rank"] for r in ranking] == [1, 2]
    only_b = dashboard.town_ranking([world.town_b.prefix], DAY, DAY, now=NOON)
    assert [(r["name"], r["reported"]) for r in only_b] == [("朝阳街道", 1)]
