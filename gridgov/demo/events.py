"""A year of events in the demo territory, made through the workflow the way people make them.

Like the territory and its people, the events are planned first and saved afterwards. The
plan is seeded and says, for every event, what happens to it and when: who reports it where
and with which words, then each later step (accept, dispatch, sign, feed back, verify, and
the detours: reject, merge, send back, escalate, instruct, extension, rework) at a moment
in working hours. Running the plan calls the workflow functions in the order of those
moments over the whole district, with the deadline sweeper run twice a working day in
between, so the log of every event is the one the workflow writes and the reminders and
督办单 are the ones the sweeper issues. Steps planned after `now` do not happen: the recent
events stay open wherever their plan has got to, green, yellow or red.

A handful of events in the first town are planned backwards from `now` so that each demo
login finds work in its queues whatever the hour the demo is built at.
"""

import math
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import shapely
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from shapely.geometry.base import BaseGeometry

from gridgov.accounts.models import Department, DepartmentKind, Role, RoleAssignment, User
from gridgov.demo import names, routing, texts
from gridgov.demo.people import PeoplePlan
from gridgov.demo.routing import Handler
from gridgov.demo.territory import GridPlan, TerritoryPlan
from gridgov.events import deadlines, sweep, workflow
from gridgov.events.models import (
    Attachment,
    Category,
    Coordination,
    Event,
    EventLog,
    EventSequence,
    Extension,
    Level,
    LimitUnit,
    LogAction,
    Notice,
    Source,
    Status,
    Step,
    SupervisionOrder,
)
from gridgov.lib import codes, workdays
from gridgov.lib.images import placeholder_png
from gridgov.regions.models import AreaType
from gridgov.worktime.calendar import current_calendar

# --- what happens how often ---------------------------------------------------------------

# Minor class → (weight among grid patrol reports, share a grid worker solves on the spot).
PATROL_MIX: dict[str, tuple[float, float]] = {
    "0101": (1.2, 0.3),
    "0102": (3.0, 0.5),
    "0103": (0.6, 0),
    "0104": (0.5, 0),
    "0105": (0.4, 0),
    "0106": (0.8, 0),
    "0107": (0.3, 0),
    "0108": (0.4, 0),
    "0109": (0.15, 0),
    "0201": (0.8, 0),
    "0202": (0.3, 0),
    "0203": (1.6, 0.4),
    "0204": (0.4, 0),
    "0205": (0.6, 0),
    "0301": (2.0, 0.3),
    "0302": (0.5, 0),
    "0303": (1.2, 0),
    "0304": (1.2, 0.4),
    "0305": (0.8, 0),
    "0401": (4.0, 0.6),
    "0402": (3.0, 0.6),
    "0403": (1.0, 0),
    "0404": (1.2, 0.4),
    "0405": (0.3, 0.4),
    "0501": (7.0, 0.55),
    "0502": (2.5, 0),
    "0503": (6.0, 0.5),
    "0504": (3.5, 0.5),
    "0505": (2.5, 0.7),
    "0506": (1.5, 0),
    "0507": (4.0, 0.5),
    "0508": (1.0, 0),
    "0601": (2.0, 0),
    "0602": (1.0, 0),
    "0603": (0.4, 0),
    "0701": (1.5, 0),
    "0702": (1.2, 0),
    "0703": (1.0, 0.4),
    "0704": (1.0, 0),
    "0705": (0.8, 0.5),
    "0801": (0.6, 0),
    "0802": (0.8, 0),
    "0803": (0.3, 0),
    "0901": (1.0, 0),
    "0902": (1.2, 0.4),
    "0903": (3.0, 0.3),
    "0904": (0.6, 0),
    "0905": (0.8, 0.7),
    "1001": (0.6, 0),
    "1002": (0.3, 0),
    "1003": (0.4, 0),
    "1101": (0.6, 0),
    "1102": (0.2, 0),
    "1103": (0.2, 0),
    "1104": (0.2, 0),
    "1105": (0.6, 0),
    "1201": (0.8, 0.6),
    "1202": (0.8, 0),
}
# What residents and 12345 callers bring to the command room.
CALLER_MIX: dict[str, float] = {
    "0102": 3,
    "0106": 3,
    "0703": 3,
    "0903": 3,
    "0904": 2,
    "0905": 2,
    "1001": 1.5,
    "0802": 1.5,
    "0507": 2,
    "0503": 1.5,
    "1201": 1.5,
    "0501": 2,
    "0401": 1,
    "0402": 1,
    "0202": 0.5,
    "0105": 1,
    "0108": 1,
    "0109": 0.5,
    "0601": 1,
    "0701": 1,
}
SENSOR_MIX: dict[str, float] = {"0503": 3, "0507": 3, "0501": 2, "0705": 1, "0702": 1, "0405": 0.5}
LEADER_MIX: dict[str, float] = {
    "0303": 1,
    "0502": 1,
    "0701": 1,
    "0903": 1,
    "0305": 1,
    "0107": 0.5,
    "0601": 1,
}
DEPARTMENT_MIX: dict[str, float] = {"0801": 2, "0802": 2, "0803": 1}

SOURCES: tuple[tuple[str, float], ...] = (
    (Source.GRID_PATROL, 0.74),
    (Source.HOTLINE, 0.12),
    (Source.RESIDENT, 0.08),
    (Source.SENSOR, 0.035),
    (Source.LEADER, 0.015),
    (Source.DEPARTMENT, 0.01),
)
# Some classes come with the season: straw burning after the harvests, stalls and noise in
# summer, charging fires and heating in winter.
SEASONS: dict[str, dict[int, float]] = {
    "0705": {
        5: 4,
        6: 4,
        10: 4,
        11: 3,
        1: 0.2,
        2: 0.2,
        3: 0.3,
        4: 0.5,
        7: 0.3,
        8: 0.3,
        9: 0.5,
        12: 0.3,
    },
    "0402": {11: 1.5, 12: 1.7, 1: 1.7, 2: 1.5},
    "0405": {12: 2, 1: 2, 2: 2},
    "0503": {6: 1.4, 7: 1.5, 8: 1.5, 9: 1.3},
    "0703": {6: 1.4, 7: 1.6, 8: 1.6},
    "0904": {7: 2, 8: 2, 1: 1.5},
}
# Classes that are more often 较大 or 重大.
GRAVE = {"0405", "0302", "0303", "0701", "0105", "1001", "0107", "1101", "0109"}

REJECT_SHARE = 0.045
DUPLICATE_SHARE = 0.03
SEND_BACK_SHARE = 0.05
REWORK_SHARE = 0.07
EXTENSION_SHARE = 0.06
EXTENSION_DENIED = 0.2  # of the requests
ESCALATE_SHARE = {Level.ORDINARY: 0.03, Level.SERIOUS: 0.2, Level.MAJOR: 0.4}
INSTRUCT_SHARE = {Level.ORDINARY: 0.015, Level.SERIOUS: 0.15, Level.MAJOR: 0.6}
# Chance that a step runs past its deadline (it then gets a 督办单 if a sweep sees it), and
# that it is done in the warning window (a reminder).
LATE = {Step.ACCEPT: 0.05, Step.SIGN: 0.06, Step.HANDLE: 0.07, Step.VERIFY: 0.05}
WARNED = 0.1
# Of the events of the last weeks, the share nobody has got round to finishing: the plan
# stops after some step, so the queues hold a backlog, much of it overdue.
STALLED = 0.12
STALL_WORKDAYS = 20
SATISFACTION = (("satisfied", 0.82), ("basically", 0.14), ("unsatisfied", 0.04))

# The sweeper runs every minute in production; here a pass each morning and afternoon:
# enough 督办单 and reminders for the pages and charts, at a fraction of the cost.
SWEEP_TIMES = (time(9), time(14, 30))
WINDOW_DAYS = 365

# Placeholder photo colours: asphalt, grass, brick, water, sky, earth, concrete, leaves.
PALETTE = (
    (96, 98, 104),
    (104, 150, 86),
    (170, 92, 70),
    (70, 120, 150),
    (150, 180, 210),
    (140, 110, 80),
    (180, 178, 170),
    (90, 130, 60),
)


# --- the plan -----------------------------------------------------------------------------


@dataclass
class PlannedStep:
    at: datetime
    action: str  # the name of a workflow function
    note: str = ""
    handler: Handler | None = None  # who a dispatch goes to
    right: Handler | None = None  # who a send-back says it belongs to
    days: int = 0  # of an extension
    satisfaction: str = ""
    photos: int = 0
    by: str = ""  # username, when the plan names the actor (a leader's instruction)


@dataclass
class EventPlan:
    key: int
    grid: str
    category: str  # minor class code
    level: int
    source: str
    reporter: str
    title: str
    description: str
    address: str
    lon: float
    lat: float
    case: int = 0  # which of the class's cases (texts.KINDS) it is
    contact_name: str = ""
    contact_phone: str = ""
    into: int | None = None  # key of the event a duplicate is merged into
    steps: list[PlannedStep] = field(default_factory=list)

    @property
    def reported_at(self) -> datetime:
        return self.steps[0].at

    def digest_line(self) -> str:
        steps = ",".join(f"{s.action}@{s.at.isoformat()}" for s in self.steps)
        head = f"{self.key}|{self.grid}|{self.category}|{self.level}|{self.source}"
        return f"{head}|{self.title}|{steps}"


@dataclass
class _Staff:
    """The people of the plan that events need, by where they work."""

    workers: dict[str, list[str]]  # grid → usernames
    operators: dict[str, list[str]]  # town prefix → usernames
    leaders: dict[str, list[str]]  # district prefix → usernames (district and wider)
    town_leaders: dict[str, list[str]]  # town prefix → usernames
    inspectors: dict[str, list[str]]  # town prefix → 市场监管所 members

    @classmethod
    def of(cls, people: PeoplePlan) -> "_Staff":
        workers: dict[str, list[str]] = {}
        operators: dict[str, list[str]] = {}
        leaders: dict[str, list[str]] = {}
        town_leaders: dict[str, list[str]] = {}
        wide_leaders: list[tuple[str, str]] = []
        for post in people.posts:
            if post.role == Role.GRID_WORKER:
                workers.setdefault(post.scope, []).append(post.username)
            elif post.role == Role.TOWN_OPERATOR:
                operators.setdefault(post.scope, []).append(post.username)
            elif post.role == Role.LEADER:
                if len(post.scope) == codes.PREFIX_LENGTH[codes.TOWN]:
                    town_leaders.setdefault(post.scope, []).append(post.username)
                else:
                    wide_leaders.append((post.scope, post.username))
        districts = {
            codes.prefix(d.region)
            for d in people.departments
            if d.kind == DepartmentKind.COMMAND_ROOM and len(codes.prefix(d.region)) == 6
        }
        for district in sorted(districts):
            leaders[district] = [u for scope, u in wide_leaders if district.startswith(scope)]
        inspectors = {
            codes.prefix(d.region): list(d.members)
            for d in people.departments
            if d.kind == DepartmentKind.MARKET_REGULATION and d.parent is not None
        }
        return cls(workers, operators, leaders, town_leaders, inspectors)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _neutral(description: str) -> str:
    """A description without the grid worker's opening, for reports that came another way."""
    return re.sub(r"^(网格员[^，]{0,10}，|群众反映，)", "", description)


class Planner:
    """Draws the plan of every event; needs the calendar and the deadline rules."""

    def __init__(
        self,
        territory: TerritoryPlan,
        people: PeoplePlan,
        *,
        now: datetime,
        calendar: workdays.Calendar,
        categories: dict[str, Category],
    ) -> None:
        self.scale = territory.scale
        self.seed = f"{self.scale.seed}/{self.scale.name}/events"
        self.calendar = calendar
        self.now = now.astimezone(calendar.tz).replace(microsecond=0)
        self.categories = categories
        self.staff = _Staff.of(people)
        self.grids = {g.code: g for g in territory.grids}
        self.region_names = {r.code: r.name for r in territory.regions}
        self.places: dict[str, texts.Places] = {}
        self.shapes: dict[str, BaseGeometry] = {}
        self.limits: dict[tuple[str, int, str], deadlines.Limit] = {}
        # Grids weighted by people, and more so in town, where more goes on in the street.
        self.grid_codes = [g.code for g in territory.grids]
        self.grid_weights = [
            g.population * (1.4 if g.area_type == AreaType.URBAN else 1.0) for g in territory.grids
        ]
        self.days = self._workdays()

    # --- time ---------------------------------------------------------------------------

    def _workdays(self) -> list[date]:
        first = (self.now - timedelta(days=WINDOW_DAYS)).date()
        days = [
            first + timedelta(days=i)
            for i in range((self.now.date() - first).days + 1)
            if workdays.is_workday(first + timedelta(days=i), self.calendar)
        ]
        return [d for d in days if self._opening(d) < self.now]

    def _opening(self, day: date) -> datetime:
        return datetime.combine(day, self.calendar.periods[0][0], tzinfo=self.calendar.tz)

    def after(self, moment: datetime, hours: float) -> datetime:
        """`hours` working hours after `moment`, to the second, and at least a minute on."""
        later = workdays.add_working_hours(moment, max(hours, 1 / 60), self.calendar)
        return self._working(later.replace(microsecond=0))

    def _working(self, moment: datetime) -> datetime:
        # A period's end (12:00, 17:30) is not working time; the next period's start is.
        if workdays.is_working_time(moment, self.calendar):
            return moment
        return workdays.next_working_moment(moment, self.calendar)

    def before(self, moment: datetime, hours: float) -> datetime:
        """The working moment `hours` working hours before `moment` (a bisection, as the
        calendar only counts forwards)."""
        low = moment - timedelta(days=hours / self.calendar.hours_per_day * 2 + 30)
        high = moment
        for _ in range(48):
            middle = low + (high - low) / 2
            if workdays.working_hours_between(middle, moment, self.calendar) > hours:
                low = middle
            else:
                high = middle
        if high.microsecond:
            high = high.replace(microsecond=0) + timedelta(seconds=1)
        return self._working(high)

    def length(self, category: str, level: int, step: str, start: datetime) -> float:
        """Working hours a step starting at `start` may take."""
        key = (category, level, step)
        if key not in self.limits:
            self.limits[key] = deadlines.limit_for(self.categories[category], level, step)
        limit = self.limits[key]
        if limit.unit == LimitUnit.DAYS:
            due = workdays.add_working_days(start, limit.limit, self.calendar)
            return workdays.working_hours_between(start, due, self.calendar)
        return float(limit.limit)

    def took(self, rng: random.Random, length: float, late: float) -> float:
        """How long a step took: mostly well inside its time, sometimes in the warning
        window, sometimes past the deadline."""
        roll = rng.random()
        if roll < late:
            return length * rng.uniform(1.03, 2.2)
        if roll < late + WARNED:
            return length * rng.uniform(0.8, 0.98)
        return length * max(0.02, 0.78 * rng.betavariate(1.2, 3.0))

    def report_moment(self, rng: random.Random) -> datetime:
        """A working moment of the year, more of them lately as the platform took hold."""
        count = len(self.days)
        while True:
            # Density rising from 0.75 to 1.25 over the year: the inverse of its CDF.
            share = (math.sqrt(0.5625 + rng.random()) - 0.75) / 0.5
            i = min(count - 1, int(count * share))
            hours = rng.triangular(0, self.calendar.hours_per_day, 2.0)
            moment = self.after(self._opening(self.days[i]), hours)
            if moment <= self.now:
                return moment

    # --- place and words ------------------------------------------------------------------

    def _places(self, grid: GridPlan) -> texts.Places:
        found = self.places.get(grid.code)
        if found is None:
            village = self.region_names[codes.pad(grid.code[:12])]
            town = self.region_names[codes.pad(grid.code[:9])]
            found = texts.Places(
                self.seed,
                town=town,
                village=village,
                grid=grid.code,
                urban=grid.area_type == AreaType.URBAN,
            )
            self.places[grid.code] = found
        return found

    def point(
        self, rng: random.Random, grid: GridPlan, near: tuple[float, float] | None = None
    ) -> tuple[float, float]:
        """A point well inside the grid (a few metres off its edges, so it is located in it
        and not in a neighbour), near `near` if given."""
        shape = self.shapes.get(grid.code)
        if shape is None:
            inner = grid.geometry.buffer(-0.0001)
            shape = inner if not inner.is_empty else grid.geometry
            shapely.prepare(shape)
            self.shapes[grid.code] = shape
        min_x, min_y, max_x, max_y = shape.bounds
        for _ in range(200):
            if near is not None:
                x = near[0] + rng.uniform(-0.0006, 0.0006)
                y = near[1] + rng.uniform(-0.0005, 0.0005)
            else:
                x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
            x, y = round(x, 6), round(y, 6)
            if shapely.contains_xy(shape, x, y):
                return x, y
        if near is not None:
            return near
        centre = shape.representative_point()
        return round(centre.x, 6), round(centre.y, 6)

    def words(
        self, rng: random.Random, grid: GridPlan, minor: str, source: str, case: int
    ) -> tuple[str, str, str]:
        """(title, description, address) of case `case` of class `minor` in `grid`."""
        chosen = texts.KINDS[minor][case]
        slots = self._places(grid).slots(rng)
        title = chosen.title.format(**slots)
        if source == Source.SENSOR and minor in texts.SENSOR_ALERTS:
            title = f"{texts.SENSOR_ALERTS[minor]}：{title}"
        description = chosen.description.format(**slots)
        prefix = {
            Source.HOTLINE: texts.HOTLINE_PREFIX,
            Source.RESIDENT: texts.RESIDENT_PREFIX,
            Source.SENSOR: texts.SENSOR_PREFIX,
            Source.LEADER: texts.LEADER_PREFIX,
            Source.DEPARTMENT: texts.DEPARTMENT_PREFIX,
        }.get(source)
        if prefix:
            description = prefix + _neutral(description)
        used = chosen.title + chosen.description
        if "{home}" in used:
            where = slots["home"]
        elif "{market}" in used or "{school}" in used:
            where = slots["market" if "{market}" in used else "school"]
        elif any(f"{{{s}}}" in used for s in ("spot", "road", "shop", "company")):
            where = slots["spot_address"]
        elif "{estate}" in used:
            where = slots["estate"]
        else:
            where = slots["village"]
        town = self.region_names[codes.pad(grid.code[:9])]
        return title[:100], description, town + where

    def feedback(self, rng: random.Random, plan: EventPlan) -> str:
        chosen = texts.KINDS[plan.category][plan.case]
        return chosen.feedback.format(**self._places(self.grids[plan.grid]).slots(rng))

    # --- events -----------------------------------------------------------------------------

    def plan(self, count: int) -> list[EventPlan]:
        """`count` events over the year, the duplicates of some, and the showcase of the
        demo logins, ordered by key."""
        plans = [self.one(key) for key in range(count)]
        plans += self.duplicates(plans, first_key=count)
        self.stall(plans)
        plans += self.showcase(first_key=len(plans))
        return plans

    def one(self, key: int) -> EventPlan:
        rng = random.Random(f"{self.seed}/{key}")
        reported = self.report_moment(rng)
        source = rng.choices([s for s, _ in SOURCES], weights=[w for _, w in SOURCES])[0]
        grid = self.grids[rng.choices(self.grid_codes, weights=self.grid_weights)[0]]
        town = grid.code[:9]
        month = reported.month
        if source == Source.GRID_PATROL:
            minor = _pick(
                rng,
                {c: w * SEASONS.get(c, {}).get(month, 1.0) for c, (w, _) in PATROL_MIX.items()},
            )
            workers = self.staff.workers[grid.code]
            # The 网格长 reports most; the demo login a good share of its grid's events.
            reporter = rng.choices(
                workers, weights=[{"a": 1.0, "b": 0.8, "c": 0.4}.get(u[-1], 1.2) for u in workers]
            )[0]
        else:
            mix = {
                Source.SENSOR: SENSOR_MIX,
                Source.LEADER: LEADER_MIX,
                Source.DEPARTMENT: DEPARTMENT_MIX,
            }.get(source, CALLER_MIX)
            minor = _pick(rng, {c: w * SEASONS.get(c, {}).get(month, 1.0) for c, w in mix.items()})
            if source == Source.LEADER:
                pool = self.staff.town_leaders.get(town, []) + self.staff.leaders[grid.code[:6]]
            elif source == Source.DEPARTMENT:
                pool = self.staff.inspectors.get(town) or self.staff.operators[town]
            else:
                pool = self.staff.operators[town]
            reporter = rng.choice(pool)
        level = self.level(rng, minor)
        case = rng.randrange(len(texts.KINDS[minor]))
        title, description, address = self.words(rng, grid, minor, source, case)
        lon, lat = self.point(rng, grid)
        plan = EventPlan(
            key,
            grid.code,
            minor,
            level,
            source,
            reporter,
            title,
            description,
            address,
            lon,
            lat,
            case=case,
        )
        if source in (Source.HOTLINE, Source.RESIDENT):
            plan.contact_name = names.person_name(rng)
            plan.contact_phone = texts.masked_phone(rng)
        on_spot = texts.KINDS[minor][case].on_spot
        if (
            source == Source.GRID_PATROL
            and level == Level.ORDINARY
            and on_spot
            and rng.random() < PATROL_MIX[minor][1]
        ):
            plan.steps.append(
                PlannedStep(reported, "self_handle", note=on_spot, photos=rng.choice((1, 1, 2)))
            )
            return plan
        plan.steps.append(PlannedStep(reported, "report", photos=self.report_photos(rng, source)))
        if rng.random() < REJECT_SHARE:
            length = self.length(minor, level, Step.ACCEPT, reported)
            plan.steps.append(
                PlannedStep(
                    self.after(reported, self.took(rng, length, LATE[Step.ACCEPT])),
                    "reject",
                    note=rng.choice(texts.REJECT_REASONS),
                )
            )
            return plan
        self.lifecycle(rng, plan)
        return plan

    def level(self, rng: random.Random, minor: str) -> int:
        weights = (0.7, 0.25, 0.05) if minor in GRAVE else (0.92, 0.075, 0.005)
        return rng.choices((Level.ORDINARY, Level.SERIOUS, Level.MAJOR), weights=weights)[0]

    @staticmethod
    def report_photos(rng: random.Random, source: str) -> int:
        if source == Source.GRID_PATROL:
            return rng.choices((0, 1, 2), weights=(0.2, 0.7, 0.1))[0]
        if source in (Source.SENSOR, Source.DEPARTMENT, Source.LEADER):
            return 1
        return 0

    def lifecycle(self, rng: random.Random, plan: EventPlan) -> None:
        """From acceptance to verification, with the detours this event takes."""
        minor, level, t = plan.category, plan.level, plan.reported_at
        steps = plan.steps
        accept_length = self.length(minor, level, Step.ACCEPT, t)
        accept_took = self.took(rng, accept_length, LATE[Step.ACCEPT])
        right = routing.by_hand(minor)
        auto = routing.routed(minor) is not None
        escalate = rng.random() < ESCALATE_SHARE[level]
        send_back = rng.random() < SEND_BACK_SHARE
        # A class without a rule waits for the command room after acceptance.
        accepted = self.after(t, accept_took * (1.0 if auto else 0.75))
        steps.append(PlannedStep(accepted, "accept"))
        t = accepted
        if not auto:
            if escalate:
                t = self.after(t, accept_length * rng.uniform(0.05, 0.3))
                steps.append(PlannedStep(t, "escalate", note=rng.choice(texts.ESCALATE_REASONS)))
                escalate = False
                right = Handler(right.kind, routing.DISTRICT)
            first = routing.misrouted(minor, right) if send_back else right
            t = self.after(t, accept_took * 0.25)
            steps.append(
                PlannedStep(t, "dispatch", handler=first, note=rng.choice(texts.DISPATCH_NOTES))
            )
        elif send_back:
            # The rule sent it where it does not belong: it comes back and goes by hand.
            right = routing.misrouted(minor, routing.routed(minor))
        if send_back:
            sign_length = self.length(minor, level, Step.SIGN, t)
            t = self.after(t, sign_length * rng.uniform(0.1, 0.9))
            steps.append(
                PlannedStep(t, "send_back", right=right, note=rng.choice(texts.SEND_BACK_REASONS))
            )
            t = self.after(t, accept_length * rng.uniform(0.05, 0.4))
            steps.append(
                PlannedStep(t, "dispatch", handler=right, note=rng.choice(texts.DISPATCH_NOTES))
            )
        signed = self.after(
            t, self.took(rng, self.length(minor, level, Step.SIGN, t), LATE[Step.SIGN])
        )
        steps.append(PlannedStep(signed, "sign"))
        handle_length = self.length(minor, level, Step.HANDLE, signed)
        handled = self.after(signed, self.took(rng, handle_length, LATE[Step.HANDLE]))
        if rng.random() < EXTENSION_SHARE:
            days = rng.randrange(3, 11)
            asked = self.after(signed, handle_length * rng.uniform(0.55, 0.85))
            decided = self.after(asked, rng.uniform(0.3, 3.0))
            steps.append(
                PlannedStep(
                    asked, "request_extension", days=days, note=rng.choice(texts.EXTENSION_REASONS)
                )
            )
            if rng.random() < EXTENSION_DENIED:
                steps.append(
                    PlannedStep(decided, "deny_extension", note=rng.choice(texts.DENY_NOTES))
                )
                handled = self.after(signed, handle_length * rng.uniform(0.9, 1.4))
            else:
                steps.append(
                    PlannedStep(decided, "approve_extension", note=rng.choice(texts.APPROVE_NOTES))
                )
                extra = days * self.calendar.hours_per_day * rng.uniform(0.1, 0.9)
                handled = self.after(signed, handle_length + extra)
            handled = max(handled, self.after(decided, 1.0))
        span = workdays.working_hours_between(signed, handled, self.calendar)
        if escalate:
            steps.append(
                PlannedStep(
                    self.after(signed, span * 0.15),
                    "escalate",
                    note=rng.choice(texts.ESCALATE_REASONS),
                )
            )
        if rng.random() < INSTRUCT_SHARE[level]:
            steps.append(
                PlannedStep(
                    self.after(signed, span * 0.3),
                    "instruct",
                    note=rng.choice(texts.INSTRUCTIONS),
                    by=rng.choice(self.staff.leaders[plan.grid[:6]]),
                )
            )
        if right.assisting:
            steps.append(
                PlannedStep(
                    self.after(signed, span * 0.45), "assist", note=rng.choice(texts.ASSIST_NOTES)
                )
            )
        steps.append(PlannedStep(handled, "feed_back", note=self.feedback(rng, plan), photos=1))
        t = handled
        verify_length = self.length(minor, level, Step.VERIFY, t)
        if rng.random() < REWORK_SHARE:
            t = self.after(t, self.took(rng, verify_length, 0))
            steps.append(PlannedStep(t, "rework", note=rng.choice(texts.REWORK_REASONS)))
            t = self.after(t, self.length(minor, level, Step.HANDLE, t) * rng.uniform(0.05, 0.5))
            steps.append(PlannedStep(t, "feed_back", note=self.feedback(rng, plan), photos=1))
            verify_length = self.length(minor, level, Step.VERIFY, t)
        t = self.after(t, self.took(rng, verify_length, LATE[Step.VERIFY]))
        satisfaction = ""
        if plan.source != Source.GRID_PATROL:
            satisfaction = rng.choices(
                [s for s, _ in SATISFACTION], weights=[w for _, w in SATISFACTION]
            )[0]
        steps.append(
            PlannedStep(t, "verify", note=rng.choice(texts.VERIFY_NOTES), satisfaction=satisfaction)
        )
        steps.sort(key=lambda s: s.at)

    def stall(self, plans: list[EventPlan]) -> None:
        """Cut the plans of some recent events after a random step. Duplicates and the
        events they are merged into keep their plans: a merge needs its target open."""
        rng = random.Random(f"{self.seed}/stalled")
        recent = self._opening(self.days[-min(STALL_WORKDAYS, len(self.days))])
        targets = {p.into for p in plans if p.into is not None}
        for plan in plans:
            if (
                plan.reported_at >= recent
                and plan.steps[-1].action == "verify"
                and plan.key not in targets
                and rng.random() < STALLED
            ):
                del plan.steps[rng.randrange(1, len(plan.steps)) :]

    def duplicates(self, plans: list[EventPlan], *, first_key: int) -> list[EventPlan]:
        """Second reports of problems already reported, merged by the command room into the
        first while it is still open."""
        rng = random.Random(f"{self.seed}/duplicates")
        candidates = [p for p in plans if p.steps[-1].action == "verify"]
        chosen = rng.sample(candidates, k=min(len(candidates), round(len(plans) * DUPLICATE_SHARE)))
        result = []
        for original in sorted(chosen, key=lambda p: p.key):
            reported = self.after(original.reported_at, rng.uniform(0.3, 5.0))
            merged = self.after(reported, rng.uniform(0.1, 1.5))
            if merged >= original.steps[-1].at or reported > self.now:
                continue
            grid = self.grids[original.grid]
            town = grid.code[:9]
            others = [u for u in self.staff.workers[grid.code] if u != original.reporter]
            if others and rng.random() < 0.5:
                source, reporter = Source.GRID_PATROL, rng.choice(others)
                description = original.description
            else:
                source, reporter = Source.HOTLINE, rng.choice(self.staff.operators[town])
                description = texts.HOTLINE_PREFIX + _neutral(original.description)
            lon, lat = self.point(rng, grid, near=(original.lon, original.lat))
            plan = EventPlan(
                first_key + len(result),
                grid.code,
                original.category,
                original.level,
                source,
                reporter,
                original.title,
                description,
                original.address,
                lon,
                lat,
                case=original.case,
                into=original.key,
            )
            if source == Source.HOTLINE:
                plan.contact_name = names.person_name(rng)
                plan.contact_phone = texts.masked_phone(rng)
            plan.steps = [
                PlannedStep(reported, "report", photos=self.report_photos(rng, source)),
                PlannedStep(merged, "merge", note=rng.choice(texts.MERGE_NOTES)),
            ]
            result.append(plan)
        return result

    # --- the demo logins' work --------------------------------------------------------------

    # (class, where the plan stops, how far into that step's time `now` is)
    SHOWCASE: tuple[tuple[str, str, float], ...] = (
        ("0501", Status.REPORTED, 0.1),
        ("0503", Status.REPORTED, 0.9),
        ("0507", Status.REPORTED, 2.0),
        ("0102", Status.ACCEPTED, 0.3),
        ("0101", Status.ACCEPTED, 1.6),
        ("0503", Status.DISPATCHED, 0.25),
        ("0505", Status.DISPATCHED, 2.5),
        ("0501", Status.HANDLING, 0.1),
        ("0601", Status.HANDLING, 0.9),
        ("0502", Status.HANDLING, 1.3),
        ("0504", Status.HANDLING, 0.6),
        ("0503", Status.HANDLED, 0.2),
        ("0505", Status.HANDLED, 1.5),
    )

    def showcase(self, *, first_key: int) -> list[EventPlan]:
        """Events of the demo worker in its grid, stopped in every open state, some of them
        yellow or red at `now`; and two hotline calls the town operator took, one waiting to
        be accepted and one for the town's check."""
        worker = next((g for g, users in self.staff.workers.items() if "worker" in users), None)
        if worker is None:
            return []
        town = worker[:9]
        specs = [(c, s, r, Source.GRID_PATROL, "worker") for c, s, r in self.SHOWCASE]
        operator = (
            "town"
            if "town" in self.staff.operators.get(town, [])
            else self.staff.operators[town][0]
        )
        specs.append(("0903", Status.HANDLED, 0.3, Source.HOTLINE, operator))
        specs.append(("0106", Status.REPORTED, 0.5, Source.HOTLINE, operator))
        grid = self.grids[worker]
        result = []
        for offset, (minor, stop, into, source, reporter) in enumerate(specs):
            key = first_key + offset
            rng = random.Random(f"{self.seed}/showcase/{offset}")
            case = rng.randrange(len(texts.KINDS[minor]))
            title, description, address = self.words(rng, grid, minor, source, case)
            lon, lat = self.point(rng, grid)
            plan = EventPlan(
                key,
                grid.code,
                minor,
                Level.ORDINARY,
                source,
                reporter,
                title,
                description,
                address,
                lon,
                lat,
                case=case,
            )
            if source == Source.HOTLINE:
                plan.contact_name = names.person_name(rng)
                plan.contact_phone = texts.masked_phone(rng)
            self.backwards(rng, plan, stop, into)
            result.append(plan)
        return result

    def backwards(self, rng: random.Random, plan: EventPlan, stop: str, into: float) -> None:
        """Steps up to `stop`, timed so that at `now` the current step has used `into` of
        its time (above 1: overdue)."""
        minor, level = plan.category, plan.level
        step = {
            Status.REPORTED: Step.ACCEPT,
            Status.ACCEPTED: Step.ACCEPT,
            Status.DISPATCHED: Step.SIGN,
            Status.HANDLING: Step.HANDLE,
            Status.HANDLED: Step.VERIFY,
        }[stop]
        # The step's length depends on when it started; three rounds settle it.
        start = self.now
        for _ in range(3):
            start = self.before(self.now, into * self.length(minor, level, step, start))
        photos = self.report_photos(rng, plan.source)
        if stop == Status.REPORTED:
            plan.steps = [PlannedStep(start, "report", photos=photos)]
            return
        if stop == Status.ACCEPTED:
            accepted = self.after(start, 0.2)
            plan.steps = [
                PlannedStep(start, "report", photos=photos),
                PlannedStep(accepted, "accept"),
            ]
            return
        # Signing, handling and checking start from the dispatch, sign and feedback.
        handled = signed = dispatched = start
        if stop == Status.HANDLED:
            signed = self.before(handled, rng.uniform(3, 12))
        if stop != Status.DISPATCHED:
            dispatched = self.before(signed, rng.uniform(0.2, 1.2))
        reported = self.before(dispatched, rng.uniform(0.3, 1.5))
        plan.steps = [
            PlannedStep(reported, "report", photos=photos),
            PlannedStep(dispatched, "accept"),
        ]
        if stop == Status.DISPATCHED:
            return
        plan.steps.append(PlannedStep(signed, "sign"))
        if stop == Status.HANDLING:
            return
        plan.steps.append(
            PlannedStep(handled, "feed_back", note=self.feedback(rng, plan), photos=1)
        )


# --- running the plan ---------------------------------------------------------------------


@dataclass
class Outcome:
    statuses: dict[str, int]
    orders: int
    reminders: int

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


class Runner:
    """Carries the plan out through the workflow, in the order of its moments."""

    def __init__(self, plans: list[EventPlan], *, now: datetime, prefix: str, seed: str) -> None:
        self.plans = {p.key: p for p in plans}
        self.now = now
        self.seed = seed
        self.categories = {c.code: c for c in Category.objects.filter(parent__isnull=False)}
        self.users = {
            u.username: u for u in User.objects.filter(roles__scope__startswith=prefix).distinct()
        }
        self.rooms: dict[str, list[User]] = {}
        for scope, username in (
            RoleAssignment.objects.filter(
                role__in=[Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR], scope__startswith=prefix
            )
            .order_by("scope", "user__username")
            .values_list("scope", "user__username")
        ):
            self.rooms.setdefault(scope, []).append(self.users[username])
        departments = Department.objects.filter(region__code__startswith=prefix).select_related(
            "region", "head"
        )
        self.departments = {(d.kind, d.region.code): d for d in departments}
        self.members: dict[int, list[User]] = {}
        for department_id, username in (
            Department.members.through.objects.filter(department__in=departments)
            .order_by("department_id", "user__username")
            .values_list("department_id", "user__username")
        ):
            self.members.setdefault(department_id, []).append(self.users[username])
        self.events: dict[int, Event] = {}
        self.by_pk: dict[int, Event] = {}
        self.open: dict[int, Event] = {}  # by pk
        self.extensions: dict[int, Extension] = {}
        self.pictures = [placeholder_png(rgb=rgb) for rgb in PALETTE]
        self.calendar = current_calendar()

    def run(self, sweeps: list[datetime]) -> None:
        agenda: list[tuple[datetime, int, int, int]] = [
            (step.at, 0, plan.key, i)
            for plan in self.plans.values()
            for i, step in enumerate(plan.steps)
            if step.at <= self.now
        ]
        agenda += [(moment, 1, 0, 0) for moment in sweeps]
        agenda.sort()
        for at, kind, key, index in agenda:
            if kind == 1:
                self.sweep(at)
                continue
            plan = self.plans[key]
            try:
                self.do(plan, index, plan.steps[index])
            except Exception as error:
                raise RuntimeError(
                    f"演示事件 {key} 第 {index + 1} 步（{plan.steps[index].action}）失败：{error}"
                ) from error
            event = self.events[key]
            if event.is_open:
                self.open[event.pk] = event
            else:
                self.open.pop(event.pk, None)

    # --- who acts ---------------------------------------------------------------------------

    def room(self, event: Event, rng: random.Random) -> User:
        digits = 6 if event.coordination == Coordination.DISTRICT else 9
        return rng.choice(self.rooms[event.area_code[:digits]])

    def member(self, department: Department, rng: random.Random) -> User:
        return rng.choice(self.members[department.pk])

    def verifier(self, event: Event, rng: random.Random) -> User:
        if event.source == Source.GRID_PATROL:
            return event.reporter
        return self.room(event, rng)

    def department(self, handler: Handler, event: Event, *, district: bool = False) -> Department:
        town = codes.pad(event.area_code[:9])
        body = codes.pad(event.area_code[:6])
        if handler.level == routing.TOWN and not district:
            found = self.departments.get((handler.kind, town))
            if found is not None:
                return found
        return self.departments[(handler.kind, body)]

    def photos(self, count: int, rng: random.Random, at: datetime) -> list[SimpleUploadedFile]:
        """Placeholder photos named the way a phone names them; a few shared images, so
        thousands of attachments take little room."""
        stamp = at.astimezone(self.calendar.tz)
        return [
            SimpleUploadedFile(
                f"IMG_{stamp:%Y%m%d_%H%M%S}_{i + 1}.png", rng.choice(self.pictures), "image/png"
            )
            for i in range(count)
        ]

    # --- one step ---------------------------------------------------------------------------

    def do(self, plan: EventPlan, index: int, step: PlannedStep) -> None:
        rng = random.Random(f"{self.seed}/{plan.key}/{index}")
        at = step.at
        action = step.action
        if action in ("report", "self_handle"):
            common = dict(
                by=self.users[plan.reporter],
                title=plan.title,
                description=plan.description,
                category=self.categories[plan.category],
                level=plan.level,
                lon=plan.lon,
                lat=plan.lat,
                address=plan.address,
                at=at,
            )
            if action == "report":
                event, _ = workflow.report(
                    **common,
                    source=plan.source,
                    contact_name=plan.contact_name,
                    contact_phone=plan.contact_phone,
                    photos=self.photos(step.photos, rng, at),
                )
            else:
                event, _ = workflow.self_handle(
                    **common, note=step.note, photos=self.photos(step.photos, rng, at)
                )
            self.events[plan.key] = event
            self.by_pk[event.pk] = event
            return
        event = self.events[plan.key]
        if action == "accept":
            workflow.accept(event, by=self.room(event, rng), at=at)
        elif action == "reject":
            workflow.reject(event, by=self.room(event, rng), reason=step.note, at=at)
        elif action == "merge":
            workflow.merge(
                event, into=self.events[plan.into], by=self.room(event, rng), note=step.note, at=at
            )
        elif action == "dispatch":
            district = event.coordination == Coordination.DISTRICT
            lead = self.department(step.handler, event, district=district)
            assisting = [
                self.department(Handler(kind, routing.TOWN), event, district=district)
                for kind in step.handler.assisting
            ]
            workflow.dispatch(
                event,
                lead=lead,
                assisting=assisting,
                by=self.room(event, rng),
                note=step.note,
                at=at,
            )
        elif action == "send_back":
            right = self.department(step.right, event)
            workflow.send_back(
                event,
                by=self.member(event.lead, rng),
                reason=step.note.format(right=right.name),
                at=at,
            )
        elif action == "sign":
            workflow.sign(event, by=self.member(event.lead, rng), at=at)
        elif action == "escalate":
            workflow.escalate(event, by=self.room(event, rng), reason=step.note, at=at)
        elif action == "instruct":
            workflow.instruct(event, by=self.users[step.by], note=step.note, at=at)
        elif action == "assist":
            # The plan counts on the helpers of its dispatch or of the routing rule.
            helper = event.assisting.order_by("pk").first()
            workflow.assist(event, by=self.member(helper, rng), note=step.note, at=at)
        elif action == "request_extension":
            self.extensions[plan.key] = workflow.request_extension(
                event, by=self.member(event.lead, rng), days=step.days, reason=step.note, at=at
            )
        elif action == "approve_extension":
            workflow.approve_extension(
                self.extensions[plan.key], by=self.room(event, rng), note=step.note, at=at
            )
        elif action == "deny_extension":
            workflow.deny_extension(
                self.extensions[plan.key], by=self.room(event, rng), note=step.note, at=at
            )
        elif action == "feed_back":
            workflow.feed_back(
                event,
                by=self.member(event.lead, rng),
                note=step.note,
                photos=self.photos(step.photos, rng, at),
                at=at,
            )
        elif action == "rework":
            workflow.rework(event, by=self.verifier(event, rng), reason=step.note, at=at)
        elif action == "verify":
            workflow.verify(
                event,
                by=self.verifier(event, rng),
                note=step.note,
                satisfaction=step.satisfaction,
                at=at,
            )
        else:
            raise ValueError(f"unknown step {action}")

    def sweep(self, at: datetime) -> None:
        """One pass of the sweeper at `at`; the events it wrote to are read back, as the
        next workflow call on them must chain onto the sweeper's log row."""
        if not any(self._due(event, at) for event in self.open.values()):
            return  # the pass would find nothing: spare its queries
        result = sweep.sweep_once(at)
        if result.failures:
            raise RuntimeError(f"督办扫描在 {at:%Y-%m-%d %H:%M} 出错 {result.failures} 次")
        if not result.reminders and not result.orders:
            return
        touched = EventLog.objects.filter(
            at=at, action__in=[LogAction.REMIND, LogAction.SUPERVISE]
        ).values_list("event_id", flat=True)
        for pk, length, head, reminded, supervised in Event.objects.filter(
            pk__in=touched
        ).values_list("pk", "log_length", "log_head", "reminded_for", "supervised_for"):
            event = self.by_pk.get(pk)
            if event is not None:
                event.log_length, event.log_head = length, head
                event.reminded_for, event.supervised_for = reminded, supervised

    @staticmethod
    def _due(event: Event, at: datetime) -> bool:
        """Whether the sweeper has something to do for this open event at `at`: the
        conditions of `sweep.orders_due` and `sweep.reminders_due`."""
        if event.due_at is None:
            return False
        if event.due_at <= at:
            return event.supervised_for != event.due_at
        return (
            event.warn_at is not None and event.warn_at <= at and event.reminded_for != event.due_at
        )


def sweep_moments(now: datetime, calendar: workdays.Calendar) -> list[datetime]:
    """The sweeper's passes over the year up to `now`, and one at `now` itself."""
    local = now.astimezone(calendar.tz)
    first = (local - timedelta(days=WINDOW_DAYS)).date()
    moments = []
    for i in range((local.date() - first).days + 1):
        day = first + timedelta(days=i)
        if not workdays.is_workday(day, calendar):
            continue
        for clock in SWEEP_TIMES:
            moment = datetime.combine(day, clock, tzinfo=calendar.tz)
            if moment < local:
                moments.append(moment)
    moments.append(local.replace(microsecond=0))
    return moments


# --- building and removing ----------------------------------------------------------------


class UnsentBackend(BaseTaskBackend):
    """A task backend that takes tasks and runs none of them."""

    supports_defer = True

    def enqueue(self, task: Task, args: list, kwargs: dict) -> TaskResult:
        self.validate_task(task)
        now = timezone.now()
        return TaskResult(
            task=task,
            id="",
            status=TaskResultStatus.READY,
            enqueued_at=now,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )


@contextmanager
def notices_unsent() -> Iterator[None]:
    """The workflow writes a notice for every person a step concerns and queues a task to
    send it. The demo's people are invented and its year has already happened: the notices
    stay on record, and sending tens of thousands of them would only bury a real worker's
    queue. Wrap the whole transaction: the sending is queued when it commits."""
    with override_settings(
        TASKS={"default": {"BACKEND": f"{UnsentBackend.__module__}.UnsentBackend"}}
    ):
        yield


def plan(
    territory: TerritoryPlan, people: PeoplePlan, *, count: int, now: datetime
) -> list[EventPlan]:
    """The events of the demo, drawn against the holiday calendar and deadline rules in the
    database; the same territory, count and `now` always give the same plan."""
    categories = {c.code: c for c in Category.objects.filter(parent__isnull=False)}
    planner = Planner(
        territory, people, now=now, calendar=current_calendar(), categories=categories
    )
    return planner.plan(count)


def save(territory: TerritoryPlan, people: PeoplePlan, *, count: int, now: datetime) -> Outcome:
    """Plan the events and make them through the workflow; the caller holds the transaction
    (inside `notices_unsent`)."""
    plans = plan(territory, people, count=count, now=now)
    prefix = codes.prefix(territory.scale.root)
    runner = Runner(
        plans,
        now=now.replace(microsecond=0),
        prefix=prefix,
        seed=f"{territory.scale.seed}/{territory.scale.name}/actors",
    )
    runner.run(sweep_moments(now, current_calendar()))
    return outcome(prefix)


def outcome(prefix: str) -> Outcome:
    events = Event.objects.filter(area_code__startswith=prefix)
    statuses = dict(
        events.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return Outcome(
        statuses={s: statuses.get(s, 0) for s in Status.values},
        orders=SupervisionOrder.objects.filter(event__area_code__startswith=prefix).count(),
        reminders=EventLog.objects.filter(
            event__area_code__startswith=prefix, action=LogAction.REMIND
        ).count(),
    )


def remove(prefix: str) -> None:
    """Delete the events under `prefix` with everything that hangs on them, and their files
    once the deletion has committed; the caller holds the transaction."""
    events = Event.objects.filter(area_code__startswith=prefix)
    attachments = Attachment.objects.filter(event__in=events)
    files = [name for name in attachments.values_list("file", flat=True) if name]
    attachments.delete()
    SupervisionOrder.objects.filter(event__in=events).delete()
    Notice.objects.filter(event__in=events).delete()
    Extension.objects.filter(event__in=events).delete()
    EventLog.objects.filter(event__in=events).delete()
    Event.assisting.through.objects.filter(event__in=events).delete()
    # A duplicate points at the event it was merged into: duplicates go first.
    events.filter(merged_into__isnull=False).delete()
    events.delete()
    # The numbers start again from 000001 when the demo is built again.
    EventSequence.objects.filter(district__startswith=prefix).delete()

    def delete_files() -> None:
        for name in files:
            default_storage.delete(name)

    transaction.on_commit(delete_files)
