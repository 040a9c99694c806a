"""The phone app in Chromium on a phone-sized screen with an emulated position: a patrol
with a report on the way, and the same without signal — nothing lost, nothing twice."""

import pytest

from gridgov.events.models import Attachment, Event
from gridgov.events.taxonomy import install_default_taxonomy
from gridgov.field.checklists import install_default_checklists
from gridgov.field.models import FindingKind, Patrol, Visit
from gridgov.field.tests.phone import (
    fill_report,
    fill_visit,
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

    event = Event.objects.get()
    patrol = Patrol.objects.get()
    assert patrol.ended_at is not None and patrol.point_count == points
    assert patrol.dropped_count == 0
    # The photo taken without signal was kept on the phone and arrived with its event.
    attachment = Attachment.objects.get()
    assert attachment.event == event and attachment.uploaded_by == world.gina
    assert attachment.content_type == "image/jpeg" and attachment.size > 0
    with attachment.file.open("rb") as f:
        data = f.read()
    assert len(data) == attachment.size and data[:3] == b"\xff\xd8\xff"  # a JPEG, whole


def test_a_visit_recorded_without_signal_arrives_once(live_server, world):
    base = live_server.url
    with browser_page(width=390, height=844, mobile=True) as page:
        on_phone(page, base)
        fill_visit(page, base, "沈阿姨")

        page.context.set_offline(True)
        page.click("#visit-form button[type=submit]")
        page.wait_for_selector("#visit-form .flash:has-text('有信号时自动发送')")
        assert "待发送 1 项：走访" in page.locator("#outbox-text").inner_text()
        assert page.input_value("#visit-household") == ""  # ready for the next household
        assert Visit.objects.count() == 0

        page.context.set_offline(False)
        outbox_empty(page)
        page.reload()  # the outbox is looked at again on every page: nothing is sent twice
        outbox_empty(page)

    visit = Visit.objects.get()
    assert visit.worker == world.gina and visit.grid == world.grid_a1
    assert visit.household == "沈阿姨" and visit.finding == FindingKind.DISPUTE and visit.follow_up


def test_a_report_whose_answer_was_lost_is_sent_again_and_kept_once(live_server, world, photo):
    base = live_server.url
    with browser_page(width=390, height=844, mobile=True) as page:
        on_phone(page, base)
        fill_report(page, base, photo)

        sent = []  # the Idempotency-Key of every report the phone sends
        page.on("request", lambda r: sent.append(r.headers.get("idempotency-key")) if (
            r.method == "POST" and r.url.endswith("/api/events")) else None)
        stored = []

        def lose_the_answer(route):
            route.fetch()  # the server takes the report and answers...
            stored.append(Event.objects.count())
            route.abort("connectionreset")  # ...but the answer never reaches the phone

        page.context.route("**/api/events", lose_the_answer, times=1)
        page.click("#report-form button[type=submit]")
        page.wait_for_url(f"{base}/m/")
        outbox_empty(page)  # sent again from the today page, and answered this time

    assert stored == [1]
    assert len(sent) == 2 and sent[0] and sent[0] == sent[1]
    event = Event.objects.get()
    assert event.reporter == world.gina and event.title == "衣裳街口占道经营"
    assert Attachment.objects.get().event == event  # the photo once, too
