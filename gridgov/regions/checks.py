"""The territory quality check: do the grids cover each village once, and are they sized right?

For each village: grids that overlap, parts of the village no grid covers (against the
stored outline, or holes inside the grids' union when there is none), grids above the
household limit, and villages with no grid at all. A town or district gets the same per
village, plus overlaps between grids of different villages.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from gridgov.lib import codes, geo
from gridgov.regions.models import AreaType, Grid, Level, Region


@dataclass
class Overlap:
    a_code: str
    a_name: str
    b_code: str
    b_name: str
    area_m2: float


@dataclass
class Gap:
    village_code: str
    village_name: str
    area_m2: float


@dataclass
class OversizedGrid:
    code: str
    name: str
    area_type: str
    households: int
    limit: int

    @property
    def area_type_label(self) -> str:
        return AreaType(self.area_type).label


@dataclass
class VillageCheck:
    code: str
    name: str
    grids: int
    has_outline: bool
    overlaps: list[Overlap] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    oversized: list[OversizedGrid] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.grids > 0 and not (self.overlaps or self.gaps or self.oversized)

    @property
    def gap_m2(self) -> float:
        return round(sum(g.area_m2 for g in self.gaps), 1)


@dataclass
class TerritoryCheck:
    code: str
    name: str
    villages: list[VillageCheck] = field(default_factory=list)
    # Overlaps between grids of two different villages.
    cross_overlaps: list[Overlap] = field(default_factory=list)

    @property
    def grids(self) -> int:
        return sum(v.grids for v in self.villages)

    @property
    def overlaps(self) -> list[Overlap]:
        return [o for v in self.villages for o in v.overlaps] + self.cross_overlaps

    @property
    def gaps(self) -> list[Gap]:
        return [g for v in self.villages for g in v.gaps]

    @property
    def gap_m2(self) -> float:
        return round(sum(g.area_m2 for g in self.gaps), 1)

    @property
    def oversized(self) -> list[OversizedGrid]:
        return [o for v in self.villages for o in v.oversized]

    @property
    def empty_villages(self) -> list[VillageCheck]:
        return [v for v in self.villages if v.grids == 0]

    @property
    def problem_villages(self) -> list[VillageCheck]:
        return [v for v in self.villages if not v.ok]

    @property
    def ok(self) -> bool:
        return not self.problem_villages and not self.cross_overlaps

    @property
    def problem_grid_codes(self) -> set[str]:
        found = {o.code for o in self.oversized}
        for overlap in self.overlaps:
            found.update((overlap.a_code, overlap.b_code))
        return found


@dataclass
class _Loaded:
    """What a check reads from the database, with shapes parsed once."""

    root_code: str
    root_name: str
    villages: list[Region]
    grids: dict[str, list[Grid]]
    shapes: dict[str, BaseGeometry]
    outlines: dict[str, BaseGeometry]


def _load(prefix: str) -> _Loaded:
    if prefix and not (prefix.isdigit() and len(prefix) in (2, 4, 6, 9, 12)):
        raise ValueError(f"区划代码前缀 {prefix!r} 应为 2、4、6、9 或 12 位数字")
    root = Region.objects.filter(code=codes.pad(prefix)).first() if prefix else None
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, code__startswith=prefix).order_by("code")
    )
    grids: dict[str, list[Grid]] = {}
    shapes: dict[str, BaseGeometry] = {}
    rows = (
        Grid.objects.filter(code__startswith=prefix)
        .order_by("code")
        .only("code", "name", "area_type", "households", "geometry")
    )
    for grid in rows:
        grids.setdefault(grid.code[:12], []).append(grid)
        shapes[grid.code] = shape(grid.geometry)
    outlines = {}
    for village in villages:
        if village.outline:
            try:
                outlines[village.code] = geo.parse_polygon(village.outline)
            except geo.GeometryError:
                pass  # an unusable outline is checked like a missing one
    return _Loaded(
        root_code=root.code if root else codes.pad(prefix) if prefix else "",
        root_name=root.name if root else ("全部辖区" if not prefix else prefix),
        villages=villages,
        grids=grids,
        shapes=shapes,
        outlines=outlines,
    )


def check(prefix: str = "") -> TerritoryCheck:
    """Check every village under a region prefix ('' for the whole territory)."""
    return _check(_load(prefix))


def _check(loaded: _Loaded) -> TerritoryCheck:
    report = TerritoryCheck(code=loaded.root_code, name=loaded.root_name)
    names = {g.code: g.name for grids in loaded.grids.values() for g in grids}
    for village in loaded.villages:
        report.villages.append(_check_village(village, loaded, names))
    if len(loaded.grids) > 1:
        report.cross_overlaps = _cross_village_overlaps(loaded, names)
    return report


def _check_village(village: Region, loaded: _Loaded, names: dict[str, str]) -> VillageCheck:
    grids = loaded.grids.get(village.code, [])
    outline = loaded.outlines.get(village.code)
    result = VillageCheck(village.code, village.name, len(grids), outline is not None)
    limits = settings.GRID_HOUSEHOLD_LIMIT
    for grid in grids:
        limit = limits.get(grid.area_type)
        if limit is not None and grid.households > limit:
            result.oversized.append(
                OversizedGrid(grid.code, grid.name, grid.area_type, grid.households, limit)
            )
    if not grids:
        return result
    coverage = geo.coverage_report(
        [(g.code, loaded.shapes[g.code]) for g in grids], boundary=outline
    )
    for a, b, m2 in coverage["overlaps"]:
        result.overlaps.append(Overlap(a, names[a], b, names[b], m2))
    result.gaps = [Gap(village.code, village.name, m2) for m2 in coverage["gaps"]]
    return result


def _cross_village_overlaps(loaded: _Loaded, names: dict[str, str]) -> list[Overlap]:
    # coverage_report would also union every grid of the district to find gaps, which
    # costs seconds at district scale; only the pairs are needed here.
    grid_codes = list(loaded.shapes)
    geometries = np.asarray([loaded.shapes[c] for c in grid_codes], dtype=object)
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    overlaps = []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        a, b = grid_codes[i], grid_codes[j]
        if i >= j or a[:12] == b[:12]:
            continue
        m2 = geo.area_m2(geometries[i].intersection(geometries[j]))
        if m2 > geo.SLIVER_M2:
            overlaps.append(Overlap(a, names[a], b, names[b], round(m2, 1)))
    return overlaps


def map_features(prefix: str) -> dict:
    """GeoJSON for the check page's map: the grids, with problem grids and the overlapping
    and uncovered pieces marked `self` (drawn in red by map.js).

    Above a town only the problem grids are drawn, so a district's map stays light.
    """
    loaded = _load(prefix)
    report = _check(loaded)
    problems = report.problem_grid_codes
    show_all = len(prefix) >= codes.PREFIX_LENGTH[codes.TOWN]
    features = []
    for grids in loaded.grids.values():
        for grid in grids:
            if not show_all and grid.code not in problems:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": grid.geometry,
                    "properties": {
                        "code": grid.code,
                        "name": grid.name,
                        "households": grid.households,
                        "oversized": grid.is_oversized,
                        "self": grid.code in problems,
                    },
                }
            )
    for overlap in report.overlaps:
        piece = loaded.shapes[overlap.a_code].intersection(loaded.shapes[overlap.b_code])
        features.append(
            _piece(
                piece, f"重叠：{overlap.a_name} / {overlap.b_name}，{overlap.area_m2:.1f} 平方米"
            )
        )
    for village in report.villages:
        if village.gaps:
            for piece in _gap_pieces(loaded, village.code):
                features.append(
                    _piece(piece, f"缺口：{village.name}，{geo.area_m2(piece):.1f} 平方米")
                )
    return {"type": "FeatureCollection", "features": features}


def _gap_pieces(loaded: _Loaded, village_code: str) -> list[BaseGeometry]:
    """The uncovered pieces behind a village's gap figures, for drawing them."""
    union = shapely.union_all([loaded.shapes[g.code] for g in loaded.grids[village_code]])
    outline = loaded.outlines.get(village_code)
    if outline is not None:
        missing = outline.difference(union)
    else:
        exteriors = [shapely.Polygon(p.exterior) for p in shapely.get_parts(union)]
        missing = shapely.union_all(exteriors).difference(union)
    return [p for p in shapely.get_parts(missing) if geo.area_m2(p) > geo.SLIVER_M2]


def _piece(geometry: BaseGeometry, label: str) -> dict:
    # Two grids touching along a line as well as overlapping give a GeometryCollection;
    # only the areas are worth drawing.
    polygons = _areas(geometry)
    drawn = polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
    return {
        "type": "Feature",
        "geometry": geo.to_geojson(drawn),
        "properties": {"name": label, "self": True},
    }


def _areas(geometry: BaseGeometry) -> list[shapely.Polygon]:
    found = []
    for part in shapely.get_parts(geometry):
        if isinstance(part, shapely.Polygon):
            found.append(part)
        elif hasattr(part, "geoms"):
            found.extend(_areas(part))
    return found
