"""The people of the demo territory: grid workers, stations, command rooms, departments.

Like the territory, the people are planned first (pure, seeded) and saved afterwards. Every
account gets the same password hash: computing an argon2 hash per account would take
minutes at city scale, and the demo password is printed for everyone to use anyway.

Grid worker usernames are the grid code and a letter: `w330502001001001a` is the 网格长,
`…b` the 专职网格员, `…c` the 兼职网格员.
"""

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from gridgov.accounts.models import (
    Department,
    DepartmentKind,
    DepartmentLevel,
    Role,
    RoleAssignment,
    User,
)
from gridgov.demo import names
from gridgov.demo.territory import RegionPlan, TerritoryPlan
from gridgov.lib import codes
from gridgov.regions.models import Level, Region

DEMO_PASSWORD = "gridgov2026"

# District bodies that act on events, with their members per body. Most of them keep a unit
# in every town (a 中队, 所 or 派出所); those units are named from the town's short name.
DISTRICT_DEPARTMENTS: tuple[tuple[str, str, str], ...] = (
    # kind, name after the district's name, town unit name after the town's short name
    (DepartmentKind.LAW_ENFORCEMENT, "综合行政执法局", "综合行政执法局{town}中队"),
    (DepartmentKind.MARKET_REGULATION, "市场监督管理局", "{town}市场监管所"),
    (DepartmentKind.EMERGENCY, "应急管理局", ""),
    (DepartmentKind.POLICE, "公安分局", "{town}派出所"),
    (DepartmentKind.FIRE, "消防救援大队", ""),
    (DepartmentKind.ECOLOGY, "生态环境分局", ""),
    (DepartmentKind.HOUSING, "住房和城乡建设局", ""),
    (DepartmentKind.HUMAN_RESOURCES, "人力资源和社会保障局", ""),
    (DepartmentKind.CIVIL_AFFAIRS, "民政局", ""),
    (DepartmentKind.NATURAL_RESOURCES, "自然资源和规划分局", "{town}自然资源和规划所"),
    (DepartmentKind.TRANSPORT, "交通运输局", ""),
    (DepartmentKind.HEALTH, "卫生健康局", ""),
    (DepartmentKind.WATER, "水利局", ""),
    (DepartmentKind.JUSTICE, "司法局", "{town}司法所"),
    (DepartmentKind.PETITION, "信访局", ""),
)
DISTRICT_MEMBERS = 3
UNIT_MEMBERS = 2
COMMAND_CENTRE_MEMBERS = 4
COMMAND_ROOM_MEMBERS = 3
MEDIATORS_PER_TOWN = 2
DISTRICT_LEADERS = 2

# The accounts printed at the end of `gridgov demo`, one per role, in this order.
LOGINS = ("admin", "district", "town", "village", "worker", "dept", "mediator", "leader")


@dataclass
class Person:
    username: str
    full_name: str
    phone: str


@dataclass
class Post:
    """A role held by a person over a scope, maybe as a member of a department."""

    username: str
    role: str
    scope: str
    department: tuple[str, str] | None = None  # (region code, department name)


@dataclass
class DepartmentPlan:
    name: str
    kind: str
    level: str
    region: str
    phone: str
    parent: tuple[str, str] | None = None
    members: list[str] = field(default_factory=list)  # the first one heads it

    @property
    def key(self) -> tuple[str, str]:
        return (self.region, self.name)


@dataclass
class PeoplePlan:
    people: list[Person] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    departments: list[DepartmentPlan] = field(default_factory=list)

    def digest_lines(self) -> list[str]:
        return (
            [f"{p.username}|{p.full_name}|{p.phone}" for p in self.people]
            + [f"{p.username}|{p.role}|{p.scope}|{p.department}" for p in self.posts]
            + [f"{d.key}|{d.kind}|{d.parent}|{','.join(d.members)}" for d in self.departments]
        )


class _Staff:
    """Collects people and posts while the plan is drawn."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.plan = PeoplePlan()
        self.phones: set[str] = set()

    def hire(
        self,
        username: str,
        role: str,
        scope: str,
        *,
        department: DepartmentPlan | None = None,
        full_name: str | None = None,
    ) -> str:
        self.plan.people.append(
            Person(
                username,
                full_name or names.person_name(self.rng),
                names.mobile_number(self.rng, self.phones),
            )
        )
        self.plan.posts.append(Post(username, role, scope, department.key if department else None))
        if department is not None:
            department.members.append(username)
        return username

    def department(
        self, name: str, kind: str, level: str, region: str, parent: DepartmentPlan | None = None
    ) -> DepartmentPlan:
        # Huzhou landlines: 0572 and eight digits.
        phone = f"0572-{self.rng.randrange(2_000_000, 3_000_000)}"
        department = DepartmentPlan(
            name, kind, level, region, phone, parent.key if parent else None
        )
        self.plan.departments.append(department)
        return department


def plan_people(territory: TerritoryPlan) -> PeoplePlan:
    """Everyone who works in the planned territory, and one demo login per role."""
    scale = territory.scale
    staff = _Staff(random.Random(f"{scale.seed}/{scale.name}/people"))
    towns_of = _children(territory.regions_at(Level.TOWN))
    villages_of = _children(territory.regions_at(Level.VILLAGE))
    grids_of: dict[str, list[str]] = {}
    for grid in territory.grids:
        grids_of.setdefault(grid.village, []).append(grid.code)
    root = codes.prefix(scale.root)
    for district in territory.regions_at(Level.DISTRICT):
        _district_staff(staff, district, towns_of[district.code])
        for town in towns_of[district.code]:
            for village in villages_of[town.code]:
                staff.hire(f"v{village.code}", Role.VILLAGE_STATION, codes.prefix(village.code))
                for grid in grids_of[village.code]:
                    staff.hire(f"w{grid}a", Role.GRID_WORKER, grid)
                    if staff.rng.random() < scale.full_time_share:
                        staff.hire(f"w{grid}b", Role.GRID_WORKER, grid)
                    if staff.rng.random() < scale.part_time_share:
                        staff.hire(f"w{grid}c", Role.GRID_WORKER, grid)
    _demo_logins(staff, territory, root, towns_of, villages_of, grids_of)
    return staff.plan


def _children(regions: list[RegionPlan]) -> dict[str, list[RegionPlan]]:
    result: dict[str, list[RegionPlan]] = {}
    for region in regions:
        result.setdefault(region.parent, []).append(region)
    return result


def _district_staff(staff: _Staff, district: RegionPlan, towns: list[RegionPlan]) -> None:
    prefix = codes.prefix(district.code)
    centre = staff.department(
        f"{district.name}综合信息指挥中心",
        DepartmentKind.COMMAND_ROOM,
        DepartmentLevel.DISTRICT,
        district.code,
    )
    for n in range(1, COMMAND_CENTRE_MEMBERS + 1):
        staff.hire(f"c{prefix}{n}", Role.DISTRICT_OPERATOR, prefix, department=centre)
    for n in range(1, DISTRICT_LEADERS + 1):
        staff.hire(f"l{prefix}{n}", Role.LEADER, prefix)
    for number, (kind, name, unit_name) in enumerate(DISTRICT_DEPARTMENTS, start=1):
        body = staff.department(district.name + name, kind, DepartmentLevel.DISTRICT, district.code)
        for n in range(1, DISTRICT_MEMBERS + 1):
            staff.hire(
                f"d{prefix}{number:02d}{n}", Role.DEPARTMENT_HANDLER, prefix, department=body
            )
        if not unit_name:
            continue
        for town in towns:
            town_prefix = codes.prefix(town.code)
            unit = staff.department(
                unit_name.format(town=names.short_name(town.name)),
                kind,
                DepartmentLevel.TOWN,
                town.code,
                parent=body,
            )
            for n in range(1, UNIT_MEMBERS + 1):
                staff.hire(
                    f"d{town_prefix}{number:02d}{n}",
                    Role.DEPARTMENT_HANDLER,
                    town_prefix,
                    department=unit,
                )
    for town in towns:
        town_prefix = codes.prefix(town.code)
        room = staff.department(
            f"{town.name}综合信息指挥室",
            DepartmentKind.COMMAND_ROOM,
            DepartmentLevel.TOWN,
            town.code,
        )
        for n in range(1, COMMAND_ROOM_MEMBERS + 1):
            staff.hire(f"t{town_prefix}{n}", Role.TOWN_OPERATOR, town_prefix, department=room)
        for n in range(1, MEDIATORS_PER_TOWN + 1):
            staff.hire(f"m{town_prefix}{n}", Role.MEDIATOR, town_prefix)
        staff.hire(f"l{town_prefix}", Role.LEADER, town_prefix)


def _demo_logins(
    staff: _Staff, territory: TerritoryPlan, root: str, towns_of, villages_of, grids_of
) -> None:
    """One account per role, all in the first town, first village and first grid."""
    district = territory.regions_at(Level.DISTRICT)[0]
    town = towns_of[district.code][0]
    village = villages_of[town.code][0]
    grid = grids_of[village.code][0]
    departments = {d.key: d for d in staff.plan.departments}
    centre = departments[(district.code, f"{district.name}综合信息指挥中心")]
    room = departments[(town.code, f"{town.name}综合信息指挥室")]
    enforcement = departments[(town.code, f"综合行政执法局{names.short_name(town.name)}中队")]
    town_prefix = codes.prefix(town.code)
    staff.hire("admin", Role.ADMINISTRATOR, root, full_name="管晓东")
    staff.hire(
        "district",
        Role.DISTRICT_OPERATOR,
        codes.prefix(district.code),
        department=centre,
        full_name="钱思远",
    )
    staff.hire("town", Role.TOWN_OPERATOR, town_prefix, department=room, full_name="沈佳怡")
    staff.hire("village", Role.VILLAGE_STATION, codes.prefix(village.code), full_name="陆建国")
    staff.hire("worker", Role.GRID_WORKER, grid, full_name="姚小芳")
    staff.hire(
        "dept", Role.DEPARTMENT_HANDLER, town_prefix, department=enforcement, full_name="潘志刚"
    )
    staff.hire("mediator", Role.MEDIATOR, town_prefix, full_name="费秀兰")
    staff.hire("leader", Role.LEADER, root, full_name="闵国华")


def save_people(plan: PeoplePlan) -> None:
    """Create the accounts, departments and role assignments; the caller holds the transaction."""
    password = make_password(DEMO_PASSWORD)
    users = User.objects.bulk_create(
        [
            User(username=p.username, full_name=p.full_name, phone=p.phone, password=password)
            for p in plan.people
        ],
        batch_size=2000,
    )
    user_id = {u.username: u.pk for u in users}
    region_id = dict(
        Region.objects.filter(code__in={d.region for d in plan.departments}).values_list(
            "code", "pk"
        )
    )
    department_id: dict[tuple[str, str], int] = {}
    # Parents first: a town unit points at its district body.
    for with_parent in (False, True):
        batch = [d for d in plan.departments if (d.parent is not None) == with_parent]
        created = Department.objects.bulk_create(
            [
                Department(
                    name=d.name,
                    kind=d.kind,
                    level=d.level,
                    region_id=region_id[d.region],
                    parent_id=department_id[d.parent] if d.parent else None,
                    head_id=user_id[d.members[0]] if d.members else None,
                    phone=d.phone,
                )
                for d in batch
            ],
            batch_size=1000,
        )
        department_id.update({d.key: row.pk for d, row in zip(batch, created, strict=True)})
    Membership = Department.members.through
    Membership.objects.bulk_create(
        [
            Membership(department_id=department_id[d.key], user_id=user_id[u])
            for d in plan.departments
            for u in d.members
        ],
        batch_size=2000,
    )
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(
                user_id=user_id[p.username],
                role=p.role,
                scope=p.scope,
                department_id=department_id[p.department] if p.department else None,
            )
            for p in plan.posts
        ],
        batch_size=2000,
    )


def remove_people(prefix: str) -> None:
    """Delete the departments of the territory under `prefix` and the accounts that work there.

    An account goes only if it holds a role there: a superuser called `admin` made by hand
    stays.
    """
    users = User.objects.filter(roles__scope__startswith=prefix)
    user_ids = list(users.values_list("pk", flat=True).distinct())
    departments = Department.objects.filter(region__code__startswith=prefix)
    Department.members.through.objects.filter(department__in=departments).delete()
    RoleAssignment.objects.filter(user_id__in=user_ids).delete()
    departments.filter(parent__isnull=False).delete()
    departments.delete()
    # Deleting in slices keeps the IN lists under SQLite's variable limit.
    for start in range(0, len(user_ids), 5000):
        User.objects.filter(pk__in=user_ids[start : start + 5000]).delete()
