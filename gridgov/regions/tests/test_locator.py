"""Point → grid: the in-memory index, its border rule, and when a process rebuilds it."""

import dataclasses
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from gridgov.conftest import rectangle
from gridgov.demo import territory as demo
from gridgov.regions import locator, territory
from gridgov.regions.locator import GridIndex, Located


def index_of(*polygons, codes: list[str] | None = None) -> GridIndex:
    codes = codes or [f"330502001001{n:03d}" for n in range(1, len(polygons) + 1)]
    grids = [Located(i, code, f"网格{i}") for i, code in enumerate(codes)]
    return GridIndex(1, grids, list(polygons))


def brute_force(polygons, lon: float, lat: float) -> int | None:
    """The reference answer: the smallest position whose polygon touches the point."""
    hits = [i for i, p in enumerate(polygons) if p.intersects(shapely.Point(lon, lat))]
    return min(hits) if hits else None


# Two squares side by side and one above both: A | B, C on top.
A, B, C = (
    box(120.0, 30.0, 120.01, 30.01),
    box(120.01, 30.0, 120.02, 30.01),
    box(120.0, 30.01, 120.02, 30.02),
)


def test_a_point_inside_a_grid_finds_that_grid():
    index = index_of(A, B, C)
    assert index.locate(120.005, 30.005).code == "330502001001001"
    assert index.locate(120.015, 30.005).code == "330502001001002"
    assert index.locate(120.015, 30.015).code == "330502001001003"


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (119.999, 30.005),
        (120.021, 30.005),
        (120.005, 30.0201),
        (0.0, 0.0),
        (math.nan, 30.0),
        (120.0, math.inf),
    ],
)
def test_a_point_outside_every_grid_finds_nothing(lon, lat):
    index = index_of(A, B, C)
    assert index.locate(lon, lat) is None
    assert index.locate_many([lon], [lat]) == [None]


def test_a_point_on_a_shared_border_belongs_to_the_smaller_code():
    index = index_of(A, B, C)
    assert index.locate(120.01, 30.005).code == "330502001001001"  # A | B
    assert index.locate(120.015, 30.01).code == "330502001001002"  # B under C
    assert index.locate(120.01, 30.01).code == "330502001001001"  # the corner of all three
    many = index.locate_many([120.01, 120.015, 120.01], [30.005, 30.01, 30.01])
    assert [g.code for g in many] == ["330502001001001", "330502001001002", "330502001001001"]


def test_the_outer_edges_and_corners_of_the_territory_are_inside():
    index = index_of(A, B, C)
    assert index.locate(120.02, 30.02).code == "330502001001003"
    assert index.locate(120.0, 30.0).code == "330502001001001"
    assert index.locate(120.02, 30.0).code == "330502001001002"


def test_where_grids_overlap_the_smaller_code_wins_even_inside_a_larger_grid():
    # A bad import: a big grid with a larger code covers a small one entirely.
    small, big = box(120.004, 30.004, 120.006, 30.006), box(120.0, 30.0, 120.1, 30.1)
    index = index_of(small, big)
    assert index.locate(120.005, 30.005).code == "330502001001001"
    assert index.locate(120.05, 30.05).code == "330502001001002"
    lons, lats = np.linspace(120.0, 120.01, 101), np.full(101, 30.005)
    expected = [brute_force([small, big], x, y) for x, y in zip(lons, lats, strict=True)]
    assert [index.locate(x, y).id for x, y in zip(lons, lats, strict=True)] == expected
    assert [g.id for g in index.locate_many(lons, lats)] == expected


def test_an_empty_territory_finds_nothing():
    index = index_of()
    assert index.locate(120.0, 30.0) is None
    assert index.locate_many([120.0, 121.0], [30.0, 31.0]) == [None, None]


@pytest.fixture(scope="module")
def drawn() -> tuple[list[str], list]:
    plan = demo.plan(dataclasses.replace(demo.DISTRICT, grids=400))
    return [g.code for g in plan.grids], [g.geometry for g in plan.grids]


def test_lookups_agree_with_a_brute_force_search_over_a_real_territory(drawn):
    codes, polygons = drawn
    index = index_of(*polygons, codes=codes)
    rng = np.random.default_rng(7)
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(polygons)
    lons = rng.uniform(min_lon - 0.01, max_lon + 0.01, 3000)
    lats = rng.uniform(min_lat - 0.01, max_lat + 0.01, 3000)
    # Points exactly on borders and corners too: every vertex of every grid.
    vertices = shapely.get_coordinates(polygons)[::7]
    lons, lats = np.r_[lons, vertices[:, 0]], np.r_[lats, vertices[:, 1]]
    tree = shapely.STRtree(polygons)
    point_idx, grid_idx = tree.query(shapely.points(lons, lats), predicate="intersects")
    expected: list[int | None] = [None] * len(lons)
    for p, g in zip(point_idx.tolist(), grid_idx.tolist(), strict=True):
        expected[p] = g if expected[p] is None else min(expected[p], g)
    single = [index.locate(x, y) for x, y in zip(lons.tolist(), lats.tolist(), strict=True)]
    assert [g.id if g else None for g in single] == expected
    assert [g.id if g else None for g in index.locate_many(lons, lats)] == expected
    assert 0.3 < sum(e is not None for e in expected) / len(expected) < 1


def test_each_grid_is_found_from_a_point_inside_it(drawn):
    codes, polygons = drawn
    index = index_of(*polygons, codes=codes)
    inside = shapely.get_coordinates(shapely.point_on_surface(polygons))
    assert [index.locate(x, y).code for x, y in inside.tolist()] == codes
    assert index.position[codes[5]] == 5 and len(index.polygons) == len(index.grids) == len(codes)


def test_another_process_rebuilds_once_the_version_moves_on(world, settings, monkeypatch):
    settings.LOCATOR_VERSION_CHECK_SECONDS = 60
    index = locator.current_index()
    assert locator.locate(120.005, 30.025) is None
    # Another process adds a grid: the rows and the version stamp change, nothing else.
    territory.bulk_create_grids(
        [
            territory.GridFields(
                code="330502001001003",
                name="衣裳街第三网格",
                village=world.village_a,
                geometry=rectangle(120.0, 30.02, 120.01, 30.03),
                households=120,
            )
        ]
    )
    # Inside the check interval this process trusts what it has…
    assert locator.current_index() is index
    assert locator.locate(120.005, 30.025) is None
    # …and after it, reads the stamp, sees it moved and rebuilds.
    later = locator.time.monotonic() + 61
    monkeypatch.setattr(locator.time, "monotonic", lambda: later)
    rebuilt = locator.current_index()
    assert rebuilt is not index and rebuilt.version == index.version + 1
    assert locator.locate(120.005, 30.025).code == "330502001001003"
    # Nothing changed since: the next check keeps the same index.
    monkeypatch.setattr(locator.time, "monotonic", lambda: later + 61)
    assert locator.current_index() is rebuilt
