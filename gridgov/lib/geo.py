"""Geometry in lon/lat (WGS84 / CGCS2000), kept as GeoJSON and read with shapely.

No GDAL or PostGIS: polygons are GeoJSON in the database, and the few measures we need
(area in m², distances) use a local equirectangular projection, which is accurate to a
fraction of a percent at the size of a district.
"""

import math
from collections.abc import Iterable

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

EARTH_RADIUS_M = 6_371_008.8
# Two grids may differ by rounding along a shared border; slivers below this are noise.
SLIVER_M2 = 1.0


class GeometryError(ValueError):
    """A geometry that cannot be used; the message says why, in Chinese."""


def parse_polygon(geojson: dict) -> Polygon | MultiPolygon:
    """Validate a GeoJSON Polygon/MultiPolygon geometry and return it as shapely."""
    if not isinstance(geojson, dict):
        raise GeometryError("几何对象必须是 GeoJSON 对象")
    kind = geojson.get("type")
    if kind not in {"Polygon", "MultiPolygon"}:
        raise GeometryError(f"几何类型应为 Polygon 或 MultiPolygon，实际为 {kind!r}")
    coordinates = geojson.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError("几何对象缺少坐标")
    polygons = coordinates if kind == "MultiPolygon" else [coordinates]
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise GeometryError("多边形坐标格式错误")
        for ring in polygon:
            _check_ring(ring)
    try:
        geometry = shape(geojson)
    except Exception as exc:  # shapely raises several types for malformed input
        raise GeometryError(f"无法解析几何对象：{exc}") from exc
    if geometry.is_empty:
        raise GeometryError("多边形为空")
    if not geometry.is_valid:
        raise GeometryError(f"多边形无效（{_explain(geometry)}）")
    if geometry.area == 0:
        raise GeometryError("多边形面积为 0")
    return geometry


def _check_ring(ring: object) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError("多边形的环至少需要 4 个坐标点（首尾相同）")
    for point in ring:
        if (
            not isinstance(point, list | tuple)
            or len(point) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point[:2])
        ):
            raise GeometryError(f"坐标 {point!r} 不是 [经度, 纬度]")
        lon, lat = point[0], point[1]
        if not (math.isfinite(lon) and math.isfinite(lat)):
            raise GeometryError(f"坐标 {point!r} 不是有限数值")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise GeometryError(f"坐标 [{lon}, {lat}] 超出经纬度范围")
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise GeometryError("多边形的环未闭合（首尾坐标不同）")


def _explain(geometry: BaseGeometry) -> str:
    reason = explain_validity(geometry)
    if reason.startswith("Self-intersection"):
        return "边界自相交 " + reason.removeprefix("Self-intersection")
    if reason.startswith("Ring Self-intersection"):
        return "环自相交 " + reason.removeprefix("Ring Self-intersection")
    if reason.startswith("Too few points"):
        return "坐标点过少"
    return reason


def to_geojson(geometry: BaseGeometry, *, precision: int = 6) -> dict:
    """GeoJSON with coordinates rounded to `precision` decimals (6 ≈ 0.1 m), as plain lists."""

    def plain(value):
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, float):
            return round(value, precision)
        return value

    geojson = mapping(geometry)
    return {"type": geojson["type"], "coordinates": plain(geojson["coordinates"])}


def area_m2(geometry: BaseGeometry) -> float:
    """Area in square metres, projecting around the geometry's own centre."""
    lat0 = math.radians(geometry.centroid.y)
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(lat0)
    ky = math.radians(1) * EARTH_RADIUS_M
    return geometry.area * kx * ky


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def coverage_report(
    parts: Iterable[tuple[str, BaseGeometry]], *, boundary: BaseGeometry | None = None
) -> dict:
    """Overlaps between parts and gaps against their union (or `boundary`), in m².

    Returns {"overlaps": [(code_a, code_b, m2)], "gaps": [m2, ...]} listing only pieces
    larger than a rounding sliver.
    """
    items = list(parts)
    geometries = [g for _, g in items]
    tree = shapely.STRtree(geometries)
    overlaps = []
    for i, (code, geometry) in enumerate(items):
        for j in tree.query(geometry, predicate="intersects"):
            if j <= i:
                continue
            shared = geometry.intersection(geometries[j])
            m2 = area_m2(shared) if not shared.is_empty else 0.0
            if m2 > SLIVER_M2:
                overlaps.append((code, items[j][0], round(m2, 1)))
    union = shapely.union_all(geometries) if geometries else Polygon()
    if boundary is not None:
        missing = boundary.difference(union)
    else:
        # Without a boundary, gaps are holes inside the union that no part covers.
        outer = shapely.union_all([Polygon(p.exterior) for p in _polygons(union)])
        missing = outer.difference(union)
    gaps = sorted(
        (round(area_m2(p), 1) for p in _polygons(missing) if area_m2(p) > SLIVER_M2),
        reverse=True,
    )
    return {"overlaps": overlaps, "gaps": gaps}


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, Polygon):
        return [geometry]
    if hasattr(geometry, "geoms"):
        return [p for g in geometry.geoms for p in _polygons(g)]
    return []
