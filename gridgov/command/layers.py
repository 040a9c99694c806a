"""What the map draws: each layer of the visible area (bbox) within the user's scopes.

Every function takes the scopes (code prefixes) already decided by the permissions module
and the visible area; none of them reads the user.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Q
from django.urls import reverse
from django.utils import timezone

from gridgov.accounts import permissions
from gridgov.analysis import dashboard, indicators
from gridgov.command.models import PoiKind, PointOfInterest
from gridgov.events.models import OPEN, Event
from gridgov.field.selectors import positions_on_patrol, track
from gridgov.regions import selectors as regions
from gridgov.regions.models import Grid

# Beyond this many open events in view the layer sends cells with counts, not points: a
# district seen whole holds tens of thousands, which no browser clusters quickly.
MAX_POINTS = 2000
MAX_GRIDS = 3000
# Up to this many grids in view, open events are looked up by their grid codes; beyond, by
# the scope's prefix (one range of the index) and the grids out of view are left aside.
MAX_GRIDS_LISTED = 500
MAX_POIS = 3000
CELLS_ACROSS = 48
HEAT_DAYS = 30
CARD_DAYS = 30


@dataclass(frozen=True)
class Bbox:
    west: float
    south: float
    east: float
    north: float

    @property
    def width(self) -> float:
        return self.east - self.west


def parse_bbox(text: str | None) -> Bbox:
    """'west,south,east,north' in degrees, as Leaflet's `getBounds().toBBoxString()` gives."""
    try:
        west, south, east, north = (float(part) for part in (text or "").split(","))
    except ValueError:
        raise ValidationError({"bbox": "可视范围应为“西经度,南纬度,东经度,北纬度”四个数"}) from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValidationError({"bbox": "可视范围无效：须西小于东、南小于北，且在经纬度范围内"})
    return Bbox(west, south, east, north)


def _in_view(bbox: Bbox) -> Q:
    return Q(lon__gte=bbox.west, lon__lte=bbox.east, lat__gte=bbox.south, lat__lte=bbox.north)


def light_of(due_at: datetime | None, warn_at: datetime | None, now: datetime) -> str:
    if due_at is None:
        return ""
    if now >= due_at:
        return "red"
    if warn_at is not None and now >= warn_at:
        return "yellow"
    return "green"


def open_events(prefixes: list[str]):
    return Event.objects.filter(permissions.scope_q(prefixes, "area_code"), status__in=OPEN)


def _grids_in_view(prefixes: list[str], bbox: Bbox):
    return Grid.objects.filter(permissions.scope_q(prefixes, "code")).filter(
        min_lon__lte=bbox.east, max_lon__gte=bbox.west, min_lat__lte=bbox.north, max_lat__gte=bbox.south
    )


def _grid_points(prefixes: list[str], bbox: Bbox) -> dict[str, tuple[float, float]]:
    """The grids of the view and scope, by code, with their label points."""
    return {code: (lon, lat) for code, lon, lat in
            _grids_in_view(prefixes, bbox).order_by().values_list("code", "label_lon", "label_lat")}


def events_layer(prefixes: list[str], bbox: Bbox, *, now: datetime) -> dict:
    """Open events in view, coloured by light: points when few, cells with counts when many.

    The open events are first counted per grid of the view: that reads only the columns of
    the index of open events (status, area_code, due_at, warn_at), so a district of 20,000
    open events is counted without touching the table. Only when few enough are in view
    are their rows read, as points."""
    grids = _grid_points(prefixes, bbox)
    rows = open_events(prefixes)
    if len(grids) <= MAX_GRIDS_LISTED:
        rows = rows.filter(area_code__in=list(grids))
    per_grid = [
        row for row in rows.values("area_code").annotate(
            # Counting a column of the index (not the primary key) keeps the scan index-only.
            n=Count("area_code"),
            red=Count("area_code", filter=Q(due_at__lte=now)),
            yellow=Count("area_code", filter=Q(warn_at__lte=now, due_at__gt=now)),
        ).order_by()
        if row["area_code"] in grids
    ]
    if sum(row["n"] for row in per_grid) <= MAX_POINTS:
        points = rows.filter(_in_view(bbox)).order_by().values_list(
            "code", "title", "lon", "lat", "level", "due_at", "warn_at"
        )
        return {
            "mode": "points",
            "points": [
                {"code": code, "title": title, "lon": lon, "lat": lat, "level": level,
                 "light": light_of(due, warn, now)}
                for code, title, lon, lat, level, due, warn in points[:MAX_POINTS]
            ],
        }
    return {"mode": "cells", "cells": _grid_cells(per_grid, grids, bbox)}


def _grid_cells(per_grid: list[dict], grids: dict, bbox: Bbox) -> list[dict]:
    """Per-grid counts gathered into square cells of the view, placed at their weighted centre."""
    size = bbox.width / CELLS_ACROSS
    cells: dict[tuple[int, int], dict] = {}
    for row in per_grid:
        lon, lat = grids[row["area_code"]]
        key = (int((lon - bbox.west) // size), int((lat - bbox.south) // size))
        cell = cells.setdefault(key, {"n": 0, "red": 0, "yellow": 0, "wlon": 0.0, "wlat": 0.0})
        for name in ("n", "red", "yellow"):
            cell[name] += row[name]
        cell["wlon"] += lon * row["n"]
        cell["wlat"] += lat * row["n"]
    return [
        {"lon": round(c["wlon"] / c["n"], 6), "lat": round(c["wlat"] / c["n"], 6), "n": c["n"], "red": c["red"],
         "yellow": c["yellow"]}
        for c in cells.values()
    ]


def heat_layer(prefixes: list[str], bbox: Bbox, *, now: datetime) -> dict:
    """Events reported in the last 30 days per grid in view, weighted at the grid's label
    point: counted from the (area_code, status, reported_at) index alone."""
    grids = _grid_points(prefixes, bbox)
    if len(grids) > MAX_GRIDS:
        return {"days": HEAT_DAYS, "cells": [], "too_many": True}
    counts = (
        Event.objects.filter(area_code__in=list(grids), reported_at__gte=now - timedelta(days=HEAT_DAYS))
        .values_list("area_code").annotate(n=Count("area_code")).order_by()
    )
    return {
        "days": HEAT_DAYS,
        "cells": [{"lon": grids[code][0], "lat": grids[code][1], "n": n} for code, n in counts],
        "too_many": False,
    }


def grids_layer(prefixes: list[str], bbox: Bbox, *, now: datetime) -> dict:
    """Grids touching the view with their open events by light and per km² (density)."""
    grids = list(
        _grids_in_view(prefixes, bbox)
        .only("code", "name", "geometry", "area_m2", "households")[: MAX_GRIDS + 1]
    )
    if len(grids) > MAX_GRIDS:
        return {"type": "FeatureCollection", "features": [], "too_many": True}
    counts = {
        row["area_code"]: row
        for row in Event.objects.filter(status__in=OPEN, area_code__in=[g.code for g in grids])
        .values("area_code")
        .annotate(
            open=Count("pk"),
            red=Count("pk", filter=Q(due_at__lte=now)),
            yellow=Count("pk", filter=Q(warn_at__lte=now, due_at__gt=now)),
        )
        .order_by()
    }
    features = []
    for grid in grids:
        c = counts.get(grid.code, {})
        open_count = c.get("open", 0)
        light = "red" if c.get("red") else "yellow" if c.get("yellow") else "green"
        km2 = grid.area_m2 / 1e6
        features.append({
            "type": "Feature",
            "geometry": grid.geometry,
            "properties": {
                "code": grid.code, "name": grid.name, "open": open_count, "light": light,
                "density": round(open_count / km2, 2) if km2 > 0 else 0,
            },
        })
    return {"type": "FeatureCollection", "features": features, "too_many": False}


def pois_layer(prefixes: list[str], bbox: Bbox, *, kinds: list[str] | None = None) -> dict:
    rows = PointOfInterest.objects.filter(permissions.scope_q(prefixes, "area_code"), _in_view(bbox))
    if kinds:
        rows = rows.filter(kind__in=kinds)
    labels = dict(PoiKind.choices)
    return {
        "pois": [
            {"id": p.pk, "kind": p.kind, "kind_label": labels.get(p.kind, p.kind), "name": p.name,
             "lon": p.lon, "lat": p.lat, "address": p.address, "phone": p.phone}
            for p in rows.order_by("pk")[:MAX_POIS]
        ]
    }


def grid_card(grid: Grid, *, now: datetime) -> dict:
    """What a click on a grid shows: its workers, households, open events now, and the
    indicators of the last 30 days (gridgov.analysis, standards-cn §5)."""
    open_rows = Event.objects.filter(area_code=grid.code, status__in=OPEN)
    lights = open_rows.aggregate(
        open=Count("pk"),
        red=Count("pk", filter=Q(due_at__lte=now)),
        yellow=Count("pk", filter=Q(warn_at__lte=now, due_at__gt=now)),
    )
    today = timezone.localdate(now)
    sums = dashboard.totals([grid.code], today - timedelta(days=CARD_DAYS - 1), today).get((), Counter())
    values = indicators.figures(sums, lights["red"])
    recent = list(open_rows.order_by("-reported_at").values_list("code", "title", "due_at", "warn_at")[:5])
    return {
        "code": grid.code,
        "name": grid.name,
        "village": grid.village.name,
        "households": grid.households,
        "population": grid.population,
        "workers": [
            {"name": w.display_name, "phone": w.phone} for w in regions.workers_of(grid)
        ],
        **lights,
        "indicators": {
            "days": CARD_DAYS,
            **{k: values[k] for k in ("reported", "handled", "closed", "close_rate", "on_time_handle_rate",
                                      "self_handled_share")},
        },
        "open_events": [
            {"code": code, "title": title, "light": light_of(due, warn, now), "url": f"/events/{code}/"}
            for code, title, due, warn in recent
        ],
        "url": reverse("grid", args=[grid.code]),
    }


def patrols_layer(prefixes: list[str], bbox: Bbox, *, now: datetime) -> dict:
    """Grid workers on patrol in view: their last fix and how old it is."""
    workers = []
    for p in positions_on_patrol(prefixes):
        if p["lon"] is None or not (bbox.west <= p["lon"] <= bbox.east and bbox.south <= p["lat"] <= bbox.north):
            continue
        workers.append({
            "name": p["name"], "grid_code": p["grid_code"], "lon": p["lon"], "lat": p["lat"],
            "patrol_id": p["patrol_id"], "age_minutes": int((now - p["fixed_at"]).total_seconds() // 60),
        })
    return {"workers": workers}


def patrol_track(patrol) -> dict:
    """A patrol's track for replay: [[lon, lat, seconds since start], …]."""
    points = track(patrol)
    start = points[0][0] if points else patrol.started_at
    return {
        "patrol_id": patrol.pk, "worker": patrol.worker.display_name, "started_at": patrol.started_at.isoformat(),
        "points": [[lon, lat, round((t - start).total_seconds())] for t, lon, lat in points],
    }


def extent(prefixes: list[str]) -> list[float] | None:
    """[west, south, east, north] of the grids under the scopes: where the map opens."""
    box = Grid.objects.filter(permissions.scope_q(prefixes, "code")).aggregate(
        w=Min("min_lon"), s=Min("min_lat"), e=Max("max_lon"), n=Max("max_lat")
    )
    return None if box["w"] is None else [box["w"], box["s"], box["e"], box["n"]]
