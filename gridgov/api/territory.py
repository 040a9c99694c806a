from dataclasses import replace
from typing import Annotated

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from gridgov.accounts import permissions
from gridgov.accounts.permissions import EDIT, VIEW
from gridgov.api.errors import ErrorOut
from gridgov.api.fields import Text, limited
from gridgov.regions import locator, selectors, territory
from gridgov.regions.models import Grid, Region

router = Router(tags=["辖区网格"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    level_label: str
    parent_code: str | None
    villages: int
    grids: int
    households: int
    population: int
    workers: int


class GridOut(Schema):
    code: str
    name: str
    village_code: str
    cluster: str | None
    kind: str
    dedicated_kind: str
    area_type: str
    households: int
    population: int
    household_limit: int
    oversized: bool
    area_m2: float
    geometry: dict
    workers: list[str]


class GridPatch(Schema):
    name: limited(100) | None = None
    kind: Text | None = None
    dedicated_kind: Text | None = None
    area_type: Text | None = None
    households: int | None = Field(None, ge=0, le=1_000_000)
    population: int | None = Field(None, ge=0, le=10_000_000)
    geometry: dict | None = None


class LocateOut(Schema):
    inside: bool
    grid_code: str | None = None
    grid_name: str | None = None
    message: str


def _region_out(region: Region, counts: selectors.Counts) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_label": region.get_level_display(),
        "parent_code": region.parent.code if region.parent_id else None,
        "villages": counts.villages,
        "grids": counts.grids,
        "households": counts.households,
        "population": counts.population,
        "workers": counts.workers,
    }


def _grid_out(grid: Grid) -> dict:
    return {
        "code": grid.code,
        "name": grid.name,
        "village_code": grid.village.code,
        "cluster": grid.cluster.name if grid.cluster else None,
        "kind": grid.kind,
        "dedicated_kind": grid.dedicated_kind,
        "area_type": grid.area_type,
        "households": grid.households,
        "population": grid.population,
        "household_limit": grid.household_limit,
        "oversized": grid.is_oversized,
        "area_m2": grid.area_m2,
        "geometry": grid.geometry,
        "workers": [w.display_name for w in selectors.workers_of(grid)],
    }


def _region(user, code: str) -> Region:
    if not (code.isascii() and code.isdigit()):  # the database refuses some strings outright
        raise Http404("不存在或不在您的管辖范围内")
    region = get_object_or_404(Region.objects.select_related("parent"), code=code)
    permissions.require(user, VIEW, region)
    return region


def _grid(user, code: str, action: str = VIEW) -> Grid:
    if not (code.isascii() and code.isdigit()):
        raise Http404("不存在或不在您的管辖范围内")
    grid = get_object_or_404(Grid.objects.select_related("village", "cluster"), code=code)
    permissions.require(user, action, grid)
    return grid


@router.get("/regions/{code}", response={200: RegionOut, 404: ErrorOut})
def get_region(request, code: str):
    region = _region(request.user, code)
    return _region_out(region, selectors.totals(region.prefix))


@router.get("/regions/{code}/children", response={200: list[RegionOut], 404: ErrorOut})
def region_children(request, code: str):
    """The regions directly under one region, with their totals (grids: see /grids)."""
    region = _region(request.user, code)
    if region.level == 5:
        return []
    return [_region_out(child, counts) for child, counts in selectors.children_with_counts(region)]


@router.get("/regions/{code}/grids", response={200: list[GridOut], 404: ErrorOut})
def region_grids(request, code: str):
    region = _region(request.user, code)
    grids = permissions.visible(
        request.user,
        Grid.objects.filter(code__startswith=region.prefix).select_related("village", "cluster"),
    )
    return [_grid_out(g) for g in grids.order_by("code")[:2000]]


@router.get("/grids/{code}", response={200: GridOut, 404: ErrorOut})
def get_grid(request, code: str):
    return _grid_out(_grid(request.user, code))


@router.patch("/grids/{code}", response={200: GridOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def update_grid(request, code: str, body: GridPatch):
    """Change a grid's attributes or polygon (administrators of its region)."""
    grid = _grid(request.user, code, EDIT)
    fields = territory.GridFields(
        code=grid.code,
        name=grid.name,
        village=grid.village,
        geometry=grid.geometry,
        kind=grid.kind,
        dedicated_kind=grid.dedicated_kind,
        area_type=grid.area_type,
        households=grid.households,
        population=grid.population,
        cluster=grid.cluster,
    )
    fields = replace(fields, **body.dict(exclude_unset=True, exclude_none=True))
    return _grid_out(territory.save_grid(fields))


@router.get("/locate", response=LocateOut)
def locate(
    request,
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
):
    """Which grid a point is in. A point outside the territory says so; it never guesses."""
    found = locator.locate(lon, lat)
    if found is None:
        return {"inside": False, "message": "该位置不在本辖区任何网格内"}
    grid = Grid.objects.only("code").get(pk=found.id)
    if not permissions.can(request.user, VIEW, grid):
        return {"inside": True, "message": "该位置在辖区内，但不在您的管辖范围内"}
    return {"inside": True, "grid_code": found.code, "grid_name": found.name, "message": "已定位到网格"}
