"""Field work of the demo district: a few days of patrols with their tracks, household
visits and hazard inspections by the grid workers of one town, and the demo's own grid
worker (`worker`) out on patrol now. Kept small, so `gridgov demo` stays quick."""

import math
import random
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.field import inspections, tracks
from gridgov.field.models import CheckIn, FindingKind, Inspection, InspectionResult, Patrol, PlaceKind, TrackBatch, Visit
from gridgov.regions import locator
from gridgov.regions.models import Grid

WORKERS = 12
DAYS = 3
EVERY_S = 30  # one fix every 30 s keeps the demo's tracks small
HOUSEHOLDS = ["王建国家", "李秀英家", "张伟家", "刘芳家", "陈志强家", "杨丽华家", "赵敏家", "黄德明家"]
NOTES = {
    FindingKind.NEED: "独居老人，行动不便，希望申请助餐服务",
    FindingKind.DISPUTE: "与邻居因楼道堆物发生口角，需调解",
    FindingKind.RISK: "楼道内电动车充电，存在消防隐患",
}


def save(prefix: str, *, now: datetime) -> int:
    """Patrols, visits and inspections for the first grid workers under `prefix`; returns
    how many patrols were made."""
    rng = random.Random(4)
    posts = list(
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, scope__startswith=prefix)
        .select_related("user").order_by("scope")[:WORKERS]
    )
    demo_worker = RoleAssignment.objects.filter(role=Role.GRID_WORKER, user__username="worker").first()
    if demo_worker is not None and demo_worker.pk not in {p.pk for p in posts}:
        posts[-1:] = [demo_worker]
    grids = {g.code: g for g in Grid.objects.filter(code__in=[p.scope for p in posts]).defer("geometry")}
    kinds = list(PlaceKind.objects.filter(is_active=True).prefetch_related("items"))
    routine = [k for k in kinds if k.interval_days]
    made = 0
    for n, post in enumerate(posts):
        grid = grids[post.scope]
        for day in range(DAYS, -1, -1):
            ongoing = day == 0
            if ongoing and n % 3 and post.user.username != "worker":
                continue  # a third of them out on patrol right now
            start = timezone.localtime(now - timedelta(days=day)).replace(hour=9, minute=rng.randint(0, 50), second=0, microsecond=0)
            if ongoing:
                start = now - timedelta(minutes=rng.randint(20, 90))
            minutes = rng.randint(60, 150) if not ongoing else int((now - start).total_seconds() // 60)
            _patrol(post.user, grid, start, minutes, ongoing=ongoing, rng=rng, key=f"demo-{n}-{day}")
            made += 1
        _visits(post.user, grid, now, rng)
        CheckIn.objects.create(worker=post.user, key=f"demo-{n}", at=timezone.localtime(now).replace(hour=8, minute=30),
                               lon=grid.label_lon, lat=grid.label_lat, accuracy_m=12, grid_code=grid.code)
        if kinds and n % 3 == 0:
            _inspection(post.user, grid, kinds[n // 3 % len(kinds)], now, rng, key=f"demo-{n}")
        if routine and post.user.username == "worker":
            # A place last inspected a little over its interval ago: due on the worker's list.
            kind = routine[0]
            _inspection(post.user, grid, kind, now, rng, key="demo-due", days_ago=kind.interval_days + 3)
    return made


def _walk(grid: Grid, start: datetime, minutes: int, rng: random.Random) -> list[tracks.Point]:
    lon, lat = grid.label_lon, grid.label_lat
    heading = rng.uniform(0, 2 * math.pi)
    t = int(start.timestamp())
    points = []
    step = 1.2 * EVERY_S / 111_000
    for _ in range(max(2, minutes * 60 // EVERY_S)):
        heading += rng.uniform(-0.5, 0.5)
        nlon = lon + step * math.cos(heading) / math.cos(math.radians(lat))
        nlat = lat + step * math.sin(heading)
        if grid.min_lon <= nlon <= grid.max_lon and grid.min_lat <= nlat <= grid.max_lat:
            lon, lat = nlon, nlat
        else:
            heading += math.pi
        t += EVERY_S
        points.append(tracks.Point(t, round(lon, 6), round(lat, 6), float(rng.randint(5, 25))))
    return points


def _patrol(user: User, grid: Grid, start: datetime, minutes: int, *, ongoing: bool, rng, key: str) -> None:
    points = _walk(grid, start, minutes, rng)
    last = points[-1]
    patrol = Patrol.objects.create(
        worker=user, key=key, grid_code=grid.code, started_at=start,
        ended_at=None if ongoing else tracks.moment(last.t), distance_m=tracks.length_m(points),
        point_count=len(points), dropped_count=rng.randint(0, 3), last_lon=last.lon, last_lat=last.lat,
        last_fixed_at=tracks.moment(last.t),
    )
    batches = []
    for i in range(0, len(points), 100):
        chunk = points[i : i + 100]
        found = locator.locate_many([p.lon for p in chunk], [p.lat for p in chunk])
        batches.append(TrackBatch(
            patrol=patrol, key=f"{key}-{i // 100}", first_at=tracks.moment(chunk[0].t),
            last_at=tracks.moment(chunk[-1].t), count=len(chunk), points=tracks.pack(chunk),
            distance_m=tracks.length_m(chunk), grid_codes=",".join(sorted({g.code for g in found if g})),
        ))
    TrackBatch.objects.bulk_create(batches)


def _visits(user: User, grid: Grid, now: datetime, rng: random.Random) -> None:
    for i in range(2):
        finding = rng.choice([FindingKind.NONE, FindingKind.NONE, FindingKind.NEED, FindingKind.DISPUTE, FindingKind.RISK])
        Visit.objects.create(
            worker=user, key=f"demo-{user.pk}-{i}", grid=grid, area_code=grid.code,
            household=rng.choice(HOUSEHOLDS), address=f"{grid.name}{rng.randint(1, 60)}号",
            lon=grid.label_lon, lat=grid.label_lat, visited_at=now - timedelta(days=i, hours=rng.randint(1, 6)),
            finding=finding, notes=NOTES.get(finding, ""), follow_up=finding != FindingKind.NONE,
        )


def _inspection(
    user: User, grid: Grid, kind: PlaceKind, now: datetime, rng: random.Random, key: str, days_ago: int = 1
) -> None:
    # Every item passes: a failed one would add a hazard event to the demo's year of events,
    # whose numbers the demo's own summary and tests count. Judged at its own moment, as a
    # phone's upload of long ago would not be.
    at = now - timedelta(days=days_ago)
    inspections.record(
        by=user, key=key, kind=kind, place=f"{grid.name}{kind.name}", address=f"{grid.name}{rng.randint(1, 60)}号",
        lon=grid.label_lon, lat=grid.label_lat, at=at, now=at,
        answers=[inspections.Answer(item_id=i.pk, passed=True) for i in kind.items.all() if i.is_active],
    )


def remove(prefix: str) -> None:
    workers = Q(worker__roles__scope__startswith=prefix)
    InspectionResult.objects.filter(inspection__area_code__startswith=prefix).delete()
    Inspection.objects.filter(area_code__startswith=prefix).delete()
    Visit.objects.filter(area_code__startswith=prefix).delete()
    Patrol.objects.filter(grid_code__startswith=prefix).delete()
    CheckIn.objects.filter(workers).delete()
