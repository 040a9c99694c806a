"""The command centre over HTTP: the map's layers for the visible area, the cards behind a
click, one-click call, the big screen's figures and feed, and early warnings.

Every endpoint takes the caller's scopes from the permissions module (403 with none, 404
for an object outside them) and calls the same functions as the pages.
"""

from datetime import datetime, timedelta
from typing import Any

from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema

from gridgov.accounts import permissions
from gridgov.api.errors import ErrorOut
from gridgov.api.fields import Text, limited
from gridgov.command import calls, layers, screen, warnings
from gridgov.events.views.event import get_event_for
from gridgov.field.models import Patrol
from gridgov.regions.views.browse import get_grid_for

router = Router(tags=["指挥中心"])

Code = limited(32)
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class BboxIn(Schema):
    bbox: limited(200)


class PoiQuery(BboxIn):
    kind: list[limited(20)] = []


def _map_scopes(request) -> list[str]:
    return permissions.require_command_scopes(request.user, permissions.MAP)


@router.get("/command/layers/events", response={200: dict[str, Any], **ERRORS})
def events_layer(request, q: Query[BboxIn]):
    """Open events in the visible area, coloured by light (points, or cells when too many)."""
    return layers.events_layer(_map_scopes(request), layers.parse_bbox(q.bbox), now=timezone.now())


@router.get("/command/layers/heat", response={200: dict[str, Any], **ERRORS})
def heat_layer(request, q: Query[BboxIn]):
    return layers.heat_layer(_map_scopes(request), layers.parse_bbox(q.bbox), now=timezone.now())


@router.get("/command/layers/grids", response={200: dict[str, Any], **ERRORS})
def grids_layer(request, q: Query[BboxIn]):
    return layers.grids_layer(_map_scopes(request), layers.parse_bbox(q.bbox), now=timezone.now())


@router.get("/command/layers/pois", response={200: dict[str, Any], **ERRORS})
def pois_layer(request, q: Query[PoiQuery]):
    return layers.pois_layer(_map_scopes(request), layers.parse_bbox(q.bbox), kinds=q.kind)


@router.get("/command/grids/{code}", response={200: dict[str, Any], **ERRORS})
def grid_card(request, code: limited(15)):
    _map_scopes(request)
    return layers.grid_card(get_grid_for(request.user, code), now=timezone.now())


@router.get("/command/events/{code}", response={200: dict[str, Any], **ERRORS})
def event_card(request, code: Code):
    _map_scopes(request)
    return screen.event_card(request.user, get_event_for(request.user, code), now=timezone.now())


class CallIn(Schema):
    note: Text = ""


class CallOut(Schema):
    seq: int
    recipients: list[str]


@router.post("/command/events/{code}/call", response={200: CallOut, **ERRORS})
def call(request, code: Code, payload: CallIn):
    """一键呼叫: notify the workers of the event's grid and the nearest on patrol; logged."""
    row = calls.call(get_event_for(request.user, code), by=request.user, note=payload.note)
    return {"seq": row.seq, "recipients": row.data["names"]}


class FeedQuery(Schema):
    since: datetime | None = None


@router.get("/command/screen", response={200: dict[str, Any], **ERRORS})
def screen_figures(request):
    """The big screen's figures for today (from gridgov.analysis.dashboard)."""
    scopes = permissions.require_command_scopes(request.user, permissions.SCREEN)
    return screen.figures(scopes, timezone.localdate())


@router.get("/command/feed", response={200: dict[str, Any], **ERRORS})
def feed(request, q: Query[FeedQuery]):
    """New events, events newly past their deadline and new warnings since `since` (at most a
    day back), newest first; pass the answer's `now` as the next `since`."""
    scopes = permissions.require_command_scopes(request.user, permissions.SCREEN)
    now = timezone.now()
    since = max(q.since or now - timedelta(hours=1), now - timedelta(days=1))
    return {"now": now.isoformat(), "items": screen.feed(scopes, since=since, now=now)}


class WarningOut(Schema):
    id: int
    kind: str
    status: str
    area_code: str
    area_name: str
    title: str
    detail: str
    count: int
    detected_at: datetime
    event_code: str | None = None


def _warning_out(w) -> dict:
    return {
        "id": w.pk, "kind": w.kind, "status": w.status, "area_code": w.area_code, "area_name": w.area_name,
        "title": w.title, "detail": w.detail, "count": w.count, "detected_at": w.detected_at,
        "event_code": w.event.code if w.event_id else None,
    }


@router.get("/command/warnings", response={200: list[WarningOut], **ERRORS})
def warning_list(request, status: limited(10) = "open"):
    permissions.require_command_scopes(request.user, permissions.WARNINGS)
    rows = warnings.visible(request.user).filter(status=status).select_related("event")[:200]
    return [_warning_out(w) for w in rows]


class DismissIn(Schema):
    reason: Text


@router.post("/command/warnings/{warning_id}/dismiss", response={200: WarningOut, **ERRORS})
def dismiss_warning(request, warning_id: int, payload: DismissIn):
    warning = warnings.dismiss(_warning(request, warning_id), by=request.user, reason=payload.reason)
    return _warning_out(warning)


@router.post("/command/warnings/{warning_id}/convert", response={200: WarningOut, **ERRORS})
def convert_warning(request, warning_id: int):
    warning = _warning(request, warning_id)
    warnings.convert(warning, by=request.user)
    return _warning_out(warning)


def _warning(request, warning_id: int):
    return warnings.get_for(request.user, warning_id)


@router.get("/command/layers/patrols", response={200: dict[str, Any], **ERRORS})
def patrols_layer(request, q: Query[BboxIn]):
    """Grid workers on patrol in the visible area: last position and the age of the fix."""
    return layers.patrols_layer(_map_scopes(request), layers.parse_bbox(q.bbox), now=timezone.now())


@router.get("/command/patrols/{patrol_id}/track", response={200: dict[str, Any], **ERRORS})
def patrol_track(request, patrol_id: int):
    """A patrol's GPS track, for replay on the map."""
    patrol = Patrol.objects.select_related("worker").filter(pk=patrol_id).first() if 0 < patrol_id < 2**31 else None
    if patrol is None or not permissions.may_at(request.user, permissions.MAP, patrol.grid_code):
        raise Http404("巡查不存在或不在您的管辖范围内")
    return layers.patrol_track(patrol)
