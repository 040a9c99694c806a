"""The holiday calendar kept in the database, and the Calendar value every process uses.

Each process builds its `Calendar` on first use and rebuilds it when the version stamp in
the database changes; the stamp is re-read at most every CALENDAR_CHECK_SECONDS, so
computing a deadline costs no query. Every change here replaces the stamp.

Each function validates its input and raises ValidationError keyed by field.
"""

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.lib import workdays
from gridgov.worktime import official
from gridgov.worktime.models import CalendarDay, CalendarVersion, CalendarYear, Source

log = logging.getLogger(__name__)

FIRST_YEAR, LAST_YEAR = 2000, 2100

# The State Council publishes next year's schedule around the start of November; before
# then there is nothing to enter, so next year is missing only from this day of the year.
NEXT_YEAR_FROM = (11, 1)


# --- The Calendar value ---------------------------------------------------------------------


def working_periods() -> tuple:
    try:
        return workdays.parse_periods(settings.WORKING_PERIODS)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"GRIDGOV_WORKING_PERIODS={settings.WORKING_PERIODS!r}: {exc}"
        ) from exc


def build_calendar() -> workdays.Calendar:
    special = {
        day: workdays.SpecialDay(is_workday, name)
        for day, is_workday, name in CalendarDay.objects.values_list("date", "is_workday", "name")
    }
    return workdays.Calendar(
        special=special,
        years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
        periods=working_periods(),
        tz=ZoneInfo(settings.TIME_ZONE),
    )


def current_stamp() -> str:
    return CalendarVersion.objects.filter(pk=1).values_list("stamp", flat=True).first() or ""


@dataclass
class _Cache:
    key: tuple = ()
    calendar: workdays.Calendar | None = None
    checked_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


_cache = _Cache()


def current_calendar() -> workdays.Calendar:
    """The calendar as it is now, rebuilt when the database or the office hours changed."""
    cached = _cache.calendar
    if cached is not None and time.monotonic() - _cache.checked_at < settings.CALENDAR_CHECK_SECONDS:
        return cached
    with _cache.lock:
        key = (current_stamp(), settings.WORKING_PERIODS, settings.TIME_ZONE)
        if _cache.calendar is None or _cache.key != key:
            _cache.calendar, _cache.key = build_calendar(), key
        _cache.checked_at = time.monotonic()
        return _cache.calendar


def forget() -> None:
    """Drop this process's calendar, so the next use rebuilds it (after a change, in tests)."""
    with _cache.lock:
        _cache.calendar, _cache.key, _cache.checked_at = None, (), 0.0


def _changed() -> None:
    stamp = uuid.uuid4().hex
    if not CalendarVersion.objects.filter(pk=1).update(stamp=stamp):
        CalendarVersion.objects.create(pk=1, stamp=stamp)
    # This process sees its own change at once; the others within CALENDAR_CHECK_SECONDS.
    transaction.on_commit(forget)


# --- Warnings -------------------------------------------------------------------------------


def missing_years(around: date | None = None) -> list[int]:
    """Years in use with no official or entered schedule: this year, and next year from
    November on. Their workdays are counted Monday to Friday until someone enters them."""
    today = around or timezone.localdate()
    candidates = [today.year]
    if (today.month, today.day) >= NEXT_YEAR_FROM:
        candidates.append(today.year + 1)
    known = current_calendar().years
    return [year for year in candidates if year not in known]


def missing_year_message(years: list[int]) -> str:
    joined = "、".join(str(y) for y in years)
    return f"{joined} 年节假日安排尚未录入，暂按周一至周五计算工作日"


# --- Changes by an administrator ------------------------------------------------------------


def parse_day(value: date | str, *, field_name: str = "date") -> date:
    """A date, or a ValidationError on `field_name` for anything that is not one."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError({field_name: "日期格式应为 YYYY-MM-DD，如 2026-10-01"}) from None
    if not isinstance(value, date):
        raise ValidationError({field_name: "请填写日期"})
    check_year(value.year, field_name=field_name)
    return value


def check_year(year: int, *, field_name: str = "year") -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError({field_name: f"年份应在 {FIRST_YEAR}—{LAST_YEAR} 之间"})


@transaction.atomic
def set_day(*, by: User, date: date | str, is_workday: bool, name: str) -> CalendarDay:
    """Make `date` a holiday (is_workday False) or a make-up workday, with its name."""
    errors = {}
    try:
        day = parse_day(date)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写名称，如 春节、国庆节调休上班"
    elif len(name) > CalendarDay._meta.get_field("name").max_length:
        errors["name"] = "名称不能超过 50 个字"
    if errors:
        raise ValidationError(errors)
    row, _ = CalendarDay.objects.update_or_create(
        date=day,
        defaults={"is_workday": bool(is_workday), "name": name, "source": Source.ENTERED,
                  "updated_by": by},
    )
    _changed()
    log.info("calendar: %s set %s %s by %s", day, "workday" if is_workday else "holiday", name, by)
    return row


@transaction.atomic
def clear_day(*, by: User, date: date | str) -> bool:
    """Let `date` follow the Monday–Friday rule again; False when it had no entry."""
    day = parse_day(date)
    deleted, _ = CalendarDay.objects.filter(date=day).delete()
    if deleted:
        _changed()
        log.info("calendar: %s cleared by %s", day, by)
    return bool(deleted)


@transaction.atomic
def mark_year_complete(*, by: User, year: int, note: str = "") -> CalendarYear:
    """Record that every holiday and make-up day of `year` has been entered."""
    check_year(year)
    existing = CalendarYear.objects.filter(year=year).first()
    if existing is not None and existing.source == Source.OFFICIAL:
        raise ValidationError({"year": f"{year} 年已有国务院办公厅公布的安排，无需标记"})
    row, _ = CalendarYear.objects.update_or_create(
        year=year,
        defaults={"source": Source.ENTERED, "note": (note or "").strip()[:200], "updated_by": by},
    )
    _changed()
    return row


@transaction.atomic
def reopen_year(*, by: User, year: int) -> bool:
    """Withdraw an administrator's "year complete" mark (official years stay)."""
    check_year(year)
    deleted, _ = CalendarYear.objects.filter(year=year, source=Source.ENTERED).delete()
    if deleted:
        _changed()
        log.info("calendar: %s reopened by %s", year, by)
    return bool(deleted)


# --- The official schedules -----------------------------------------------------------------


@dataclass
class SeedReport:
    years: list[int] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept: int = 0  # days an administrator entered, left as they are
    marked: int = 0  # years newly recorded as official

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.marked)


def seed_official(years: list[int] | None = None, *, commit: bool = True) -> SeedReport:
    """Make the official years (all the package knows, or `years`) match the official schedule.

    Idempotent: a second run changes nothing. Official days that are no longer official are
    removed; days an administrator entered win over the official ones and are kept.
    With commit=False nothing is written and the report says what would change.
    """
    known = official.official_years()
    wanted = known if years is None else sorted(set(years))
    unknown = [y for y in wanted if y not in known]
    if unknown:
        raise ValidationError(
            {"years": f"chinesecalendar {official.package_version()} 没有 "
                      f"{'、'.join(map(str, unknown))} 年的数据"}
        )
    report = SeedReport(years=wanted)
    with transaction.atomic():
        for year in wanted:
            _seed_year(year, report)
        if report.changed:
            _changed()
        if not commit:
            transaction.set_rollback(True)
    return report


def _seed_year(year: int, report: SeedReport) -> None:
    days = {d.date: d for d in official.official_days([year])}
    existing = {
        row.date: row
        for row in CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
    }
    for row in existing.values():
        if row.source == Source.ENTERED:
            report.kept += 1
        elif row.date not in days:
            row.delete()
            report.removed += 1
    for day, wanted in days.items():
        row = existing.get(day)
        if row is None:
            CalendarDay.objects.create(
                date=day, is_workday=wanted.is_workday, name=wanted.name, source=Source.OFFICIAL
            )
            report.created += 1
        elif row.source == Source.OFFICIAL and (row.is_workday, row.name) != (
            wanted.is_workday, wanted.name
        ):
            row.is_workday, row.name = wanted.is_workday, wanted.name
            row.save(update_fields=["is_workday", "name", "updated_at"])
            report.updated += 1
    note = f"国务院办公厅节假日安排（chinesecalendar {official.package_version()}）"
    year_row = CalendarYear.objects.filter(year=year).first()
    if year_row is None:
        CalendarYear.objects.create(year=year, source=Source.OFFICIAL, note=note)
        report.marked += 1
    elif year_row.source != Source.OFFICIAL:
        year_row.source, year_row.note, year_row.updated_by = Source.OFFICIAL, note, None
        year_row.save(update_fields=["source", "note", "updated_by", "updated_at"])
        report.marked += 1
