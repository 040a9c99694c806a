"""Every change to the territory: regions, grids, 片区.

Each function validates its input, raising ValidationError keyed by field, and bumps the
territory version when grids change so that every process rebuilds its locator.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from gridgov.lib import codes, geo
from gridgov.regions.models import (
    AreaType,
    Cluster,
    DedicatedKind,
    Grid,
    GridKind,
    Level,
    Region,
    TerritoryVersion,
)


def bump_version() -> None:
    updated = TerritoryVersion.objects.filter(pk=1).update(number=F("number") + 1)
    if not updated:
        TerritoryVersion.objects.get_or_create(pk=1, defaults={"number": 1})


def current_version() -> int:
    return TerritoryVersion.objects.filter(pk=1).values_list("number", flat=True).first() or 0


def check_region(
    *, code: str, name: str, level: int, parent: Region | None, outline: dict | None = None
) -> None:
    errors = {}
    if not name or not name.strip():
        errors["name"] = "名称不能为空"
    if level not in Level.values:
        errors["level"] = f"层级 {level} 无效"
    else:
        try:
            codes.validate(code, level=level, parent_code=parent.code if parent else None)
        except codes.ParentError as exc:
            errors["parent"] = str(exc)
        except codes.CodeError as exc:
            errors["code"] = str(exc)
    if outline is not None:
        try:
            geo.parse_polygon(outline)
        except geo.GeometryError as exc:
            errors["outline"] = str(exc)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_region(
    *,
    code: str,
    name: str,
    level: int,
    parent: Region | None,
    urban_rural_code: str = "",
    outline: dict | None = None,
) -> Region:
    """Create or update the region with this code."""
    check_region(code=code, name=name, level=level, parent=parent, outline=outline)
    if urban_rural_code and urban_rural_code not in URBAN_RURAL_CODES:
        raise ValidationError({"urban_rural_code": f"城乡分类代码 {urban_rural_code} 无效"})
    region, _ = Region.objects.update_or_create(
        code=code,
        defaults={
            "name": name.strip(),
            "level": level,
            "parent": parent,
            "urban_rural_code": urban_rural_code,
            "outline": outline,
        },
    )
    return region


def bulk_create_regions(rows: list[dict]) -> list[Region]:
    """Create many new regions at once, parents before children (imports, the demo).

    Each row has code, name, level, parent (a Region or None) and optionally
    urban_rural_code and outline. The caller holds the transaction.
    """
    regions = []
    for row in rows:
        check_region(
            code=row["code"], name=row["name"], level=row["level"], parent=row["parent"],
            outline=row.get("outline"),
        )
        regions.append(
            Region(
                code=row["code"], name=row["name"].strip(), level=row["level"], parent=row["parent"],
                urban_rural_code=row.get("urban_rural_code", ""), outline=row.get("outline"),
            )
        )
    Region.objects.bulk_create(regions, batch_size=1000)
    return regions


URBAN_RURAL_CODES = {
    "111": "主城区",
    "112": "城乡结合区",
    "121": "镇中心区",
    "122": "镇乡结合区",
    "123": "特殊区域",
    "210": "乡中心区",
    "220": "村庄",
}


@dataclass
class GridFields:
    """What describes a grid, as read from a form, an API body or an import row."""

    code: str
    name: str
    village: Region
    geometry: dict
    kind: str = GridKind.COMPREHENSIVE
    dedicated_kind: str = ""
    area_type: str = AreaType.RURAL
    households: int = 0
    population: int = 0
    cluster: Cluster | None = None


def check_grid(fields: GridFields) -> "geo.BaseGeometry":
    """Validate the fields of a grid; return its parsed polygon."""
    errors = {}
    polygon = None
    if not fields.name or not fields.name.strip():
        errors["name"] = "名称不能为空"
    if fields.village.level != Level.VILLAGE:
        errors["village"] = f"{fields.village.name} 不是村（社区），网格只能建在村社区下"
    else:
        try:
            codes.validate(fields.code, level=codes.GRID, parent_code=fields.village.code)
        except codes.CodeError as exc:
            errors["code"] = str(exc)
    if fields.kind not in GridKind.values:
        errors["kind"] = f"网格类型 {fields.kind!r} 无效"
    elif fields.kind == GridKind.DEDICATED and fields.dedicated_kind not in DedicatedKind.values:
        errors["dedicated_kind"] = "专属网格须选择类别（市场、学校、园区等）"
    if fields.area_type not in AreaType.values:
        errors["area_type"] = f"城乡属性 {fields.area_type!r} 无效"
    for name, ceiling in (("households", 1_000_000), ("population", 10_000_000)):
        value = getattr(fields, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[name] = "应为不小于 0 的整数"
        elif value > ceiling:
            errors[name] = f"不能超过 {ceiling}"
    if fields.cluster is not None and fields.village.parent_id != fields.cluster.town_id:
        errors["cluster"] = f"片区 {fields.cluster.name} 不属于该网格所在乡镇街道"
    try:
        polygon = geo.parse_polygon(fields.geometry)
    except geo.GeometryError as exc:
        errors["geometry"] = str(exc)
    if errors:
        raise ValidationError(errors)
    return polygon


def _grid_columns(fields: GridFields, polygon) -> dict:
    inside = polygon.representative_point()
    min_lon, min_lat, max_lon, max_lat = polygon.bounds
    return {
        "name": fields.name.strip(),
        "village": fields.village,
        "cluster": fields.cluster,
        "kind": fields.kind,
        "dedicated_kind": fields.dedicated_kind if fields.kind == GridKind.DEDICATED else "",
        "area_type": fields.area_type,
        "households": fields.households,
        "population": fields.population,
        "geometry": geo.to_geojson(polygon),
        "area_m2": round(geo.area_m2(polygon), 1),
        "min_lon": min_lon,
        "min_lat": min_lat,
        "max_lon": max_lon,
        "max_lat": max_lat,
        "label_lon": inside.x,
        "label_lat": inside.y,
    }


@transaction.atomic
def save_grid(fields: GridFields) -> Grid:
    """Create or update the grid with `fields.code`."""
    polygon = check_grid(fields)
    grid, _ = Grid.objects.update_or_create(
        code=fields.code, defaults=_grid_columns(fields, polygon)
    )
    bump_version()
    return grid


def bulk_create_grids(rows: list[GridFields]) -> list[Grid]:
    """Create many new grids at once (imports, the demo); the caller holds the transaction."""
    grids = [Grid(code=f.code, **_grid_columns(f, check_grid(f))) for f in rows]
    Grid.objects.bulk_create(grids, batch_size=1000)
    bump_version()
    return grids


@transaction.atomic
def delete_grid(grid: Grid) -> None:
    grid.delete()
    bump_version()


@transaction.atomic
def save_cluster(*, code: str, name: str, town: Region, station: str = "") -> Cluster:
    errors = {}
    if town.level != Level.TOWN:
        errors["town"] = f"{town.name} 不是乡镇街道"
    elif not re.fullmatch(rf"{town.prefix}P\d{{2}}", code):
        errors["code"] = f"片区编码 {code} 应为乡镇代码 {town.prefix} + P + 两位顺序号，如 {town.prefix}P01"
    if not name or not name.strip():
        errors["name"] = "名称不能为空"
    if errors:
        raise ValidationError(errors)
    cluster, _ = Cluster.objects.update_or_create(
        code=code, defaults={"name": name.strip(), "town": town, "station": station}
    )
    return cluster


def bulk_save_grids(rows: list[GridFields]) -> tuple[int, int]:
    """Create new grids and update existing ones by code (imports). Returns how many
    were created and how many existing ones were given.

    Only the columns that differ are written, so re-importing a mostly unchanged export
    costs little. Unlike bulk_create_grids it does not bump the version: an import changes
    regions, 片区 and grids together and bumps once. The caller holds the transaction.
    """
    columns_of = {}
    for f in rows:
        columns = _grid_columns(f, check_grid(f))
        columns["village_id"] = columns.pop("village").pk
        cluster = columns.pop("cluster")
        columns["cluster_id"] = cluster.pk if cluster else None
        columns_of[f.code] = columns
    names = list(next(iter(columns_of.values()))) if columns_of else []
    all_codes = list(columns_of)
    existing: dict[str, dict] = {}
    for start in range(0, len(all_codes), 500):
        chunk = Grid.objects.filter(code__in=all_codes[start:start + 500])
        existing.update((row["code"], row) for row in chunk.values("id", "code", *names))
    new = []
    for code, columns in columns_of.items():
        current = existing.get(code)
        if current is None:
            new.append(Grid(code=code, **columns))
            continue
        changed = {k: v for k, v in columns.items() if current[k] != v}
        if changed:
            Grid.objects.filter(pk=current["id"]).update(**changed)
    Grid.objects.bulk_create(new, batch_size=1000)
    return len(new), len(existing)


@transaction.atomic
def delete_territory(*, prefix: str) -> None:
    """Delete every grid, 片区 and region whose code starts with `prefix`, children first.

    Anything else still pointing at those regions (a department, an event) stops it with
    ProtectedError, and nothing is deleted.
    """
    Grid.objects.filter(code__startswith=prefix).delete()
    Cluster.objects.filter(code__startswith=prefix).delete()
    for level in sorted(Level.values, reverse=True):
        Region.objects.filter(code__startswith=prefix, level=level).delete()
    bump_version()
