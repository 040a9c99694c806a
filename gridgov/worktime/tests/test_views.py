"""The holiday calendar page and who may change it.

adam administers the district and keeps the calendar; tara administers town A only and,
like otto (operator) and gina (grid worker), may look but not change it.
"""

from datetime import date, datetime

import pytest
import time_machine
from django.contrib.messages import get_messages

from gridgov.lib.workdays import SHANGHAI, is_workday
from gridgov.worktime import calendar
from gridgov.worktime.models import CalendarDay, CalendarYear, Source

LATE_2026 = datetime(2026, 11, 22, 9, tzinfo=SHANGHAI)
MID_2026 = datetime(2026, 6, 10, 9, tzinfo=SHANGHAI)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def snapshot() -> tuple:
    return (
        sorted(CalendarDay.objects.values_list("date", "is_workday", "name")),
        sorted(CalendarYear.objects.values_list("year", "source", "note")),
    )


def post_urls() -> list[tuple[str, dict]]:
    return [
        ("/manage/calendar/day/", {"date": "2026-03-04", "kind": "holiday", "name": "闯入"}),
        ("/manage/calendar/day/remove/", {"date": "2026-10-01"}),
        ("/manage/calendar/2027/complete/", {"note": "闯入"}),
        ("/manage/calendar/2027/reopen/", {}),
    ]


# --- Who may reach the page -----------------------------------------------------------------


def test_it_requires_signing_in(client, world):
    response = client.get("/manage/calendar/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("persona", ["otto", "gina", "tara"])
def test_everyone_signed_in_sees_the_calendar_without_the_editing_forms(client, world, persona):
    client.force_login(getattr(world, persona))
    response = client.get("/manage/calendar/2026/")
    assert response.status_code == 200
    assert response.context["editable"] is False
    page = response.content.decode()
    assert "春节" in page and "国庆节调休上班" in page
    assert "/manage/calendar/day/" not in page  # neither the day form nor the remove buttons


@pytest.mark.parametrize("persona", ["otto", "gina", "tara"])
def test_it_refuses_changes_from_anyone_but_a_district_administrator(client, world, persona):
    client.force_login(getattr(world, persona))
    before = snapshot()
    for url, data in post_urls():
        assert client.post(url, data).status_code == 403, url
    assert snapshot() == before


def test_the_menu_offers_the_calendar_to_administrators_only(client, world):
    client.force_login(world.adam)
    assert "节假日日历" in client.get("/").content.decode()
    client.force_login(world.otto)
    assert "节假日日历" not in client.get("/").content.decode()


def test_a_year_out_of_range_is_not_found(client, world):
    client.force_login(world.adam)
    assert client.get("/manage/calendar/1850/").status_code == 404


# --- The year view --------------------------------------------------------------------------


def test_the_year_view_marks_holidays_make_up_days_and_weekends(client, world):
    client.force_login(world.adam)
    response = client.get("/manage/calendar/2026/")
    view = response.context["view"]
    cells = {c.date: c for m in view.months for week in m.weeks for c in week if c}
    assert len(cells) == 365
    assert (cells[date(2026, 2, 17)].kind, cells[date(2026, 2, 17)].name) == ("holiday", "春节")
    assert (cells[date(2026, 2, 14)].kind, cells[date(2026, 2, 14)].name) == ("makeup", "春节调休上班")
    assert cells[date(2026, 3, 7)].kind == "weekend"
    assert cells[date(2026, 3, 9)].kind == "workday"
    assert view.workdays == 248 and view.makeup_days == 6
    assert view.status.source == Source.OFFICIAL
    page = response.content.decode()
    assert 'class="makeup"' in page and 'class="holiday"' in page
    assert 'action="/manage/calendar/day/#day-form"' in page
    assert page.count('action="/manage/calendar/day/remove/"') == len(view.days)


def test_picking_a_day_fills_in_the_form(client, world):
    client.force_login(world.adam)
    form = client.get("/manage/calendar/2026/", {"date": "2026-09-20"}).context["day_form"]
    assert form.initial == {"date": "2026-09-20", "kind": "workday", "name": "国庆节调休上班"}
    garbage = client.get("/manage/calendar/2026/", {"date": "2026-13-45"})
    assert garbage.status_code == 200
    assert garbage.context["day_form"].initial == {}


def test_a_year_without_data_says_so(client, world):
    client.force_login(world.gina)
    with time_machine.travel(MID_2026, tick=False):
        response = client.get("/manage/calendar/2027/")
    page = response.content.decode()
    assert response.context["view"].status is None
    assert "2027 年的节假日安排尚未录入" in page
    assert response.context["view"].workdays == 261  # Monday to Friday


# --- Changes --------------------------------------------------------------------------------


def test_adam_makes_a_day_a_holiday(client, world):
    client.force_login(world.adam)
    response = client.post(
        "/manage/calendar/day/", {"date": "2026-04-20", "kind": "holiday", "name": "壮族三月三"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/manage/calendar/2026/"
    row = CalendarDay.objects.get(date=date(2026, 4, 20))
    assert (row.is_workday, row.name, row.updated_by) == (False, "壮族三月三", world.adam)
    assert not is_workday(date(2026, 4, 20), calendar.current_calendar())
    assert messages_of(response) == ["已将 2026-04-20 设为放假：壮族三月三"]


def test_adam_makes_a_saturday_a_make_up_workday(client, world):
    client.force_login(world.adam)
    client.post("/manage/calendar/day/", {"date": "2026-03-07", "kind": "workday", "name": "防汛值班"})
    assert is_workday(date(2026, 3, 7), calendar.current_calendar())


def test_a_date_that_is_not_a_date_is_a_field_error(client, world):
    client.force_login(world.adam)
    before = snapshot()
    response = client.post(
        "/manage/calendar/day/", {"date": "2026-02-30", "kind": "holiday", "name": "春节"}
    )
    assert response.status_code == 200
    form = response.context["day_form"]
    assert list(form.errors) == ["date"]
    assert "YYYY-MM-DD" in form.errors["date"][0]
    assert snapshot() == before


def test_an_empty_name_is_a_field_error(client, world):
    client.force_login(world.adam)
    response = client.post("/manage/calendar/day/", {"date": "2026-03-04", "kind": "holiday", "name": ""})
    assert response.status_code == 200
    assert list(response.context["day_form"].errors) == ["name"]
    assert not CalendarDay.objects.filter(date=date(2026, 3, 4)).exists()


def test_an_unknown_kind_is_a_field_error(client, world):
    client.force_login(world.adam)
    response = client.post("/manage/calendar/day/", {"date": "2026-03-04", "kind": "maybe", "name": "x"})
    assert response.status_code == 200
    assert list(response.context["day_form"].errors) == ["kind"]


def test_adam_removes_a_day(client, world):
    client.force_login(world.adam)
    response = client.post("/manage/calendar/day/remove/", {"date": "2026-10-05"})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date=date(2026, 10, 5)).exists()
    assert is_workday(date(2026, 10, 5), calendar.current_calendar())
    bad = client.post("/manage/calendar/day/remove/", {"date": "five october"})
    assert bad.status_code == 200
    assert list(bad.context["day_form"].errors) == ["date"]


def test_adam_marks_2027_complete_and_the_warning_goes(client, world):
    client.force_login(world.adam)
    with time_machine.travel(LATE_2026, tick=False):
        assert "2027 年节假日安排尚未录入" in client.get("/").content.decode()
        response = client.post("/manage/calendar/2027/complete/", {"note": "依据国办通知录入"})
        assert response.status_code == 302
        assert "尚未录入" not in client.get("/").content.decode()
    assert CalendarYear.objects.get(year=2027).source == Source.ENTERED


def test_marking_an_official_year_is_a_field_error_on_the_page(client, world):
    client.force_login(world.adam)
    response = client.post("/manage/calendar/2026/complete/", {"note": ""})
    assert response.status_code == 200
    assert "已有国务院办公厅公布的安排" in response.content.decode()


# --- The missing-year warning ---------------------------------------------------------------


def test_administrators_see_the_missing_year_warning_on_the_home_page(client, world):
    with time_machine.travel(LATE_2026, tick=False):
        for persona in ("adam", "tara"):
            client.force_login(getattr(world, persona))
            page = client.get("/").content.decode()
            assert "2027 年节假日安排尚未录入，暂按周一至周五计算工作日" in page, persona
            assert 'href="/manage/calendar/2027/"' in page


def test_the_warning_stays_off_other_pages(client, world):
    client.force_login(world.adam)
    with time_machine.travel(LATE_2026, tick=False):
        assert "尚未录入" in client.get("/manage/calendar/2026/").content.decode()
        assert "尚未录入" not in client.get("/manage/users/").content.decode()


@pytest.mark.parametrize("persona", ["otto", "gina", "lena"])
def test_others_do_not_see_the_warning(client, world, persona):
    client.force_login(getattr(world, persona))
    with time_machine.travel(LATE_2026, tick=False):
        assert "尚未录入" not in client.get("/").content.decode()


def test_no_warning_in_the_middle_of_a_known_year(client, world):
    client.force_login(world.adam)
    with time_machine.travel(MID_2026, tick=False):
        assert "尚未录入" not in client.get("/").content.decode()
