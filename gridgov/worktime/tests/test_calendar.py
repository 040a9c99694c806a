"""The calendar in the database: the official seed, changes, the cached Calendar, warnings."""

from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from gridgov.lib import workdays
from gridgov.lib.workdays import SHANGHAI, is_workday
from gridgov.worktime import calendar, official
from gridgov.worktime.checks import check_working_periods
from gridgov.worktime.models import CalendarDay, CalendarVersion, CalendarYear, Source


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# --- The official years every install starts with ------------------------------------------


def test_every_install_has_the_official_years(db):
    years = set(CalendarYear.objects.filter(source=Source.OFFICIAL).values_list("year", flat=True))
    assert years == set(official.official_years())
    spring = CalendarDay.objects.get(date=date(2026, 2, 16))
    assert (spring.is_workday, spring.name, spring.source) == (False, "春节", Source.OFFICIAL)


def test_the_current_calendar_counts_the_2026_holidays(db):
    cal = calendar.current_calendar()
    assert 2026 in cal.years
    assert not is_workday(date(2026, 10, 5), cal)
    assert is_workday(date(2026, 9, 20), cal)
    assert workdays.add_working_days(at(2026, 2, 13, 10), 7, cal) == at(2026, 3, 2, 17, 30)
    assert workdays.add_working_hours(at(2026, 9, 30, 15), 4, cal) == at(2026, 10, 8, 10)


def test_the_calendar_uses_the_office_hours_setting(db, settings):
    settings.WORKING_PERIODS = "09:00-12:00,14:00-18:00"
    cal = calendar.current_calendar()
    assert cal.hours_per_day == 7.0
    assert workdays.add_working_days(at(2026, 3, 4, 10), 1, cal) == at(2026, 3, 5, 18)


def test_a_malformed_office_hours_setting_is_a_system_check_error(settings):
    settings.WORKING_PERIODS = "08:30-12:00,11:00"
    errors = check_working_periods(None)
    assert [e.id for e in errors] == ["worktime.E001"]
    settings.WORKING_PERIODS = "08:30-12:00,13:30-17:30"
    assert check_working_periods(None) == []


# --- The cached Calendar --------------------------------------------------------------------


def test_the_calendar_is_read_once_and_then_costs_no_query(db, settings, django_assert_num_queries):
    settings.CALENDAR_CHECK_SECONDS = 60
    first = calendar.current_calendar()
    with django_assert_num_queries(0):
        assert calendar.current_calendar() is first


def test_a_change_made_elsewhere_is_seen_at_the_next_check(db, django_assert_num_queries):
    before = calendar.current_calendar()
    with django_assert_num_queries(1):  # only the version stamp
        assert calendar.current_calendar() is before
    # Another process adds a day and replaces the stamp.
    CalendarDay.objects.create(date=date(2026, 3, 4), is_workday=False, name="停电检修")
    CalendarVersion.objects.filter(pk=1).update(stamp="from-another-process")
    after = calendar.current_calendar()
    assert after is not before
    assert not is_workday(date(2026, 3, 4), after)


def test_a_change_here_is_seen_at_once_after_commit(
    db, world, settings, django_capture_on_commit_callbacks
):
    settings.CALENDAR_CHECK_SECONDS = 60
    assert is_workday(date(2026, 3, 4), calendar.current_calendar())
    with django_capture_on_commit_callbacks(execute=True):
        calendar.set_day(by=world.adam, date=date(2026, 3, 4), is_workday=False, name="停电检修")
    assert not is_workday(date(2026, 3, 4), calendar.current_calendar())


# --- Changes by an administrator ------------------------------------------------------------


def test_set_day_adds_a_local_holiday(world):
    row = calendar.set_day(by=world.adam, date="2026-04-20", is_workday=False, name=" 壮族三月三 ")
    assert (row.name, row.is_workday, row.source, row.updated_by) == (
        "壮族三月三", False, Source.ENTERED, world.adam
    )
    cal = calendar.current_calendar()
    assert not is_workday(date(2026, 4, 20), cal)
    assert cal.name_of(date(2026, 4, 20)) == "壮族三月三"


def test_set_day_changes_an_existing_day(world):
    calendar.set_day(by=world.adam, date=date(2026, 2, 23), is_workday=True, name="提前上班")
    row = CalendarDay.objects.get(date=date(2026, 2, 23))
    assert (row.is_workday, row.source) == (True, Source.ENTERED)
    assert is_workday(date(2026, 2, 23), calendar.current_calendar())


@pytest.mark.parametrize(
    ("value", "name", "fields"),
    [
        ("2026-02-30", "春节", {"date"}),
        ("明天", "春节", {"date"}),
        ("1999-12-31", "春节", {"date"}),
        ("2026-03-04", "", {"name"}),
        ("2026-03-04", "   ", {"name"}),
        ("not a date", "", {"date", "name"}),
        ("2026-03-04", "长" * 51, {"name"}),
    ],
)
def test_set_day_refuses_bad_input_by_field(world, value, name, fields):
    count = CalendarDay.objects.count()
    with pytest.raises(ValidationError) as caught:
        calendar.set_day(by=world.adam, date=value, is_workday=False, name=name)
    assert set(caught.value.message_dict) == fields
    assert CalendarDay.objects.count() == count


def test_clear_day_returns_a_day_to_the_weekday_rule(world):
    assert calendar.clear_day(by=world.adam, date="2026-10-05") is True
    assert is_workday(date(2026, 10, 5), calendar.current_calendar())
    assert calendar.clear_day(by=world.adam, date="2026-10-05") is False
    with pytest.raises(ValidationError) as caught:
        calendar.clear_day(by=world.adam, date="2026/10/05")
    assert set(caught.value.message_dict) == {"date"}


def test_a_year_marked_complete_is_no_longer_missing(world):
    assert calendar.missing_years(date(2026, 11, 15)) == [2027]
    row = calendar.mark_year_complete(by=world.adam, year=2027, note="依据国办发明电录入")
    assert (row.source, row.note, row.updated_by) == (Source.ENTERED, "依据国办发明电录入", world.adam)
    assert calendar.missing_years(date(2026, 11, 15)) == []
    assert calendar.reopen_year(by=world.adam, year=2027) is True
    assert calendar.missing_years(date(2026, 11, 15)) == [2027]


def test_an_official_year_cannot_be_marked_or_reopened(world):
    with pytest.raises(ValidationError) as caught:
        calendar.mark_year_complete(by=world.adam, year=2026)
    assert set(caught.value.message_dict) == {"year"}
    assert calendar.reopen_year(by=world.adam, year=2026) is False
    assert CalendarYear.objects.get(year=2026).source == Source.OFFICIAL


# --- Missing years ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "missing"),
    [
        (date(2026, 6, 1), []),
        (date(2026, 10, 31), []),
        (date(2026, 11, 1), [2027]),
        (date(2026, 12, 31), [2027]),
        (date(2027, 1, 4), [2027]),
        (date(2027, 11, 20), [2027, 2028]),
    ],
)
def test_missing_years_are_this_year_and_next_year_from_november(db, today, missing):
    assert calendar.missing_years(today) == missing


def test_missing_years_default_to_today(db):
    with time_machine.travel(datetime(2026, 11, 22, 9, tzinfo=SHANGHAI), tick=False):
        years = calendar.missing_years()
    assert years == [2027]
    assert calendar.missing_year_message(years) == "2027 年节假日安排尚未录入，暂按周一至周五计算工作日"
    assert calendar.missing_year_message([2027, 2028]).startswith("2027、2028 年")


def test_a_missing_year_counts_monday_to_friday(db):
    cal = calendar.current_calendar()
    assert 2027 not in cal.years
    # Nothing entered for 2027's Spring Festival (6 February): the Monday after is a workday.
    assert workdays.add_working_days(at(2027, 2, 5, 10), 1, cal) == at(2027, 2, 8, 17, 30)


# --- Seeding ----------------------------------------------------------------------------------


def test_seeding_again_changes_nothing(db):
    before = list(CalendarDay.objects.values_list("date", "is_workday", "name", "source"))
    stamp = calendar.current_stamp()
    report = calendar.seed_official()
    assert not report.changed
    assert list(CalendarDay.objects.values_list("date", "is_workday", "name", "source")) == before
    assert calendar.current_stamp() == stamp


def test_seeding_restores_official_days_and_keeps_entered_ones(world):
    CalendarDay.objects.filter(date=date(2026, 10, 1)).delete()
    CalendarDay.objects.filter(date=date(2026, 10, 2)).update(name="改错的名称")
    CalendarDay.objects.create(date=date(2026, 3, 3), is_workday=False, name="已撤销", source=Source.OFFICIAL)
    calendar.set_day(by=world.adam, date="2026-10-07", is_workday=True, name="本区值班上班")
    calendar.set_day(by=world.adam, date="2026-04-20", is_workday=False, name="壮族三月三")
    CalendarYear.objects.filter(year=2026).delete()

    report = calendar.seed_official([2026])

    assert (report.created, report.updated, report.removed, report.marked) == (1, 1, 1, 1)
    assert report.kept == 2
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=date(2026, 10, 2)).name == "国庆节"
    assert not CalendarDay.objects.filter(date=date(2026, 3, 3)).exists()
    assert CalendarDay.objects.get(date=date(2026, 10, 7)).is_workday is True
    assert CalendarDay.objects.get(date=date(2026, 4, 20)).name == "壮族三月三"
    assert CalendarYear.objects.get(year=2026).source == Source.OFFICIAL
    assert not is_workday(date(2026, 10, 1), calendar.current_calendar())


def test_a_dry_run_writes_nothing(db):
    CalendarDay.objects.filter(date__year=2026).delete()
    report = calendar.seed_official([2026], commit=False)
    assert report.created == len(official.official_days([2026]))
    assert not CalendarDay.objects.filter(date__year=2026).exists()


def test_seeding_a_year_the_package_does_not_know_is_refused(db):
    with pytest.raises(ValidationError) as caught:
        calendar.seed_official([2099])
    assert "2099" in caught.value.messages[0]


def test_the_command_shows_changes_and_writes_them_with_commit(db, capsys):
    CalendarDay.objects.filter(date__year=2026, is_workday=True).delete()
    call_command("seed_calendar", "--year", "2026")
    out = capsys.readouterr().out
    assert "新增 6 天" in out and "试运行" in out
    assert not CalendarDay.objects.filter(date__year=2026, is_workday=True).exists()
    call_command("seed_calendar", "--year", "2026", "--commit")
    assert CalendarDay.objects.filter(date__year=2026, is_workday=True).count() == 6
