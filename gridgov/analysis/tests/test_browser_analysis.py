"""The analysis page and the district dashboard drawn in Chromium, in Chinese."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gridgov.analysis import rollup
from gridgov.conftest import photo
from gridgov.events import workflow
from gridgov.events.models import Category, Status
from gridgov.events.taxonomy import install_default_taxonomy
from gridgov.events.tests.lifecycle import advance
from gridgov.web.tests.browser import browser_page, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _taxonomy(transactional_db):
    # A transactional test empties every table when it ends, the taxonomy of the migration too.
    install_default_taxonomy()


def _a_week_of_events(world) -> None:
    minors = list(Category.objects.filter(parent__isnull=False).order_by("code")[:6])
    start = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    places = [(world.gina, 120.005, "grid_patrol"), (world.gina, 120.015, "grid_patrol"), (world.xena, 120.03, "resident")]
    targets = [Status.CLOSED, Status.CLOSED, Status.HANDLING, Status.CLOSED, Status.DISPATCHED, Status.REPORTED]
    for n in range(18):
        by, lon, source = places[n % 3]
        event, _ = workflow.report(
            by=by, title=f"巡查发现问题 {n + 1}", description="现场情况已拍照记录，请相关部门处理。",
            category=minors[n % len(minors)], lon=lon, lat=30.01, source=source,
            at=start + timedelta(days=n % 5, hours=(n * 5) % 10),
        )
        if by == world.gina:
            advance(world, event, targets[n % len(targets)])
    workflow.self_handle(by=world.gina, title="井盖松动", description="人行道井盖松动，已现场加固。",
                         category=minors[0], lon=120.005, lat=30.01, note="已加固", photos=[photo()],
                         at=start + timedelta(days=1, hours=3))
    rollup.fold()


def test_the_analysis_page_draws_its_charts_and_the_dashboard_its_figures(live_server, world):
    _a_week_of_events(world)
    base = live_server.url
    with browser_page(width=1440, height=1000) as page:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, base, "lena", "pw-lena")
        page.goto(f"{base}/analysis/?start=2026-03-01&end=2026-03-31")
        page.wait_for_load_state("load")
        assert errors == []
        page.wait_for_function("document.body.dataset.chartsDrawn")
        drawn = int(page.get_attribute("body", "data-charts-drawn"))
        assert drawn >= 18
        assert page.evaluate("[...document.querySelectorAll('.charts .chart')].filter(c => c.querySelector('canvas')).length") == drawn
        assert page.locator("h1").inner_text() == "统计分析"
        png = page.evaluate("gridgovCharts.png(document.getElementById('chart-major'))")
        assert png.startswith("data:image/png;base64,") and len(png) > 5000
        screenshot(page, "analysis-page")

        page.goto(f"{base}/dashboard/?start=2026-03-01&end=2026-03-31")
        page.wait_for_selector("#trend canvas")
        assert "月河街道" in page.locator("table").inner_text()
        screenshot(page, "analysis-dashboard")
