"""Routine inspections: a place whose latest inspection is older than its kind's interval
is due on the grid worker's list for today, within the worker's own grids."""

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gridgov.field import inspections, selectors
from gridgov.field.models import PlaceKind


def inspect(
    world, *, key, days_ago, kind="rental", place="衣裳街 8 号出租房", lon=120.005, previous=None
):
    kind = PlaceKind.objects.get(code=kind)
    at = timezone.now() - timedelta(days=days_ago)
    answers = [
        inspections.Answer(item_id=i.pk, passed=True) for i in kind.items.filter(is_active=True)
    ]
    inspection, created = inspections.record(
        by=world.gina,
        key=key,
        kind=kind,
        place=place,
        lon=lon,
        lat=30.01,
        answers=answers,
        previous=previous,
        at=at,
        now=at,
    )
    assert created
    return inspection


def due(world):
    return [(d.latest.place, d.days_overdue) for d in selectors.due_inspections(world.gina)]


def test_a_place_is_due_once_its_kinds_interval_has_passed_since_its_latest_inspection(world):
    inspect(world, key="a", days_ago=91, place="衣裳街 8 号出租房")
    inspect(world, key="b", days_ago=90, place="衣裳街 9 号出租房")
    inspect(world, key="c", days_ago=89, place="衣裳街 10 号出租房")
    inspect(world, key="d", days_ago=40, kind="three_in_one", place="衣裳街 3 号五金店")
    assert due(world) == [
        ("衣裳街 3 号五金店", 10),
        ("衣裳街 8 号出租房", 1),
        ("衣裳街 9 号出租房", 0),
    ]
    assert [d.latest.place for d in selectors.today(world.gina).due_inspections] == [
        p for p, _ in due(world)
    ]


def test_the_today_page_links_each_due_place_to_its_reinspection(world):
    latest = inspect(world, key="a", days_ago=95)
    client = Client()
    client.force_login(world.gina)
    body = client.get("/m/").content.decode()
    assert f"/m/inspect/?previous={latest.pk}" in body and "超期 5 天" in body
    page = client.get(f"/m/inspect/?previous={latest.pk}").content.decode()
    assert "衣裳街 8 号出租房" in page


def test_a_reinspection_takes_the_place_off_the_list_even_from_a_neighbouring_grid(world):
    first = inspect(world, key="a", days_ago=120)
    assert due(world) == [("衣裳街 8 号出租房", 30)]
    # Re-inspected standing in grid A2, the next grid of the same village.
    inspect(world, key="b", days_ago=2, previous=first, lon=120.015)
    assert due(world) == []


def test_only_the_latest_inspection_of_a_place_counts(world):
    inspect(world, key="a", days_ago=200)
    inspect(world, key="b", days_ago=100)
    assert due(world) == [("衣裳街 8 号出租房", 10)]


def test_a_kind_without_an_interval_is_never_due_and_an_edited_interval_counts_at_once(world):
    inspect(world, key="a", days_ago=50)
    assert due(world) == []
    PlaceKind.objects.filter(code="rental").update(interval_days=30)
    assert due(world) == [("衣裳街 8 号出租房", 20)]
    PlaceKind.objects.filter(code="rental").update(interval_days=0)
    assert due(world) == []
    PlaceKind.objects.filter(code="rental").update(interval_days=30, is_active=False)
    assert due(world) == []


def test_it_requires_the_places_to_be_in_the_workers_own_grids(world):
    inspect(world, key="a", days_ago=100, lon=120.015)  # grid A2: not one of gina's grids
    assert due(world) == []
    assert selectors.due_inspections(world.otto) == []


def test_the_list_reads_a_fixed_number_of_queries(world):
    inspect(world, key="a", days_ago=100)
    with CaptureQueriesContext(connection) as one:
        assert len(selectors.due_inspections(world.gina)) == 1
    for n in range(5):
        inspect(world, key=f"m{n}", days_ago=100 + n, place=f"衣裳街 {20 + n} 号出租房")
    with CaptureQueriesContext(connection) as six:
        assert len(selectors.due_inspections(world.gina)) == 6
    assert len(six) == len(one)
