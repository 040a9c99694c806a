"""The phone app in Chromium on a phone-sized screen with an emulated position: a patrol
with a report on the way, and the same without signal — nothing lost, nothing twice."""

import pytest

from gridgov.events.models import Attachment, Event
from gridgov.events.taxonomy import install_default_taxonomy
from gridgov.field.checklists import install_default_checklists
from gridgov.field.models import Patrol
from gridgov.field.tests.phone import (
    fill_report,
    first_fix,
    on_phone,
    open_page,
    outbox_empty,
    recorded,
    report,
    stop,
    walk,
)
from gridgov.lib.images import placeholder_png
from gridgov.web.tests.browser import browser_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(transactional_db, settings):
    # A transactional test empties every table when it ends, migration data too.
    install_default_taxonomy()
    install_default_checklists()
    settings.FIELD_TRACK_INTERVAL_SECONDS = 1


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "现场.png"
    path.write_bytes(placeholder_png(width=800, height=600))
    return path


def test_a_patrol_with_a_report_on_the_way(live_server, world, photo):
    base = live_server.url
    with browser_page(width=390, height=844, mobile=True) as page:
        on_phone(page, base)
        page.click("#patrol-start")
        first_fix(page)
        points = walk(page, 2, recorded(page))
        report(page, base, photo)
        assert "事件已提交" in page.locator(".flash").inner_text()
        points = walk(page, 1, recorded(page))
        screenshot(page, "field-phone-patrol")
        stop(page)

    patrol = Patrol.objects.get()
    assert patrol.ended_at is not None and patrol.point_count == points
    assert patrol.distance_m > 20
    event = Event.objects.get()
    assert event.category.code == "0503" and event.reporter == world.gina
    assert patrol.started_at <= event.reported_at <= patrol.ended_at
    # The photo was scaled down to a JPEG on the phone before it was sent.
    assert Attachment.objects.get().content_type == "image/jpeg"


def test_without_signal_nothing_is_lost_and_nothing_arrives_twice(live_server, world, photo):
    base = live_server.url
    with browser_page(width=390, height=844, mobile=True) as page:
        on_phone(page, base)
        page.click("#patrol-start")
        first_fix(page)
        outbox_empty(page)
        fill_report(page, base, photo)  # the patrol goes on recording on every page

        page.context.set_offline(True)
        points = walk(page, 2, recorded(page))
        page.click("#report-form button[type=submit]")
        page.wait_for_selector("#report-form .flash:has-text('有信号时自动发送')")
        page.wait_for_selector("#outbox:not([hidden])")
        assert "待发送 1 项" in page.locator("#outbox-text").inner_text()
        points = walk(page, 1, points)
        screenshot(page, "field-phone-offline")
        assert Event.objects.count() == 0

        page.context.set_offline(False)
        outbox_empty(page)
        open_page(page, f"{base}/m/")
        points = recorded(page)
        stop(page)

    assert Event.objects.count() == 1
    patrol = Patrol.objects.get()
    assert patrol.ended_at is not None and patrol.point_count == points
    assert patrol.dropped_count == 0
