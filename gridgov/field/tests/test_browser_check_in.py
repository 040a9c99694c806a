"""Attendance check-in (打卡) on the phone, in a town that requires it."""

import pytest

from gridgov.events.taxonomy import install_default_taxonomy
from gridgov.field import attendance
from gridgov.field.models import CheckIn
from gridgov.field.tests.phone import START, on_phone, outbox_empty
from gridgov.web.tests.browser import browser_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(transactional_db):
    # A transactional test empties every table when it ends, migration data too.
    install_default_taxonomy()


def test_a_worker_checks_in_where_she_stands(live_server, world):
    attendance.set_required(world.town_a, by=world.tara, required=True)
    base = live_server.url
    with browser_page(width=390, height=844, mobile=True) as page:
        on_phone(page, base)
        page.click("#check-in")
        page.wait_for_selector("#check-in:has-text('已打卡')")
        assert page.locator("#check-in").is_disabled()  # a second tap checks in no twice
        outbox_empty(page)
        screenshot(page, "field-phone-check-in")

    check_in = CheckIn.objects.get()
    assert check_in.worker == world.gina and check_in.grid_code == world.grid_a1.code
    assert (check_in.lon, check_in.lat) == pytest.approx((START["longitude"], START["latitude"]))
    assert check_in.accuracy_m == pytest.approx(START["accuracy"])


def test_a_town_that_does_not_require_it_shows_no_check_in(live_server, world):
    attendance.set_required(world.town_b, by=world.adam, required=True)  # not gina's town
    with browser_page(width=390, height=844, mobile=True) as page:
        on_phone(page, live_server.url)
        assert page.locator("#patrol-start").is_visible()
        assert page.locator("#check-in").count() == 0
