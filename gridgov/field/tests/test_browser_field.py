"""The phone app in Chromium on a phone-sized screen with an emulated position: a patrol
with a report on the way, and the same without signal — nothing lost, nothing twice."""

import pytest

from gridgov.events.models import Attachment, Event
from gridgov.events.taxonomy import install_default_taxonomy
from gridgov.field.checklists import install_default_checklists
from gridgov.field.models import Patrol
from gridgov.lib.images import placeholder_png
from gridgov.web.tests.browser import browser_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START = {"latitude": 30.005, "longitude": 120.005, "accuracy": 8}


@pytest.fixture(autouse=True)
def _setup(transactional_db, settings):
    # A transactional test empties every table when it ends, migration data too.
    install_default_taxonomy()
    install_default_checklists()
    settings.FIELD_TRACK_INTERVAL_SECONDS = 1


def on_phone(page, base: str) -> None:
    page.context.grant_permissions(["geolocation"], origin=base)
    page.context.set_geolocation(START)
    sign_in(page, base, "gina", "pw-gina")
    page.goto(f"{base}/m/")


def walk(page, steps: int, start: int) -> int:
    """Move north 11 m a step; wait until the phone has recorded each new fix."""
    for i in range(steps):
        page.context.set_geolocation({**START, "latitude": START["latitude"] + (start + i + 1) * 0.0001})
        page.wait_for_function("n => window.gridgovPatrol.count() > n", arg=start + i, timeout=10_000)
    return start + steps


def first_fix(page) -> None:
    page.wait_for_function("() => Number(document.getElementById('patrol-points').textContent) >= 1")


def recorded(page) -> int:
    return page.evaluate("() => window.gridgovPatrol.count()")


def stop(page) -> None:
    page.click("#patrol-stop")
    page.wait_for_selector("#patrol-start:not([hidden])")
    outbox_empty(page)


def outbox_empty(page) -> None:
    page.wait_for_function("() => window.gridgovOutbox.count().then(n => n === 0)", timeout=15_000)


def fill_report(page, base: str, photo) -> None:
    page.goto(f"{base}/m/report/")
    page.set_input_files("#report-photos", str(photo))
    page.fill("#category-search", "占道")
    page.click("#category-results button >> nth=0")
    page.fill("#report-title", "衣裳街口占道经营")
    page.fill("#report-description", "流动摊贩占用人行道")
    page.wait_for_function("() => document.getElementById('report-lon').value !== ''")
    page.wait_for_selector("#report-grid:has-text('衣裳街第一网格')")
    page.wait_for_selector("#report-thumbs img")


def report(page, base: str, photo) -> None:
    fill_report(page, base, photo)
    page.click("#report-form button[type=submit]")
    page.wait_for_url(f"{base}/m/")


def test_a_patrol_with_a_report_on_the_way(live_server, world, tmp_path):
    photo = tmp_path / "现场.png"
    photo.write_bytes(placeholder_png(width=800, height=600))
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


def test_without_signal_nothing_is_lost_and_nothing_arrives_twice(live_server, world, tmp_path):
    photo = tmp_path / "现场.png"
    photo.write_bytes(placeholder_png())
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
        page.goto(f"{base}/m/")
        points = recorded(page)
        stop(page)

    assert Event.objects.count() == 1
    patrol = Patrol.objects.get()
    assert patrol.ended_at is not None and patrol.point_count == points and patrol.dropped_count == 0
