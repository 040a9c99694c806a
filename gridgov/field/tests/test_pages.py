"""The phone app's pages and the desktop pages of field work, with their scope."""

import time

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from gridgov.field import patrols
from gridgov.field.models import ChecklistItem, PlaceKind, TownAttendance
from gridgov.field.tests.conftest import walk


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/m/", "/m/report/", "/m/visit/", "/m/inspect/", "/m/history/"])
def test_the_phone_app_opens_for_a_grid_worker(world, path):
    response = client_for(world.gina).get(path)
    assert response.status_code == 200
    assert b'rel="manifest"' in response.content


def test_the_phone_app_is_for_grid_workers_only(world):
    assert client_for(world.otto).get("/m/").status_code == 403


def test_the_service_worker_is_served_under_m_with_the_app_shell(world):
    response = Client().get("/m/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    body = response.content.decode()
    assert '"/m/report/"' in body and "vendor/idb/umd.js" in body
    manifest = Client().get("/m/manifest.webmanifest").json()
    assert manifest["scope"] == "/m/" and manifest["display"] == "standalone"


def test_the_app_installs_with_png_icons_of_the_sizes_home_screens_take(world):
    manifest = Client().get("/m/manifest.webmanifest").json()
    pngs = {icon["sizes"]: icon["src"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert set(pngs) == {"192x192", "512x512"}
    for sizes, src in pngs.items():
        path = finders.find(src.removeprefix(settings.STATIC_URL))
        assert path, src
        with Image.open(path) as image:
            assert image.format == "PNG" and "x".join(map(str, image.size)) == sizes
    page = client_for(world.gina).get("/m/").content.decode()
    assert 'rel="apple-touch-icon"' in page and "icon-192.png" in page


def test_the_report_page_offers_the_categories_to_search(world):
    body = client_for(world.gina).get("/m/report/").content.decode()
    assert "\\u5360\\u9053" in body and 'id="category-data"' in body


def test_the_inspection_page_carries_the_default_checklists(world):
    body = client_for(world.gina).get("/m/inspect/").content.decode()
    for name in ["出租房", "“三合一”场所", "瓶装燃气销售点", "建筑工地", "小餐饮", "学校周边"]:
        assert name in body


def _patrol_of_gina(world):
    patrol, _ = patrols.start(by=world.gina, key="p1")
    patrols.record_batch(by=world.gina, patrol_key="p1", key="b1", rows=walk(time.time() - 20, 3))
    return patrol


def test_the_town_operator_replays_a_patrol_of_their_town(world):
    patrol = _patrol_of_gina(world)
    otto = client_for(world.otto)
    assert "高娜" in otto.get("/field/patrols/").content.decode()
    assert otto.get(f"/field/patrols/{patrol.pk}/").status_code == 200
    track = otto.get(f"/api/patrols/{patrol.pk}/track").json()
    assert len(track) == 3


def test_it_requires_the_patrols_town_scope(world):
    patrol = _patrol_of_gina(world)
    xena = client_for(world.xena)
    assert xena.get(f"/field/patrols/{patrol.pk}/").status_code == 404
    assert xena.get(f"/api/patrols/{patrol.pk}/track").status_code == 404
    assert "高娜" not in xena.get("/field/patrols/").content.decode()


def test_indicators_show_patrol_time_and_coverage(world):
    _patrol_of_gina(world)
    body = client_for(world.otto).get("/field/indicators/").content.decode()
    assert "高娜" in body and "100%" in body


def test_an_administrator_edits_a_checklist(world):
    kind = PlaceKind.objects.get(code="rental")
    adam = client_for(world.adam)
    assert adam.get("/field/checklists/").status_code == 200
    category = ChecklistItem.objects.filter(kind=kind).first().category
    adam.post("/field/checklists/item/", {"kind": kind.pk, "text": "阳台未违规堆放易燃物", "category": category.pk})
    assert kind.items.filter(text="阳台未违规堆放易燃物").exists()
    response = adam.post("/field/checklists/item/", {"kind": kind.pk, "text": "", "category": category.pk}, follow=True)
    assert "请填写检查内容" in response.content.decode()
    assert client_for(world.otto).get("/field/checklists/").status_code == 403


def test_an_administrator_requires_check_in_for_a_town(world):
    adam = client_for(world.adam)
    adam.post("/field/attendance/", {"required": [world.town_a.code]})
    assert TownAttendance.objects.get(town=world.town_a).requires_check_in
    assert "打卡签到" in client_for(world.gina).get("/m/").content.decode()
    assert client_for(world.tara).get("/field/attendance/").status_code == 200
