"""Dispute cases over HTTP: register, list, read, and each step of the case page, calling
the same functions of `gridgov.mediation.workflow` (403 / 404 / 409 / 422 as for events).

ID numbers come back masked; no endpoint returns them in clear (the page does, logged).
"""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Header, Router, Schema, Status
from pydantic import AfterValidator

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.api.errors import ErrorOut
from gridgov.api.fields import Limit, Offset, Text, limited
from gridgov.events.views.event import get_event_for
from gridgov.mediation import selectors, workflow
from gridgov.mediation.models import Case, DisputeType, Mediator, Organisation
from gridgov.regions.models import Region

router = Router(tags=["矛盾纠纷调解"])


def _key(value: str) -> str:
    if not re.fullmatch(r"[!-~]{1,64}", value):
        raise ValueError("幂等键应为 1–64 个可见 ASCII 字符（如 UUID）")
    return value


class PartyIn(Schema):
    role: Annotated[str, limited(20)]
    name: Annotated[str, limited(100)]
    kind: Annotated[str, limited(20)] = "person"
    id_number: Annotated[str, limited(18)] = ""
    phone: Annotated[str, limited(20)] = ""
    address: Annotated[str, limited(200)] = ""


class RegisterIn(Schema):
    organisation: int
    title: Annotated[str, limited(100)]
    dispute_type: int
    source: Annotated[str, limited(20)]
    facts: Annotated[str, limited(4000)]
    region: Annotated[str, limited(12)] = Field(description="纠纷发生地的 12 位区划代码")
    parties: list[PartyIn]
    claims: Annotated[str, limited(2000)] = ""
    amount: Decimal | None = None
    people_involved: int = 2
    risk: int = 1
    is_major: bool = False
    address: Annotated[str, limited(200)] = ""
    idempotency_key: Annotated[str, AfterValidator(_key)] | None = None


class ReasonIn(Schema):
    reason: Text


class AcceptIn(Schema):
    mediators: list[int] = []


class TransferIn(Schema):
    to: int
    reason: Text


class SessionIn(Schema):
    held_at: datetime
    place: Text
    participants: Text
    said: Text
    agreed: Text = ""


class SucceedIn(Schema):
    terms: Text
    performance_manner: Text
    performance_place: Text
    performance_deadline: date
    responsibility: Text = ""
    is_oral: bool = False


class FailIn(Schema):
    referral: Annotated[str, limited(20)]
    reason: Text


class FollowUpIn(Schema):
    performance: Annotated[str, limited(20)]
    satisfaction: Annotated[str, limited(20)] = ""
    note: Text = ""


class PartyOut(Schema):
    role: str
    kind: str
    name: str
    id_number: str = Field(description="掩码")
    phone: str = Field(description="掩码")


class CaseOut(Schema):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    dispute_type: str
    source: str
    organisation: str
    area_code: str
    is_major: bool
    registered_at: datetime
    due_at: datetime | None
    concluded_at: datetime | None
    event: str | None
    url: str


class CaseDetailOut(CaseOut):
    facts: str
    claims: str
    referral: str
    parties: list[PartyOut]
    log: list[dict]


class CasePage(Schema):
    count: int
    results: list[CaseOut]


Responses = {200: CaseDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _out(case: Case) -> dict:
    return {
        "id": case.pk, "number": case.number, "title": case.title, "status": case.status,
        "status_label": case.get_status_display(), "dispute_type": case.dispute_type.name, "source": case.source,
        "organisation": case.organisation.name, "area_code": case.area_code, "is_major": case.is_major,
        "registered_at": case.registered_at, "due_at": case.due_at, "concluded_at": case.concluded_at,
        "event": case.event.code if case.event_id else None, "url": case.get_absolute_url(),
    }


def _detail(user: User, pk: int) -> dict:
    case = _case(user, pk)
    return {
        **_out(case), "facts": case.facts, "claims": case.claims, "referral": case.referral,
        "parties": [
            {"role": v.party.role, "kind": v.party.kind, "name": v.party.name, "id_number": v.id_number,
             "phone": v.phone}
            for v in selectors.parties_for(user, case)
        ],
        "log": [
            {"seq": r.seq, "action": r.action, "old": r.old_status, "new": r.new_status, "note": r.note,
             "at": r.at.isoformat(), "actor": r.actor.display_name if r.actor else None}
            for r in case.log.select_related("actor")
        ],
    }


def _case(user: User, pk: int) -> Case:
    case = get_object_or_404(Case.objects.select_related("organisation", "dispute_type", "event"), pk=pk)
    permissions.require_case(user, permissions.VIEW, case)
    return case


def _one(model, pk: int | None):
    """The row, or None for the workflow to name the field with its other checks."""
    return model.objects.filter(pk=pk).first() if pk is not None else None


def _mediators(ids: list[int]) -> list[Mediator]:
    found = list(Mediator.objects.filter(pk__in=ids).select_related("organisation"))
    if len(found) != len(set(ids)):
        raise ValidationError({"mediators": "调解员不存在"})
    return found


@router.get("/mediation/cases", response={200: CasePage, 422: ErrorOut})
def case_list(request: HttpRequest, status: Text = "", q: Text = "", limit: Limit = 20, offset: Offset = 0) -> dict:
    rows = selectors.cases_for(request.user, selectors.CaseFilter(status=status, q=q[:100]))
    return {"count": rows.count(), "results": [_out(c) for c in rows.select_related("event")[offset:offset + limit]]}


@router.post("/mediation/cases", response={201: CaseDetailOut, 200: CaseDetailOut, 403: ErrorOut, 422: ErrorOut})
def register(request: HttpRequest, body: RegisterIn,
             idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None):
    """登记 a case; a repeated idempotency key (body or Idempotency-Key header) returns the
    case the first request made, with 200 instead of 201."""
    region = Region.objects.filter(code=body.region).first()
    case, created = workflow.register(
        by=request.user, organisation=_one(Organisation, body.organisation), title=body.title,
        dispute_type=_one(DisputeType, body.dispute_type), source=body.source, facts=body.facts,
        region=region, parties=[workflow.PartyInput(**p.dict()) for p in body.parties], claims=body.claims,
        amount=body.amount, people_involved=body.people_involved, risk=body.risk, is_major=body.is_major,
        address=body.address, idempotency_key=body.idempotency_key or idempotency_key,
    )
    return Status(201 if created else 200, _detail(request.user, case.pk))


@router.get("/mediation/cases/{pk}", response={200: CaseDetailOut, 404: ErrorOut})
def detail(request: HttpRequest, pk: int) -> dict:
    return _detail(request.user, pk)


@router.post("/mediation/cases/{pk}/accept", response=Responses)
def accept(request: HttpRequest, pk: int, body: AcceptIn) -> dict:
    workflow.accept(_case(request.user, pk), by=request.user, mediators=_mediators(body.mediators))
    return _detail(request.user, pk)


@router.post("/mediation/cases/{pk}/refuse", response=Responses)
def refuse(request: HttpRequest, pk: int, body: ReasonIn) -> dict:
    workflow.refuse(_case(request.user, pk), by=request.user, reason=body.reason)
    return _detail(request.user, pk)


@router.post("/mediation/cases/{pk}/transfer", response=Responses)
def transfer(request: HttpRequest, pk: int, body: TransferIn) -> dict:
    workflow.transfer(_case(request.user, pk), to=_one(Organisation, body.to), by=request.user,
                      reason=body.reason)
    return _detail(request.user, pk)


@router.post("/mediation/cases/{pk}/sessions", response=Responses)
def session(request: HttpRequest, pk: int, body: SessionIn) -> dict:
    held_at = body.held_at if timezone.is_aware(body.held_at) else timezone.make_aware(body.held_at)
    workflow.record_session(_case(request.user, pk), by=request.user, held_at=held_at, place=body.place,
                            participants=body.participants, said=body.said, agreed=body.agreed)
    return _detail(request.user, pk)


@router.post("/mediation/cases/{pk}/succeed", response=Responses)
def succeed(request: HttpRequest, pk: int, body: SucceedIn) -> dict:
    workflow.succeed(_case(request.user, pk), by=request.user, **body.dict())
    return _detail(request.user, pk)


@router.post("/mediation/cases/{pk}/fail", response=Responses)
def fail(request: HttpRequest, pk: int, body: FailIn) -> dict:
    workflow.fail(_case(request.user, pk), by=request.user, referral=body.referral, reason=body.reason)
    return _detail(request.user, pk)


@router.post("/mediation/cases/{pk}/follow-up", response=Responses)
def follow_up(request: HttpRequest, pk: int, body: FollowUpIn) -> dict:
    workflow.follow_up(_case(request.user, pk), by=request.user, **body.dict())
    return _detail(request.user, pk)


@router.post("/mediation/cases/{pk}/archive", response=Responses)
def archive(request: HttpRequest, pk: int) -> dict:
    workflow.archive(_case(request.user, pk), by=request.user)
    return _detail(request.user, pk)


@router.post("/events/{code}/mediation", response={201: CaseDetailOut, 403: ErrorOut, 404: ErrorOut,
                                                   409: ErrorOut, 422: ErrorOut})
def from_event(request: HttpRequest, code: str):
    """An event of the 矛盾纠纷 class becomes a case; the event follows the case."""
    case = workflow.from_event(get_event_for(request.user, code), by=request.user)
    return Status(201, _detail(request.user, case.pk))

