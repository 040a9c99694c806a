"""Household visits (走访), and a finding turned into an event in one tap."""

import math
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.events import workflow
from gridgov.events.models import Category, Event
from gridgov.field.models import FindingKind, Visit
from gridgov.field.patrols import client_moment
from gridgov.regions import locator
from gridgov.regions.models import Grid

# The class a finding is filed under unless the worker picks another.
FINDING_CATEGORY = {FindingKind.NEED: "0901", FindingKind.DISPUTE: "0102", FindingKind.RISK: "0201"}


def locate_work(user: User, lon: float, lat: float, field: str = "location") -> Grid:
    """The grid where a worker records field work: it must be one of their village's."""
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat)):
        raise ValidationError({field: "位置坐标无效"})
    found = locator.locate(lon, lat)
    if found is None:
        raise ValidationError({field: "该位置不在本辖区任何网格内，请核对定位"})
    grid = Grid.objects.defer("geometry").get(pk=found.id)
    if not permissions.may_work_in(user, grid):
        raise ValidationError({field: f"该位置属于{grid.name}，不在您负责的网格范围内"})
    return grid


@transaction.atomic
def record(
    *, by: User, key: str, household: str, lon: float, lat: float, address: str = "", finding: str = FindingKind.NONE,
    notes: str = "", follow_up: bool = False, at: datetime | None = None,
) -> tuple[Visit, bool]:
    """Record a visit; the same key again returns the visit first recorded."""
    if not permissions.is_grid_worker(by):
        raise PermissionDenied("只有网格员可以登记走访")
    existing = Visit.objects.filter(worker=by, key=key).first()
    if existing is not None:
        return existing, False
    errors = {}
    household = (household or "").strip()
    if not household:
        errors["household"] = "请填写走访对象"
    elif len(household) > 100:
        errors["household"] = "走访对象不能超过 100 字"
    if finding not in FindingKind.values:
        errors["finding"] = f"发现情况 {finding!r} 无效"
    elif finding != FindingKind.NONE and not (notes or "").strip():
        errors["notes"] = "有发现时请记录具体情况"
    try:
        grid = locate_work(by, lon, lat)
    except ValidationError as exc:
        errors.update({k: v[0].message for k, v in exc.error_dict.items()})
    if errors:
        raise ValidationError(errors)
    at = client_moment(at, "visited_at")
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                worker=by, key=key, grid=grid, area_code=grid.code, household=household, address=(address or "")[:200],
                lon=lon, lat=lat, visited_at=at, finding=finding, notes=(notes or "").strip(), follow_up=follow_up,
            )
    except IntegrityError:
        return Visit.objects.get(worker=by, key=key), False
    return visit, True


@transaction.atomic
def report_finding(visit: Visit, *, by: User, category: Category | None = None) -> Event:
    """File the visit's finding as an event (once: a second tap returns the same event)."""
    if visit.worker_id != by.pk:
        raise PermissionDenied("只能上报自己走访的发现")
    if visit.event_id:
        return visit.event
    if visit.finding == FindingKind.NONE:
        raise ValidationError({"finding": "这次走访没有发现需要上报的情况"})
    if category is None:
        category = Category.objects.filter(code=FINDING_CATEGORY[visit.finding], is_active=True).first()
    event, _ = workflow.report(
        by=by, title=f"走访发现：{visit.household}"[:100], description=visit.notes, category=category,
        lon=visit.lon, lat=visit.lat, address=visit.address, idempotency_key=f"visit-{visit.pk}",
    )
    Visit.objects.filter(pk=visit.pk).update(event=event)
    visit.event = event
    return event


def close_follow_up(visit: Visit, *, by: User) -> None:
    """The household has been visited again: take it off the follow-up list."""
    if not permissions.may_work_in(by, visit.grid):
        raise PermissionDenied("不在您负责的网格范围内")
    Visit.objects.filter(pk=visit.pk).update(follow_up=False)
    visit.follow_up = False
