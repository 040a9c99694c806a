"""The command centre in the demo: a few hundred points of interest on the map (health
centres, schools, emergency supplies, shelters, cameras) and the early warnings the
detectors find in the demo's last week of events."""

import random
from datetime import datetime, timedelta

from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.command import warnings
from gridgov.command.models import EarlyWarning, PoiKind, PointOfInterest
from gridgov.events import workflow
from gridgov.events.models import Category
from gridgov.regions.models import Grid, Level, Region

# Share of grids with a camera at their busiest corner; one school per village.
CAMERA_SHARE = 0.3
WARNING_DAYS = 7
FULL_YEAR_EVENTS = 1000


def _near(rng: random.Random, grid: Grid) -> tuple[float, float]:
    """A point near the grid's label point, still well inside its bounding box."""
    dx = (grid.max_lon - grid.min_lon) * 0.1
    dy = (grid.max_lat - grid.min_lat) * 0.1
    return grid.label_lon + rng.uniform(-dx, dx), grid.label_lat + rng.uniform(-dy, dy)


def save(prefix: str, *, now: datetime, event_count: int) -> tuple[int, int]:
    """Points of interest for the towns under `prefix`, and a week of warnings; returns
    (points, warnings). A demo of a full year of events (`event_count`) also gets the few
    reports of its last day that the command room should see flagged; the small builds of
    the demo's own tests keep exactly the events they count."""
    rng = random.Random(f"command/{prefix}")
    grids = list(Grid.objects.filter(code__startswith=prefix).select_related("village").order_by("code"))
    by_village: dict[int, list[Grid]] = {}
    for grid in grids:
        by_village.setdefault(grid.village_id, []).append(grid)
    towns = {t.prefix: t.name for t in Region.objects.filter(code__startswith=prefix, level=Level.TOWN)}
    points = []

    def add(kind: str, name: str, grid: Grid, **extra) -> None:
        lon, lat = _near(rng, grid)
        points.append(PointOfInterest(kind=kind, name=name, lon=lon, lat=lat, area_code=grid.code,
                                      imported_at=now, **extra))

    for town_prefix, town in towns.items():
        in_town = [g for g in grids if g.code.startswith(town_prefix)]
        if not in_town:
            continue
        short = town.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        add(PoiKind.HOSPITAL, f"{short}社区卫生服务中心", in_town[0], phone=f"0572-{rng.randint(2000000, 2999999)}")
        add(PoiKind.SUPPLIES, f"{short}应急物资储备点", rng.choice(in_town), note="防汛沙袋、救生衣、发电机")
        add(PoiKind.SHELTER, f"{short}应急避难场所", rng.choice(in_town), note="可容纳 800 人")
    for village_grids in by_village.values():
        village = village_grids[0].village
        add(PoiKind.SCHOOL, f"{village.name.removesuffix('社区').removesuffix('村')}小学", rng.choice(village_grids))
    for grid in grids:
        if rng.random() < CAMERA_SHARE:
            add(PoiKind.CAMERA, f"{grid.name}视频监控", grid, note="公共安全视频监控")
    PointOfInterest.objects.bulk_create(points, batch_size=1000)

    if event_count >= FULL_YEAR_EVENTS:
        _reports_that_warn(grids, rng, now=now)
    found = 0
    for days_ago in range(WARNING_DAYS - 1, -1, -1):
        found += len(warnings.detect(now=now - timedelta(days=days_ago)))
    return len(points), found


# What the command room should see flagged on the demo's last day: a morning of street
# vendors at one market gate (a spike in the town and a repeat at one place), and reports
# whose words signal a stability risk.
VENDORS = ("0503", "农贸市场东门占道经营", "流动摊贩在市场东门外占道摆卖，堵塞消防通道。")
RISK_REPORTS = [
    ("0105", "工地工人聚集讨薪", "约二十名工人聚集在项目部门口讨要拖欠的三个月工资，情绪激动。"),
    ("1001", "小区业主群体维权", "部分业主因交房延期拉横幅维权，要求开发商说明情况。"),
]


def _reports_that_warn(grids: list[Grid], rng: random.Random, *, now: datetime) -> None:
    workers = dict(RoleAssignment.objects.filter(role=Role.GRID_WORKER, scope__in=[g.code for g in grids])
                   .values_list("scope", "user"))
    staffed = [g for g in grids if g.code in workers]
    if not staffed:
        return
    def report(grid: Grid, code: str, title: str, text: str, at: datetime, lon: float, lat: float) -> None:
        workflow.report(by=User.objects.get(pk=workers[grid.code]), title=title, description=text,
                        category=Category.objects.get(code=code), lon=lon, lat=lat, at=at)

    market = staffed[len(staffed) // 3]
    code, title, text = VENDORS
    for i in range(6):
        report(market, code, title, text, now - timedelta(hours=9 - i), market.label_lon + 0.0001 * i,
               market.label_lat)
    for i, (code, title, text) in enumerate(RISK_REPORTS):
        grid = rng.choice(staffed)
        report(grid, code, title, text, now - timedelta(hours=3 + i), *_near(rng, grid))


def remove(prefix: str) -> None:
    """Before the events: warnings point at them."""
    EarlyWarning.objects.filter(area_code__startswith=prefix).delete()
    PointOfInterest.objects.filter(area_code__startswith=prefix).delete()
