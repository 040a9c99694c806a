"""Hazard inspections (隐患排查): a place checked item by item against its kind's list.

Each failed item is reported as a hazard event of the item's class, so it is accepted,
dispatched and handled like any other. A re-inspection of the same place after the
department has fed back (已处置待核查) closes the hazard when the item now passes, and
sends it back for rework (返工) when it still fails.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.events import workflow
from gridgov.events.attachments import Upload
from gridgov.events.models import Status
from gridgov.field.models import Inspection, InspectionResult, PlaceKind
from gridgov.field.patrols import client_moment
from gridgov.field.visits import locate_work


@dataclass
class Answer:
    item_id: int
    passed: bool
    note: str = ""


def _answers(kind: PlaceKind, answers: Sequence[Answer]) -> dict:
    items = {i.pk: i for i in kind.items.filter(is_active=True).select_related("category")}
    given = {}
    for n, answer in enumerate(answers, start=1):
        if answer.item_id not in items:
            raise ValidationError({f"results.{n}": f"检查项 {answer.item_id} 不属于「{kind.name}」"})
        if len((answer.note or "")) > 500:
            raise ValidationError({f"results.{n}": "说明不能超过 500 字"})
        given[answer.item_id] = answer
    missing = [items[i].text for i in items if i not in given]
    if missing:
        raise ValidationError({"results": f"还有 {len(missing)} 项未检查：{missing[0]}…"})
    return {item_id: (items[item_id], given[item_id]) for item_id in items}


@transaction.atomic
def record(
    *, by: User, key: str, kind: PlaceKind | None, place: str, lon: float, lat: float, answers: Sequence[Answer],
    address: str = "", photos: Mapping[int, Sequence[Upload]] | None = None, previous: Inspection | None = None,
    at: datetime | None = None, now: datetime | None = None,
) -> tuple[Inspection, bool]:
    """Record an inspection (or a re-inspection of `previous`); the same key again returns
    the one first recorded. Nothing is written unless every item is answered. `now` is the
    moment `at` is judged against (the demo builds its district at a moment of its own)."""
    if not permissions.is_grid_worker(by):
        raise PermissionDenied("只有网格员可以开展隐患排查")
    existing = Inspection.objects.filter(worker=by, key=key).first()
    if existing is not None:
        return existing, False
    if previous is not None:
        kind, place, address = previous.kind, previous.place, previous.address
    errors = {}
    if kind is None or not kind.is_active:
        errors["kind"] = "请选择场所类型"
    place = (place or "").strip()
    if not place:
        errors["place"] = "请填写场所名称"
    elif len(place) > 100:
        errors["place"] = "场所名称不能超过 100 字"
    try:
        grid = locate_work(by, lon, lat)
    except ValidationError as exc:
        errors.update({k: v[0].message for k, v in exc.error_dict.items()})
    if errors:
        raise ValidationError(errors)
    checked = _answers(kind, answers)
    at = client_moment(at, "inspected_at", now=now)
    photos = photos or {}
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                worker=by, key=key, kind=kind, place=place, address=(address or "")[:200], grid=grid,
                area_code=grid.code, lon=lon, lat=lat, inspected_at=at, previous=previous,
                failed_count=sum(1 for _, a in checked.values() if not a.passed),
            )
    except IntegrityError:
        return Inspection.objects.get(worker=by, key=key), False
    before = {}
    if previous is not None:
        before = {r.item_id: r for r in previous.results.select_related("event") if not r.passed and r.event_id}
    for item_id, (item, answer) in checked.items():
        event = None
        earlier = before.get(item_id)
        if earlier is not None and earlier.event.status not in (Status.CLOSED, Status.REJECTED, Status.MERGED):
            event = earlier.event
            if event.status == Status.HANDLED:
                if answer.passed:
                    workflow.verify(event, by=by, note=f"复查合格：{item.text}")
                else:
                    workflow.rework(event, by=by, reason=f"复查仍不合格：{answer.note or item.text}")
        elif not answer.passed:
            event, _ = workflow.report(
                by=by, title=f"{kind.name}隐患：{item.text}"[:100],
                description=f"{place}{('（' + address + '）') if address else ''}隐患排查不合格：{item.text}。{answer.note}".strip(),
                category=item.category, lon=lon, lat=lat, address=address, photos=photos.get(item_id, ()),
                idempotency_key=f"inspection-{inspection.pk}-{item_id}", at=at,
            )
        InspectionResult.objects.create(
            inspection=inspection, item=item, passed=answer.passed, note=answer.note or "", event=event
        )
    return inspection, True
