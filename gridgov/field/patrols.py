"""A patrol's life: start, track batches as they arrive (in any order, any number of
times), stop.

Everything the phone sends carries a key the phone made, so a request repeated after a
lost answer changes nothing: the patrol by (worker, key), a batch by (patrol, key).
"""

import functools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import EllipsisType

import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Case, F, Q, Value, When
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import permissions, signin
from gridgov.accounts.models import ApiToken, User
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


@dataclass(frozen=True)
class Tracked:
    """What checking a batch needs of its patrol."""

    id: int
    started_at: datetime
    ended_at: datetime | None
    last_fixed_at: datetime | None
    last_lon: float | None
    last_lat: float | None


def tracked(user: User, key: str) -> Tracked | None:
    """The worker's own patrol by its key; None for anyone else's."""
    row = (
        Patrol.objects.filter(worker=user, key=key)
        .values_list("pk", "started_at", "ended_at", "last_fixed_at", "last_lon", "last_lat")
        .first()
    )
    return Tracked(*row) if row else None


def caller_and_patrol(token_key: str, patrol_key: str) -> tuple[User, Tracked | None] | None:
    """The active user of an API token and their patrol by key, read in one statement
    (PostgreSQL): a phone on patrol sends a batch every few seconds, and a second round
    trip and two ORM queries to build were half the cost of one. None for an unknown
    token or an inactive user, as `signin.user_for_token`."""
    row = _fetch_one_prepared(_caller_sql(), [patrol_key, ApiToken.digest_of(token_key)])
    if row is None:
        return None
    token_id, last_used_at, patrol = row[0], row[1], row[2:8]
    user = User.from_db(connection.alias, _USER_FIELDS, row[8:])
    if not user.is_active:
        return None
    signin.note_use(token_id, last_used_at)
    return user, (Tracked(*patrol) if patrol[0] is not None else None)


_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]


@functools.cache
def _caller_sql() -> str:
    user_columns = ", ".join(f'u."{f.column}"' for f in User._meta.concrete_fields)
    return (
        "SELECT t.id, t.last_used_at, p.id, p.started_at, p.ended_at, p.last_fixed_at, p.last_lon, p.last_lat, "
        f"{user_columns} FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
        f"LEFT JOIN {Patrol._meta.db_table} p ON p.worker_id = t.user_id AND p.key = %s WHERE t.digest = %s"
    )


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


def record_batch(
    *, by: User, patrol_key: str, key: str, rows: object, patrol: Tracked | None | EllipsisType = ...
) -> BatchResult:
    """Store one batch of points of the worker's patrol. `patrol` is that patrol when the
    caller has read it already (None: the worker has no patrol by that key).

    Wrong points are dropped and counted by reason; a batch sent again answers what the
    first one did and stores nothing; a batch that arrives after a later one is stored all
    the same (the track is read in time order). On PostgreSQL the batch, the patrol's
    running totals and its last fix are written by one statement."""
    try:
        points = tracks.parse(rows)
    except ValueError as exc:
        raise ValidationError({"points": str(exc)}) from None
    if len(points) > MAX_POINTS:
        raise ValidationError({"points": f"每批最多 {MAX_POINTS} 个点"})
    if patrol is ...:
        patrol = tracked(by, patrol_key)
    if patrol is None:
        raise Http404("没有这个巡查")
    now = timezone.now()
    not_after = now + CLOCK_SKEW
    if patrol.ended_at:
        not_after = min(not_after, patrol.ended_at + timedelta(minutes=1))
    previous = None
    last_at = patrol.last_fixed_at
    if last_at is not None and len(points) and points.t.min() > last_at.timestamp():
        previous = tracks.Point(int(last_at.timestamp()), patrol.last_lon, patrol.last_lat, 0)
    checked = tracks.check(
        points, bounds=territory_bounds(), previous=previous,
        not_before=int((patrol.started_at - timedelta(minutes=1)).timestamp()), not_after=int(not_after.timestamp()),
    )
    kept, dropped, distance = checked.kept, dict(checked.dropped), checked.distance_m
    grids = ""
    if len(kept):
        found = locator.locate_many(kept.lon, kept.lat)
        grids = ",".join(sorted({g.code for g in found if g is not None}))
    if connection.vendor == "postgresql":
        inserted = _store_postgresql(patrol.id, key, kept, distance, grids, dropped)
    else:
        with transaction.atomic():
            inserted = _insert_batch(patrol.id, key, kept, distance, grids, dropped)
            if inserted and (len(kept) or dropped):
                _add_to_patrol(patrol.id, kept, distance, sum(dropped.values()))
    if not inserted:
        stored = TrackBatch.objects.filter(patrol_id=patrol.id, key=key).values_list("count", "dropped").get()
        return BatchResult(accepted=stored[0], dropped=stored[1], duplicate=True)
    return BatchResult(accepted=len(kept), dropped=dropped, duplicate=False)


def _batch_values(patrol_id: int, key: str, kept: tracks.Track, distance: float, grids: str, dropped: dict) -> list:
    ops = connection.ops
    first = tracks.moment(kept[0].t) if len(kept) else timezone.now()
    last = tracks.moment(kept[-1].t) if len(kept) else first
    return [
        patrol_id, key, ops.adapt_datetimefield_value(first), ops.adapt_datetimefield_value(last),
        len(kept), tracks.pack(kept), distance, grids, json.dumps(dropped),
    ]


BATCH_COLUMNS = "(patrol_id, key, first_at, last_at, count, points, distance_m, grid_codes, dropped)"


def _store_postgresql(
    patrol_id: int, key: str, kept: tracks.Track, distance: float, grids: str, dropped: dict
) -> bool:
    """The batch and the patrol's totals in one statement, so one round trip and one
    commit: the ingest path of every phone on patrol."""
    last = kept[-1] if len(kept) else None
    at = tracks.moment(last.t) if last else None
    newer = "%s::timestamptz IS NOT NULL AND (last_fixed_at IS NULL OR last_fixed_at < %s::timestamptz)"
    return (
        _fetch_one_prepared(
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
        is not None
    )


def _fetch_one_prepared(sql: str, params: list) -> tuple | None:
    """One statement on PostgreSQL with its values bound on the server, so that it is
    prepared once per connection (see `prepare_threshold` in settings) instead of parsed
    and planned on every batch: most of the database's time for these two small
    statements."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
    wrapper = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    with wrapper(raw, connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _insert_batch(patrol_id: int, key: str, kept: tracks.Track, distance: float, grids: str, dropped: dict) -> bool:
    """Insert the batch unless its key is stored already; True when inserted."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO field_trackbatch {BATCH_COLUMNS} VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (patrol_id, key) DO NOTHING RETURNING id",
            _batch_values(patrol_id, key, kept, distance, grids, dropped),
        )
        return cursor.fetchone() is not None


def _add_to_patrol(patrol_id: int, kept: tracks.Track, distance: float, dropped: int) -> None:
    changes = {
        "point_count": F("point_count") + len(kept),
        "dropped_count": F("dropped_count") + dropped,
        "distance_m": F("distance_m") + distance,
    }
    if len(kept):
        last = kept[-1]
        at = tracks.moment(last.t)
        newer = Q(last_fixed_at__isnull=True) | Q(last_fixed_at__lt=at)
        changes |= {
            "last_lon": Case(When(newer, then=Value(last.lon)), default=F("last_lon")),
            "last_lat": Case(When(newer, then=Value(last.lat)), default=F("last_lat")),
            "last_fixed_at": Case(When(newer, then=Value(at)), default=F("last_fixed_at")),
        }
    Patrol.objects.filter(pk=patrol_id).update(**changes)
