"""Reads of the territory: the tree with its counts, a grid's neighbours, map layers."""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

from gridgov.accounts import permissions
from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.lib import codes
from gridgov.regions import locator
from gridgov.regions.models import Grid, Level, Region


@dataclass
class Counts:
    villages: int = 0
    grids: int = 0
    households: int = 0
    population: int = 0
    workers: int = 0
    oversized: int = 0


def counts_by_child(prefix: str, child_length: int) -> dict[str, Counts]:
    """Totals under `prefix`, grouped by the first `child_length` digits of each code."""
    result: dict[str, Counts] = {}
    grids = (
        Grid.objects.filter(code__startswith=prefix)
        .annotate(child=Substr("code", 1, child_length))
        .values("child")
        .annotate(
            n=Count("id"),
            households=Sum("households"),
            population=Sum("population"),
        )
    )
    for row in grids:
        c = result.setdefault(row["child"], Counts())
        c.grids, c.households, c.population = row["n"], row["households"] or 0, row["population"] or 0
    villages = (
        Region.objects.filter(code__startswith=prefix, level=Level.VILLAGE)
        .annotate(child=Substr("code", 1, child_length))
        .values("child")
        .annotate(n=Count("id"))
    )
    for row in villages:
        result.setdefault(row["child"], Counts()).villages = row["n"]
    workers = (
        _serving_workers()
        .filter(scope__startswith=prefix)
        .annotate(child=Substr("scope", 1, child_length))
        .values("child")
        .annotate(n=Count("user", distinct=True))
    )
    for row in workers:
        result.setdefault(row["child"], Counts()).workers = row["n"]
    for code, n in _oversized_by_child(prefix, child_length).items():
        result.setdefault(code, Counts()).oversized = n
    return result


def _oversized_by_child(prefix: str, child_length: int) -> dict[str, int]:
    from django.conf import settings

    limits = settings.GRID_HOUSEHOLD_LIMIT
    over = Q()
    for area_type, limit in limits.items():
        over |= Q(area_type=area_type, households__gt=limit)
    rows = (
        Grid.objects.filter(code__startswith=prefix)
        .filter(over)
        .annotate(child=Substr("code", 1, child_length))
        .values("child")
        .annotate(n=Count("id"))
    )
    return {row["child"]: row["n"] for row in rows}


def totals(prefix: str) -> Counts:
    """Totals for everything under one prefix."""
    return counts_by_child(prefix, len(prefix)).get(prefix, Counts())


def children_with_counts(region: Region) -> list[tuple[object, Counts]]:
    """The region's children (regions, or grids for a village) with their totals."""
    if region.level == Level.VILLAGE:
        grids = list(region.grids.select_related("cluster").order_by("code"))
        workers = workers_by_grid([g.code for g in grids])
        rows = []
        for grid in grids:
            rows.append(
                (grid, Counts(grids=1, households=grid.households, population=grid.population,
                              workers=len(workers.get(grid.code, [])),
                              oversized=int(grid.is_oversized)))
            )
        return rows
    children = list(region.children.order_by("code"))
    if not children:
        return []
    child_length = codes.PREFIX_LENGTH[children[0].level]
    counts = counts_by_child(region.prefix, child_length)
    return [(child, counts.get(child.prefix, Counts())) for child in children]


def roots_for(user: User) -> list[object]:
    """Where a user's territory browsing starts: the regions or grids of their scopes."""
    prefixes = permissions.scopes(user)
    if prefixes == [""]:
        return list(Region.objects.filter(parent__isnull=True).order_by("code"))
    region_codes = [codes.pad(p) for p in prefixes if len(p) <= 12]
    grid_codes = [p for p in prefixes if len(p) == 15]
    regions = list(Region.objects.filter(code__in=region_codes).order_by("code"))
    grids = list(Grid.objects.filter(code__in=grid_codes).order_by("code"))
    return regions + grids


def _serving_workers():
    """Grid-worker roles of accounts still in use: a deactivated worker keeps the role row
    (so it comes back with the account) but no longer works the grid."""
    return RoleAssignment.objects.filter(role=Role.GRID_WORKER, user__is_active=True)


def workers_by_grid(grid_codes: list[str]) -> dict[str, list[User]]:
    rows = (
        _serving_workers()
        .filter(scope__in=grid_codes)
        .select_related("user")
        .order_by("user__full_name")
    )
    result: dict[str, list[User]] = {}
    for row in rows:
        result.setdefault(row.scope, []).append(row.user)
    return result


def workers_of(grid: Grid) -> list[User]:
    return workers_by_grid([grid.code]).get(grid.code, [])


def neighbours_of(grid: Grid) -> list[Grid]:
    """Grids sharing a border with `grid`, from the in-memory index."""
    index = locator.current_index()
    position = index.position.get(grid.code)
    if position is None:
        return []
    hits = index.tree.query(index.polygons[position], predicate="intersects")
    neighbour_codes = [index.grids[i].code for i in hits if i != position]
    return list(Grid.objects.filter(code__in=neighbour_codes).select_related("village"))


def breadcrumbs(code: str) -> list[Region]:
    """The regions above a code, province first, as far as they exist."""
    above = codes.ancestors(code)
    found = {r.code: r for r in Region.objects.filter(code__in=above)}
    return [found[c] for c in above if c in found]


def grid_features(grids, *, properties=("code", "name", "households")) -> dict:
    """A GeoJSON FeatureCollection of grids for a map layer."""
    features = []
    for grid in grids:
        props = {p: getattr(grid, p) for p in properties}
        props["oversized"] = grid.is_oversized
        features.append({"type": "Feature", "geometry": grid.geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def region_features(regions) -> dict:
    features = [
        {
            "type": "Feature",
            "geometry": r.outline,
            "properties": {"code": r.code, "name": r.name, "level": r.level},
        }
        for r in regions
        if r.outline
    ]
    return {"type": "FeatureCollection", "features": features}
