"""Build, find and remove the demo territory; list its logins."""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.analysis import rollup
from gridgov.demo import command, events, mediation, people, routing, territory
from gridgov.demo import field as field_work
from gridgov.demo.territory import CITY, Scale
from gridgov.events.models import RoutingRule
from gridgov.lib import codes
from gridgov.regions import locator
from gridgov.regions import territory as services
from gridgov.regions.models import Grid, Region


@dataclass
class Plan:
    territory: territory.TerritoryPlan
    people: people.PeoplePlan

    def digest(self) -> str:
        h = hashlib.sha256(self.territory.digest().encode())
        for line in self.people.digest_lines():
            h.update(line.encode() + b"\n")
        return h.hexdigest()


@dataclass
class Summary:
    scale: str
    towns: int
    villages: int
    grids: int
    clusters: int
    workers: int
    accounts: int
    seconds: float
    rules: int = 0
    events: dict[str, int] = field(default_factory=dict)  # by status
    orders: int = 0
    reminders: int = 0
    cases: int = 0


def plan(scale: Scale) -> Plan:
    land = territory.plan(scale)
    return Plan(land, people.plan_people(land))


def present_scale() -> str | None:
    """Which demo is in the database: 'city', 'district', or None."""
    district_codes = Region.objects.filter(
        code__in=[d.code for d in territory.CITY_SCALE.districts]
    ).count()
    if district_codes > 1:
        return "city"
    if Region.objects.filter(code=territory.DISTRICT.root).exists():
        return "district"
    return None


class DemoError(Exception):
    """The demo cannot be built as asked; the message says why, in Chinese."""


def build(scale: Scale, *, event_count: int | None = None, now: datetime | None = None) -> Summary:
    """Plan the territory, its people and their year of events and save them in one
    transaction. `event_count` overrides the scale's; the year ends at `now`."""
    started = time.monotonic()
    event_count = scale.events if event_count is None else event_count
    now = now or timezone.now()
    taken = list(User.objects.filter(username__in=people.LOGINS).values_list("username", flat=True))
    if taken:
        raise DemoError(
            f"用户名 {'、'.join(sorted(taken))} 已被其他账号占用，无法创建演示账号；"
            "请先改名或删除这些账号。"
        )
    drawn = plan(scale)
    made = None
    with events.notices_unsent(), transaction.atomic():
        territory.save(drawn.territory)
        people.save_people(drawn.people)
        rules = routing.save_rules(
            routing.plan_rules(drawn.people), by=User.objects.get(username="admin")
        )
        if event_count:
            # Reports are located on the grids just saved, whatever this process saw before.
            locator.forget()
            made = events.save(drawn.territory, drawn.people, count=event_count, now=now)
        cases = mediation.save(scale.root, now=now, count=mediation.CASES if event_count else 0)
        # Points of interest for the map, and the warnings the last week of events raises.
        command.save(codes.prefix(scale.root), now=now, event_count=event_count or 0)
        # Patrols with tracks, visits and inspections of a few grid workers.
        field_work.save(codes.prefix(scale.root), now=now)
        if event_count:
            # The dashboards and the analysis pages count the demo's year of events at once.
            rollup.rebuild(now=now)
    return Summary(
        scale=scale.name,
        towns=len(drawn.territory.regions_at(codes.TOWN)),
        villages=len(drawn.territory.regions_at(codes.VILLAGE)),
        grids=len(drawn.territory.grids),
        clusters=len(drawn.territory.clusters),
        workers=sum(p.role == Role.GRID_WORKER for p in drawn.people.posts),
        accounts=len(drawn.people.people),
        seconds=time.monotonic() - started,
        rules=rules,
        events=made.statuses if made else {},
        orders=made.orders if made else 0,
        reminders=made.reminders if made else 0,
        cases=cases,
    )


def remove() -> None:
    """Delete everything the demo may have made: the whole of 湖州市, its events, routing
    rules and accounts. Events go first: they hold on to grids, departments and people."""
    prefix = codes.prefix(CITY[0])
    with transaction.atomic():
        field_work.remove(prefix)
        mediation.remove(prefix)
        command.remove(prefix)
        events.remove(prefix)
        RoutingRule.objects.filter(region_prefix__startswith=prefix).delete()
        people.remove_people(prefix)
        services.delete_territory(prefix=prefix)


@dataclass
class Login:
    username: str
    role: str
    scope: str  # the region or grid name, and the department if the role has one


def logins() -> list[Login]:
    """The demo accounts as they are in the database, one per role."""
    assignments = {
        a.user.username: a
        for a in RoleAssignment.objects.filter(user__username__in=people.LOGINS).select_related(
            "user", "department"
        )
    }
    scopes = {a.scope for a in assignments.values()}
    region_names = dict(
        Region.objects.filter(code__in=[codes.pad(s) for s in scopes if len(s) <= 12]).values_list(
            "code", "name"
        )
    )
    grid_names = dict(Grid.objects.filter(code__in=scopes).values_list("code", "name"))
    result = []
    for username in people.LOGINS:
        a = assignments.get(username)
        if a is None:
            continue
        scope = (
            grid_names.get(a.scope) if len(a.scope) == 15 else region_names.get(codes.pad(a.scope))
        )
        scope = scope or a.scope
        if a.department is not None:
            scope = f"{scope}（{a.department.name}）"
        result.append(Login(username, str(a.get_role_display()), scope))
    return result


def has_logins() -> bool:
    return User.objects.filter(username__in=people.LOGINS).exists()
