"""上报事件 through the form: what makes an event, what is refused beside its field, what a
double submission does, and the check made while the form is filled in."""

import json
import re
import uuid

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.conftest import photo, report_in_a1
from gridgov.events.models import Attachment, Closure, Event, EventLog, LogAction, Source, Status


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def form_data(kind, **overrides) -> dict:
    data = {
        "title": "衣裳街口占道经营",
        "description": "三个流动摊贩占用人行道卖水果。",
        "category": kind.pk,
        "level": "1",
        "lon": "120.005",
        "lat": "30.01",
        "address": "衣裳街 12 号门前",
        "idempotency_key": uuid.uuid4().hex,
    }
    data.update(overrides)
    return data


def submit(client, user, data):
    client.force_login(user)
    return client.post("/events/report/", data)


def test_a_grid_worker_reports_with_a_photo_and_lands_on_the_new_event(
    client, world, street_vending
):
    response = submit(client, world.gina, form_data(street_vending, photos=[photo("现场.png")]))
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/events/{event.code}/"
    assert (event.reporter, event.source, event.grid, event.status) == (
        world.gina,
        Source.GRID_PATROL,
        world.grid_a1,
        Status.REPORTED,
    )
    assert [a.original_name for a in Attachment.objects.filter(event=event)] == ["现场.png"]
    assert f"已上报事件 {event.code}" in client.get(response["Location"]).content.decode()


def test_the_form_carries_a_fresh_idempotency_key_each_time_it_is_shown(
    client, world, street_vending
):
    client.force_login(world.gina)
    keys = [
        re.search(
            r'name="idempotency_key" value="([0-9a-f]{32})"',
            client.get("/events/report/").content.decode(),
        ).group(1)
        for _ in range(2)
    ]
    assert keys[0] != keys[1]


def test_the_same_idempotency_key_posted_twice_makes_one_event(client, world, street_vending):
    data = form_data(street_vending)
    first = submit(client, world.gina, data)
    second = submit(client, world.gina, data)
    assert Event.objects.count() == 1
    event = Event.objects.get()
    assert first["Location"] == second["Location"] == f"/events/{event.code}/"
    assert "重复提交未再次创建" in client.get(second["Location"]).content.decode()
    assert EventLog.objects.filter(event=event, action=LogAction.REPORT).count() == 1


def test_a_point_outside_the_territory_is_refused_at_the_location_and_nothing_is_made(
    client, world, street_vending
):
    response = submit(client, world.gina, form_data(street_vending, lon="121.5", lat="31.2"))
    assert response.status_code == 200
    html = response.content.decode()
    location = html[html.index('id="field-location"') :]
    assert "该位置不在本辖区任何网格内，请核对定位" in location[: location.index('id="duplicates"')]
    assert not Event.objects.exists()
    # What was typed stays in the form, and so does the key.
    assert 'value="衣裳街口占道经营"' in html


def test_a_grid_worker_cannot_report_in_another_town(client, world, street_vending):
    response = submit(client, world.gina, form_data(street_vending, lon="120.03"))
    assert response.status_code == 200
    assert "该位置属于南街第一网格，不在您的上报范围内" in response.content.decode()
    assert not Event.objects.exists()


def test_a_report_missing_its_place_or_its_title_and_category_says_so_beside_each(
    client, world, street_vending
):
    response = submit(
        client, world.gina, form_data(street_vending, title="", category="", lon="", lat="")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "请在地图上点选位置" in html
    assert not Event.objects.exists()
    response = submit(client, world.gina, form_data(street_vending, title="", category=""))
    html = response.content.decode()
    assert "请填写标题" in html and "请选择有效的事件分类" in html
    assert not Event.objects.exists()


def test_a_text_file_renamed_png_is_refused_as_a_photo(client, world, street_vending):
    fake = SimpleUploadedFile("现场.png", b"just text", content_type="image/png")
    response = submit(client, world.gina, form_data(street_vending, photos=[fake]))
    assert response.status_code == 200
    assert "现场.png：不支持的文件类型" in response.content.decode()
    assert not Event.objects.exists()


def test_an_operator_registers_a_hotline_call_with_the_callers_name_and_phone(
    client, world, street_vending
):
    response = submit(
        client,
        world.otto,
        form_data(
            street_vending,
            source="hotline",
            contact_name="张先生",
            contact_phone="13812345678",
        ),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.source, event.contact_name, event.contact_phone) == (
        "hotline",
        "张先生",
        "13812345678",
    )


def test_a_grid_worker_cannot_choose_another_source(client, world, street_vending):
    client.force_login(world.gina)
    assert 'name="source"' not in client.get("/events/report/").content.decode()
    submit(
        client, world.gina, form_data(street_vending, source="leader", contact_phone="13812345678")
    )
    event = Event.objects.get()
    assert (event.source, event.contact_phone) == (Source.GRID_PATROL, "")


def test_solved_on_the_spot_records_the_event_closed_with_its_evidence(
    client, world, street_vending
):
    response = submit(
        client,
        world.gina,
        form_data(
            street_vending,
            self_handled="on",
            note="劝离摊贩，恢复通行",
            photos=[photo("之前.png")],
            after_photos=[photo("之后.png", rgb=(90, 160, 90))],
        ),
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.status, event.closure) == (Status.CLOSED, Closure.SELF_HANDLED)
    row = EventLog.objects.get(event=event, action=LogAction.SELF_HANDLE)
    assert row.note == "劝离摊贩，恢复通行"
    assert sorted(a.original_name for a in row.attachments.all()) == ["之前.png", "之后.png"]


def test_solved_on_the_spot_without_an_after_photo_is_refused(client, world, street_vending):
    response = submit(
        client, world.gina, form_data(street_vending, self_handled="on", note="已劝离")
    )
    assert response.status_code == 200
    html = response.content.decode()
    field = html[html.index('id="field-after_photos"') :]
    assert "自行处置须上传处置后的照片" in field[:400]
    assert not Event.objects.exists()


def test_an_operator_is_not_offered_solved_on_the_spot(client, world, street_vending):
    client.force_login(world.otto)
    html = client.get("/events/report/").content.decode()
    assert 'name="self_handled"' not in html and 'name="source"' in html
    submit(
        client, world.otto, form_data(street_vending, self_handled="on", note="x", source="hotline")
    )
    assert Event.objects.get().status == Status.REPORTED


def test_an_administrator_without_a_reporting_role_cannot_report(client, world, street_vending):
    client.force_login(world.adam)
    assert client.get("/events/report/").status_code == 403
    assert client.post("/events/report/", form_data(street_vending)).status_code == 403
    assert not Event.objects.exists()


def test_the_category_search_data_finds_street_vending_by_its_keyword(
    client, world, street_vending
):
    client.force_login(world.gina)
    html = client.get("/events/report/").content.decode()
    data = json.loads(
        re.search(
            r'<script id="category-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    found = [c for c in data if "占道" in c["search"]]
    assert [c["name"] for c in found][:1] == ["占道经营"]
    assert found[0]["id"] == street_vending.pk and found[0]["major"] == "市容环境"
    # Only classes a reporter can pick: the major class 市容环境 itself is not offered.
    assert "市容环境" not in [c["name"] for c in data]


# --- the check made while filling in ------------------------------------------------------


def check(client, user, **params):
    client.force_login(user)
    return client.get("/events/report/check/", params).json()


def test_the_check_names_the_grid_of_the_point(client, world, street_vending):
    result = check(client, world.gina, lon="120.005", lat="30.01")
    assert result["ok"] is True
    assert result["grid"]["code"] == world.grid_a1.code
    assert "衣裳街第一网格" in result["message"]


def test_the_check_says_when_the_point_is_outside_the_territory_or_the_scope(
    client, world, street_vending
):
    assert check(client, world.gina, lon="121.5", lat="31.2") == {
        "ok": False,
        "grid": None,
        "message": "该位置不在本辖区任何网格内，请核对定位",
        "duplicates_html": "",
        "duplicates": 0,
    }
    outside = check(client, world.gina, lon="120.03", lat="30.01")
    assert outside["ok"] is False and "不在您的上报范围内" in outside["message"]
    assert check(client, world.gina, lon="abc", lat="30")["message"] == "位置坐标无效"
    assert check(client, world.gina, lon="nan", lat="30")["message"] == "位置坐标无效"


def test_a_second_report_50_metres_from_the_first_is_shown_the_first_as_a_possible_duplicate(
    client, world, street_vending
):
    with time_machine.travel("2026-03-04 10:00 +0800", tick=False):
        first = report_in_a1(world, street_vending)
        # About 50 m east of the first report.
        result = check(
            client,
            world.gina,
            lon="120.00552",
            lat="30.01",
            category=str(street_vending.pk),
            title="衣裳街口有人摆摊",
        )
        assert result["duplicates"] == 1
        assert first.code in result["duplicates_html"] and "相距 50 米" in result["duplicates_html"]
        # Another class at the same place is no duplicate.
        other = street_vending.parent.children.exclude(pk=street_vending.pk).first()
        assert (
            check(client, world.gina, lon="120.00552", lat="30.01", category=str(other.pk))[
                "duplicates"
            ]
            == 0
        )


def test_duplicates_outside_the_reporters_scope_are_not_revealed(client, world, street_vending):
    with time_machine.travel("2026-03-04 10:00 +0800", tick=False):
        report_in_a1(world, street_vending)
        result = check(
            client, world.xena, lon="120.00552", lat="30.01", category=str(street_vending.pk)
        )
        assert result["duplicates"] == 0 and "SJ-" not in result["duplicates_html"]


def test_the_report_map_draws_the_grids_the_worker_reports_in(client, world, street_vending):
    client.force_login(world.gina)
    collection = client.get("/events/report/area.geojson").json()
    assert sorted(f["properties"]["code"] for f in collection["features"]) == [
        world.grid_a1.code,
        world.grid_a2.code,
    ]
    client.force_login(world.xena)
    collection = client.get("/events/report/area.geojson").json()
    assert [f["properties"]["code"] for f in collection["features"]] == [world.grid_b1.code]
