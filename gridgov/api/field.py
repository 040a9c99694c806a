"""Field work over HTTP, for the phone app: patrols and their track batches, household
visits, hazard inspections, check-ins. Reports go through POST /api/events.

Everything the phone queues offline carries a key it made (`key`), so the outbox can send
it again after a lost answer: the same key answers 200 with what the first request made.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer, django_auth
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from gridgov.accounts import permissions, signin
from gridgov.accounts.models import User
from gridgov.api.errors import ErrorOut
from gridgov.api.events import JsonOrForm, Key, _category, _with_photos
from gridgov.api.fields import Text, limited
from gridgov.field import attendance, inspections, patrols, selectors, tracks, visits
from gridgov.field.models import FindingKind, Inspection, Patrol, PlaceKind, Visit

router = Router(tags=["外业巡查"])

Errors = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}

# --- patrols -----------------------------------------------------------------------------------


class PatrolIn(Schema):
    key: Key = Field(description="手机生成的巡查编号（如 UUID）")
    started_at: datetime | None = None


class StopIn(Schema):
    ended_at: datetime | None = None


class PatrolOut(Schema):
    id: int
    key: str
    grid_code: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: int
    distance_m: float
    point_count: int
    dropped_count: int


def _patrol_out(patrol: Patrol) -> dict:
    return {
        "id": patrol.pk, "key": patrol.key, "grid_code": patrol.grid_code, "started_at": patrol.started_at,
        "ended_at": patrol.ended_at, "duration_s": int(patrol.duration.total_seconds()),
        "distance_m": round(patrol.distance_m, 1), "point_count": patrol.point_count,
        "dropped_count": patrol.dropped_count,
    }


@router.post("/patrols", response={200: PatrolOut, 201: PatrolOut, **Errors})
def start_patrol(request: HttpRequest, body: PatrolIn) -> Status:
    """Start a patrol (开始巡查). The same key again answers 200 with the same patrol."""
    patrol, created = patrols.start(by=request.user, key=body.key, at=body.started_at)
    return Status(201 if created else 200, _patrol_out(patrol))


@router.post("/patrols/{key}/stop", response={200: PatrolOut, **Errors})
def stop_patrol(request: HttpRequest, key: Key, body: StopIn = StopIn()) -> dict:
    """End a patrol (结束巡查); its distance is counted again over the whole track."""
    patrol = patrols.stop(patrols.own_patrol(request.user, key), by=request.user, at=body.ended_at)
    return _patrol_out(patrol)


class BatchIn(Schema):
    key: Key = Field(description="这一批轨迹点的编号，手机生成；重发时原样重发")
    points: list[list[Any]] = Field(description="[[时间毫秒, 经度, 纬度, 精度米], …]，每批最多 1000 个点")


class BatchOut(Schema):
    accepted: int = Field(description="存下的点数")
    dropped: dict[str, int] = Field(description="剔除的点数，按原因：speed / accuracy / outside / time")
    dropped_total: int
    reasons: dict[str, str] = Field(description="剔除原因的中文说明")
    duplicate: bool = Field(description="这一批此前已收到：本次未重复存储")


_PATROL_KEY = TypeAdapter(Key)


@dataclass(frozen=True)
class PatrolCaller:
    user: User
    patrol: patrols.Tracked | None


class PatrolTokenAuth(HttpBearer):
    """The API's bearer token (as `api.app.TokenAuth`), and on PostgreSQL the caller's
    patrol named in the path, read in the same statement (`patrols.caller_and_patrol`)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | PatrolCaller | None:
        if connection.vendor != "postgresql":
            user = signin.user_for_token(token)
            if user is not None:
                request.user = user
            return user
        match = getattr(request, "resolver_match", None)
        key = match.kwargs.get("key", "") if match else ""
        try:
            key = _PATROL_KEY.validate_python(key)
        except PydanticValidationError:
            key = ""  # no patrol has it; the path's validation answers 422 after this
        found = patrols.caller_and_patrol(token, key)
        if found is None:
            return None
        request.user = found[0]
        return PatrolCaller(*found)


@router.post(
    "/patrols/{key}/tracks", response={200: BatchOut, 201: BatchOut, **Errors}, auth=[PatrolTokenAuth(), django_auth]
)
def upload_track(request: HttpRequest, key: Key, body: BatchIn) -> HttpResponse:
    """Upload a batch of track points of one's own patrol. Batches may come in any order
    and any number of times; wrong points (impossible speed, zero or absurd accuracy, far
    outside the territory, time outside the patrol) are dropped and counted."""
    caller = request.auth
    patrol = caller.patrol if isinstance(caller, PatrolCaller) else ...
    result = patrols.record_batch(by=request.user, patrol_key=key, key=body.key, rows=body.points, patrol=patrol)
    out = {
        "accepted": result.accepted, "dropped": result.dropped, "dropped_total": sum(result.dropped.values()),
        "reasons": {k: tracks.REASONS[k] for k in result.dropped}, "duplicate": result.duplicate,
    }
    # Rendered as it is: the answer is BatchOut by construction, and validating it again
    # on every batch is a tenth of the upload's time in Python.
    return HttpResponse(
        json.dumps(out), status=200 if result.duplicate else 201, content_type="application/json; charset=utf-8"
    )


@router.get("/patrols/{patrol_id}/track", response={200: list[tuple[datetime, float, float]], 404: ErrorOut})
def patrol_track(request: HttpRequest, patrol_id: int) -> list:
    """A patrol's good points in time order, for the replay map."""
    patrol = get_object_or_404(Patrol, pk=patrol_id)
    permissions.require_patrol(request.user, patrol)
    return selectors.track(patrol)


class PositionOut(Schema):
    worker_id: int
    name: str
    grid_code: str
    lon: float
    lat: float
    fixed_at: datetime
    patrol_id: int


@router.get("/patrols/positions", response=list[PositionOut])
def positions(request: HttpRequest) -> list[dict]:
    """The last good fix of each grid worker on patrol now, in the caller's scopes."""
    return selectors.positions_on_patrol(permissions.scopes(request.user))


# --- visits ------------------------------------------------------------------------------------


class VisitIn(Schema):
    key: Key
    household: limited(100)
    address: limited(200) = ""
    lon: float
    lat: float
    finding: FindingKind = FindingKind.NONE
    notes: limited(4000) = ""
    follow_up: bool = False
    visited_at: datetime | None = None


class VisitOut(Schema):
    id: int
    household: str
    grid_code: str
    finding: str
    follow_up: bool
    visited_at: datetime
    event: str | None


def _visit_out(visit: Visit) -> dict:
    return {
        "id": visit.pk, "household": visit.household, "grid_code": visit.area_code, "finding": visit.finding,
        "follow_up": visit.follow_up, "visited_at": visit.visited_at,
        "event": visit.event.code if visit.event_id else None,
    }


@router.post("/visits", response={200: VisitOut, 201: VisitOut, **Errors})
def record_visit(request: HttpRequest, body: VisitIn) -> Status:
    """Record a household visit (走访)."""
    visit, created = visits.record(
        by=request.user, key=body.key, household=body.household, address=body.address, lon=body.lon, lat=body.lat,
        finding=body.finding, notes=body.notes, follow_up=body.follow_up, at=body.visited_at,
    )
    return Status(201 if created else 200, _visit_out(visit))


class FindingIn(Schema):
    category: limited(32) | None = Field(None, description="事件小类编码；不填按发现类型默认")


@router.post("/visits/{visit_id}/report", response={200: VisitOut, **Errors})
def report_finding(request: HttpRequest, visit_id: int, body: FindingIn = FindingIn()) -> dict:
    """Turn the visit's finding into an event (once)."""
    visit = get_object_or_404(Visit.objects.select_related("event"), pk=visit_id, worker=request.user)
    category = None
    if body.category:
        category = _category(body.category)
        if category is None:
            raise ValidationError({"category": "请选择有效的事件分类"})
    visits.report_finding(visit, by=request.user, category=category)
    return _visit_out(visit)


@router.post("/visits/{visit_id}/followed-up", response={200: VisitOut, **Errors})
def followed_up(request: HttpRequest, visit_id: int) -> dict:
    """The household has been visited again: off the follow-up list (待回访)."""
    visit = get_object_or_404(Visit.objects.select_related("event", "grid"), pk=visit_id)
    if not permissions.may_view_field_record(request.user, visit):
        raise Http404("不存在或不在您的管辖范围内")
    visits.close_follow_up(visit, by=request.user)
    return _visit_out(visit)


# --- inspections -------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    text: str
    category: str


class KindOut(Schema):
    code: str
    name: str
    items: list[ItemOut]


@router.get("/checklists", response=list[KindOut])
def checklists(request: HttpRequest) -> list[dict]:
    """Every active kind of place with its checklist."""
    kinds = PlaceKind.objects.filter(is_active=True).prefetch_related("items__category")
    return [
        {
            "code": k.code, "name": k.name,
            "items": [{"id": i.pk, "text": i.text, "category": i.category.code} for i in k.items.all() if i.is_active],
        }
        for k in kinds
    ]


class InspectionIn(Schema):
    key: Key
    kind: limited(30) = ""
    place: limited(100) = ""
    address: limited(200) = ""
    lon: float
    lat: float
    previous: int | None = Field(None, description="复查时：上一次检查的 id")
    results: Text = Field(description='JSON 数组：[{"item": 检查项 id, "passed": true/false, "note": "说明"}]')
    inspected_at: datetime | None = None


class InspectionOut(Schema):
    id: int
    place: str
    kind: str
    failed_count: int
    events: list[str]
    photo_count: int = Field(description="本次检查存下的照片数（各检查项合计）")


def _answers(raw: str) -> list[inspections.Answer]:
    try:
        rows = json.loads(raw)
        if not isinstance(rows, list):
            raise ValueError
        return [
            inspections.Answer(item_id=int(r["item"]), passed=bool(r["passed"]), note=str(r.get("note") or ""))
            for r in rows
        ]
    except (ValueError, TypeError, KeyError):
        raise ValidationError({"results": '应为 JSON 数组：[{"item": id, "passed": true/false, "note": ""}]'}) from None


@router.post(
    "/inspections", response={200: InspectionOut, 201: InspectionOut, 413: ErrorOut, **Errors},
    openapi_extra=_with_photos(InspectionIn),
)
def record_inspection(request: HttpRequest, body: Annotated[InspectionIn, JsonOrForm(...)]) -> Status:
    """Record a hazard inspection (隐患排查), or a re-inspection (`previous`). As a form,
    the photos of any answered item go in files named `photo_<item id>` (or
    `photos_<item id>`), checked as event attachments are; a bad file answers 422 under
    that field, naming the item. Each failed item opens a hazard event with its photos;
    on a re-inspection an item that now passes closes its event, one that still fails
    sends it back for rework, and its photos are that step's evidence."""
    previous = None
    if body.previous is not None:
        previous = Inspection.objects.select_related("kind").filter(pk=body.previous).first()
        if previous is None or not permissions.may_view_field_record(request.user, previous):
            raise ValidationError({"previous": "没有这次检查"})
    kind = PlaceKind.objects.filter(code=body.kind).first() if body.kind else None
    photos: dict[int, list] = {}
    if request.content_type == "multipart/form-data":
        for name in request.FILES:
            prefix, _, item_id = name.partition("_")
            if prefix in ("photo", "photos") and item_id.isdigit():
                photos.setdefault(int(item_id), []).extend(request.FILES.getlist(name))
    inspection, created = inspections.record(
        by=request.user, key=body.key, kind=kind, place=body.place, address=body.address, lon=body.lon,
        lat=body.lat, answers=_answers(body.results), photos=photos, previous=previous, at=body.inspected_at,
    )
    results = list(inspection.results.select_related("event").annotate(photo_count=Count("photos")))
    return Status(201 if created else 200, {
        "id": inspection.pk, "place": inspection.place, "kind": inspection.kind.name,
        "failed_count": inspection.failed_count,
        "events": [r.event.code for r in results if r.event_id],
        "photo_count": sum(r.photo_count for r in results),
    })


# --- attendance --------------------------------------------------------------------------------


class CheckInIn(Schema):
    key: Key
    lon: float
    lat: float
    accuracy_m: float = 0
    at: datetime | None = None


class CheckInOut(Schema):
    id: int
    at: datetime
    grid_code: str


@router.post("/check-ins", response={200: CheckInOut, 201: CheckInOut, **Errors})
def check_in(request: HttpRequest, body: CheckInIn) -> Status:
    """Attendance check-in (打卡) with the phone's position."""
    row, created = attendance.check_in(
        by=request.user, key=body.key, lon=body.lon, lat=body.lat, accuracy_m=body.accuracy_m, at=body.at
    )
    return Status(201 if created else 200, {"id": row.pk, "at": row.at, "grid_code": row.grid_code})
