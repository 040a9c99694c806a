"""Working time: which days are workdays, and deadlines counted in working hours or days.

Pure arithmetic over a `Calendar` value; the database-backed calendar lives in
`gridgov.worktime.calendar`. A day is a workday when the calendar lists it as one (a 调休
make-up Saturday or Sunday), is not one when the calendar lists it as a holiday, and
otherwise when it is Monday to Friday — so a year with no entered data counts Monday to
Friday.

Every function takes and returns aware datetimes; the arithmetic happens on the wall clock
of the calendar's time zone (Asia/Shanghai). Times are kept as whole microseconds from
midnight, and a long span skips whole weeks that hold no special day instead of walking
them, so a deadline costs a few microseconds.
"""

import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import accumulate
from types import MappingProxyType
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

# 上午 08:30–12:00, 下午 13:30–17:30: the usual office hours of a town or district office.
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)

_US_PER_HOUR = 3_600_000_000
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class SpecialDay:
    """A date that breaks the Monday–Friday rule (or names a holiday that falls on a weekend)."""

    is_workday: bool
    name: str = ""


@dataclass(frozen=True, eq=False)
class Calendar:
    """The holiday calendar and office hours, as an immutable value.

    `special`: date → SpecialDay (a bare bool is taken as is_workday). `years`: the years whose schedule is known (official or
    entered by an administrator); the arithmetic does not need it, the warnings do.
    `periods`: the working periods of a workday, in order, as (start, end) wall-clock times.
    """

    special: Mapping[date, SpecialDay | bool] = field(default_factory=dict)
    years: frozenset[int] = frozenset()
    periods: tuple[tuple[time, time], ...] = DEFAULT_PERIODS
    tz: tzinfo = SHANGHAI

    # Derived once, so that each call is a dictionary lookup or a bisect.
    _workday: dict[date, bool] = field(init=False, repr=False)
    _dates: tuple[date, ...] = field(init=False, repr=False)
    _shift: tuple[int, ...] = field(init=False, repr=False)
    _bounds: tuple[tuple[int, int], ...] = field(init=False, repr=False)
    _day_length: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        special = MappingProxyType(
            {
                d: s if isinstance(s, SpecialDay) else SpecialDay(bool(s))
                for d, s in self.special.items()
            }
        )
        if isinstance(self.tz, str):
            object.__setattr__(self, "tz", ZoneInfo(self.tz))
        bounds = tuple((_micros(s), _micros(e)) for s, e in self.periods)
        if not bounds:
            raise ValueError("a calendar needs at least one working period")
        previous_end = -1
        for start, end in bounds:
            if start >= end or start < previous_end:
                raise ValueError("working periods must be in order, each ending after it starts")
            previous_end = end
        dates = tuple(sorted(special))
        # How each special date changes the count of workdays against Monday–Friday:
        # +1 for a make-up weekend day, -1 for a holiday on a weekday, 0 otherwise.
        deltas = (int(special[d].is_workday) - int(d.weekday() < 5) for d in dates)
        object.__setattr__(self, "special", special)
        object.__setattr__(self, "years", frozenset(self.years))
        object.__setattr__(self, "periods", tuple(self.periods))
        object.__setattr__(self, "_workday", {d: s.is_workday for d, s in special.items()})
        object.__setattr__(self, "_dates", dates)
        object.__setattr__(self, "_shift", (0, *accumulate(deltas)))
        object.__setattr__(self, "_bounds", bounds)
        object.__setattr__(self, "_day_length", sum(end - start for start, end in bounds))

    @property
    def hours_per_day(self) -> float:
        return self._day_length / _US_PER_HOUR

    def name_of(self, day: date) -> str:
        found = self.special.get(day)
        return found.name if found is not None else ""

    def has_year(self, year: int) -> bool:
        return year in self.years


def parse_periods(text: str) -> tuple[tuple[time, time], ...]:
    """"08:30-12:00,13:30-17:30" → ((08:30, 12:00), (13:30, 17:30)); ValueError if malformed."""
    periods = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        start, sep, end = part.partition("-")
        if not sep:
            raise ValueError(f"working period {part!r} is not written as HH:MM-HH:MM")
        periods.append((_clock(start), _clock(end)))
    Calendar(periods=tuple(periods))  # the same order and overlap checks as any calendar
    return tuple(periods)


def _clock(text: str) -> time:
    """"8:30" or "08:30" → time(8, 30)."""
    hours, sep, minutes = text.strip().partition(":")
    if not (sep and hours.isdigit() and len(hours) <= 2 and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text.strip()!r} is not a time written as HH:MM")
    return time(int(hours), int(minutes))


# --- Days ---------------------------------------------------------------------------------


def is_workday(day: date, calendar: Calendar) -> bool:
    """Special days first (holidays off, 调休 make-up days on); otherwise Monday–Friday."""
    special = calendar._workday.get(day)
    if special is not None:
        return special
    return day.weekday() < 5


def workdays_between(first: date, stop: date, calendar: Calendar) -> int:
    """How many workdays lie in [first, stop)."""
    n = (stop - first).days
    if n <= 0:
        return 0
    weeks, rest = divmod(n, 7)
    weekday = first.weekday()
    count = weeks * 5 + sum(1 for i in range(rest) if (weekday + i) % 7 < 5)
    dates, shift = calendar._dates, calendar._shift
    return count + shift[bisect_left(dates, stop)] - shift[bisect_left(dates, first)]


def nth_workday_after(day: date, n: int, calendar: Calendar) -> date:
    """The n-th workday after `day`, not counting `day` itself (n ≥ 1)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    dates = calendar._dates
    while n > 0:
        if n > 5:
            # Weeks with no special day hold exactly five workdays: jump over them.
            i = bisect_right(dates, day)
            quiet = (dates[i] - day).days - 1 if i < len(dates) else n * 7
            weeks = min(quiet // 7, (n - 1) // 5)
            if weeks:
                day += timedelta(weeks=weeks)
                n -= weeks * 5
                continue
        day += _ONE_DAY
        if is_workday(day, calendar):
            n -= 1
    return day


# --- Moments --------------------------------------------------------------------------------


def is_working_time(moment: datetime, calendar: Calendar) -> bool:
    """Whether `moment` falls inside a working period of a workday (start in, end out)."""
    day, t = _local(moment, calendar)
    return is_workday(day, calendar) and any(s <= t < e for s, e in calendar._bounds)


def next_working_moment(moment: datetime, calendar: Calendar) -> datetime:
    """`moment` itself when it is working time, else the start of the next working period."""
    day, t = _local(moment, calendar)
    if is_workday(day, calendar):
        for start, end in calendar._bounds:
            if t < start:
                return _at(day, start, calendar)
            if t < end:
                return moment.astimezone(calendar.tz)
    return _at(nth_workday_after(day, 1, calendar), calendar._bounds[0][0], calendar)


def add_working_hours(moment: datetime, hours: float, calendar: Calendar) -> datetime:
    """The moment `hours` working hours after `moment`.

    Counting starts at `moment` if it is working time, else at the start of the next working
    period. A deadline that uses up a period exactly ends at that period's end (4 hours
    from 13:30 is 17:30 the same day, not 08:30 the next). Adding 0 hours returns `moment`.
    """
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"hours must be a finite number ≥ 0, not {hours!r}")
    remaining = round(hours * _US_PER_HOUR)
    if remaining == 0:
        return moment.astimezone(calendar.tz)
    day, t = _local(moment, calendar)
    bounds = calendar._bounds
    if is_workday(day, calendar):
        for start, end in bounds:
            if t < end:
                begin = max(t, start)
                if remaining <= end - begin:
                    return _at(day, begin + remaining, calendar)
                remaining -= end - begin
    # Whole workdays used up before the day the deadline falls in, then the rest of it.
    length = calendar._day_length
    full_days = (remaining - 1) // length
    remaining -= full_days * length
    day = nth_workday_after(day, full_days + 1, calendar)
    for start, end in bounds:
        if remaining <= end - start:
            return _at(day, start + remaining, calendar)
        remaining -= end - start
    raise AssertionError("unreachable: the remainder fits in one working day")


def add_working_days(moment: datetime, days: int, calendar: Calendar) -> datetime:
    """The deadline of "`days` 个工作日内" for something that started at `moment`.

    As 《民法典》第二百零一条 and 第二百零三条 count a period, and 《行政许可法》第八十二条 counts
    working days: the day it starts is not counted; the period ends on the `days`-th
    workday after that day, at the close of its last working period (停止业务活动的时间).
    So a report at 10:00 or at 20:00 on Friday with 1 working day is due Monday 17:30,
    and one on Saturday too; holidays and weekends are skipped and 调休 make-up days count.

    `days` = 0 means 当日办结: the close of the day `moment` falls in if that is a workday
    and it has not closed yet, else the close of the next workday. An extension of a
    deadline that fell at a close adds whole workdays after that day.
    """
    if days < 0:
        raise ValueError(f"days must be ≥ 0, not {days!r}")
    day, t = _local(moment, calendar)
    close = calendar._bounds[-1][1]
    if days == 0:
        if is_workday(day, calendar) and t < close:
            return _at(day, close, calendar)
        days = 1
    return _at(nth_workday_after(day, days, calendar), close, calendar)


def working_hours_between(a: datetime, b: datetime, calendar: Calendar) -> float:
    """Working hours from `a` to `b`; negative when `b` is before `a` (how late, how long)."""
    if b < a:
        return -working_hours_between(b, a, calendar)
    day_a, t_a = _local(a, calendar)
    day_b, t_b = _local(b, calendar)
    worked_a = _worked_until(t_a, calendar) if is_workday(day_a, calendar) else 0
    worked_b = _worked_until(t_b, calendar) if is_workday(day_b, calendar) else 0
    if day_a == day_b:
        return (worked_b - worked_a) / _US_PER_HOUR
    length = calendar._day_length
    between = workdays_between(day_a + _ONE_DAY, day_b, calendar)
    first = length - worked_a if is_workday(day_a, calendar) else 0
    return (first + between * length + worked_b) / _US_PER_HOUR


# --- Wall clock -----------------------------------------------------------------------------


def _micros(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _local(moment: datetime, calendar: Calendar) -> tuple[date, int]:
    """The calendar-zone date of `moment` and its microseconds since midnight."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working time needs an aware datetime")
    local = moment.astimezone(calendar.tz)
    micros = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
    return local.date(), micros


def _at(day: date, micros: int, calendar: Calendar) -> datetime:
    # Adding to an aware datetime moves its wall clock, which is what office hours are.
    return datetime(day.year, day.month, day.day, tzinfo=calendar.tz) + timedelta(
        microseconds=micros
    )


def _worked_until(t: int, calendar: Calendar) -> int:
    """Working microseconds of a workday before wall-clock time `t`."""
    worked = 0
    for start, end in calendar._bounds:
        if t <= start:
            break
        worked += min(t, end) - start
    return worked
