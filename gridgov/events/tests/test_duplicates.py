"""Possible duplicates of a report: the same class, still open, within 200 m, reported in
the last 7 days, and a text alike enough for the distance between them."""

import math
from datetime import timedelta

import pytest

from gridgov.conftest import report_in_a1
from gridgov.events import selectors
from gridgov.lib import geo

# gina's report (conftest.report_in_a1) stands here, its text is this.
LON, LAT = 120.005, 30.01
SAME_TEXT = "衣裳街口占道经营 三个流动摊贩占用人行道卖水果，行人需绕行机动车道。"


def north(metres: float) -> float:
    """The latitude `metres` north of the report."""
    return LAT + math.degrees(metres / geo.EARTH_RADIUS_M)


@pytest.fixture
def first(world, street_vending):
    return report_in_a1(world, street_vending)


def suggested(world, category, *, lat=LAT, text=SAME_TEXT, now=None, first=None) -> list[str]:
    found = selectors.possible_duplicates(
        user=world.otto, category_id=category.pk, lon=LON, lat=lat, text=text,
        now=now or first.reported_at + timedelta(hours=1),
    )
    return [event.code for event, _, _ in found]


def test_an_event_199_metres_away_is_suggested_and_one_201_metres_away_is_not(
    world, street_vending, first
):
    assert 199 < geo.distance_m(LON, LAT, LON, north(199.5)) < 200
    assert geo.distance_m(LON, LAT, LON, north(201)) > 200
    assert suggested(world, street_vending, lat=north(199.5), first=first) == [first.code]
    assert suggested(world, street_vending, lat=north(201), first=first) == []


def test_an_event_reported_seven_days_ago_is_suggested_and_a_second_older_is_not(
    world, street_vending, first
):
    week = timedelta(days=7)
    on_the_edge = first.reported_at + week
    assert suggested(world, street_vending, now=on_the_edge, first=first) == [first.code]
    later = first.reported_at + week + timedelta(seconds=1)
    assert suggested(world, street_vending, now=later, first=first) == []


def test_a_different_problem_at_the_same_spot_is_not_suggested(world, street_vending, first):
    assert suggested(world, street_vending, text="路灯不亮，晚上很黑", first=first) == []
    assert suggested(world, street_vending, text="", first=first) == []


def test_at_the_same_spot_a_quarter_of_the_pairs_is_enough_and_less_is_not(
    world, street_vending, first
):
    # 2 of 8 character pairs (衣裳, 裳街) in common, then 2 of 9.
    quarter, less = "衣裳街有一只流浪狗", "衣裳街有一只流浪狗叫"
    assert selectors.text_similarity(quarter, SAME_TEXT) == 0.25
    assert selectors.text_similarity(less, SAME_TEXT) == pytest.approx(2 / 9)
    assert suggested(world, street_vending, text=quarter, first=first) == [first.code]
    assert suggested(world, street_vending, text=less, first=first) == []


def test_farther_away_the_texts_must_be_more_alike(world, street_vending, first):
    text = "衣裳街口有人摆摊"  # 3 of its 7 pairs in common: 0.43
    assert selectors.similarity_needed(50) < selectors.text_similarity(text, SAME_TEXT)
    assert selectors.text_similarity(text, SAME_TEXT) < selectors.similarity_needed(190)
    assert suggested(world, street_vending, lat=north(50), text=text, first=first) == [first.code]
    assert suggested(world, street_vending, lat=north(190), text=text, first=first) == []
    # The same report, word for word, is suggested up to the edge of the radius.
    assert suggested(world, street_vending, lat=north(190), first=first) == [first.code]


def test_the_most_alike_comes_first(world, street_vending, first):
    alike = report_in_a1(world, street_vending, title="衣裳街口有人摆摊", description="摆摊占道")
    found = selectors.possible_duplicates(
        user=world.otto, category_id=street_vending.pk, lon=LON, lat=LAT,
        text="衣裳街口有人摆摊占道", now=first.reported_at + timedelta(hours=1),
    )
    assert [e.code for e, _, _ in found] == [alike.code, first.code]
    assert found[0][2] > found[1][2]
