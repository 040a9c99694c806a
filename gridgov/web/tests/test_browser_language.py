"""A town operator reading a territory page switches the interface to English and back."""

import pytest

from gridgov.web.tests.browser import browser_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_switches_to_english_and_stays_on_the_page(live_server, world):
    with browser_page() as page:
        sign_in(page, live_server.url, "otto", "pw-otto")
        territory = f"{live_server.url}/territory/{world.town_a.code}/"
        page.goto(territory)
        page.click("button[name=language][value=en]")
        page.wait_for_selector("html[lang=en]")
        assert page.url == territory
        assert page.locator("nav.sidebar").inner_text().startswith("Home")
        assert "Sign out" in page.locator("header").inner_text()
        page.click("button[name=language][value=zh-hans]")
        page.wait_for_selector("html[lang=zh-Hans]")
        assert page.url == territory
        assert "退出" in page.locator("header").inner_text()
