"""The map with each layer switched on, an event's card with its one-click call, and the
big screen at 1920 × 1080, in Chromium; screenshots go to test-artifacts/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.analysis import rollup
from gridgov.command.models import PoiKind, PointOfInterest
from gridgov.command.tests.test_layers import patrol_of_gina
from gridgov.conftest import report_in_a1
from gridgov.events.models import EventLog, LogAction
from gridgov.events.taxonomy import install_default_taxonomy
from gridgov.web.tests.browser import browser_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    # A transactional test empties every table when it ends, the taxonomy of the migration too.
    install_default_taxonomy()


@pytest.fixture
def busy_town(world, street_vending):
    now = timezone.now()
    # A few minutes apart, newest first, and all of them today's intake even when the test
    # runs just after midnight: then they are squeezed in between midnight and now.
    today = now - timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    events = [
        report_in_a1(world, street_vending, at=now - min(timedelta(minutes=3 * i + 1), today * (i + 1) / 7), lon=120.002 + 0.0012 * i,
                     lat=30.004 + 0.0011 * i, title=f"占道经营 {i + 1} 号点")
        for i in range(6)
    ]
    for i, (name, kind) in enumerate([("月河街道社区医院", PoiKind.HOSPITAL), ("月河小学", PoiKind.SCHOOL),
                                      ("防汛物资仓库", PoiKind.SUPPLIES), ("衣裳街口监控", PoiKind.CAMERA)]):
        PointOfInterest.objects.create(name=name, kind=kind, lon=120.004 + 0.003 * i, lat=30.015,
                                       area_code=world.grid_a1.code if i < 2 else world.grid_a2.code, imported_at=now)
    patrol_of_gina(world)
    rollup.fold()
    return events


def switch_on(page, layer: str) -> None:
    page.check(f"input[data-layer='{layer}']")
    page.wait_for_selector(f"#command-map[data-{layer}='ready']")


def test_the_map_with_each_layer_and_an_events_card(live_server, world, busy_town):
    with browser_page(width=1440, height=900) as page:
        sign_in(page, live_server.url, "otto", "pw-otto")
        page.goto(f"{live_server.url}/map/")
        page.wait_for_selector("#command-map[data-grids='ready'][data-events='ready']")
        assert page.locator(".leaflet-overlay-pane path").count() == 2  # grids A1 and A2
        page.locator(".leaflet-overlay-pane path").nth(1).click()  # grid A2
        page.wait_for_selector(".cmd-card:has-text('衣裳街第二网格')")
        assert "户数 320" in page.inner_text(".cmd-card")
        page.wait_for_timeout(300)  # the popup fades in
        screenshot(page, "command-map-grids-events")
        page.click(".leaflet-popup-close-button")
        page.select_option("#grid-mode", "light")
        switch_on(page, "heat")
        assert page.locator("canvas.leaflet-heatmap-layer").count() == 1
        screenshot(page, "command-map-heat")
        switch_on(page, "patrols")
        switch_on(page, "pois")
        screenshot(page, "command-map-patrols-pois")
        page.uncheck("input[data-layer='heat']")
        page.uncheck("input[data-layer='grids']")
        page.wait_for_timeout(100)
        page.locator(".cmd-cluster").first.click()  # zooms in until the events stand apart
        page.locator(".cmd-event").first.click()
        page.wait_for_selector(".cmd-card button[data-call]")
        assert "受理" in page.inner_text(".cmd-card")
        page.click(".cmd-card button[data-call]")
        page.wait_for_selector(".cmd-result:has-text('已呼叫：高娜')")
        screenshot(page, "command-map-event-card-called")
    assert EventLog.objects.filter(action=LogAction.CALL).count() == 1


def test_the_big_screen_shows_the_days_figures_and_the_live_feed(live_server, world, busy_town):
    with browser_page(width=1920, height=1080) as page:
        sign_in(page, live_server.url, "otto", "pw-otto")
        page.goto(f"{live_server.url}/command/")
        page.wait_for_selector("#screen[data-ready='1'][data-feed='6']")
        page.wait_for_selector("#command-map[data-events='ready']")
        assert page.inner_text("#fig-reported") == "6"
        assert page.inner_text("#light-green") == "6"
        assert page.locator("#screen-feed li").count() == 6
        assert "月河街道" in page.inner_text("#town-ranking")
        page.wait_for_timeout(300)
        screenshot(page, "command-screen")


def test_the_big_screen_feed_shows_a_new_event_without_a_reload(live_server, world, street_vending):
    with browser_page(width=1920, height=1080) as page:
        sign_in(page, live_server.url, "otto", "pw-otto")
        page.goto(f"{live_server.url}/command/")
        page.wait_for_selector("#screen[data-ready='1'][data-feed='0']")
        assert page.locator("#screen-feed li").count() == 0
        page.evaluate("window.loadedOnce = true")  # gone if the page reloaded
        report_in_a1(world, street_vending, at=timezone.now(), title="大屏实时新事件")
        # The feed polls every 15 seconds.
        page.wait_for_selector("#screen-feed li.feed-new:has-text('大屏实时新事件')", timeout=30_000)
        assert page.evaluate("window.loadedOnce") is True
        assert page.get_attribute("#screen", "data-feed") == "1"
        assert "衣裳街第一网格" in page.inner_text("#screen-feed li")
        screenshot(page, "command-screen-live-feed")
