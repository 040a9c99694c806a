"""The closed loop clicked through in Chromium: the operator accepts and dispatches, the
handler signs and feeds back with a photo, the grid worker verifies; and a report made on a
phone by typing a category and taking the phone's position."""

import pytest
from django.utils import timezone

from gridgov.conftest import report_in_a1
from gridgov.events import workflow
from gridgov.events.models import Attachment, Event, EventLog, LogAction, Status
from gridgov.events.taxonomy import install_default_taxonomy
from gridgov.lib.images import placeholder_png
from gridgov.web.tests.browser import browser_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    # A transactional test empties every table when it ends, the taxonomy of the migration too.
    install_default_taxonomy()


def open_from_queue(page, base_url: str, tab: str, event: Event) -> None:
    page.goto(f"{base_url}/events/queues/")
    page.click(f".tabs >> text={tab}")
    page.click(f"a:has-text('{event.title}')")
    page.wait_for_selector("#event-map[data-ready='1']")


def act(page, action: str, label: str) -> None:
    page.click(f"button[data-action='{action}']")
    page.click(f"#panel-{action} button:has-text('确认{label}')")
    page.wait_for_load_state()


def test_an_event_goes_round_the_loop_through_the_pages(
    live_server, world, street_vending, tmp_path
):
    event = report_in_a1(world, street_vending)
    base = live_server.url

    with browser_page() as page:
        sign_in(page, base, "otto", "pw-otto")
        open_from_queue(page, base, "待受理", event)
        # The point and the grid are drawn on the event's map.
        assert page.locator("#event-map .leaflet-overlay-pane path").count() == 2
        screenshot(page, "event-page-reported")
        act(page, "accept", "受理")
        page.wait_for_selector("#event-status:has-text('已受理')")
        page.click("button[data-action='dispatch']")
        page.select_option("#dispatch_lead", label="综合行政执法局月河中队（月河街道）")
        screenshot(page, "event-page-dispatch-form")
        page.click("#panel-dispatch button:has-text('确认交办')")
        page.wait_for_selector("#event-status:has-text('已交办')")
        assert "已交办" in page.locator(".messages").inner_text()

    photo = tmp_path / "处置后.png"
    photo.write_bytes(placeholder_png(rgb=(90, 160, 90)))
    with browser_page() as page:
        sign_in(page, base, "dora", "pw-dora")
        open_from_queue(page, base, "待签收", event)
        act(page, "sign", "签收")
        page.wait_for_selector("#event-status:has-text('处置中')")
        page.click("button[data-action='feed_back']")
        page.fill("#feed_back_note", "已劝离流动摊贩，人行道恢复通行")
        page.set_input_files("#feed_back_photos", str(photo))
        page.click("#panel-feed_back button:has-text('确认处置反馈')")
        page.wait_for_selector("#event-status:has-text('已处置待核查')")
        # The photo is shown on the timeline, loaded through the event's own file URL.
        thumbnail = page.locator(".timeline .photos img").first
        thumbnail.scroll_into_view_if_needed()
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
        )
        assert thumbnail.evaluate("(img) => img.naturalWidth") == 64
        screenshot(page, "event-page-handled")

    with browser_page(width=390, height=844, mobile=True) as page:
        sign_in(page, base, "gina", "pw-gina")
        open_from_queue(page, base, "待核查", event)
        page.click("button[data-action='verify']")
        page.select_option("#verify_satisfaction", "satisfied")
        page.click("#panel-verify button:has-text('确认核查结案')")
        page.wait_for_selector("#event-status:has-text('已结案')")
        screenshot(page, "event-page-closed-phone")

    event.refresh_from_db()
    assert event.status == Status.CLOSED
    assert list(event.log.order_by("seq").values_list("action", flat=True)) == [
        LogAction.REPORT,
        LogAction.ACCEPT,
        LogAction.DISPATCH,
        LogAction.SIGN,
        LogAction.FEED_BACK,
        LogAction.VERIFY,
    ]
    assert Attachment.objects.get(event=event).original_name == "处置后.png"


def test_a_grid_worker_reports_on_a_phone_by_typing_a_category_and_taking_her_position(
    live_server, world, street_vending
):
    earlier = report_in_a1(world, street_vending, at=timezone.now())
    base = live_server.url
    with browser_page(width=390, height=844, mobile=True) as page:
        page.context.grant_permissions(["geolocation"], origin=base)
        # About 50 m east of the earlier report.
        page.context.set_geolocation({"longitude": 120.00552, "latitude": 30.01})
        sign_in(page, base, "gina", "pw-gina")
        page.click("button.menu-toggle")
        page.click("nav.sidebar >> text=上报事件")
        page.wait_for_selector("#report-map[data-ready='1']")
        page.fill("#id_title", "衣裳街口有人摆摊卖水果")
        page.fill("#id_description", "两个摊位占用人行道。")
        page.fill("#category-search", "占道")
        page.click("#category-results button:has-text('占道经营')")
        assert "市容环境 › 占道经营" in page.locator("#category-chosen").inner_text()
        page.click("#locate-me")
        page.wait_for_selector("#locate-result.ok")
        assert "衣裳街第一网格" in page.locator("#locate-result").inner_text()
        page.wait_for_selector(f"#duplicates a:has-text('{earlier.code}')")
        screenshot(page, "event-report-phone")
        page.click("#report-submit")
        page.wait_for_selector("#event-status:has-text('已上报')")
        screenshot(page, "event-page-reported-phone")

    assert Event.objects.count() == 2
    made = Event.objects.exclude(pk=earlier.pk).get()
    assert (made.category, made.grid, made.reporter) == (street_vending, world.grid_a1, world.gina)
    assert abs(made.lon - 120.00552) < 1e-6
    assert EventLog.objects.filter(event=made, action=LogAction.REPORT).count() == 1


def test_the_pages_read_well_on_a_desktop_and_a_phone(live_server, world, street_vending):
    for n in range(3):
        report_in_a1(
            world,
            street_vending,
            title=f"衣裳街口占道经营（第 {n + 1} 处）",
            lon=120.002 + n * 0.002,
        )
    handling = report_in_a1(world, street_vending, title="衣裳街菜场门口占道", lon=120.008)
    workflow.accept(handling, by=world.otto)
    workflow.dispatch(handling, lead=world.enforcement_a, by=world.otto)
    workflow.sign(handling, by=world.dora)
    base = live_server.url
    with browser_page() as page:
        sign_in(page, base, "otto", "pw-otto")
        page.goto(f"{base}/events/queues/")
        page.wait_for_selector(".tab.active:has-text('待受理')")
        # One menu item is current, the most specific one.
        assert page.locator("nav.sidebar a.active").all_inner_texts() == ["我的待办"]
        screenshot(page, "event-queues")
        page.goto(f"{base}/events/?status=reported")
        assert page.locator("table.event-table tbody tr").count() == 3
        screenshot(page, "event-search")
        page.goto(f"{base}/events/report/")
        page.wait_for_selector("#report-map[data-ready='1']")
        screenshot(page, "event-report")
    with browser_page(width=390, height=844, mobile=True) as page:
        sign_in(page, base, "otto", "pw-otto")
        page.goto(f"{base}/events/queues/")
        screenshot(page, "event-queues-phone")
        page.goto(f"{base}/events/")
        screenshot(page, "event-search-phone")
    with browser_page(width=390, height=844, mobile=True) as page:
        sign_in(page, base, "dora", "pw-dora")
        page.goto(f"{base}/events/{handling.code}/")
        page.click("button[data-action='feed_back']")
        file_input = page.locator("#feed_back_photos")
        assert file_input.get_attribute("capture") == "environment"
        assert file_input.get_attribute("accept") == "image/*"
        assert file_input.get_attribute("multiple") is not None
        screenshot(page, "event-page-feed-back-phone")
