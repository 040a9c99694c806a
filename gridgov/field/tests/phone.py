"""What a grid worker does on the phone app, for the browser tests of field work.

The waits are on the condition that matters (a page loaded, the service worker in control,
the outbox emptied), each bounded but generous: the tests run on busy machines, and a wait
that is too tight fails for the machine, not for the app.
"""

from gridgov.web.tests.browser import sign_in

START = {"latitude": 30.005, "longitude": 120.005, "accuracy": 8}

# Milliseconds, as Playwright takes them.
PAGE = 60_000  # a page of the app opens and runs its scripts
FIX = 20_000  # the phone records a new position
SEND = 45_000  # the outbox is sent (a round that failed is tried again after 15 s)


def on_phone(page, base: str) -> None:
    """gina signed in on her phone, on the today page, with the app kept for use offline."""
    page.set_default_timeout(PAGE)
    page.context.grant_permissions(["geolocation"], origin=base)
    page.context.set_geolocation(START)
    sign_in(page, base, "gina", "pw-gina")
    open_page(page, f"{base}/m/")
    app_kept(page)


def app_kept(page) -> None:
    """Wait until the service worker controls the page. It takes control only once it has
    kept the app shell, so no request of its install is still under way when the test acts
    (or when the test ends and its database is emptied)."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=PAGE)


def open_page(page, url: str) -> None:
    """Open a page of the app and wait until it has loaded and its scripts have run."""
    response = page.goto(url, wait_until="load", timeout=PAGE)
    assert response is not None and response.ok, f"{url}: {response and response.status}"


def walk(page, steps: int, start: int) -> int:
    """Move north 11 m a step; wait until the phone has recorded each new fix."""
    for i in range(steps):
        north = START["latitude"] + (start + i + 1) * 0.0001
        page.context.set_geolocation({**START, "latitude": north})
        page.wait_for_function("n => window.gridgovPatrol.count() > n", arg=start + i, timeout=FIX)
    return start + steps


def first_fix(page) -> None:
    page.wait_for_function(
        "() => Number(document.getElementById('patrol-points').textContent) >= 1", timeout=FIX
    )


def recorded(page) -> int:
    return page.evaluate("() => window.gridgovPatrol.count()")


def stop(page) -> None:
    page.click("#patrol-stop")
    page.wait_for_selector("#patrol-start:not([hidden])")
    outbox_empty(page)


def outbox_empty(page) -> None:
    page.wait_for_function("() => window.gridgovOutbox.count().then(n => n === 0)", timeout=SEND)


def fill_report(page, base: str, photo) -> None:
    open_page(page, f"{base}/m/report/")
    page.set_input_files("#report-photos", str(photo))
    page.fill("#category-search", "占道")
    page.click("#category-results button >> nth=0")
    page.fill("#report-title", "衣裳街口占道经营")
    page.fill("#report-description", "流动摊贩占用人行道")
    page.wait_for_function("() => document.getElementById('report-lon').value !== ''", timeout=FIX)
    page.wait_for_selector("#report-grid:has-text('衣裳街第一网格')")
    page.wait_for_selector("#report-thumbs img")  # the photo is scaled down and kept


def report(page, base: str, photo) -> None:
    fill_report(page, base, photo)
    page.click("#report-form button[type=submit]")
    page.wait_for_url(f"{base}/m/", timeout=PAGE)


def fill_visit(page, base: str, household: str) -> None:
    open_page(page, f"{base}/m/visit/")
    page.fill("#visit-household", household)
    page.fill("#visit-address", "衣裳街 12 号")
    page.check("input[name=finding][value=dispute]")
    page.fill("#visit-notes", "与邻居因漏水起争执")
    page.check("#visit-follow-up")
    page.wait_for_selector("#visit-where:has-text('已定位')", timeout=FIX)
