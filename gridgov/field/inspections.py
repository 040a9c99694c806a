"""Hazard inspections (隐患排查): a place checked item by item against its kind's list.

Each failed item is reported as a hazard event of the item's class, so it is accepted,
dispatched and handled like any other. A re-inspection of the same place after the
department has fed back (已处置待核查) closes the hazard when the item now passes, and
sends it back for rework (返工) when it still fails.

Any answered item may carry photos, kept with its result. A failed item's photos are the
evidence of the event it opens; a re-inspected hazard's photos are the evidence of the
核查 or 返工 step on its event. Either way the file is stored once, as the event's
attachment, and the inspection's photo points at it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.events import attachments, workflow
from gridgov.events.attachments import Upload
from gridgov.events.models import Attachment, Event, EventLog, Status
from gridgov.field.models import Inspection, InspectionPhoto, InspectionResult, PlaceKind
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


def photo_field(item_id: int) -> str:
    """The form field of an item's photos, and the key of its errors."""
    return f"photo_{item_id}"


def _checked_photos(
    checked: dict, photos: Mapping[int, Sequence[Upload]]
) -> dict[int, list[Upload]]:
    """Every item's photos, checked as event attachments are (count, size, type by content)
    before anything is written; each error names its item."""
    numbers = {item_id: n for n, item_id in enumerate(checked, start=1)}
    errors: dict[str, list[str]] = {}
    kept = {}
    for item_id, uploads in photos.items():
        uploads = list(uploads)
        if not uploads:
            continue
        if item_id not in checked:
            errors[photo_field(item_id)] = [f"照片所属的检查项 {item_id} 不在本次检查表中"]
            continue
        try:
            attachments.check_uploads(uploads, field=photo_field(item_id))
        except ValidationError as exc:
            label = f"第 {numbers[item_id]} 项「{checked[item_id][0].text}」的照片"
            errors[photo_field(item_id)] = [f"{label}：{message}" for message in exc.messages]
            continue
        kept[item_id] = uploads
    if errors:
        raise ValidationError(errors)
    return kept


def _keep_photos(result: InspectionResult, uploads: Sequence[Upload], *, at: datetime,
                 shared: Sequence[Attachment] = ()) -> None:
    """The result's photos: the files of `shared` (the event's attachments made of these
    uploads, in their order) when there are, stored here otherwise."""
    if len(shared) != len(uploads):
        shared = ()
    types = attachments.check_uploads(uploads) if not shared else [a.content_type for a in shared]
    for n, (upload, content_type) in enumerate(zip(uploads, types, strict=True)):
        photo = InspectionPhoto(
            result=result, original_name=(upload.name or "photo")[-200:], content_type=content_type,
            size=upload.size, uploaded_at=at,
        )
        if shared:
            photo.file.name, photo.attachment = shared[n].file.name, shared[n]
        else:
            photo.file.save(PurePath(upload.name or "photo").name[-80:], upload, save=False)
        photo.save()


def _step_evidence(event: Event, uploads: Sequence[Upload], *, by: User) -> list[Attachment]:
    """The photos as evidence of the step just logged on `event` (核查 or 返工)."""
    row = EventLog.objects.get(event=event, seq=event.log_length)
    return attachments.attach(event, row, uploads, by=by, at=row.at)


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
    photos = _checked_photos(checked, photos or {})
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
        uploads = photos.get(item_id, [])
        shared: list[Attachment] = []
        earlier = before.get(item_id)
        if earlier is not None and earlier.event.status not in (Status.CLOSED, Status.REJECTED, Status.MERGED):
            event = earlier.event
            if event.status == Status.HANDLED:
                if answer.passed:
                    workflow.verify(event, by=by, note=f"复查合格：{item.text}")
                else:
                    workflow.rework(event, by=by, reason=f"复查仍不合格：{answer.note or item.text}")
                if uploads:
                    shared = _step_evidence(event, uploads, by=by)
        elif not answer.passed:
            event, _ = workflow.report(
                by=by, title=f"{kind.name}隐患：{item.text}"[:100],
                description=f"{place}{('（' + address + '）') if address else ''}隐患排查不合格：{item.text}。{answer.note}".strip(),
                category=item.category, lon=lon, lat=lat, address=address, photos=uploads,
                idempotency_key=f"inspection-{inspection.pk}-{item_id}", at=at,
            )
            shared = list(event.attachments.order_by("pk")) if uploads else []
        result = InspectionResult.objects.create(
            inspection=inspection, item=item, passed=answer.passed, note=answer.note or "", event=event
        )
        if uploads:
            _keep_photos(result, uploads, at=at, shared=shared)
    return inspection, True
