"""A patrol's life: start, track batches as they arrive (in any order, any number of
times), stop.

Everything the phone sends carries a key the phone made, so a request repeated after a
lost answer changes nothing: the patrol by (worker, key), a batch by (patrol, key).
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.field import tracks
from gridgov.field.models import Patrol, TrackBatch
from gridgov.regions import locator

# How far a phone's clock may be ahead of the server's, and how old a patrol sent late may be.
CLOCK_SKEW = timedelta(minutes=5)
OLDEST = timedelta(days=7)
MAX_POINTS = 1000


def client_moment(value: datetime | None, field: str, *, now: datetime | None = None) -> datetime:
    """A time the phone sent: recorded offline it may be old, but not in the future."""
    now = now or timezone.now()
    if value is None:
        return now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise ValidationError({field: "时间晚于当前时间，请校准手机时钟"})
    if value < now - OLDEST:
        raise ValidationError({field: "时间早于 7 天前"})
    return value


def _home_grid(user: User) -> str:
    grids = sorted(a.scope for a in permissions.assignments(user) if a.role == permissions.Role.GRID_WORKER)
    if not grids:
        raise PermissionDenied("只有网格员可以巡查")
    return grids[0]


@transaction.atomic
def start(*, by: User, key: str, at: datetime | None = None) -> tuple[Patrol, bool]:
    """Start a patrol; the same key again returns the same patrol. A patrol the worker left
    running is ended at its last fix first: one worker, one patrol at a time."""
    existing = Patrol.objects.filter(worker=by, key=key).first()
    if existing is not None:
        return existing, False
    grid_code = _home_grid(by)
    at = client_moment(at, "started_at")
    for left in Patrol.objects.filter(worker=by, ended_at__isnull=True):
        _end(left, at=max(left.last_fixed_at or left.started_at, left.started_at))
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(worker=by, key=key, grid_code=grid_code, started_at=at)
    except IntegrityError:
        return Patrol.objects.get(worker=by, key=key), False
    return patrol, True


def own_patrol(user: User, key: str) -> Patrol:
    patrol = Patrol.objects.filter(worker=user, key=key).first()
    if patrol is None:
        raise Http404("没有这个巡查")
    return patrol


@transaction.atomic
def stop(patrol: Patrol, *, by: User, at: datetime | None = None) -> Patrol:
    """End the patrol (again: nothing changes) and count its whole track once more, now
    that the batches sent out of order are all in."""
    if patrol.worker_id != by.pk:
        raise PermissionDenied("只能结束自己的巡查")
    if patrol.ended_at is None:
        at = client_moment(at, "ended_at")
        _end(patrol, at=max(at, patrol.last_fixed_at or at, patrol.started_at))
    return patrol


def _end(patrol: Patrol, *, at: datetime) -> None:
    points = [p for batch in _batches(patrol) for p in tracks.unpack(batch.points)]
    Patrol.objects.filter(pk=patrol.pk, ended_at__isnull=True).update(
        ended_at=at, distance_m=tracks.length_m(points), point_count=len(points)
    )
    patrol.refresh_from_db()


def _batches(patrol: Patrol):
    return TrackBatch.objects.filter(patrol=patrol).order_by("first_at").only("points")


# --- track batches -------------------------------------------------------------------------


@dataclass
class BatchResult:
    accepted: int
    dropped: dict[str, int]
    duplicate: bool


_bounds: dict[int, tuple[float, float, float, float]] = {}


def territory_bounds() -> tuple[float, float, float, float]:
    index = locator.current_index()
    found = _bounds.get(id(index))
    if found is None:
        if len(index.polygons):
            found = tuple(float(v) for v in shapely.total_bounds(index.polygons))
        else:
            found = (0.0, 0.0, 0.0, 0.0)
        _bounds.clear()
        _bounds[id(index)] = found
    return found


def record_batch(*, by: User, patrol_key: str, key: str, rows: object) -> BatchResult:
    """Store one batch of points of the worker's patrol.

    Wrong points are dropped and counted by reason; a batch sent again answers what the
    first one did and stores nothing; a batch that arrives after a later one is stored all
    the same (the track is read in time order). Three statements: the patrol, the batch
    (INSERT … ON CONFLICT DO NOTHING), the patrol's running totals and last fix."""
    try:
        points = tracks.parse(rows)
    except ValueError as exc:
        raise ValidationError({"points": str(exc)}) from None
    if len(points) > MAX_POINTS:
        raise ValidationError({"points": f"每批最多 {MAX_POINTS} 个点"})
    row = (
        Patrol.objects.filter(worker=by, key=patrol_key)
        .values_list("pk", "started_at", "ended_at", "last_fixed_at", "last_lon", "last_lat")
        .first()
    )
    if row is None:
        raise Http404("没有这个巡查")
    patrol_id, started_at, ended_at, last_at, last_lon, last_lat = row
    now = timezone.now()
    not_after = min(now + CLOCK_SKEW, ended_at + timedelta(minutes=1)) if ended_at else now + CLOCK_SKEW
    first_t = min((p.t for p in points), default=0)
    previous = None
    if last_at is not None and first_t > last_at.timestamp():
        previous = tracks.Point(int(last_at.timestamp()), last_lon, last_lat, 0)
    checked = tracks.check(
        points, bounds=territory_bounds(), previous=previous,
        not_before=int((started_at - timedelta(minutes=1)).timestamp()), not_after=int(not_after.timestamp()),
    )
    kept, dropped = checked.kept, dict(checked.dropped)
    distance = tracks.length_m(([previous] if previous else []) + kept)
    grids = ""
    if kept:
        found = locator.locate_many([p.lon for p in kept], [p.lat for p in kept])
        grids = ",".join(sorted({g.code for g in found if g is not None}))
    if connection.vendor == "postgresql":
        inserted = _store_postgresql(patrol_id, key, kept, distance, grids, dropped)
    else:
        with transaction.atomic():
            inserted = _insert_batch(patrol_id, key, kept, distance, grids, dropped)
            if inserted and (kept or dropped):
                _add_to_patrol(patrol_id, kept, distance, sum(dropped.values()))
    if not inserted:
        stored = TrackBatch.objects.filter(patrol_id=patrol_id, key=key).values_list("count", "dropped").get()
        return BatchResult(accepted=stored[0], dropped=stored[1], duplicate=True)
    return BatchResult(accepted=len(kept), dropped=dropped, duplicate=False)


def _batch_values(patrol_id: int, key: str, kept: list, distance: float, grids: str, dropped: dict) -> list:
    ops = connection.ops
    first = tracks.moment(kept[0].t) if kept else timezone.now()
    last = tracks.moment(kept[-1].t) if kept else first
    return [
        patrol_id, key, ops.adapt_datetimefield_value(first), ops.adapt_datetimefield_value(last),
        len(kept), tracks.pack(kept), distance, grids, json.dumps(dropped),
    ]


BATCH_COLUMNS = "(patrol_id, key, first_at, last_at, count, points, distance_m, grid_codes, dropped)"


def _store_postgresql(patrol_id: int, key: str, kept: list, distance: float, grids: str, dropped: dict) -> bool:
    """The batch and the patrol's totals in one statement, so one round trip and one
    commit: the ingest path of every phone on patrol."""
    last = kept[-1] if kept else None
    at = tracks.moment(last.t) if last else None
    newer = "%s::timestamptz IS NOT NULL AND (last_fixed_at IS NULL OR last_fixed_at < %s::timestamptz)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH batch AS (INSERT INTO field_trackbatch {BATCH_COLUMNS} "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (patrol_id, key) DO NOTHING RETURNING id) "
            "UPDATE field_patrol SET point_count = point_count + %s, dropped_count = dropped_count + %s, "
            f"distance_m = distance_m + %s, last_lon = CASE WHEN {newer} THEN %s ELSE last_lon END, "
            f"last_lat = CASE WHEN {newer} THEN %s ELSE last_lat END, "
            f"last_fixed_at = CASE WHEN {newer} THEN %s::timestamptz ELSE last_fixed_at END "
            "WHERE id = %s AND EXISTS (SELECT 1 FROM batch) RETURNING id",
            [
                *_batch_values(patrol_id, key, kept, distance, grids, dropped),
                len(kept), sum(dropped.values()), distance,
                at, at, last.lon if last else None,
                at, at, last.lat if last else None,
                at, at, at,
                patrol_id,
            ],
        )
        return cursor.fetchone() is not None


def _insert_batch(patrol_id: int, key: str, kept: list, distance: float, grids: str, dropped: dict) -> bool:
    """Insert the batch unless its key is stored already; True when inserted."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO field_trackbatch {BATCH_COLUMNS} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (patrol_id, key) DO NOTHING RETURNING id",
            _batch_values(patrol_id, key, kept, distance, grids, dropped),
        )
        return cursor.fetchone() is not None


def _add_to_patrol(patrol_id: int, kept: list, distance: float, dropped: int) -> None:
    changes = {
        "point_count": F("point_count") + len(kept),
        "dropped_count": F("dropped_count") + dropped,
        "distance_m": F("distance_m") + distance,
    }
    if kept:
        last = kept[-1]
        at = tracks.moment(last.t)
        newer = Q(last_fixed_at__isnull=True) | Q(last_fixed_at__lt=at)
        changes |= {
            "last_lon": Case(When(newer, then=Value(last.lon)), default=F("last_lon")),
            "last_lat": Case(When(newer, then=Value(last.lat)), default=F("last_lat")),
            "last_fixed_at": Case(When(newer, then=Value(at)), default=F("last_fixed_at")),
        }
    Patrol.objects.filter(pk=patrol_id).update(**changes)
