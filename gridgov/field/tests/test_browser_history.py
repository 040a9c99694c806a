"""My history on the phone without signal: the copy kept when it last opened with signal,
marked as such."""

import uuid

import pytest

from gridgov.events.taxonomy import install_default_taxonomy
from gridgov.field import visits
from gridgov.field.tests.phone import START, on_phone, open_page
from gridgov.web.tests.browser import browser_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(transactional_db):
    # A transactional test empties every table when it ends, migration data too.
    install_default_taxonomy()


def visit(world, household: str) -> None:
    visits.record(
        by=world.gina, key=str(uuid.uuid4()), household=household,
        lon=START["longitude"], lat=START["latitude"],
    )


def test_my_history_opens_without_signal_as_the_copy_last_seen(live_server, world):
    base = live_server.url
    visit(world, "沈阿姨")
    with browser_page(width=390, height=844, mobile=True) as page:
        on_phone(page, base)  # the app is kept, my history with it: never opened yet

        page.context.set_offline(True)
        open_page(page, f"{base}/m/history/")
        assert "沈阿姨" in page.locator("main").inner_text()
        assert page.locator("#offline-copy").is_visible()

        page.context.set_offline(False)
        visit(world, "钱师傅")
        open_page(page, f"{base}/m/history/")
        assert "钱师傅" in page.locator("main").inner_text()
        assert not page.locator("#offline-copy").is_visible()  # read from the server

        page.context.set_offline(True)
        open_page(page, f"{base}/m/history/")
        text = page.locator("main").inner_text()
        assert "沈阿姨" in text and "钱师傅" in text  # the last copy seen, not the first kept
        assert "离线副本" in page.locator("#offline-copy").inner_text()
        screenshot(page, "field-phone-history-offline")
