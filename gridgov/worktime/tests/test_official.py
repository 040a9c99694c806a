"""The official schedules the chinesecalendar package carries, as gridgov names them."""

from datetime import date, timedelta

from gridgov.worktime import official


def days_of(year: int) -> dict[date, tuple[bool, str]]:
    return {d.date: (d.is_workday, d.name) for d in official.official_days([year])}


def test_it_knows_2026_and_the_years_before():
    years = official.official_years()
    assert years[-1] >= 2026
    assert set(range(2010, 2027)) <= set(years)


def test_the_2026_spring_festival_and_its_make_up_saturdays():
    days = days_of(2026)
    festival = [date(2026, 2, 15) + timedelta(days=i) for i in range(9)]
    assert all(days[d] == (False, "春节") for d in festival)
    assert days[date(2026, 2, 14)] == (True, "春节调休上班")
    assert days[date(2026, 2, 28)] == (True, "春节调休上班")
    assert date(2026, 2, 24) not in days


def test_the_2026_mid_autumn_festival_and_national_day():
    days = days_of(2026)
    assert [days[date(2026, 9, d)] for d in (25, 26, 27)] == [(False, "中秋节")] * 3
    assert all(days[date(2026, 10, d)] == (False, "国庆节") for d in range(1, 8))
    assert days[date(2026, 9, 20)] == (True, "国庆节调休上班")
    assert days[date(2026, 10, 10)] == (True, "国庆节调休上班")


def test_every_date_appears_once_and_make_up_days_are_weekends():
    days = official.official_days()
    assert len({d.date for d in days}) == len(days)
    assert all(d.date.weekday() >= 5 for d in days if d.is_workday)
    assert all(d.name for d in days)
