"""Attendance check-in (打卡) with the phone's position, for towns that require it."""

import math
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.field.models import CheckIn, TownAttendance
from gridgov.field.patrols import client_moment
from gridgov.lib import codes
from gridgov.regions import locator
from gridgov.regions.models import Region


def required_for(user: User) -> bool:
    """Does any town of the worker's grids require a check-in?"""
    towns = {codes.pad(scope[: codes.PREFIX_LENGTH[codes.TOWN]]) for scope in _grids(user)}
    return TownAttendance.objects.filter(town__code__in=towns, requires_check_in=True).exists()


def _grids(user: User) -> list[str]:
    return [a.scope for a in permissions.assignments(user) if a.role == permissions.Role.GRID_WORKER]


def set_required(town: Region, *, by: User, required: bool) -> None:
    if not permissions.may_set_attendance(by, town):
        raise PermissionDenied("您不能修改该乡镇街道的打卡设置")
    TownAttendance.objects.update_or_create(town=town, defaults={"requires_check_in": required})


@transaction.atomic
def check_in(
    *, by: User, key: str, lon: float, lat: float, accuracy_m: float = 0, at: datetime | None = None
) -> tuple[CheckIn, bool]:
    if not permissions.is_grid_worker(by):
        raise PermissionDenied("只有网格员需要打卡")
    existing = CheckIn.objects.filter(worker=by, key=key).first()
    if existing is not None:
        return existing, False
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat, accuracy_m)) or not (
        -180 <= lon <= 180 and -90 <= lat <= 90
    ):
        raise ValidationError({"location": "位置坐标无效"})
    at = client_moment(at, "at")
    found = locator.locate(lon, lat)
    try:
        with transaction.atomic():
            row = CheckIn.objects.create(
                worker=by, key=key, at=at, lon=lon, lat=lat, accuracy_m=max(0.0, accuracy_m),
                grid_code=found.code if found else "",
            )
    except IntegrityError:
        return CheckIn.objects.get(worker=by, key=key), False
    return row, True
