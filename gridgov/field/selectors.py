"""Reads of field work: who is on patrol where, a patrol's track, patrol indicators, and a
grid worker's list for today."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from gridgov.accounts import permissions
from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.events.models import Event, Status
from gridgov.field import tracks
from gridgov.field.models import Inspection, InspectionResult, Patrol, PlaceKind, TrackBatch, Visit

# A patrol with no fix for this long is not shown as on patrol: the phone is off.
STALE_AFTER = timedelta(hours=12)


def positions_on_patrol(prefixes: list[str]) -> list[dict]:
    """The last good fix of each worker on patrol now, within the region prefixes (the
    caller's scopes): one row per worker, read from the patrols' own columns."""
    since = timezone.now() - STALE_AFTER
    rows = (
        Patrol.objects.filter(permissions.scope_q(prefixes, "grid_code"))
        .filter(ended_at__isnull=True, last_fixed_at__gte=since)
        .select_related("worker")
        .order_by("worker_id", "-last_fixed_at")
    )
    seen: set[int] = set()
    positions = []
    for patrol in rows:
        if patrol.worker_id in seen:
            continue
        seen.add(patrol.worker_id)
        positions.append({
            "worker_id": patrol.worker_id,
            "name": patrol.worker.display_name,
            "grid_code": patrol.grid_code,
            "lon": patrol.last_lon,
            "lat": patrol.last_lat,
            "fixed_at": patrol.last_fixed_at,
            "patrol_id": patrol.pk,
        })
    return positions


def track(patrol: Patrol) -> list[tuple[datetime, float, float]]:
    """The patrol's good points in time order, whatever order their batches came in."""
    points = track_points(patrol)
    return [(tracks.moment(p.t), p.lon, p.lat) for p in points]


def track_points(patrol: Patrol) -> list[tracks.Point]:
    points = [
        p
        for data in TrackBatch.objects.filter(patrol=patrol).order_by("first_at").values_list("points", flat=True)
        for p in tracks.unpack(data)
    ]
    points.sort(key=lambda p: p.t)
    return points


def covered_grids(patrol: Patrol) -> list[str]:
    codes: set[str] = set()
    for value in TrackBatch.objects.filter(patrol=patrol).values_list("grid_codes", flat=True):
        codes.update(c for c in value.split(",") if c)
    return sorted(codes)


def reported_during(patrol: Patrol) -> QuerySet:
    """The events the worker reported while on this patrol."""
    rows = Event.objects.filter(reporter_id=patrol.worker_id, reported_at__gte=patrol.started_at)
    if patrol.ended_at:
        rows = rows.filter(reported_at__lte=patrol.ended_at)
    return rows.select_related("category").order_by("reported_at")


def visible_patrols(user: User) -> QuerySet:
    """Patrols in the user's scopes, and the user's own."""
    from django.db.models import Q

    return (
        Patrol.objects.filter(permissions.scope_q(permissions.scopes(user), "grid_code") | Q(worker=user))
        .select_related("worker")
    )


def visible_inspections(user: User) -> QuerySet:
    """Inspections in the user's scopes, and the user's own."""
    return (
        Inspection.objects.filter(
            permissions.scope_q(permissions.scopes(user), "area_code") | Q(worker=user)
        ).select_related("worker", "kind")
    )


def inspection_results(inspection: Inspection) -> list[InspectionResult]:
    """The inspection's answers in checklist order, with their events and photos."""
    return list(inspection.results.select_related("item", "event").prefetch_related("photos"))


# --- indicators ------------------------------------------------------------------------------


@dataclass
class PatrolIndicator:
    worker_id: int
    name: str
    grids: list[str]
    patrols: int
    patrol_seconds: float
    daily_patrol_seconds: float
    distance_m: float
    covered: list[str]

    @property
    def coverage(self) -> float:
        """Share of the worker's assigned grids their tracks passed through."""
        return len(set(self.covered) & set(self.grids)) / len(self.grids) if self.grids else 0.0


def patrol_indicators(prefixes: list[str], *, start: date, end: date) -> list[PatrolIndicator]:
    """Per grid worker of the region prefixes, over the days start..end (inclusive): patrol
    time per day, distance, and the coverage of their assigned grids."""
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    days = (end - start).days + 1
    assigned: dict[int, list[str]] = defaultdict(list)
    for user_id, scope in RoleAssignment.objects.filter(
        permissions.scope_q(prefixes, "scope"), role=Role.GRID_WORKER
    ).values_list("user_id", "scope"):
        assigned[user_id].append(scope)
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=assigned)}
    totals: dict[int, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    now = timezone.now()
    for worker_id, started, ended, distance in Patrol.objects.filter(
        worker_id__in=assigned, started_at__gte=since, started_at__lt=until
    ).values_list("worker_id", "started_at", "ended_at", "distance_m"):
        total = totals[worker_id]
        total[0] += 1
        total[1] += ((ended or now) - started).total_seconds()
        total[2] += distance
    covered: dict[int, set[str]] = defaultdict(set)
    for worker_id, codes in TrackBatch.objects.filter(
        patrol__worker_id__in=assigned, patrol__started_at__gte=since, patrol__started_at__lt=until
    ).values_list("patrol__worker_id", "grid_codes"):
        covered[worker_id].update(c for c in codes.split(",") if c)
    return [
        PatrolIndicator(
            worker_id=worker_id, name=names.get(worker_id, ""), grids=sorted(grids),
            patrols=int(totals[worker_id][0]), patrol_seconds=totals[worker_id][1],
            daily_patrol_seconds=totals[worker_id][1] / days, distance_m=totals[worker_id][2],
            covered=sorted(covered[worker_id]),
        )
        for worker_id, grids in sorted(assigned.items(), key=lambda item: sorted(item[1]))
    ]


# --- the grid worker's day ---------------------------------------------------------------------


def worker_grids(user: User) -> list[str]:
    return sorted(a.scope for a in permissions.assignments(user) if a.role == Role.GRID_WORKER)


@dataclass
class DueInspection:
    """A place due for its routine inspection: `latest` is its latest inspection."""

    latest: Inspection
    due_on: date
    days_overdue: int


def due_inspections(
    user: User, *, now: datetime | None = None, limit: int = 50
) -> list[DueInspection]:
    """Places in the worker's grids whose latest inspection is older than their kind's
    routine interval, the longest overdue first. A place is its kind, name and address
    (a re-inspection keeps them); its latest inspection is looked for in the worker's
    village, where a re-inspection of it may have been located in a neighbouring grid."""
    grids = worker_grids(user)
    routine = PlaceKind.objects.filter(is_active=True, interval_days__gt=0)
    kinds = list(routine.values_list("pk", "interval_days"))
    if not grids or not kinds:
        return []
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()

    def cutoff(interval_days: int) -> datetime:
        # Due on the day `interval_days` after the latest inspection's day.
        return datetime.combine(today - timedelta(days=interval_days - 1), time.min, tzinfo=tz)

    overdue = Q()
    for kind_id, interval_days in kinds:
        overdue |= Q(kind_id=kind_id, inspected_at__lt=cutoff(interval_days))
    later = Inspection.objects.filter(
        permissions.scope_q([g[:12] for g in grids], "area_code"),
        kind_id=OuterRef("kind_id"), place=OuterRef("place"), address=OuterRef("address"),
    ).filter(
        Q(inspected_at__gt=OuterRef("inspected_at"))
        | Q(inspected_at=OuterRef("inspected_at"), pk__gt=OuterRef("pk"))
    )
    rows = (
        Inspection.objects.filter(permissions.scope_q(grids, "area_code")).filter(overdue)
        .exclude(Exists(later)).select_related("kind").order_by("inspected_at")[: limit * 4]
    )
    due = []
    for row in rows:
        due_on = timezone.localdate(row.inspected_at) + timedelta(days=row.kind.interval_days)
        due.append(DueInspection(row, due_on, (today - due_on).days))
    due.sort(key=lambda d: (-d.days_overdue, d.latest.place))
    return due[:limit]


@dataclass
class Today:
    to_verify: list[Event]
    due_soon: list[Event]
    reinspections: list[InspectionResult]
    follow_ups: list[Visit]
    patrol: Patrol | None
    due_inspections: list[DueInspection]


def today(user: User) -> Today:
    """A grid worker's list: their events waiting for their check, open events of their
    grids by deadline, hazards to re-inspect, households to visit again, places due for
    their routine inspection."""
    grids = worker_grids(user)
    in_grids = permissions.scope_q(grids, "area_code")
    to_verify = list(
        Event.objects.filter(reporter=user, status=Status.HANDLED, source="grid_patrol").order_by("due_at")[:50]
    )
    due_soon = list(
        Event.objects.filter(in_grids, due_at__isnull=False).exclude(status=Status.HANDLED)
        .order_by("due_at")[:20]
    )
    reinspections = list(
        InspectionResult.objects.filter(
            permissions.scope_q(grids, "inspection__area_code"), passed=False, event__status=Status.HANDLED
        ).select_related("inspection", "inspection__kind", "item", "event")[:50]
    )
    follow_ups = list(Visit.objects.filter(in_grids, follow_up=True).order_by("visited_at")[:50])
    patrol = Patrol.objects.filter(worker=user, ended_at__isnull=True).first()
    due = due_inspections(user)
    return Today(to_verify, due_soon, reinspections, follow_ups, patrol, due)


def history(user: User, *, limit: int = 30) -> dict:
    return {
        "patrols": list(Patrol.objects.filter(worker=user)[:limit]),
        "events": list(Event.objects.filter(reporter=user).select_related("category")[:limit]),
        "visits": list(Visit.objects.filter(worker=user)[:limit]),
        "inspections": list(Inspection.objects.filter(worker=user).select_related("kind")[:limit]),
    }
