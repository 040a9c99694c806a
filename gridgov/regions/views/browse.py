"""The territory browser: district → town → village → grid, with counts and maps."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from gridgov.accounts import permissions
from gridgov.accounts.permissions import VIEW
from gridgov.regions import selectors
from gridgov.regions.models import Grid, Level, Region


def get_region_for(user, code: str, action: str = VIEW) -> Region:
    """The region with this code, or 404 when it is outside the user's scope."""
    region = get_object_or_404(Region, code=code)
    permissions.require(user, action, region)
    return region


def get_grid_for(user, code: str, action: str = VIEW) -> Grid:
    grid = get_object_or_404(Grid.objects.select_related("village", "cluster"), code=code)
    permissions.require(user, action, grid)
    return grid


def map_settings() -> dict:
    return {
        "tile_url": settings.MAP_TILE_URL,
        "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        "tile_subdomains": settings.MAP_TILE_SUBDOMAINS,
    }


@login_required
def territory(request):
    roots = selectors.roots_for(request.user)
    if len(roots) == 1:
        root = roots[0]
        return redirect("grid" if isinstance(root, Grid) else "region", code=root.code)
    return render(request, "regions/roots.html", {"roots": roots})


@login_required
def region(request, code: str):
    region = get_region_for(request.user, code)
    rows = selectors.children_with_counts(region)
    return render(
        request,
        "regions/region.html",
        {
            "region": region,
            "rows": rows,
            "children_are_grids": region.level == Level.VILLAGE,
            "totals": selectors.totals(region.prefix),
            "breadcrumbs": [
                r for r in selectors.breadcrumbs(region.code)
                if permissions.can(request.user, VIEW, r)
            ],
            "map": map_settings(),
        },
    )


@login_required
def region_map(request, code: str):
    """GeoJSON for a region page's map: its children's outlines, or its grids for a village."""
    region = get_region_for(request.user, code)
    if region.level in (Level.VILLAGE, Level.TOWN):
        grids = Grid.objects.filter(code__startswith=region.prefix).order_by("code")
        return JsonResponse(selectors.grid_features(grids))
    return JsonResponse(selectors.region_features(region.children.order_by("code")))


@login_required
def grid(request, code: str):
    grid = get_grid_for(request.user, code)
    neighbours = [n for n in selectors.neighbours_of(grid) if permissions.can(request.user, VIEW, n)]
    return render(
        request,
        "regions/grid.html",
        {
            "grid": grid,
            "workers": selectors.workers_of(grid),
            "neighbours": neighbours,
            "breadcrumbs": [
                r for r in selectors.breadcrumbs(grid.code)
                if permissions.can(request.user, VIEW, r)
            ],
            "can_edit": permissions.can(request.user, permissions.EDIT, grid),
            "map": map_settings(),
        },
    )


@login_required
def grid_map(request, code: str):
    """The grid itself and its visible neighbours, as GeoJSON."""
    grid = get_grid_for(request.user, code)
    neighbours = [n for n in selectors.neighbours_of(grid) if permissions.can(request.user, VIEW, n)]
    collection = selectors.grid_features([grid])
    collection["features"][0]["properties"]["self"] = True
    collection["features"] += selectors.grid_features(neighbours)["features"]
    return JsonResponse(collection)


urlpatterns = [
    path("territory/", territory, name="territory"),
    path("territory/<str:code>/", region, name="region"),
    path("territory/<str:code>/map.geojson", region_map, name="region_map"),
    path("grids/<str:code>/", grid, name="grid"),
    path("grids/<str:code>/map.geojson", grid_map, name="grid_map"),
]
