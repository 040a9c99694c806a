import pytest

from gridgov.lib import geo


def ring(*points):
    return [list(p) for p in points]


SQUARE = {"type": "Polygon", "coordinates": [ring((120, 30), (120.01, 30), (120.01, 30.01), (120, 30.01), (120, 30))]}


def test_it_accepts_a_closed_valid_polygon_and_measures_it():
    polygon = geo.parse_polygon(SQUARE)
    # 0.01° × 0.01° at latitude 30° is about 963 m × 1112 m.
    assert 1_060_000 < geo.area_m2(polygon) < 1_080_000


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [120, 30]}, "应为 Polygon 或 MultiPolygon"),
        ({"type": "Polygon", "coordinates": []}, "缺少坐标"),
        ({"type": "Polygon", "coordinates": [ring((120, 30), (120.01, 30), (120, 30.01))]}, "至少需要 4 个坐标点"),
        ({"type": "Polygon", "coordinates": [ring((120, 30), (120.01, 30), (120.01, 30.01), (120, 30.01))]}, "未闭合"),
        ({"type": "Polygon", "coordinates": [ring((120, 30), (121, 31), (121, 30), (120, 31), (120, 30))]}, "自相交"),
        ({"type": "Polygon", "coordinates": [ring((200, 30), (201, 30), (201, 31), (200, 30))]}, "超出经纬度范围"),
        ({"type": "Polygon", "coordinates": [ring((120, 30), ("x", 30), (120, 31), (120, 30))]}, "不是 [经度, 纬度]"),
        ({"type": "Polygon", "coordinates": [ring((120, 30), (121, 30), (122, 30), (120, 30))]}, "无效"),
        ("not a geometry", "GeoJSON 对象"),
    ],
)
def test_it_refuses_a_bad_polygon_with_the_reason(geometry, message):
    with pytest.raises(geo.GeometryError) as error:
        geo.parse_polygon(geometry)
    assert message in str(error.value)


def test_coverage_finds_overlaps_and_gaps_but_not_rounding_slivers():
    left = geo.parse_polygon({"type": "Polygon", "coordinates": [ring((0, 0), (0.5, 0), (0.5, 1), (0, 1), (0, 0))]})
    right = geo.parse_polygon({"type": "Polygon", "coordinates": [ring((0.4, 0), (1, 0), (1, 1), (0.4, 1), (0.4, 0))]})
    boundary = geo.parse_polygon({"type": "Polygon", "coordinates": [ring((0, 0), (1.2, 0), (1.2, 1), (0, 1), (0, 0))]})
    report = geo.coverage_report([("L", left), ("R", right)], boundary=boundary)
    assert [(a, b) for a, b, _ in report["overlaps"]] == [("L", "R")]
    assert len(report["gaps"]) == 1
    touching = geo.parse_polygon({"type": "Polygon", "coordinates": [ring((0.5, 0), (1.2, 0), (1.2, 1), (0.5, 1.0000001), (0.5, 0))]})
    clean = geo.coverage_report([("L", left), ("T", touching)], boundary=boundary)
    assert clean == {"overlaps": [], "gaps": []}


def test_to_geojson_rounds_and_gives_plain_lists():
    polygon = geo.parse_polygon(
        {"type": "Polygon", "coordinates": [ring((120.1234567, 30), (120.2, 30), (120.2, 30.1), (120.1234567, 30))]}
    )
    geojson = geo.to_geojson(polygon)
    assert geojson["coordinates"][0][0] == [120.123457, 30.0]
    assert isinstance(geojson["coordinates"], list)


def test_distance_between_two_points_in_metres():
    assert 110_000 < geo.distance_m(120, 30, 120, 31) < 112_000
