"""Which grid is this point in?

Each process holds an STRtree over every grid polygon. It is built on first use and
rebuilt when the territory version in the database moves on; the version is re-read at
most every LOCATOR_VERSION_CHECK_SECONDS, so a lookup costs no query.

A point on the border of two grids belongs to the one with the smaller code, so the answer
never depends on the order the tree happens to return.
"""

import math
import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings

from gridgov.regions.models import Grid
from gridgov.regions.territory import current_version

# The ufunc itself: the public wrapper adds argument handling that doubles the cost of a
# single-point call, and locate() makes one or two such calls per point.
intersects_xy = shapely.lib.intersects_xy

# The bucket grid has about this many buckets per grid polygon. More buckets answer more
# points without a polygon test, at the price of build time and memory.
BUCKETS_PER_GRID = 16
MAX_BUCKETS = 4_000_000


@dataclass(frozen=True)
class Located:
    """A grid a point fell into, as the locator knows it (no database row needed)."""

    id: int
    code: str
    name: str


class GridIndex:
    """An immutable snapshot: the tree, and the grids in code order.

    Single lookups go through a uniform bucket grid laid over the territory. A bucket that
    lies wholly inside one grid (and inside no grid with a smaller code) answers at once;
    any other bucket keeps its few candidate polygons, smallest code first, and the first
    that holds the point wins. This costs one multiplication and one list read for most
    points, where querying the tree builds a Point and walks the tree every time.
    """

    def __init__(self, version: int, grids: list[Located], polygons: list) -> None:
        self.version = version
        self.grids = grids
        self.position = {g.code: i for i, g in enumerate(grids)}
        self.tree = shapely.STRtree(polygons)
        self.polygons = np.asarray(polygons, dtype=object)
        shapely.prepare(self.polygons)
        self._build_buckets()

    def _build_buckets(self) -> None:
        count = len(self.polygons)
        if count == 0:
            self._x0 = self._y0 = self._kx = self._ky = 0.0
            self._nx = self._ny = 0
            self._buckets: list = []
            self._direct = np.empty(0, dtype=np.int64)
            self._offsets = np.zeros(1, dtype=np.int64)
            self._candidates = np.empty(0, dtype=np.int64)
            return
        min_x, min_y, max_x, max_y = shapely.total_bounds(self.polygons)
        # A margin so that points on the outermost edges still fall inside the bucket grid.
        margin = max(max_x - min_x, max_y - min_y, 1e-9) * 1e-9
        min_x, min_y, max_x, max_y = min_x - margin, min_y - margin, max_x + margin, max_y + margin
        width, height = max_x - min_x, max_y - min_y
        target = min(BUCKETS_PER_GRID * count, MAX_BUCKETS)
        nx = max(1, round(math.sqrt(target * width / height)))
        ny = max(1, round(target / nx))
        self._x0, self._y0, self._nx, self._ny = min_x, min_y, nx, ny
        self._kx, self._ky = nx / width, ny / height
        columns, rows = np.meshgrid(np.arange(nx), np.arange(ny))
        columns, rows = columns.ravel(), rows.ravel()
        # Each box is widened by a hair so that rounding in locate() can never put a point
        # in a bucket whose box does not hold it.
        pad_x, pad_y = 1e-6 / self._kx, 1e-6 / self._ky
        boxes = shapely.box(
            min_x + columns / self._kx - pad_x,
            min_y + rows / self._ky - pad_y,
            min_x + (columns + 1) / self._kx + pad_x,
            min_y + (rows + 1) / self._ky + pad_y,
        )
        box_idx, grid_idx = self.tree.query(boxes, predicate="intersects")
        order = np.lexsort((grid_idx, box_idx))
        box_idx, grid_idx = box_idx[order], grid_idx[order]
        inside = shapely.contains_properly(self.polygons[grid_idx], boxes[box_idx])
        starts = np.flatnonzero(np.r_[True, box_idx[1:] != box_idx[:-1]])
        # A candidate after one that holds the whole box can never win: drop it.
        held_before = np.cumsum(inside) - inside
        keep = held_before == np.repeat(held_before[starts], np.diff(np.r_[starts, len(box_idx)]))
        # -1: no grid near; -2: look at the candidates; otherwise the grid's position.
        direct = np.full(nx * ny, -1, dtype=np.int64)
        buckets: list = [None] * (nx * ny)
        whole = starts[inside[starts]]
        direct[box_idx[whole]] = grid_idx[whole]
        grids, polygons = self.grids, self.polygons
        for bucket, i in zip(box_idx[whole].tolist(), grid_idx[whole].tolist(), strict=True):
            buckets[bucket] = grids[i]
        mixed = starts[~inside[starts]]
        direct[box_idx[mixed]] = -2
        keep &= direct[box_idx] == -2
        box_idx, grid_idx = box_idx[keep], grid_idx[keep]
        for bucket, i in zip(box_idx.tolist(), grid_idx.tolist(), strict=True):
            entry = buckets[bucket]
            candidate = (polygons[i], grids[i])
            buckets[bucket] = (candidate,) if entry is None else entry + (candidate,)
        self._buckets, self._direct = buckets, direct
        # The same candidates as flat arrays for locate_many: bucket b's are
        # candidates[offsets[b]:offsets[b + 1]], smallest code first.
        self._offsets = np.searchsorted(box_idx, np.arange(nx * ny + 1))
        self._candidates = grid_idx

    def locate(self, lon: float, lat: float) -> Located | None:
        col = (lon - self._x0) * self._kx
        row = (lat - self._y0) * self._ky
        # Written so that NaN fails too.
        if not (0.0 <= col < self._nx and 0.0 <= row < self._ny):
            return None
        entry = self._buckets[int(row) * self._nx + int(col)]
        if entry is None or entry.__class__ is Located:
            return entry
        for polygon, grid in entry:
            if intersects_xy(polygon, lon, lat):
                return grid
        return None

    def locate_many(self, lons, lats) -> list[Located | None]:
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        best = np.full(len(lons), -1, dtype=np.int64)
        col = (lons - self._x0) * self._kx
        row = (lats - self._y0) * self._ky
        within = (col >= 0) & (col < self._nx) & (row >= 0) & (row < self._ny)
        where = np.flatnonzero(within)
        buckets = row[where].astype(np.int64) * self._nx + col[where].astype(np.int64)
        best[where] = self._direct[buckets]
        # Points in mixed buckets: test each against its bucket's candidates, all at once,
        # and keep the first candidate (the smallest code) that holds it.
        is_mixed = best[where] == -2
        mixed, mixed_buckets = where[is_mixed], buckets[is_mixed]
        best[mixed] = -1
        if len(mixed):
            first = self._offsets[mixed_buckets]
            counts = self._offsets[mixed_buckets + 1] - first
            point = np.repeat(np.arange(len(mixed)), counts)
            within_bucket = np.arange(len(point)) - np.repeat(np.cumsum(counts) - counts, counts)
            candidate = self._candidates[np.repeat(first, counts) + within_bucket]
            # Testing the pairs polygon by polygon keeps each prepared polygon in the CPU
            # cache while it is used: about five times faster than in point order.
            by_polygon = np.argsort(candidate, kind="stable")
            hit = np.empty(len(candidate), dtype=bool)
            hit[by_polygon] = intersects_xy(
                self.polygons[candidate[by_polygon]],
                lons[mixed][point[by_polygon]],
                lats[mixed][point[by_polygon]],
            )
            points_hit, first_hit = np.unique(point[hit], return_index=True)
            best[mixed[points_hit]] = candidate[hit][first_hit]
        grids = self.grids
        return [grids[i] if i >= 0 else None for i in best.tolist()]


def build_index(version: int | None = None) -> GridIndex:
    version = current_version() if version is None else version
    grids, polygons = [], []
    for row in Grid.objects.order_by("code").values_list("id", "code", "name", "geometry"):
        grids.append(Located(row[0], row[1], row[2]))
        polygons.append(shapely.geometry.shape(row[3]))
    return GridIndex(version, grids, polygons)


_lock = threading.Lock()
_index: GridIndex | None = None
_checked_at = 0.0


def current_index() -> GridIndex:
    """The index for the territory as it is now, rebuilding it if grids changed."""
    global _index, _checked_at
    now = time.monotonic()
    index = _index
    if index is not None and now - _checked_at < settings.LOCATOR_VERSION_CHECK_SECONDS:
        return index
    with _lock:
        version = current_version()
        _checked_at = time.monotonic()
        if _index is None or _index.version != version:
            _index = build_index(version)
        return _index


def forget() -> None:
    """Drop this process's index, so the next lookup rebuilds it (tests, after imports)."""
    global _index, _checked_at
    with _lock:
        _index, _checked_at = None, 0.0


def locate(lon: float, lat: float) -> Located | None:
    """The grid containing (lon, lat), or None when the point is outside the territory."""
    return current_index().locate(lon, lat)


def locate_many(lons, lats) -> list[Located | None]:
    return current_index().locate_many(lons, lats)
