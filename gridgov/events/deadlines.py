"""How long each step may take, and when its light turns yellow, in working time."""

from dataclasses import dataclass
from datetime import datetime

from gridgov.events import catalogue
from gridgov.events.models import Category, Level, LimitUnit, Step
from gridgov.lib import workdays
from gridgov.worktime.calendar import current_calendar


@dataclass(frozen=True)
class Limit:
    limit: int
    unit: str
    warning_hours: int | None = None  # None: the default window for the level


H, D = LimitUnit.HOURS, LimitUnit.DAYS

# Defaults when neither the minor nor the major class has a rule. Tighter for graver events.
DEFAULTS: dict[int, dict[str, Limit]] = {
    Level.ORDINARY: {Step.ACCEPT: Limit(4, H), Step.SIGN: Limit(2, H), Step.HANDLE: Limit(5, D), Step.VERIFY: Limit(1, D)},
    Level.SERIOUS: {Step.ACCEPT: Limit(2, H), Step.SIGN: Limit(1, H), Step.HANDLE: Limit(3, D), Step.VERIFY: Limit(4, H)},
    Level.MAJOR: {Step.ACCEPT: Limit(1, H), Step.SIGN: Limit(1, H), Step.HANDLE: Limit(1, D), Step.VERIFY: Limit(2, H)},
    Level.CRITICAL: {Step.ACCEPT: Limit(1, H), Step.SIGN: Limit(1, H), Step.HANDLE: Limit(4, H), Step.VERIFY: Limit(1, H)},
}

# Level 较大 and above turn yellow this many working hours before the deadline; an ordinary
# event when a fifth of its step's time is left (the 80% rule of 数字城管 systems).
SERIOUS_WARNING_HOURS = 24
ORDINARY_WARNING_SHARE = 0.2
# No window takes more than half of its step: every default step of 较大 and above is shorter
# than 24 working hours, and a window as long as the step turns it yellow, and has the
# sweeper remind, the moment it starts. An administrator's rule is held to the same share.
MAX_WARNING_SHARE = 0.5


def warning_window(length: float, *, level: int, warning_hours: int | None = None) -> float:
    """How many working hours before the deadline a step of `length` working hours turns
    yellow: the rule's own window, else the level's default, never more than half the step."""
    if warning_hours is not None:
        window = float(warning_hours)
    elif level >= Level.SERIOUS:
        window = float(SERIOUS_WARNING_HOURS)
    else:
        window = length * ORDINARY_WARNING_SHARE
    return min(window, length * MAX_WARNING_SHARE)


def longest_window(limit: int, unit: str, hours_per_day: float) -> float:
    """The longest warning window a rule of `limit` `unit`s may set, in working hours."""
    length = limit if unit == LimitUnit.HOURS else limit * hours_per_day
    return length * MAX_WARNING_SHARE


def limit_for(category: Category, level: int, step: str) -> Limit:
    """The rule of the minor class, else of its major class, else the default."""
    candidates = [category.pk] + ([category.parent_id] if category.parent_id else [])
    rules = catalogue.current().rules
    for category_id in candidates:
        rule = rules.get((category_id, level, step))
        if rule is not None:
            return Limit(rule.limit, rule.unit, rule.warning_hours or None)
    return DEFAULTS[level][step]


def step_deadline(start: datetime, *, category: Category, level: int, step: str) -> tuple[datetime, datetime]:
    """(due_at, warn_at) for a step of an event of this category and level starting at `start`."""
    limit = limit_for(category, level, step)
    calendar = current_calendar()
    if limit.unit == LimitUnit.DAYS:
        due = workdays.add_working_days(start, limit.limit, calendar)
    else:
        due = workdays.add_working_hours(start, limit.limit, calendar)
    return due, warning_time(start, due, level=level, warning_hours=limit.warning_hours)


def warning_time(start: datetime, due: datetime, *, level: int, warning_hours: int | None = None) -> datetime:
    """When a step running from `start` to `due` turns yellow."""
    calendar = current_calendar()
    length = workdays.working_hours_between(start, due, calendar)
    # A deadline already behind `start` (an extension approved late) has no window left.
    length = max(0.0, length)
    window = warning_window(length, level=level, warning_hours=warning_hours)
    return workdays.add_working_hours(start, length - window, calendar)


def extend(due: datetime, days: int) -> datetime:
    """A deadline moved on by `days` working days (an approved extension)."""
    return workdays.add_working_days(due, days, current_calendar())
