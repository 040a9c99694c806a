"""The territory quality check: overlaps, gaps, oversized grids, villages without grids."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from shapely.geometry import shape

from gridgov.conftest import rectangle
from gridgov.lib import geo
from gridgov.regions import checks, territory
from gridgov.regions.models import Level


def add_grid(village, code: str, geometry: dict, **fields):
    return territory.save_grid(
        territory.GridFields(
            code=code,
            name=fields.pop("name", f"网格{code[-3:]}"),
            village=village,
            geometry=geometry,
            **fields,
        )
    )


def add_village(world, code: str, name: str, outline: dict | None = None):
    return territory.save_region(
        code=code,
        name=name,
        level=Level.VILLAGE,
        parent=world.town_a,
        urban_rural_code="220",
        outline=outline,
    )


def m2(geometry: dict) -> float:
    return geo.area_m2(shape(geometry))


def test_the_test_world_has_only_its_oversized_grid(world):
    report = checks.check(world.district.prefix)

    assert [v.code for v in report.villages] == [world.village_a.code, world.village_b.code]
    assert report.grids == 3
    assert report.overlaps == [] and report.gaps == [] and report.empty_villages == []
    assert report.oversized == [
        checks.OversizedGrid(world.grid_a2.code, "衣裳街第二网格", "urban", 320, 300)
    ]
    assert not report.ok


def test_it_finds_a_planted_overlap_with_both_grid_codes_and_its_area(world):
    planted = rectangle(120.005, 30.0, 120.01, 30.01)  # inside grid A1
    add_grid(world.village_a, "330502001001003", planted, name="重叠网格")

    report = checks.check(world.village_a.prefix)

    [overlap] = report.overlaps
    assert (overlap.a_code, overlap.b_code) == (world.grid_a1.code, "330502001001003")
    assert (overlap.a_name, overlap.b_name) == ("衣裳街第一网格", "重叠网格")
    assert overlap.area_m2 == pytest.approx(m2(planted), rel=1e-3)
    assert report.problem_grid_codes >= {world.grid_a1.code, "330502001001003"}


def test_it_finds_a_planted_gap_against_the_village_outline(world):
    village = add_village(
        world, "330502001002", "新村", outline=rectangle(120.0, 30.02, 120.02, 30.04)
    )
    add_grid(village, "330502001002001", rectangle(120.0, 30.02, 120.01, 30.04))

    report = checks.check(world.town_a.prefix)

    checked = next(v for v in report.villages if v.code == village.code)
    assert checked.has_outline
    [gap] = checked.gaps
    assert gap.area_m2 == pytest.approx(m2(rectangle(120.01, 30.02, 120.02, 30.04)), rel=1e-3)
    assert report.gaps == [gap]
    assert report.gap_m2 == gap.area_m2


def test_without_an_outline_a_gap_is_a_hole_the_grids_surround(world):
    village = add_village(world, "330502001002", "新村")
    frame = [
        rectangle(120.0, 30.02, 120.03, 30.03),  # south
        rectangle(120.0, 30.05, 120.03, 30.06),  # north
        rectangle(120.0, 30.03, 120.01, 30.05),  # west
        rectangle(120.02, 30.03, 120.03, 30.05),  # east
    ]
    for n, geometry in enumerate(frame, 1):
        add_grid(village, f"330502001002{n:03d}", geometry)

    checked = next(v for v in checks.check(village.prefix).villages)

    assert not checked.has_outline
    [gap] = checked.gaps
    assert gap.area_m2 == pytest.approx(m2(rectangle(120.01, 30.03, 120.02, 30.05)), rel=1e-3)
    assert checked.overlaps == []


def test_it_flags_grids_over_the_limit_for_their_area_type(world, settings):
    settings.GRID_HOUSEHOLD_LIMIT = {"rural": 100, "urban": 300}
    village = add_village(world, "330502001002", "新村")
    add_grid(village, "330502001002001", rectangle(120.0, 30.02, 120.01, 30.03), households=101)
    add_grid(village, "330502001002002", rectangle(120.01, 30.02, 120.02, 30.03), households=100)

    checked = next(v for v in checks.check(village.prefix).villages)

    assert [(g.code, g.households, g.limit, g.area_type_label) for g in checked.oversized] == [
        ("330502001002001", 101, 100, "农村")
    ]


def test_it_lists_villages_without_grids(world):
    add_village(world, "330502001002", "空村")

    report = checks.check(world.town_a.prefix)

    assert [(v.code, v.name) for v in report.empty_villages] == [("330502001002", "空村")]
    assert not next(v for v in report.villages if v.code == "330502001002").ok


def test_a_town_check_also_finds_grids_of_two_villages_overlapping(world):
    village = add_village(world, "330502001002", "新村")
    add_grid(village, "330502001002001", rectangle(120.015, 30.01, 120.025, 30.03))

    report = checks.check(world.district.prefix)

    cross = {(o.a_code, o.b_code) for o in report.cross_overlaps}
    assert cross == {
        (world.grid_a2.code, "330502001002001"),
        ("330502001002001", world.grid_b1.code),
    }
    assert all(o in report.overlaps for o in report.cross_overlaps)


def test_the_map_marks_the_problem_grids_and_draws_the_overlap(world):
    add_grid(world.village_a, "330502001001003", rectangle(120.005, 30.0, 120.01, 30.01))

    features = checks.map_features(world.town_a.prefix)["features"]

    marked = {f["properties"].get("code") for f in features if f["properties"]["self"]}
    assert marked == {world.grid_a1.code, world.grid_a2.code, "330502001001003", None}
    [piece] = [f for f in features if "code" not in f["properties"]]
    assert piece["properties"]["name"].startswith("重叠：衣裳街第一网格")
    assert m2(piece["geometry"]) == pytest.approx(
        m2(rectangle(120.005, 30.0, 120.01, 30.01)), rel=1e-3
    )


def test_a_district_map_draws_only_the_problem_grids(world):
    features = checks.map_features(world.district.prefix)["features"]

    assert [f["properties"]["code"] for f in features] == [world.grid_a2.code]


def test_a_prefix_that_is_not_a_region_prefix_is_refused(db):
    with pytest.raises(ValueError):
        checks.check("33050")


def test_the_command_prints_the_report(world):
    add_grid(
        world.village_a, "330502001001003", rectangle(120.005, 30.0, 120.01, 30.01), name="重叠网格"
    )
    add_village(world, "330502001002", "空村")
    out = io.StringIO()

    call_command("check_territory", "--prefix", world.town_a.prefix, stdout=out)

    text = out.getvalue()
    assert "月河街道（330502001000）：村社区 2 个，网格 3 个" in text
    assert f"{world.grid_a1.code} 衣裳街第一网格 ↔ 330502001001003 重叠网格" in text
    assert f"{world.grid_a2.code} 衣裳街第二网格（城镇）：320 户，上限 300 户" in text
    assert "330502001002 空村" in text


def test_the_command_refuses_a_bad_prefix(db):
    with pytest.raises(CommandError):
        call_command("check_territory", "--prefix", "abc", stdout=io.StringIO())
