"""A town operator signs in, browses down to a grid and sees its polygon drawn."""

import pytest

from gridgov.web.tests.browser import browser_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_operator_browses_from_home_to_a_grid_and_sees_its_polygon(live_server, world):
    with browser_page() as page:
        sign_in(page, live_server.url, "otto", "pw-otto")
        assert page.locator("h1").inner_text().startswith("您好")
        page.click("text=辖区网格")
        page.wait_for_selector("h1:has-text('月河街道')")
        page.click("text=衣裳街社区")
        page.wait_for_selector("h1:has-text('衣裳街社区')")
        page.click("a:has-text('衣裳街第一网格')")
        page.wait_for_selector("#map[data-ready='1']")
        drawn = page.locator("#map .leaflet-overlay-pane path")
        # The grid itself and its neighbour A2; grid B1 of the other town is not drawn.
        assert drawn.count() == 2
        assert page.locator("#map").get_attribute("data-features") == "2"
        box = drawn.first.bounding_box()
        assert box["width"] > 50 and box["height"] > 50
        path = screenshot(page, "grid-page")
        assert path.stat().st_size > 10_000


def test_a_grid_worker_on_a_phone_sees_the_menu_and_their_grid(live_server, world):
    with browser_page(width=390, height=844, mobile=True) as page:
        sign_in(page, live_server.url, "gina", "pw-gina")
        assert "衣裳街第一网格" in page.content()
        page.click("button.menu-toggle")
        page.wait_for_selector("nav.sidebar.open")
        page.click("nav.sidebar >> text=辖区网格")
        page.wait_for_selector("#map[data-ready='1']")
        assert page.locator("#map .leaflet-overlay-pane path").count() == 1
        screenshot(page, "grid-page-phone")


def test_the_tile_layer_spreads_its_requests_over_the_configured_subdomains(
    live_server, world, settings
):
    settings.MAP_TILE_URL = "http://t{s}.tiles.invalid/{z}/{x}/{y}.png"
    settings.MAP_TILE_SUBDOMAINS = "01234567"
    with browser_page() as page:
        # Answer every tile request here, so the test needs no tile server.
        page.route("http://*.tiles.invalid/**", lambda route: route.fulfill(status=204))
        sign_in(page, live_server.url, "otto", "pw-otto")
        page.goto(f"{live_server.url}/territory/{world.town_a.code}/")
        page.wait_for_selector("#map[data-ready='1']")
        page.wait_for_selector("#map .leaflet-tile-pane img", state="attached")
        hosts = page.eval_on_selector_all(
            "#map .leaflet-tile-pane img", "imgs => imgs.map(i => new URL(i.src).host)"
        )
    assert hosts and set(hosts) <= {f"t{n}.tiles.invalid" for n in range(8)}
    assert len(set(hosts)) > 1
