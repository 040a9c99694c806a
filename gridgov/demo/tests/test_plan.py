"""The demo plan, drawn without a database: counts, codes, geometry, people, determinism."""

import dataclasses
import re
from collections import Counter

import pytest
import shapely

from gridgov.demo import build
from gridgov.demo.territory import CITY_SCALE, DISTRICT
from gridgov.lib import codes, geo
from gridgov.regions.models import GridKind, Level

HOUSEHOLD_LIMIT = {"rural": 150, "urban": 300}


@pytest.fixture(scope="module")
def district() -> build.Plan:
    return build.plan(DISTRICT)


@pytest.fixture(scope="module")
def small_city() -> build.Plan:
    # The city's five districts with fewer grids: the same generator, drawn in a second.
    return build.plan(dataclasses.replace(CITY_SCALE, grids=3000))


def test_the_district_has_the_size_of_a_real_district(district):
    land = district.territory
    assert len(land.regions_at(Level.DISTRICT)) == 1
    assert len(land.regions_at(Level.TOWN)) == 14
    assert 270 <= len(land.regions_at(Level.VILLAGE)) <= 330
    assert len(land.grids) == 540
    assert 40 <= len(land.clusters) <= 52
    workers = Counter(p.scope for p in district.people.posts if p.role == "grid_worker")
    assert set(workers) == {g.code for g in land.grids}
    assert set(workers.values()) <= {2, 3, 4}  # 网格长 + 专职 (+ 兼职), plus the demo worker
    assert 1_250 <= sum(workers.values()) <= 1_550


def test_the_top_of_the_tree_uses_the_real_codes(district):
    top = {(r.code, r.name) for r in district.territory.regions[:3]}
    assert top == {
        ("330000000000", "浙江省"),
        ("330500000000", "湖州市"),
        ("330502000000", "吴兴区"),
    }


@pytest.mark.parametrize("drawn", ["district", "small_city"])
def test_every_code_is_valid_and_extends_its_parent(drawn, request):
    land = request.getfixturevalue(drawn).territory
    by_code = {r.code: r for r in land.regions}
    assert len(by_code) == len(land.regions)
    for region in land.regions:
        codes.validate(region.code, level=region.level, parent_code=region.parent)
        if region.level == Level.TOWN:
            kind = region.name[-2:] if region.name.endswith("街道") else region.name[-1]
            low, high = {"街道": (1, 99), "镇": (100, 199), "乡": (200, 399)}[kind]
            assert low <= int(region.code[6:9]) <= high, region
        if region.level == Level.VILLAGE:
            community = region.name.endswith("社区")
            assert community == (region.urban_rural_code in {"111", "112", "121"}), region
            assert (
                (1 <= int(region.code[9:]) <= 199)
                if community
                else (200 <= int(region.code[9:]) <= 399)
            )
    grid_codes = [g.code for g in land.grids]
    assert len(set(grid_codes)) == len(grid_codes)
    for grid in land.grids:
        codes.validate(grid.code, level=codes.GRID, parent_code=grid.village)
        assert re.fullmatch(rf"{grid.village[:9]}P\d\d", grid.cluster)
    clusters = {c.code for c in land.clusters}
    assert {g.cluster for g in land.grids} == clusters
    assert all(c.code.startswith(codes.prefix(c.town)) for c in land.clusters)


def test_every_village_has_one_to_three_grids_numbered_from_one(district):
    per_village = Counter(g.village for g in district.territory.grids)
    assert set(per_village.values()) <= {1, 2, 3}
    for village, count in per_village.items():
        numbers = sorted(int(g.code[12:]) for g in district.territory.grids if g.village == village)
        assert numbers == list(range(1, count + 1))


def test_every_polygon_is_valid_rounded_and_simple(district):
    land = district.territory
    grids = [g.geometry for g in land.grids]
    outlines = [r.outline for r in land.regions if r.outline is not None]
    assert all(shapely.is_valid(grids)) and all(shapely.is_valid(outlines))
    assert max(shapely.get_num_coordinates(grids)) <= 24
    villages = [r.outline for r in land.regions_at(Level.VILLAGE)]
    assert max(shapely.get_num_coordinates(villages)) <= 40
    coordinates = shapely.get_coordinates(grids)
    assert (abs(coordinates * 1e6 - (coordinates * 1e6).round()) < 1e-6).all()
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(grids)
    assert 120.05 <= min_lon < max_lon <= 120.35 and 30.75 <= min_lat < max_lat <= 31.0
    assert max_lon - min_lon > 0.25 and max_lat - min_lat > 0.2


@pytest.mark.parametrize("drawn", ["district", "small_city"])
def test_each_level_tiles_its_parent_without_gaps_or_overlaps(drawn, request):
    land = request.getfixturevalue(drawn).territory
    outline = {r.code: r.outline for r in land.regions}
    for level, below in ((Level.DISTRICT, Level.TOWN), (Level.TOWN, Level.VILLAGE)):
        for parent in land.regions_at(level):
            children = [
                (r.code, r.outline) for r in land.regions_at(below) if r.parent == parent.code
            ]
            report = geo.coverage_report(children, boundary=parent.outline)
            assert report == {"overlaps": [], "gaps": []}, parent.code
    for village in land.regions_at(Level.VILLAGE):
        grids = [(g.code, g.geometry) for g in land.grids if g.village == village.code]
        assert geo.coverage_report(grids, boundary=outline[village.code]) == {
            "overlaps": [],
            "gaps": [],
        }
    everything = geo.coverage_report([(g.code, g.geometry) for g in land.grids])
    assert everything == {"overlaps": [], "gaps": []}


def test_the_coverage_check_would_see_an_overlap(district):
    # Guard for the test above: a grid pushed onto its neighbour must show up.
    land = district.territory
    per_village = Counter(g.village for g in land.grids)
    village = next(v for v in land.regions_at(Level.VILLAGE) if per_village[v.code] > 1)
    grids = [(g.code, g.geometry) for g in land.grids if g.village == village.code]
    code, geometry = grids[0]
    grids[0] = (code, geometry.buffer(0.0005).intersection(village.outline))
    assert geo.coverage_report(grids, boundary=village.outline)["overlaps"]
    grids[0] = (code, geometry.buffer(-0.0005))
    assert geo.coverage_report(grids, boundary=village.outline)["gaps"]


def test_the_city_has_five_districts_with_their_real_codes(small_city):
    districts = small_city.territory.regions_at(Level.DISTRICT)
    assert [(d.code, d.name) for d in districts] == [
        ("330502000000", "吴兴区"),
        ("330503000000", "南浔区"),
        ("330521000000", "德清县"),
        ("330522000000", "长兴县"),
        ("330523000000", "安吉县"),
    ]
    assert len(small_city.territory.regions_at(Level.TOWN)) == 5 * 28
    assert len(small_city.territory.grids) == 3000


def test_grids_follow_the_sizing_rule_with_a_few_oversized_to_show(district):
    grids = district.territory.grids
    comprehensive = [g for g in grids if g.kind == GridKind.COMPREHENSIVE]
    oversized = [g for g in comprehensive if g.households > HOUSEHOLD_LIMIT[g.area_type]]
    assert 1 <= len(oversized) <= 0.08 * len(grids)
    for g in comprehensive:
        low, high = (180, 320) if g.area_type == "urban" else (80, 160)
        assert low <= g.households <= high
        assert 2.4 * g.households - 1 <= g.population <= 3.0 * g.households + 1
    dedicated = [g for g in grids if g.kind == GridKind.DEDICATED]
    assert 10 <= len(dedicated) <= 60
    assert all(g.dedicated_kind and g.name.endswith("专属网格") for g in dedicated)
    assert len({g.dedicated_kind for g in dedicated}) >= 4
    area_types = {
        v.code: v.urban_rural_code[0] for v in district.territory.regions_at(Level.VILLAGE)
    }
    assert all((g.area_type == "urban") == (area_types[g.village] == "1") for g in grids)
    assert Counter(g.area_type for g in grids).keys() == {"urban", "rural"}


def test_people_have_chinese_names_unique_usernames_and_mobile_numbers(district):
    people = district.people.people
    assert len({p.username for p in people}) == len(people)
    assert len({p.phone for p in people}) == len(people)
    assert all(re.fullmatch(r"1[3-9]\d{9}", p.phone) for p in people)
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", p.full_name) for p in people)
    # Realistic, not one name over and over.
    assert len({p.full_name for p in people}) > 0.8 * len(people)
    assert {p.username for p in people} >= set(build.people.LOGINS)


def test_departments_sink_into_every_town_under_their_district_body(district):
    departments = {d.key: d for d in district.people.departments}
    towns = district.territory.regions_at(Level.TOWN)
    rooms = [d for d in departments.values() if d.kind == "command_room"]
    assert len([d for d in rooms if d.level == "district"]) == 1
    assert sorted(d.region for d in rooms if d.level == "town") == sorted(t.code for t in towns)
    bodies = [d for d in departments.values() if d.level == "district" and d.kind != "command_room"]
    assert len(bodies) >= 12
    units = [d for d in departments.values() if d.parent is not None]
    assert len(units) >= 4 * len(towns)
    for unit in units:
        parent = departments[unit.parent]
        assert parent.level == "district" and parent.kind == unit.kind
        assert unit.level == "town" and unit.region in {t.code for t in towns}
    assert all(d.members for d in departments.values())
    handlers = {
        (p.username, p.scope, p.department)
        for p in district.people.posts
        if p.role == "department_handler"
    }
    for username, scope, key in handlers:
        assert departments[key].region.startswith(scope) and username in departments[key].members


def test_the_same_scale_always_gives_the_same_plan(district):
    again = build.plan(DISTRICT)
    assert again.digest() == district.digest()
    assert [g.name for g in again.territory.grids] == [g.name for g in district.territory.grids]


def test_another_seed_gives_another_plan(district):
    other = build.plan(dataclasses.replace(DISTRICT, seed=DISTRICT.seed + 1))
    assert other.digest() != district.digest()
