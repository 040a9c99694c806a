"""Working-time arithmetic, on the official 2026 schedule and on random calendars.

2026 (国办发明电〔2025〕7号): 元旦 1/1–1/3, 1/4 (Sun) worked; 春节 2/15–2/23, 2/14 (Sat) and 2/28
(Sat) worked; 清明 4/4–4/6; 劳动节 5/1–5/5, 5/9 (Sat) worked; 端午 6/19–6/21; 中秋 9/25–9/27;
国庆 10/1–10/7, 9/20 (Sun) and 10/10 (Sat) worked. Office hours 08:30–12:00, 13:30–17:30.
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gridgov.lib import workdays
from gridgov.lib.workdays import (
    SHANGHAI,
    Calendar,
    SpecialDay,
    add_working_days,
    add_working_hours,
    is_workday,
    next_working_moment,
    working_hours_between,
)


def span(first: date, last: date, name: str, is_workday: bool = False) -> dict:
    days = (last - first).days + 1
    return {first + timedelta(days=i): SpecialDay(is_workday, name) for i in range(days)}


HOLIDAYS_2026 = {
    **span(date(2026, 1, 1), date(2026, 1, 3), "元旦"),
    **span(date(2026, 2, 15), date(2026, 2, 23), "春节"),
    **span(date(2026, 4, 4), date(2026, 4, 6), "清明节"),
    **span(date(2026, 5, 1), date(2026, 5, 5), "劳动节"),
    **span(date(2026, 6, 19), date(2026, 6, 21), "端午节"),
    **span(date(2026, 9, 25), date(2026, 9, 27), "中秋节"),
    **span(date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
}
MAKEUP_2026 = {
    date(2026, 1, 4): SpecialDay(True, "元旦调休上班"),
    date(2026, 2, 14): SpecialDay(True, "春节调休上班"),
    date(2026, 2, 28): SpecialDay(True, "春节调休上班"),
    date(2026, 5, 9): SpecialDay(True, "劳动节调休上班"),
    date(2026, 9, 20): SpecialDay(True, "国庆节调休上班"),
    date(2026, 10, 10): SpecialDay(True, "国庆节调休上班"),
}
CAL = Calendar(special={**HOLIDAYS_2026, **MAKEUP_2026}, years=frozenset({2026}))


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


# --- Which days are workdays ----------------------------------------------------------------


def test_the_spring_festival_days_are_off_and_its_make_up_saturdays_are_on():
    assert [is_workday(date(2026, 2, d), CAL) for d in range(13, 25)] == [
        True,  # Fri 13
        True,  # Sat 14, 春节调休上班
        *[False] * 9,  # 15–23 春节
        True,  # Tue 24
    ]
    assert is_workday(date(2026, 2, 28), CAL)
    assert not is_workday(date(2026, 3, 1), CAL)  # an ordinary Sunday


def test_a_make_up_sunday_counts_as_a_workday():
    assert date(2026, 9, 20).weekday() == 6
    assert is_workday(date(2026, 9, 20), CAL)
    assert is_workday(date(2026, 1, 4), CAL)


def test_mid_autumn_and_national_day_are_off():
    assert not any(is_workday(date(2026, 9, d), CAL) for d in (25, 26, 27))
    assert not any(is_workday(date(2026, 10, d), CAL) for d in range(1, 8))
    assert is_workday(date(2026, 10, 8), CAL) and is_workday(date(2026, 10, 10), CAL)


def test_a_year_without_data_counts_monday_to_friday():
    # 2027's Spring Festival is on 6 February, but nothing is entered for 2027.
    assert not CAL.has_year(2027)
    assert is_workday(date(2027, 2, 8), CAL)  # Monday
    assert not is_workday(date(2027, 2, 6), CAL)  # Saturday
    assert add_working_days(at(2027, 2, 5, 10), 1, CAL) == at(2027, 2, 8, 17, 30)


def test_it_counts_the_workdays_of_2026():
    # 365 days, 261 Mondays to Fridays; 19 holidays fall on weekdays, 6 weekend days are worked.
    assert workdays.workdays_between(date(2026, 1, 1), date(2027, 1, 1), CAL) == 261 - 19 + 6


# --- Working hours --------------------------------------------------------------------------


def test_four_hours_from_the_afternoon_before_the_spring_festival_land_after_it():
    # Sat 14 February is the last workday before the holiday: 2.5 h that day, 1.5 h on the 24th.
    assert add_working_hours(at(2026, 2, 14, 15), 4, CAL) == at(2026, 2, 24, 10)


def test_four_hours_from_friday_afternoon_continue_on_the_make_up_saturday():
    assert add_working_hours(at(2026, 2, 13, 15), 4, CAL) == at(2026, 2, 14, 10)


def test_four_hours_from_the_afternoon_before_national_day_land_after_the_holiday():
    assert add_working_hours(at(2026, 9, 30, 15), 4, CAL) == at(2026, 10, 8, 10)


def test_hours_started_on_a_saturday_run_on_the_make_up_sunday():
    assert add_working_hours(at(2026, 9, 19, 10), 4, CAL) == at(2026, 9, 20, 14)


def test_a_start_outside_working_hours_starts_at_the_next_period():
    assert add_working_hours(at(2026, 3, 4, 12, 0), 1, CAL) == at(2026, 3, 4, 14, 30)
    assert add_working_hours(at(2026, 3, 4, 6, 0), 1, CAL) == at(2026, 3, 4, 9, 30)
    assert add_working_hours(at(2026, 3, 4, 22, 0), 1, CAL) == at(2026, 3, 5, 9, 30)


def test_a_deadline_that_uses_up_a_period_ends_at_its_end():
    assert add_working_hours(at(2026, 3, 4, 13, 30), 4, CAL) == at(2026, 3, 4, 17, 30)
    assert add_working_hours(at(2026, 3, 4, 8, 30), 3.5, CAL) == at(2026, 3, 4, 12, 0)
    assert add_working_hours(at(2026, 3, 4, 8, 30), 7.5, CAL) == at(2026, 3, 4, 17, 30)


def test_fractional_hours_are_minutes():
    assert add_working_hours(at(2026, 3, 4, 9, 0), 0.25, CAL) == at(2026, 3, 4, 9, 15)
    assert add_working_hours(at(2026, 3, 4, 11, 50), 1 / 3, CAL) == at(2026, 3, 4, 13, 40)


def test_long_spans_skip_weeks_correctly():
    # 20 working days of 7.5 h from Monday 2 March 08:30: ends Friday 27 March 17:30.
    assert add_working_hours(at(2026, 3, 2, 8, 30), 150, CAL) == at(2026, 3, 27, 17, 30)


def test_other_time_zones_are_converted_and_the_answer_is_in_beijing_time():
    start = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    due = add_working_hours(start, 4, CAL)
    assert due == at(2026, 3, 4, 14, 30)
    assert due.tzinfo == SHANGHAI


def test_it_refuses_naive_datetimes_and_negative_amounts():
    with pytest.raises(ValueError):
        add_working_hours(datetime(2026, 3, 4, 9, 0), 1, CAL)  # noqa: DTZ001
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 3, 4, 9), -1, CAL)
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 3, 4, 9), float("nan"), CAL)
    with pytest.raises(ValueError):
        add_working_days(at(2026, 3, 4, 9), -1, CAL)


def test_next_working_moment():
    assert next_working_moment(at(2026, 10, 1, 9), CAL) == at(2026, 10, 8, 8, 30)
    assert next_working_moment(at(2026, 3, 4, 12, 30), CAL) == at(2026, 3, 4, 13, 30)
    assert next_working_moment(at(2026, 3, 4, 10, 5), CAL) == at(2026, 3, 4, 10, 5)
    assert next_working_moment(at(2026, 3, 4, 17, 30), CAL) == at(2026, 3, 5, 8, 30)


def test_working_hours_between_skips_the_holiday():
    # Only Saturday 14 February is worked between Friday's close and Tuesday 24th's opening.
    assert working_hours_between(at(2026, 2, 13, 17, 30), at(2026, 2, 24, 8, 30), CAL) == 7.5
    assert working_hours_between(at(2026, 2, 24, 8, 30), at(2026, 2, 13, 17, 30), CAL) == -7.5
    assert working_hours_between(at(2026, 3, 4, 11), at(2026, 3, 4, 14), CAL) == 1.5


# --- Working days ---------------------------------------------------------------------------


def test_seven_working_days_span_the_spring_festival():
    # After Fri 13 Feb: 14 (make-up), 24, 25, 26, 27, 28 (make-up), 2 March.
    assert add_working_days(at(2026, 2, 13, 10), 7, CAL) == at(2026, 3, 2, 17, 30)


def test_seven_working_days_span_national_day():
    # After Tue 29 Sep: 30, 8 Oct, 9, 10 (make-up), 12, 13, 14.
    assert add_working_days(at(2026, 9, 29, 10), 7, CAL) == at(2026, 10, 14, 17, 30)
    # After Thu 24 Sep: 中秋 25–27, then 28, 29, 30, 8 Oct, 9, 10, 12.
    assert add_working_days(at(2026, 9, 24, 16), 7, CAL) == at(2026, 10, 12, 17, 30)


def test_the_start_day_is_not_counted_and_the_period_ends_at_the_close():
    friday = (2026, 3, 6)
    monday_close = at(2026, 3, 9, 17, 30)
    assert add_working_days(at(*friday, 8, 0), 1, CAL) == monday_close
    assert add_working_days(at(*friday, 10, 0), 1, CAL) == monday_close
    assert add_working_days(at(*friday, 20, 0), 1, CAL) == monday_close
    assert add_working_days(at(2026, 3, 7, 10, 0), 1, CAL) == monday_close  # a Saturday


def test_zero_working_days_means_the_same_day():
    assert add_working_days(at(2026, 3, 6, 9), 0, CAL) == at(2026, 3, 6, 17, 30)
    assert add_working_days(at(2026, 3, 6, 18), 0, CAL) == at(2026, 3, 9, 17, 30)
    assert add_working_days(at(2026, 10, 2, 9), 0, CAL) == at(2026, 10, 8, 17, 30)


def test_an_extension_adds_workdays_after_the_old_deadline():
    due = add_working_days(at(2026, 9, 28, 9), 2, CAL)
    assert due == at(2026, 9, 30, 17, 30)
    assert add_working_days(due, 2, CAL) == at(2026, 10, 9, 17, 30)


# --- The calendar value ---------------------------------------------------------------------


def test_office_hours_can_be_set():
    summer = Calendar(periods=workdays.parse_periods("8:30-12:00, 14:30-18:00"))
    assert summer.hours_per_day == 7.0
    assert add_working_hours(at(2026, 7, 1, 11), 2, summer) == at(2026, 7, 1, 15, 30)
    assert add_working_days(at(2026, 7, 1, 11), 1, summer) == at(2026, 7, 2, 18, 0)


@pytest.mark.parametrize(
    "text",
    ["", "08:30", "8:3-12:00", "24:00-25:00", "12:00-08:30", "08:30-12:00,11:00-17:30", "abc-def"],
)
def test_malformed_office_hours_are_refused(text):
    with pytest.raises(ValueError):
        workdays.parse_periods(text)


def test_the_calendar_cannot_be_changed_after_it_is_built():
    special = {date(2026, 3, 4): SpecialDay(False, "临时")}
    calendar = Calendar(special=special)
    special[date(2026, 3, 5)] = SpecialDay(False, "后加")
    assert is_workday(date(2026, 3, 5), calendar)
    with pytest.raises(TypeError):
        calendar.special[date(2026, 3, 6)] = SpecialDay(False, "改")  # type: ignore[index]
    assert calendar.name_of(date(2026, 3, 4)) == "临时"


# --- Properties -----------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 1, 31), timezones=st.just(SHANGHAI)  # noqa: DTZ001
)
minutes = st.integers(min_value=0, max_value=400 * 60)


def hours(m: int) -> float:
    return m / 60


@st.composite
def calendars(draw) -> Calendar:
    """Random holidays and make-up days around 2026, sometimes clustered into long breaks."""
    special = draw(
        st.dictionaries(
            st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 3, 31)),
            st.builds(SpecialDay, st.booleans()),
            max_size=60,
        )
    )
    periods = draw(
        st.sampled_from([
            workdays.DEFAULT_PERIODS,
            ((time(9), time(17)),),
            ((time(0), time(12)), (time(12), time(23, 59))),
        ])
    )
    return Calendar(special=special, periods=periods)


def inside_or_at_end(moment: datetime, calendar: Calendar) -> bool:
    local = moment.astimezone(calendar.tz)
    t = local.time()
    return is_workday(local.date(), calendar) and any(s < t <= e for s, e in calendar.periods)


def naive_hours_between(a: datetime, b: datetime, calendar: Calendar) -> float:
    """Day by day, period by period: slow and obviously right."""
    total = timedelta()
    day = a.astimezone(SHANGHAI).date()
    while day <= b.astimezone(SHANGHAI).date():
        if is_workday(day, calendar):
            for s, e in calendar.periods:
                lo = max(a, datetime.combine(day, s, SHANGHAI))
                hi = min(b, datetime.combine(day, e, SHANGHAI))
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total / timedelta(hours=1)


@settings(max_examples=300)
@given(moments, minutes, minutes)
def test_adding_twice_is_adding_the_sum(start, m1, m2):
    once = add_working_hours(start, hours(m1 + m2), CAL)
    assert add_working_hours(add_working_hours(start, hours(m1), CAL), hours(m2), CAL) == once


@settings(max_examples=300)
@given(calendars(), moments, minutes)
def test_the_hours_between_a_start_and_its_deadline_are_the_hours_added(calendar, start, m):
    due = add_working_hours(start, hours(m), calendar)
    assert working_hours_between(start, due, calendar) == pytest.approx(hours(m), abs=1e-9)


@settings(max_examples=300)
@given(calendars(), moments, st.integers(min_value=1, max_value=400 * 60))
def test_a_deadline_always_falls_in_working_time(calendar, start, m):
    due = add_working_hours(start, hours(m), calendar)
    assert due > start
    assert inside_or_at_end(due, calendar)


@settings(max_examples=300)
@given(moments, minutes, minutes)
def test_more_hours_never_give_an_earlier_deadline(start, m1, m2):
    low, high = sorted((m1, m2))
    assert add_working_hours(start, hours(low), CAL) <= add_working_hours(start, hours(high), CAL)


@settings(max_examples=200)
@given(calendars(), moments, moments)
def test_hours_between_match_a_day_by_day_count(calendar, a, b):
    assume(a <= b)
    assert working_hours_between(a, b, calendar) == pytest.approx(
        naive_hours_between(a, b, calendar), abs=1e-9
    )


@settings(max_examples=200)
@given(calendars(), moments, moments, moments)
def test_hours_between_add_up_over_a_midpoint(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    total = working_hours_between(a, b, calendar) + working_hours_between(b, c, calendar)
    assert working_hours_between(a, c, calendar) == pytest.approx(total, abs=1e-9)


@settings(max_examples=300)
@given(calendars(), moments, st.integers(min_value=1, max_value=60))
def test_n_working_days_end_at_the_close_of_the_nth_workday_after_the_start_day(calendar, start, n):
    due = add_working_days(start, n, calendar)
    start_day, due_day = start.astimezone(SHANGHAI).date(), due.date()
    assert due.timetz() == calendar.periods[-1][1].replace(tzinfo=SHANGHAI)
    assert is_workday(due_day, calendar)
    counted = sum(
        is_workday(start_day + timedelta(days=i), calendar)
        for i in range(1, (due_day - start_day).days + 1)
    )
    assert counted == n


@settings(max_examples=200)
@given(calendars(), moments)
def test_the_next_working_moment_is_working_time_with_none_skipped(calendar, moment):
    found = next_working_moment(moment, calendar)
    assert found >= moment
    assert workdays.is_working_time(found, calendar)
    assert working_hours_between(moment, found, calendar) == 0
