"""Each chart's table against March in town A worked out by hand (see tests/march.py)."""

from datetime import date

import pytest

from gridgov.analysis import charts, rollup
from gridgov.analysis.tests.march import AFTER, town_a

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
UNIT = "综合行政执法局月河中队"


@pytest.fixture
def march(world, street_vending):
    events = town_a(world, street_vending)
    rollup.fold()
    return events


def table(world, key, start=MARCH[0], end=MARCH[1]):
    found = charts.BY_KEY[key].compute([world.town_a.prefix], start, end, AFTER)
    return found.rows


def test_the_weekly_trend_sums_each_week_from_its_monday(world, march):
    assert table(world, "trend_week") == [
        ["02-23周", 0, 0, 0],  # Sunday 1 March belongs to the week of 23 February
        ["03-02周", 3, 1, 1],
        ["03-09周", 2, 1, 1],
        ["03-16周", 1, 2, 2],
        ["03-23周", 0, 0, 0],
        ["03-30周", 1, 0, 0],  # the rejected E6 is reported, never closed
    ]


def test_the_monthly_trend_keeps_april_apart(world, march):
    assert table(world, "trend_month", date(2026, 2, 20), date(2026, 4, 5)) == [
        ["2026-02", 0, 0, 0], ["2026-03", 7, 4, 4], ["2026-04", 1, 1, 1],
    ]


def test_the_heat_map_counts_by_local_hour_and_weekday(world, march):
    # E5 at 07:45 on Tuesday is 23:45 on Monday in UTC, E4 at 22:30 is 14:30 in UTC.
    assert table(world, "heat") == [
        ["周一", 8, 1], ["周二", 7, 1], ["周二", 23, 1], ["周三", 9, 2], ["周四", 14, 1], ["周六", 22, 1],
    ]


def test_handling_time_by_department_averages_signing_to_last_feedback(world, march):
    # E1 2 h, E2 356 h, E3 30 h; the self-handled E5 has no department.
    assert table(world, "handle_time") == [[UNIT, round((2 + 356 + 30) / 3, 1)]]


def test_overdue_by_department_counts_the_open_events_it_leads(world, march):
    # E4 is late in the unit's hands; E7, late too, has no department yet.
    assert table(world, "overdue") == [[UNIT, 1]]


def test_rework_and_extension_by_department_count_events_not_times(world, march):
    assert table(world, "rework") == [[UNIT, 1]]
    assert table(world, "extension") == [[UNIT, 1]]


def test_on_time_handling_by_town_is_over_handled_and_overdue(world, march):
    # Handled on time E1, E3, E5 of handled E1, E2, E3, E5 and overdue E4, E7: 3 / 6.
    assert table(world, "on_time") == [["月河街道", 50.0]]


def test_self_handled_share_and_satisfaction_count_the_months_closures(world, march):
    assert table(world, "self_handled") == [["自行处置", 1], ["核查结案", 3]]
    assert table(world, "satisfaction") == [["满意/基本满意", 2], ["不满意", 1]]


def test_the_ranking_scores_the_town_with_the_default_weights(world, march):
    # 30×4/6 + 20×3/6 + 20×(1−1/6) + 20×(1−2/6) + 10×(1−1/6) = 68.3
    assert table(world, "ranking") == [["月河街道", 68.3]]


def test_completion_lists_every_rate_in_percent(world, march):
    assert table(world, "completion") == [
        ["处置率", 66.7], ["按期处置率", 50.0], ["结案率", 66.7], ["按期结案率", 50.0], ["返工率", 16.7],
        ["延期率", 16.7], ["超期待处置率", 33.3], ["满意率", 66.7], ["自行处置占比", 25.0],
    ]


def test_a_month_with_nothing_reported_draws_empty_tables(world, march):
    empty = (date(2026, 5, 1), date(2026, 5, 31))
    assert table(world, "heat", *empty) == []
    assert table(world, "self_handled", *empty) == [["自行处置", 0], ["核查结案", 0]]
    assert table(world, "trend_month", *empty) == [["2026-05", 0, 0, 0]]
