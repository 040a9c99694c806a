"""Events over HTTP: every button of the event pages is an endpoint here, calling the same
workflow function (DESIGN §3).

Each endpoint fetches the event through `_event` (404 outside the caller's scope), reads
its input through a schema, and calls one function of `gridgov.events.workflow`; that
function checks the caller's permission (403), names bad fields (422) and refuses a step
the event has already moved past (409, see `app.py`).

Photos travel with the step they are evidence of: the report, self-handled, feed-back and
assist endpoints take either a JSON body or `multipart/form-data` with the same fields as
form fields plus one or more `photos` files. There is no separate upload endpoint, so a
feedback is never recorded without its photos, nor a photo without its step. Each
attachment in a timeline carries the URL of `GET /api/events/{code}/files/{pk}`, which
serves its bytes to whoever may see the event, with the same token.
"""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.params.models import Body, BodyModel
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from gridgov.accounts import permissions
from gridgov.accounts.models import Department, DepartmentKind, User
from gridgov.api.errors import ErrorOut
from gridgov.api.fields import Limit, Offset, Text, limited
from gridgov.events import catalogue, selectors, workflow
from gridgov.events import attachments
from gridgov.events.attachments import Upload
from gridgov.events.models import (
    EVENT_CODE,
    Attachment,
    Category,
    Event,
    EventLog,
    Extension,
    ExtensionStatus,
    Level,
    LogAction,
    Source,
)
from gridgov.events.models import Status as EventStatus
from gridgov.lib import codes

router = Router(tags=["事件"])

# --- input ---------------------------------------------------------------------------------


def _idempotency_key(value: str) -> str:
    if not re.fullmatch(r"[!-~]{1,64}", value):
        raise PydanticCustomError("idempotency_key", "幂等键应为 1–64 个可见 ASCII 字符（如 UUID）")
    return value


Key = Annotated[
    str, AfterValidator(_idempotency_key), WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 64})
]
DatabaseId = Annotated[int, Field(ge=1, le=2**31 - 1)]
Code = limited(32)


class _JsonOrFormModel(BodyModel):
    """The body as JSON, or the fields of a form upload (which carries the photos)."""

    @classmethod
    def get_request_data(cls, request: HttpRequest, api: Any, path_params: dict) -> dict | None:
        if request.content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
            return super().get_request_data(request, api, path_params)
        try:
            data = request.POST.dict()
        except RequestDataTooBig:
            raise HttpError(413, "请求过大：照片总大小超出限制") from None
        except (MultiPartParserError, SuspiciousOperation):
            raise HttpError(400, "无法解析上传的表单") from None
        name = getattr(cls, "__read_from_single_attr__", None)
        return {name: data} if name else data


class JsonOrForm(Body):
    """A body parameter read by `_JsonOrFormModel`: ninja picks one content type per body
    parameter, and the phone sends a report with photos as a form, without as JSON."""

    _model = _JsonOrFormModel

    @classmethod
    def _param_source(cls) -> str:
        return "body"


def _with_photos(schema: type[Schema]) -> dict:
    """OpenAPI for the form alternative of a JSON body: the same fields plus `photos`."""
    return {
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "allOf": [{"$ref": f"#/components/schemas/{schema.__name__}"}],
                        "type": "object",
                        "properties": {
                            "photos": {"type": "array", "items": {"type": "string", "format": "binary"}}
                        },
                    }
                }
            }
        }
    }


def _photos(request: HttpRequest) -> list[Upload]:
    return request.FILES.getlist("photos") if request.content_type == "multipart/form-data" else []


class ReportIn(Schema):
    title: Text
    description: Text
    category: Code = Field(description="事件分类编码（小类，如 0503），见 GET /api/categories")
    level: int = Field(Level.ORDINARY, description="1 一般 / 2 较大 / 3 重大 / 4 特别重大")
    source: Text = Source.GRID_PATROL
    lon: float
    lat: float
    address: limited(200) = ""
    contact_name: limited(50) = ""
    contact_phone: limited(20) = ""
    idempotency_key: Key | None = Field(None, description="客户端生成的唯一键（如 UUID）；重试时原样重发")


class SelfHandleIn(Schema):
    title: Text
    description: Text
    category: Code
    level: int = Level.ORDINARY
    lon: float
    lat: float
    address: limited(200) = ""
    note: Text = Field(description="现场处置情况")
    idempotency_key: Key | None = None


class NoteIn(Schema):
    note: Text = ""


# The body of a step whose note is optional may be left out altogether.
NO_NOTE = NoteIn()


class ReasonIn(Schema):
    reason: Text


class MergeIn(Schema):
    into: Code = Field(description="保留的事件编号")
    note: Text = ""


class DispatchIn(Schema):
    lead: DatabaseId = Field(description="主办部门 id，见事件详情的 dispatch_options")
    assisting: list[DatabaseId] = Field(default_factory=list, max_length=20)
    note: Text = ""


class ExtensionIn(Schema):
    days: int = Field(description="延长的工作日数，1–30")
    reason: Text


class VerifyIn(Schema):
    note: Text = ""
    satisfaction: Literal["", "satisfied", "basically", "unsatisfied"] = ""


NO_VERIFY = VerifyIn()


# --- output --------------------------------------------------------------------------------


class CategoryOut(Schema):
    code: str
    name: str
    major: str | None = Field(description="所属大类名称；大类本身为空")
    major_code: str | None
    keywords: str


class EventOut(Schema):
    code: str
    title: str
    category: str
    category_name: str
    major_name: str | None
    level: int
    level_label: str
    source: str
    source_label: str
    status: str
    status_label: str
    coordination: str
    closure: str
    grid_code: str
    grid_name: str
    lon: float
    lat: float
    address: str
    lead: str | None
    reported_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    light: str = Field(description="green / yellow / red；已办结为空")


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int
    url: str = Field(description="GET 此地址（带同一令牌）下载文件")


class LogOut(Schema):
    seq: int
    action: str
    action_label: str
    old_status: str
    new_status: str
    actor: str | None
    department: str | None
    note: str
    data: dict
    at: datetime
    attachments: list[AttachmentOut]


class ExtensionOut(Schema):
    id: int
    days: int
    reason: str
    status: str
    status_label: str
    requested_by: str
    requested_at: datetime
    decision_note: str


class DepartmentOut(Schema):
    id: int
    name: str


class EventDetailOut(EventOut):
    description: str
    reporter: str
    contact_name: str
    contact_phone: str
    assisting: list[str]
    merged_into: str | None
    rework_count: int
    extension_count: int
    accepted_at: datetime | None
    dispatched_at: datetime | None
    signed_at: datetime | None
    handled_at: datetime | None
    closed_at: datetime | None
    handle_due_at: datetime | None
    timeline: list[LogOut]
    extensions: list[ExtensionOut]
    actions: list[str] = Field(description="当前用户此刻可执行的操作，即 POST /api/events/{code}/<操作>")
    dispatch_options: list[DepartmentOut] = Field(description="可交办的部门（仅在可交办时列出）")


class ReportedOut(Schema):
    """The answer to a new report: what the phone keeps of it. The whole event, with the
    actions the caller may take, is GET /api/events/{code}."""

    code: str
    status: str
    status_label: str
    level: int
    grid_code: str
    grid_name: str
    reported_at: datetime
    due_at: datetime | None
    warn_at: datetime | None
    light: str = Field(description="green / yellow / red")
    timeline: list[LogOut] = Field(description="上报这一条记录，含随报上传的照片")


class EventPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[EventOut]


class QueueOut(Schema):
    key: str
    label: str
    count: int


class DuplicateOut(Schema):
    event: EventOut
    distance_m: float
    similarity: float


def _event_out(event: Event, now: datetime) -> dict:
    category = event.category
    return {
        "code": event.code,
        "title": event.title,
        "category": category.code,
        "category_name": category.name,
        "major_name": category.parent.name if category.parent_id else None,
        "level": event.level,
        "level_label": event.get_level_display(),
        "source": event.source,
        "source_label": event.get_source_display(),
        "status": event.status,
        "status_label": event.get_status_display(),
        "coordination": event.coordination,
        "closure": event.closure,
        "grid_code": event.grid.code,
        "grid_name": event.grid.name,
        "lon": event.lon,
        "lat": event.lat,
        "address": event.address,
        "lead": event.lead.name if event.lead_id else None,
        "reported_at": event.reported_at,
        "due_at": event.due_at,
        "warn_at": event.warn_at,
        "light": event.light_at(now),
    }


def _log_out(row: EventLog, *, code: str) -> dict:
    return {
        "seq": row.seq,
        "action": row.action,
        "action_label": row.get_action_display(),
        "old_status": row.old_status,
        "new_status": row.new_status,
        "actor": row.actor.display_name if row.actor_id else None,
        "department": row.department.name if row.department_id else None,
        "note": row.note,
        "data": row.data,
        "at": row.at,
        "attachments": [_attachment_out(a, code=code) for a in row.attachments.all()],
    }


def _attachment_out(attachment: Attachment, *, code: str) -> dict:
    return {
        "name": attachment.original_name, "content_type": attachment.content_type, "size": attachment.size,
        "url": reverse("api:event_file", kwargs={"code": code, "pk": attachment.pk}),
    }


def _extension_out(extension: Extension) -> dict:
    return {
        "id": extension.pk,
        "days": extension.days,
        "reason": extension.reason,
        "status": extension.status,
        "status_label": extension.get_status_display(),
        "requested_by": extension.requested_by.display_name,
        "requested_at": extension.requested_at,
        "decision_note": extension.decision_note,
    }


# Endpoint paths of the shared action names (selectors.ACTION_RULES).
_ENDPOINT = {"send_back": "send-back", "feed_back": "feed-back", "request_extension": "extensions"}


def _actions(user: User, event: Event, pending: Extension | None) -> list[str]:
    found = []
    for name in selectors.allowed_actions(user, event):
        if name in ("approve_extension", "deny_extension"):
            if pending is not None and name == "approve_extension":
                found += [f"extensions/{pending.pk}/approve", f"extensions/{pending.pk}/deny"]
            continue
        found.append(_ENDPOINT.get(name, name))
    return found


def _dispatch_options(event: Event) -> list[dict]:
    """Active departments serving a region the event lies in (what `workflow.dispatch` accepts)."""
    above = codes.ancestors(event.area_code)
    rows = Department.objects.filter(is_active=True, region__code__in=above).order_by("region__code", "name")
    return [{"id": d.pk, "name": d.name} for d in rows.exclude(kind=DepartmentKind.COMMAND_ROOM)]


def _reported_out(event: Event, *, with_photos: bool) -> dict:
    """A report this request has just stored, as it stands in memory: intake is the busiest
    endpoint, and a new event has only its report in its timeline. The photos, if any were
    sent, are read back for their URLs."""
    files = list(event.attachments.order_by("pk")) if with_photos else []
    report = {
        "seq": event.log_length,
        "action": LogAction.REPORT,
        "action_label": LogAction.REPORT.label,
        "old_status": "",
        "new_status": event.status,
        "actor": event.reporter.display_name,
        "department": None,
        "note": "",
        "data": {},
        "at": event.reported_at,
        "attachments": [_attachment_out(a, code=event.code) for a in files],
    }
    return {
        "code": event.code,
        "status": event.status,
        "status_label": event.get_status_display(),
        "level": event.level,
        "grid_code": event.grid.code,
        "grid_name": event.grid.name,
        "reported_at": event.reported_at,
        "due_at": event.due_at,
        "warn_at": event.warn_at,
        "light": event.light_at(timezone.now()),
        "timeline": [report],
    }


def _detail_out(user: User, code: str) -> dict:
    """Read the event afresh, so the answer shows what the workflow just stored."""
    event = Event.objects.select_related(
        "category__parent", "grid", "lead", "reporter", "merged_into"
    ).get(code=code)
    extensions = list(event.extensions.select_related("requested_by").order_by("requested_at", "pk"))
    assisting = [d.name for d in event.assisting.all()]
    pending = next((x for x in extensions if x.status == ExtensionStatus.PENDING), None)
    actions = _actions(user, event, pending)
    return {
        **_event_out(event, timezone.now()),
        "description": event.description,
        "reporter": event.reporter.display_name,
        "contact_name": event.contact_name,
        "contact_phone": selectors.contact_phone_for(user, event),
        "assisting": assisting,
        "merged_into": event.merged_into.code if event.merged_into_id else None,
        "rework_count": event.rework_count,
        "extension_count": event.extension_count,
        "accepted_at": event.accepted_at,
        "dispatched_at": event.dispatched_at,
        "signed_at": event.signed_at,
        "handled_at": event.handled_at,
        "closed_at": event.closed_at,
        "handle_due_at": event.handle_due_at,
        "timeline": [_log_out(row, code=event.code) for row in selectors.timeline(event)],
        "extensions": [_extension_out(x) for x in extensions],
        "actions": actions,
        "dispatch_options": _dispatch_options(event) if "dispatch" in actions else [],
    }


# --- access --------------------------------------------------------------------------------

def _event(user: User, code: str) -> Event:
    """The event, if the user may see it; 404 otherwise, so its existence is not revealed."""
    if not EVENT_CODE.fullmatch(code):
        raise Http404("事件不存在")
    event = get_object_or_404(Event.objects.select_related("category__parent", "lead", "reporter"), code=code)
    permissions.require(user, permissions.VIEW, event)
    return event


def _extension(user: User, extension_id: int) -> Extension:
    extension = get_object_or_404(Extension.objects.select_related("event", "requested_by"), pk=extension_id)
    permissions.require(user, permissions.VIEW, extension.event)
    return extension


def _category(code: str) -> Category | None:
    return catalogue.active_category(code)


def _report_key(body_key: str | None, header_key: str | None) -> str:
    if body_key and header_key and body_key != header_key:
        raise ValidationError({"idempotency_key": "请求体与 Idempotency-Key 请求头中的幂等键不一致"})
    key = body_key or header_key
    if not key:
        raise ValidationError(
            {"idempotency_key": "请提供幂等键（idempotency_key 字段或 Idempotency-Key 请求头），以免重试时重复上报"}
        )
    return key


IdempotencyHeader = Annotated[Key | None, Header(None, alias="Idempotency-Key")]
Responses = {200: EventDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

# --- categories ----------------------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut], tags=["事件分类"])
def list_categories(request: HttpRequest) -> list[dict]:
    """Every active class, majors first in their order, for the phone's searchable picker."""
    rows = Category.objects.filter(is_active=True).select_related("parent")
    return [
        {
            "code": c.code,
            "name": c.name,
            "major": c.parent.name if c.parent_id else None,
            "major_code": c.parent.code if c.parent_id else None,
            "keywords": c.keywords,
        }
        for c in rows
        if c.parent is None or c.parent.is_active
    ]


# --- report --------------------------------------------------------------------------------


@router.post(
    "/events",
    response={200: EventDetailOut, 201: ReportedOut, 413: ErrorOut, 422: ErrorOut},
    openapi_extra=_with_photos(ReportIn),
)
def report(
    request: HttpRequest,
    body: Annotated[ReportIn, JsonOrForm(...)],
    idempotency_key: IdempotencyHeader = None,
) -> Status:
    """上报. JSON, or multipart/form-data with the same fields and `photos` files.

    An idempotency key is required (field `idempotency_key` or header `Idempotency-Key`):
    a retry with the same key answers 200 with the event the first request created, never
    a second event. 201 means the event is committed, and answers its number, status,
    grid and deadline; the whole event is GET /api/events/{code}.
    """
    photos = _photos(request)
    event, created = workflow.report(
        by=request.user, title=body.title, description=body.description, category=_category(body.category),
        level=body.level, source=body.source, lon=body.lon, lat=body.lat, address=body.address,
        contact_name=body.contact_name, contact_phone=body.contact_phone, photos=photos,
        idempotency_key=_report_key(body.idempotency_key, idempotency_key),
    )
    if created:
        return Status(201, _reported_out(event, with_photos=bool(photos)))
    return Status(200, _detail_out(request.user, event.code))  # a retry: the event as it is now


@router.post(
    "/events/self-handled",
    response={200: EventDetailOut, 201: EventDetailOut, 413: ErrorOut, 422: ErrorOut},
    openapi_extra=_with_photos(SelfHandleIn),
)
def self_handle(
    request: HttpRequest,
    body: Annotated[SelfHandleIn, JsonOrForm(...)],
    idempotency_key: IdempotencyHeader = None,
) -> Status:
    """自行处置: a problem solved on the spot, closed at once. multipart/form-data with at
    least one `photos` file of the result; the idempotency key works as for a report."""
    event, created = workflow.self_handle(
        by=request.user, title=body.title, description=body.description, category=_category(body.category),
        level=body.level, lon=body.lon, lat=body.lat, address=body.address, note=body.note,
        photos=_photos(request), idempotency_key=_report_key(body.idempotency_key, idempotency_key),
    )
    return Status(201 if created else 200, _detail_out(request.user, event.code))


# --- reading -------------------------------------------------------------------------------

def _page(rows, limit: int, offset: int) -> dict:
    now = timezone.now()
    return {
        "total": rows.count(),
        "limit": limit,
        "offset": offset,
        "items": [_event_out(e, now) for e in rows[offset : offset + limit]],
    }


def _moment(value: datetime | None, field: str) -> datetime | None:
    if value is None:
        return None
    if not 2000 <= value.year <= 2100:
        raise ValidationError({field: "日期应在 2000—2100 年之间"})
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class SearchQuery(Schema):
    text: limited(100) = ""
    status: EventStatus | None = None
    category: Code | None = Field(None, description="分类编码；大类包含其下小类")
    level: int | None = Field(None, ge=1, le=4)
    source: Source | None = None
    area: Annotated[str, Field(pattern=r"^\d{1,15}$")] | None = Field(None, description="区划或网格编码前缀")
    lead: DatabaseId | None = None
    light: Literal["green", "yellow", "red"] | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None


@router.get("/events", response={200: EventPage, 422: ErrorOut})
def search(request: HttpRequest, filters: Query[SearchQuery], limit: Limit = 20, offset: Offset = 0) -> dict:
    """Events the caller may see that match every filter given, newest first."""
    category_id = None
    if filters.category:
        category = Category.objects.filter(code=filters.category).first()
        if category is None:
            raise ValidationError({"category": f"没有编码为 {filters.category} 的事件分类"})
        category_id = category.pk
    criteria = selectors.Search(
        text=filters.text, status=filters.status or "", category=category_id, level=filters.level,
        source=filters.source or "", area=filters.area or "", lead=filters.lead, light=filters.light or "",
        reported_from=_moment(filters.reported_from, "reported_from"),
        reported_to=_moment(filters.reported_to, "reported_to"),
    )
    return _page(selectors.search(request.user, criteria), limit, offset)


@router.get("/events/queues", response=list[QueueOut])
def queue_counts(request: HttpRequest) -> list[dict]:
    """How many events wait in each of the caller's queues (待受理, 待签收…)."""
    counts = selectors.queue_counts(request.user)
    return [{"key": q.key, "label": str(q.label), "count": counts[q.key]} for q in selectors.QUEUES]


@router.get("/events/queues/{key}", response={200: EventPage, 404: ErrorOut, 422: ErrorOut})
def queue(request: HttpRequest, key: str, limit: Limit = 20, offset: Offset = 0) -> dict:
    """One queue, most urgent first."""
    if key not in selectors.QUEUE_LABELS:
        raise Http404("没有这个待办队列")
    return _page(selectors.queue(request.user, key), limit, offset)


@router.get("/events/duplicates", response={200: list[DuplicateOut], 422: ErrorOut})
def duplicates(
    request: HttpRequest,
    category: Code,
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    text: limited(4000) = "",
) -> list[dict]:
    """Open events of the same class nearby that may be the same problem, asked before a
    report is sent (only events the caller may see)."""
    found = _category(category)
    if found is None:
        raise ValidationError({"category": "请选择有效的事件分类"})
    now = timezone.now()
    return [
        {"event": _event_out(event, now), "distance_m": distance, "similarity": similarity}
        for event, distance, similarity in selectors.possible_duplicates(
            user=request.user, category_id=found.pk, lon=lon, lat=lat, text=text, now=now
        )
    ]


@router.get("/events/{code}", response={200: EventDetailOut, 404: ErrorOut})
def detail(request: HttpRequest, code: str) -> dict:
    """The event, its timeline with photos, and the actions the caller may take now."""
    event = _event(request.user, code)
    return _detail_out(request.user, event.code)


@router.get(
    "/events/{code}/files/{pk}",
    response={200: None, 404: ErrorOut},
    url_name="event_file",
    openapi_extra={
        "responses": {
            200: {
                "description": "文件内容（图片、PDF、DOCX 或 MP4）",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def event_file(request: HttpRequest, code: str, pk: DatabaseId) -> FileResponse:
    """A photo or file of the event's timeline (the `url` of each attachment)."""
    return attachments.file_response(attachments.attachment_for(request.user, code=code, pk=pk))


# --- the command room ----------------------------------------------------------------------


@router.post("/events/{code}/accept", response=Responses)
def accept(request: HttpRequest, code: str, body: NoteIn = NO_NOTE) -> dict:
    """受理 (and dispatch at once where a routing rule matches)."""
    event = workflow.accept(_event(request.user, code), by=request.user, note=body.note)
    return _detail_out(request.user, event.code)


@router.post("/events/{code}/reject", response=Responses)
def reject(request: HttpRequest, code: str, body: ReasonIn) -> dict:
    """不予受理, with the reason the reporter reads."""
    event = workflow.reject(_event(request.user, code), by=request.user, reason=body.reason)
    return _detail_out(request.user, event.code)


@router.post("/events/{code}/merge", response=Responses)
def merge(request: HttpRequest, code: str, body: MergeIn) -> dict:
    """Close a duplicate into the event `into` that tracks the same problem."""
    event = _event(request.user, code)
    into = (
        permissions.visible_events(request.user, Event.objects.filter(code=body.into)).first()
        if EVENT_CODE.fullmatch(body.into)
        else None
    )
    if into is None:
        raise ValidationError({"into": f"事件 {body.into} 不存在或不在您的管辖范围内"})
    workflow.merge(event, into=into, by=request.user, note=body.note)
    return _detail_out(request.user, event.code)


@router.post("/events/{code}/dispatch", response=Responses)
def dispatch(request: HttpRequest, code: str, body: DispatchIn) -> dict:
    """交办 to a lead department, with assisting ones (联办)."""
    event = _event(request.user, code)
    departments = Department.objects.select_related("region").in_bulk([body.lead, *body.assisting])
    if any(pk not in departments for pk in body.assisting):
        raise ValidationError({"assisting": "协办部门不存在"})
    workflow.dispatch(
        event, lead=departments.get(body.lead), assisting=[departments[pk] for pk in body.assisting],
        by=request.user, note=body.note,
    )
    return _detail_out(request.user, event.code)


@router.post("/events/{code}/escalate", response=Responses)
def escalate(request: HttpRequest, code: str, body: ReasonIn) -> dict:
    """提级 to the district centre's coordination."""
    event = workflow.escalate(_event(request.user, code), by=request.user, reason=body.reason)
    return _detail_out(request.user, event.code)


@router.post("/events/{code}/instruct", response=Responses)
def instruct(request: HttpRequest, code: str, body: NoteIn = NO_NOTE) -> dict:
    """领导批示."""
    event = workflow.instruct(_event(request.user, code), by=request.user, note=body.note)
    return _detail_out(request.user, event.code)


# --- the department ------------------------------------------------------------------------


@router.post("/events/{code}/send-back", response=Responses)
def send_back(request: HttpRequest, code: str, body: ReasonIn) -> dict:
    """退回 to the command room, which dispatches again."""
    event = workflow.send_back(_event(request.user, code), by=request.user, reason=body.reason)
    return _detail_out(request.user, event.code)


@router.post("/events/{code}/sign", response=Responses)
def sign(request: HttpRequest, code: str) -> dict:
    """签收: the handling deadline starts."""
    event = workflow.sign(_event(request.user, code), by=request.user)
    return _detail_out(request.user, event.code)


@router.post(
    "/events/{code}/feed-back",
    response={**Responses, 413: ErrorOut},
    openapi_extra=_with_photos(NoteIn),
)
def feed_back(request: HttpRequest, code: str, body: Annotated[NoteIn, JsonOrForm(NO_NOTE)]) -> dict:
    """反馈: multipart/form-data with `note` and at least one `photos` file of the result."""
    event = workflow.feed_back(_event(request.user, code), by=request.user, note=body.note, photos=_photos(request))
    return _detail_out(request.user, event.code)


@router.post(
    "/events/{code}/assist",
    response={**Responses, 413: ErrorOut},
    openapi_extra=_with_photos(NoteIn),
)
def assist(request: HttpRequest, code: str, body: Annotated[NoteIn, JsonOrForm(NO_NOTE)]) -> dict:
    """协办反馈 of an assisting department; JSON, or multipart/form-data with `photos`."""
    event = workflow.assist(_event(request.user, code), by=request.user, note=body.note, photos=_photos(request))
    return _detail_out(request.user, event.code)


@router.post(
    "/events/{code}/extensions",
    response={201: ExtensionOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def request_extension(request: HttpRequest, code: str, body: ExtensionIn) -> Status:
    """延期申请 while handling, in working days; the command room decides."""
    extension = workflow.request_extension(
        _event(request.user, code), by=request.user, days=body.days, reason=body.reason
    )
    return Status(201, _extension_out(extension))


@router.post("/extensions/{extension_id}/approve", response=Responses)
def approve_extension(request: HttpRequest, extension_id: DatabaseId, body: NoteIn = NO_NOTE) -> dict:
    """批准延期: the handling deadline moves on by the requested working days."""
    extension = workflow.approve_extension(_extension(request.user, extension_id), by=request.user, note=body.note)
    return _detail_out(request.user, extension.event.code)


@router.post("/extensions/{extension_id}/deny", response=Responses)
def deny_extension(request: HttpRequest, extension_id: DatabaseId, body: NoteIn = NO_NOTE) -> dict:
    """驳回延期, with a reason (`note`)."""
    extension = workflow.deny_extension(_extension(request.user, extension_id), by=request.user, note=body.note)
    return _detail_out(request.user, extension.event.code)


# --- verification --------------------------------------------------------------------------


@router.post("/events/{code}/verify", response=Responses)
def verify(request: HttpRequest, code: str, body: VerifyIn = NO_VERIFY) -> dict:
    """核查结案 by the reporting grid worker (or the command room for others' events)."""
    event = workflow.verify(
        _event(request.user, code), by=request.user, note=body.note, satisfaction=body.satisfaction
    )
    return _detail_out(request.user, event.code)


@router.post("/events/{code}/rework", response=Responses)
def rework(request: HttpRequest, code: str, body: ReasonIn) -> dict:
    """返工: back to the department with a new handling deadline."""
    event = workflow.rework(_event(request.user, code), by=request.user, reason=body.reason)
    return _detail_out(request.user, event.code)
