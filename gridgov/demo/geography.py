"""Shapes for the demo territory: an outline, grid cells that tile it, and groupings of cells.

Everything is drawn bottom-up. One Voronoi diagram of seeded points, clipped to the outline,
gives the grid cells; villages, towns and districts are unions of neighbouring cells. Drawing
each level separately and clipping children to their parent would leave every child split
point off its neighbour's straight edge once coordinates are rounded to 6 decimals — slivers of
tens of square metres along every border. Cells rounded once and then only unioned share their
vertices exactly, so the levels tile without gaps or overlaps.

Geometry is computed in local kilometres (an equirectangular projection around the outline's
centre), so that spacing and Voronoi cells are isotropic, and turned into lon/lat at the end.
"""

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from gridgov.lib.geo import EARTH_RADIUS_M

PRECISION = 6  # decimals of a degree kept in GeoJSON (≈ 0.1 m)
KM_PER_DEGREE_LAT = math.radians(1) * EARTH_RADIUS_M / 1000


@dataclass(frozen=True)
class Frame:
    """A local projection: kilometres east and north of (lon0, lat0)."""

    lon0: float
    lat0: float

    @property
    def km_per_degree_lon(self) -> float:
        return KM_PER_DEGREE_LAT * math.cos(math.radians(self.lat0))

    def to_km(self, geometry: BaseGeometry) -> BaseGeometry:
        scale = np.array([self.km_per_degree_lon, KM_PER_DEGREE_LAT])
        origin = np.array([self.lon0, self.lat0])
        return shapely.transform(geometry, lambda xy: (xy - origin) * scale)

    def point_to_km(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.km_per_degree_lon, (lat - self.lat0) * KM_PER_DEGREE_LAT

    def to_degrees(self, geometries: np.ndarray) -> np.ndarray:
        scale = np.array([self.km_per_degree_lon, KM_PER_DEGREE_LAT])
        origin = np.array([self.lon0, self.lat0])
        return shapely.transform(geometries, lambda xy: np.round(xy / scale + origin, PRECISION))


def irregular_outline(
    rng: np.random.Generator, *, bounds: tuple[float, float, float, float], vertices: int = 48
) -> Polygon:
    """A star-shaped, wobbly polygon (lon/lat) that spans `bounds` exactly.

    A sum of a few low-frequency waves on the radius gives the lobes and bays of a real
    boundary; a star shape can never cross itself, so the outline is always valid.
    """
    angles = np.linspace(0, 2 * math.pi, vertices, endpoint=False)
    radius = np.ones(vertices)
    for harmonic in range(2, 7):
        radius += rng.uniform(0.03, 0.09) * np.sin(harmonic * angles + rng.uniform(0, 2 * math.pi))
    radius *= rng.uniform(0.97, 1.03, vertices)
    x, y = radius * np.cos(angles), radius * np.sin(angles)
    min_lon, min_lat, max_lon, max_lat = bounds
    lon = min_lon + (x - x.min()) / (x.max() - x.min()) * (max_lon - min_lon)
    lat = min_lat + (y - y.min()) / (y.max() - y.min()) * (max_lat - min_lat)
    return Polygon(np.round(np.column_stack([lon, lat]), PRECISION))


def scatter(
    rng: np.random.Generator,
    area: BaseGeometry,
    count: int,
    density: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """`count` points inside `area` (km), denser where `density` (0–1] is high, never clumped.

    Dart throwing: candidates are drawn in proportion to the density, and one is kept when
    no earlier point lies within the local spacing, which shrinks as 1/√density. The spacing
    is set so that `count` points fill about 70% of a saturated packing, which leaves room to
    reach the count without making the pattern look like a lattice.
    """
    min_x, min_y, max_x, max_y = area.bounds
    probe_x = rng.uniform(min_x, max_x, 20_000)
    probe_y = rng.uniform(min_y, max_y, 20_000)
    inside = shapely.contains_xy(area, probe_x, probe_y)
    probed = density(probe_x[inside], probe_y[inside])
    # A saturated random packing holds about 0.7·∫dA/r² points; aim for 0.5 of that.
    spacing = math.sqrt(0.5 * area.area * float(np.mean(probed)) / count)
    # Buckets as wide as the largest spacing: clashes are then always in the 3×3 around.
    cell = spacing / math.sqrt(float(np.min(probed)))
    buckets: dict[tuple[int, int], list[int]] = {}
    points: list[tuple[float, float]] = []
    radii: list[float] = []

    def clashes(px: float, py: float, r: float) -> bool:
        bx, by = int(px // cell), int(py // cell)
        for nx in (bx - 1, bx, bx + 1):
            for ny in (by - 1, by, by + 1):
                for j in buckets.get((nx, ny), ()):
                    qx, qy = points[j]
                    # Two points clash when closer than the larger of their spacings.
                    if (px - qx) ** 2 + (py - qy) ** 2 < max(r, radii[j]) ** 2:
                        return True
        return False

    while len(points) < count:
        x = rng.uniform(min_x, max_x, 4096)
        y = rng.uniform(min_y, max_y, 4096)
        d = density(x, y)
        keep = shapely.contains_xy(area, x, y) & (rng.uniform(0, 1, 4096) < d)
        for px, py, pd in zip(x[keep].tolist(), y[keep].tolist(), d[keep].tolist(), strict=True):
            r = spacing / math.sqrt(pd)
            if clashes(px, py, r):
                continue
            buckets.setdefault((int(px // cell), int(py // cell)), []).append(len(points))
            points.append((px, py))
            radii.append(r)
            if len(points) == count:
                break
    return np.array(points)


def voronoi_cells(points: np.ndarray, area: BaseGeometry) -> np.ndarray:
    """One polygon per point: its Voronoi cell inside `area`, in the points' order.

    Where a concave stretch of the outline cuts a cell in two, only the piece holding the
    point is kept; the stored outlines are unions of the cells, so the lost piece simply
    becomes part of the outside.
    """
    diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=area, ordered=True)
    cells = shapely.intersection(np.array(shapely.get_parts(diagram)), area)
    seeds = shapely.points(points)
    for i, cell in enumerate(cells):
        if cell.geom_type != "Polygon":
            parts = [p for p in shapely.get_parts(cell) if p.geom_type == "Polygon"]
            cells[i] = next(
                (p for p in parts if p.intersects(seeds[i])), max(parts, key=lambda p: p.area)
            )
    return cells


def adjacency(cells: np.ndarray) -> list[list[int]]:
    """For each cell, the cells that share a stretch of border with it (not just a corner)."""
    tree = shapely.STRtree(cells)
    left, right = tree.query(cells, predicate="touches")
    ordered = left < right
    left, right = left[ordered], right[ordered]
    shared = shapely.length(shapely.intersection(cells[left], cells[right]))
    neighbours: list[list[int]] = [[] for _ in range(len(cells))]
    for a, b in zip(left[shared > 0].tolist(), right[shared > 0].tolist(), strict=True):
        neighbours[a].append(b)
        neighbours[b].append(a)
    return neighbours


def spread(
    centres: np.ndarray, candidates: Sequence[int], count: int, *, taken: Sequence[int] = ()
) -> list[int]:
    """Pick `count` of `candidates` far from each other and from `taken` (farthest-point)."""
    candidates = list(candidates)
    chosen: list[int] = []
    if not taken:
        # Start from the candidate nearest the middle of the candidates, not an edge.
        middle = centres[candidates].mean(axis=0)
        first = candidates[int(np.argmin(((centres[candidates] - middle) ** 2).sum(axis=1)))]
        chosen.append(first)
    reference = list(taken) + chosen
    nearest = np.full(len(candidates), np.inf)
    for r in reference:
        nearest = np.minimum(nearest, ((centres[candidates] - centres[r]) ** 2).sum(axis=1))
    while len(chosen) < count:
        best = int(np.argmax(nearest))
        chosen.append(candidates[best])
        nearest = np.minimum(
            nearest, ((centres[candidates] - centres[candidates[best]]) ** 2).sum(axis=1)
        )
    return chosen


def grow(
    members: Sequence[int],
    seeds: Sequence[int],
    neighbours: list[list[int]],
    centres: np.ndarray,
    *,
    slowness: Sequence[float] | None = None,
) -> dict[int, int]:
    """Share `members` out between `seeds` by growing from each seed across shared borders.

    Returns {cell: seed position}. A cell joins the seed that reaches it first, paying the
    distance between cell centres times the seed's slowness (a slower seed ends up smaller).
    Every cell is claimed from a neighbour that already belongs to the same seed, so each
    share is one connected piece.
    """
    allowed = set(members)
    slowness = slowness or [1.0] * len(seeds)
    owner: dict[int, int] = {}
    queue = [(0.0, cell, k) for k, cell in enumerate(seeds)]
    heapq.heapify(queue)
    while queue:
        cost, cell, k = heapq.heappop(queue)
        if cell in owner:
            continue
        owner[cell] = k
        for n in neighbours[cell]:
            if n in allowed and n not in owner:
                step = math.dist(centres[cell], centres[n]) * slowness[k]
                heapq.heappush(queue, (cost + step, n, k))
    # Cells cut off from every seed (an island of the outline) join the nearest seed.
    for cell in members:
        if cell not in owner:
            owner[cell] = min(
                range(len(seeds)), key=lambda k: math.dist(centres[cell], centres[seeds[k]])
            )
    return owner


def group(
    rng: np.random.Generator,
    members: Sequence[int],
    neighbours: list[list[int]],
    centres: np.ndarray,
    sizes: tuple[Sequence[int], Sequence[float]],
) -> list[list[int]]:
    """Split `members` into small connected groups whose sizes follow `sizes` (values, weights).

    The next group starts at the cell with the fewest free neighbours, so that corner cells
    are taken before they are cut off and left alone, and takes the free neighbours nearest
    its first cell.
    """
    free = set(members)
    values, weights = list(sizes[0]), np.asarray(sizes[1], dtype=float)
    groups: list[list[int]] = []
    while free:
        start = min(free, key=lambda c: (sum(n in free for n in neighbours[c]), c))
        want = int(rng.choice(values, p=weights / weights.sum()))
        chosen = [start]
        free.discard(start)
        while len(chosen) < want:
            frontier = {n for c in chosen for n in neighbours[c] if n in free}
            if not frontier:
                break
            nearest = min(sorted(frontier), key=lambda n: math.dist(centres[n], centres[start]))
            chosen.append(nearest)
            free.discard(nearest)
        groups.append(chosen)
    return groups


def union(cells: np.ndarray, members: Sequence[int]) -> BaseGeometry:
    return shapely.union_all(cells[list(members)])


def reading_order(points: np.ndarray, band: float) -> list[int]:
    """Indices of `points` (lon, lat) from north to south in bands of `band`, west to east in each.

    This is the order in which a 网格 sequence number is given out (DB11 单元网格).
    """
    keys = [(-math.floor(lat / band), lon, i) for i, (lon, lat) in enumerate(points.tolist())]
    return [i for *_, i in sorted(keys)]
