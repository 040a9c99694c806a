"""The events API as the phone app and the command room's tools use it: the whole closed
loop, idempotent reports, every transition's guards and bad input of every kind."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.conftest import photo
from gridgov.events import audit, workflow
from gridgov.events.models import Closure, Event, EventLog, LogAction, RoutingRule, Status
from gridgov.events.tests.lifecycle import event_in, fresh
from gridgov.lib.images import placeholder_png

SHANGHAI = ZoneInfo("Asia/Shanghai")


def a_report(**overrides) -> dict:
    body = {
        "title": "衣裳街口占道经营",
        "description": "三个流动摊贩占用人行道卖水果，行人需绕行机动车道。",
        "category": "0503",
        "level": 1,
        "source": "grid_patrol",
        "lon": 120.005,
        "lat": 30.01,
        "address": "衣裳街 12 号门前",
        "idempotency_key": "c0ffee00-0000-4000-8000-000000000001",
    }
    body.update(overrides)
    return body


# --- the closed loop ------------------------------------------------------------------------


def test_the_closed_loop_from_report_to_verified_close_through_the_api(api, world, street_vending):
    gina, otto, dora = api(world.gina), api(world.otto), api(world.dora)

    reported = gina.post("/api/events", {**a_report(), "photos": [photo()]})
    assert reported.status_code == 201, reported.content
    code = reported.json()["code"]
    assert reported.json()["status"] == "reported"
    assert len(reported.json()["timeline"][0]["attachments"]) == 1

    assert "accept" in otto.get(f"/api/events/{code}").json()["actions"]
    assert otto.post(f"/api/events/{code}/accept", {"note": "属实"}).status_code == 200

    detail = otto.get(f"/api/events/{code}").json()
    assert world.enforcement_a.pk in [d["id"] for d in detail["dispatch_options"]]
    dispatched = otto.post(f"/api/events/{code}/dispatch", {"lead": world.enforcement_a.pk})
    assert (dispatched.status_code, dispatched.json()["lead"]) == (200, world.enforcement_a.name)

    assert dora.get(f"/api/events/{code}").json()["actions"] == ["sign", "send-back"]
    assert dora.post(f"/api/events/{code}/sign").json()["status"] == "handling"

    handled = dora.post(f"/api/events/{code}/feed-back", {"note": "已劝离摊贩，恢复通行", "photos": [photo("后.png")]})
    assert (handled.status_code, handled.json()["status"]) == (200, "handled")

    assert gina.get(f"/api/events/{code}").json()["actions"] == ["verify", "rework"]
    closed = gina.post(f"/api/events/{code}/verify", {"note": "现场已恢复", "satisfaction": "satisfied"})
    assert closed.status_code == 200
    body = closed.json()
    assert (body["status"], body["closure"], body["light"], body["actions"]) == ("closed", "verified", "", [])
    assert [row["action"] for row in body["timeline"]] == [
        "report", "accept", "dispatch", "sign", "feed_back", "verify"
    ]
    assert [len(row["attachments"]) for row in body["timeline"]] == [1, 0, 0, 0, 1, 0]

    event = Event.objects.get(code=code)
    assert audit.verify_event(event, list(event.log.order_by("seq"))) == []
    call_command("verify_log")


@pytest.mark.parametrize("how", ["edited", "middle row deleted", "last row deleted"])
def test_verify_log_catches_tampering_with_a_log_written_through_the_api(api, world, street_vending, how):
    gina, otto, dora = api(world.gina), api(world.otto), api(world.dora)
    code = gina.post("/api/events", a_report()).json()["code"]
    otto.post(f"/api/events/{code}/accept")
    otto.post(f"/api/events/{code}/dispatch", {"lead": world.enforcement_a.pk})
    dora.post(f"/api/events/{code}/sign")
    call_command("verify_log")

    rows = EventLog.objects.filter(event__code=code)
    if how == "edited":
        assert rows.filter(seq=2).update(note="改过的受理意见") == 1
    elif how == "middle row deleted":
        rows.filter(seq=3).delete()
    else:
        rows.filter(seq=4).delete()
    with pytest.raises(CommandError, match="日志异常"):
        call_command("verify_log")


# --- idempotent reports ---------------------------------------------------------------------


def test_a_retried_report_returns_the_first_event_with_200(api, world, street_vending):
    gina = api(world.gina)
    first = gina.post("/api/events", a_report())
    retry = gina.post("/api/events", a_report(title="重发的标题"))
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["code"] == first.json()["code"] and retry.json()["title"] == "衣裳街口占道经营"
    assert Event.objects.count() == 1


def test_the_idempotency_key_may_come_as_a_header(api, world, street_vending):
    gina = api(world.gina)
    body = a_report()
    del body["idempotency_key"]
    first = gina.post("/api/events", body, HTTP_IDEMPOTENCY_KEY="hdr-1")
    retry = gina.post("/api/events", body, HTTP_IDEMPOTENCY_KEY="hdr-1")
    other = gina.post("/api/events", body, HTTP_IDEMPOTENCY_KEY="hdr-2")
    assert [r.status_code for r in (first, retry, other)] == [201, 200, 201]
    assert Event.objects.filter(idempotency_key__in=["hdr-1", "hdr-2"]).count() == 2


@pytest.mark.parametrize(
    ("key", "header"),
    [(None, None), ("", None), ("a" * 65, None), ("带中文", None), ("body-key", "header-key"), (None, "空 格")],
)
def test_a_report_without_a_usable_idempotency_key_is_refused(api, world, street_vending, key, header):
    body = a_report(idempotency_key=key)
    if key is None:
        del body["idempotency_key"]
    headers = {"HTTP_IDEMPOTENCY_KEY": header} if header else {}
    response = api(world.gina).post("/api/events", body, **headers)
    assert response.status_code == 422
    assert any("dempotency" in field for field in response.json()["errors"])
    assert not Event.objects.exists()


def test_a_retry_after_the_event_moved_on_still_returns_it(api, world, street_vending):
    gina = api(world.gina)
    code = gina.post("/api/events", a_report()).json()["code"]
    api(world.otto).post(f"/api/events/{code}/accept")
    retry = gina.post("/api/events", a_report())
    assert (retry.status_code, retry.json()["code"], retry.json()["status"]) == (200, code, "accepted")


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "长" * 101}, "title"),
        ({"description": "x" * 200_000}, "description"),
        ({"title": "有\x00空字符"}, "title"),
        ({"category": "9999"}, "category"),
        ({"category": 503}, "category"),
        ({"level": 7}, "level"),
        ({"level": "严重"}, "level"),
        ({"source": "gossip"}, "source"),
        ({"lon": "east"}, "lon"),
        ({"lon": None}, "lon"),
        ({"lon": 116.397, "lat": 39.909}, "location"),
        ({"lon": 120.03, "lat": 30.01}, "location"),
        ({"lon": 1e308 * 10}, "location"),
        ({"address": "门" * 201}, "address"),
        ({"contact_phone": "1" * 21}, "contact_phone"),
    ],
)
def test_a_bad_report_names_the_field_and_creates_nothing(api, world, street_vending, overrides, field):
    response = api(world.gina).post("/api/events", a_report(**overrides))
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Event.objects.exists()


def test_nan_coordinates_are_a_location_error(api, world, street_vending):
    gina = api(world.gina)
    raw = json.dumps(a_report(lon=float("nan"), lat=float("nan")))  # the literal NaN, as some clients send
    response = gina.client.post("/api/events", raw, content_type="application/json", **gina.headers)
    assert response.status_code == 422
    assert "location" in response.json()["errors"]


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"just a string"', "", "null", "\xff\xfe"])
def test_a_body_that_is_not_a_report_is_a_client_error(api, world, street_vending, raw):
    gina = api(world.gina)
    response = gina.client.post("/api/events", raw, content_type="application/json", **gina.headers)
    assert response.status_code in (400, 422)
    assert "detail" in response.json()
    assert not Event.objects.exists()


# --- photos and files -----------------------------------------------------------------------


def test_the_photo_url_in_the_event_detail_opens_with_a_token(api, world, street_vending):
    red = placeholder_png(rgb=(200, 30, 30))
    reported = api(world.gina).post("/api/events", {**a_report(), "photos": [photo(rgb=(200, 30, 30))]})
    code = reported.json()["code"]
    for someone in (world.gina, world.otto):
        [attachment] = api(someone).get(f"/api/events/{code}").json()["timeline"][0]["attachments"]
        response = api(someone).get(attachment["url"])
        assert response.status_code == 200, someone
        assert response["Content-Type"] == "image/png"
        assert b"".join(response.streaming_content) == red
    assert attachment["url"].startswith(f"/api/events/{code}/files/")


def test_a_file_is_a_404_to_an_outsider_and_through_another_events_code(api, world, street_vending):
    first = api(world.gina).post("/api/events", {**a_report(), "photos": [photo()]}).json()
    second = api(world.gina).post(
        "/api/events", {**a_report(idempotency_key="another-report"), "photos": [photo()]}
    ).json()
    url = first["timeline"][0]["attachments"][0]["url"]
    assert api(world.xena).get(url).status_code == 404
    assert api(None).get(url).status_code == 401
    pk = url.rstrip("/").rsplit("/", 1)[1]
    assert api(world.otto).get(f"/api/events/{second['code']}/files/{pk}").status_code == 404
    assert api(world.otto).get(f"/api/events/{first['code']}/files/2147483647").status_code == 404


def test_a_fake_photo_is_refused_with_the_report(api, world, street_vending):
    fake = SimpleUploadedFile("现场.jpg", b"MZ\x90\x00 this is an executable", content_type="image/jpeg")
    response = api(world.gina).post("/api/events", {**a_report(), "photos": [fake]})
    assert response.status_code == 422
    assert "photos" in response.json()["errors"]
    assert not Event.objects.exists()


def test_a_multipart_report_with_bad_fields_names_them(api, world, street_vending):
    response = api(world.gina).post("/api/events", {**a_report(lon="东经", level="x"), "photos": [photo()]})
    assert response.status_code == 422
    assert {"lon", "level"} <= set(response.json()["errors"])


# --- self-handled ---------------------------------------------------------------------------


def test_a_self_handled_event_is_closed_at_once_and_needs_a_photo(api, world, street_vending):
    gina = api(world.gina)
    body = {**a_report(), "note": "已现场劝离"}
    refused = gina.post("/api/events/self-handled", body)
    assert refused.status_code == 422 and "photos" in refused.json()["errors"]

    done = gina.post("/api/events/self-handled", {**body, "photos": [photo()]})
    assert done.status_code == 201, done.content
    assert (done.json()["status"], done.json()["closure"]) == ("closed", Closure.SELF_HANDLED)
    assert [row["action"] for row in done.json()["timeline"]] == ["report", "self_handle"]
    again = gina.post("/api/events/self-handled", {**body, "photos": [photo()]})
    assert (again.status_code, again.json()["code"]) == (200, done.json()["code"])


# --- guards of each transition --------------------------------------------------------------


def post_action(client, code: str, action: str, body: dict | None = None):
    return client.post(f"/api/events/{code}/{action}", body)


# (action, the state it needs, a state it cannot start from, a valid body, who may do it)
TRANSITIONS = [
    ("accept", Status.REPORTED, Status.ACCEPTED, {}, "otto"),
    ("reject", Status.REPORTED, Status.ACCEPTED, {"reason": "不属实"}, "otto"),
    ("dispatch", Status.ACCEPTED, Status.DISPATCHED, "lead", "otto"),
    ("sign", Status.DISPATCHED, Status.HANDLING, None, "dora"),
    ("send-back", Status.DISPATCHED, Status.HANDLING, {"reason": "非本单位职责"}, "dora"),
    ("feed-back", Status.HANDLING, Status.DISPATCHED, "photo", "dora"),
    ("extensions", Status.HANDLING, Status.DISPATCHED, {"days": 2, "reason": "需要协调"}, "dora"),
    ("verify", Status.HANDLED, Status.HANDLING, {}, "gina"),
    ("rework", Status.HANDLED, Status.HANDLING, {"reason": "摊贩又回来了"}, "gina"),
]
IDS = [t[0] for t in TRANSITIONS]


def body_for(world, body):
    if body == "lead":
        return {"lead": world.enforcement_a.pk}
    if body == "photo":
        return {"note": "已处置", "photos": [photo()]}
    return body


@pytest.mark.parametrize(("action", "needs", "wrong", "body", "who"), TRANSITIONS, ids=IDS)
def test_each_transition_in_the_wrong_state_is_a_409_conflict(
    api, world, street_vending, action, needs, wrong, body, who
):
    event = event_in(world, street_vending, wrong)
    response = post_action(api(getattr(world, who)), event.code, action, body_for(world, body))
    assert response.status_code == 409, response.content
    detail = response.json()["detail"]
    assert event.code in detail or "处置中的事件" in detail
    assert fresh(event).log_length == event.log_length
    assert fresh(event).status == wrong


@pytest.mark.parametrize(("action", "needs", "wrong", "body", "who"), TRANSITIONS, ids=IDS)
def test_each_transition_by_the_wrong_person_is_403_inside_the_scope_and_404_outside(
    api, world, street_vending, action, needs, wrong, body, who
):
    event = event_in(world, street_vending, needs)
    insiders = [p for p in ("gina", "otto", "dora") if p != who]
    for name in insiders:
        response = post_action(api(getattr(world, name)), event.code, action, body_for(world, body))
        assert response.status_code == 403, (name, response.content)
    assert post_action(api(world.xena), event.code, action, body_for(world, body)).status_code == 404
    assert fresh(event).status == needs


@pytest.mark.parametrize(
    ("action", "needs", "who", "field"),
    [
        ("reject", Status.REPORTED, "otto", "reason"),
        ("escalate", Status.REPORTED, "otto", "reason"),
        ("send-back", Status.DISPATCHED, "dora", "reason"),
        ("rework", Status.HANDLED, "gina", "reason"),
        ("extensions", Status.HANDLING, "dora", "reason"),
        ("feed-back", Status.HANDLING, "dora", "note"),
        ("instruct", Status.DISPATCHED, "lena", "note"),
    ],
)
def test_a_missing_reason_is_a_422_naming_it(api, world, street_vending, action, needs, who, field):
    event = event_in(world, street_vending, needs)
    body = {"days": 2} if action == "extensions" else {}
    for empty in (body, {**body, field: "   "}):
        response = post_action(api(getattr(world, who)), event.code, action, empty)
        assert response.status_code == 422, response.content
        assert field in response.json()["errors"]
    assert fresh(event).log_length == event.log_length
    assert fresh(event).status == needs


def test_the_winner_of_a_race_is_kept_and_the_loser_reads_why(api, world, street_vending):
    event = event_in(world, street_vending, Status.REPORTED)
    otto = api(world.otto)
    assert post_action(otto, event.code, "reject", {"reason": "不属实"}).status_code == 200
    late = post_action(otto, event.code, "accept")
    assert late.status_code == 409
    assert late.json() == {"detail": f"事件 {event.code} 当前为「不予受理」，不能受理"}


# --- the other steps ------------------------------------------------------------------------


def test_rework_returns_to_handling_with_a_new_deadline(api, world, street_vending):
    event = event_in(world, street_vending, Status.HANDLED)
    first_due = event.handle_due_at
    response = post_action(api(world.gina), event.code, "rework", {"reason": "摊贩又回来了"})
    body = response.json()
    assert (response.status_code, body["status"], body["rework_count"]) == (200, "handling", 1)
    assert body["due_at"] == body["handle_due_at"]
    reworked_at = EventLog.objects.get(event=event, seq=6).at
    assert datetime.fromisoformat(body["handle_due_at"]) > reworked_at > first_due


def test_an_approved_extension_moves_the_deadline_by_working_days(api, world, street_vending):
    event = event_in(world, street_vending, Status.HANDLING)  # signed Wednesday 4 March 2026
    assert event.due_at == datetime(2026, 3, 11, 17, 30, tzinfo=SHANGHAI)
    asked = post_action(api(world.dora), event.code, "extensions", {"days": 3, "reason": "摊主反复返回"})
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    extension_id = asked.json()["id"]
    assert f"extensions/{extension_id}/approve" in api(world.otto).get(f"/api/events/{event.code}").json()["actions"]
    assert "extensions" not in api(world.dora).get(f"/api/events/{event.code}").json()["actions"]

    approved = api(world.otto).post(f"/api/extensions/{extension_id}/approve", {"note": "同意"})
    assert approved.status_code == 200
    # Thursday the 12th, Friday the 13th, Monday the 16th.
    assert datetime.fromisoformat(approved.json()["due_at"]) == datetime(2026, 3, 16, 17, 30, tzinfo=SHANGHAI)
    assert approved.json()["extension_count"] == 1
    again = api(world.otto).post(f"/api/extensions/{extension_id}/deny", {"note": "改主意"})
    assert again.status_code == 409


def test_a_denial_needs_a_note_and_only_the_command_room_decides(api, world, street_vending):
    event = event_in(world, street_vending, Status.HANDLING)
    extension = workflow.request_extension(event, by=world.dora, days=2, reason="需要协调")
    url = f"/api/extensions/{extension.pk}"
    assert api(world.dora).post(f"{url}/approve").status_code == 403
    assert api(world.xena).post(f"{url}/approve").status_code == 404
    denied = api(world.otto).post(f"{url}/deny", {"note": ""})
    assert denied.status_code == 422 and "note" in denied.json()["errors"]
    assert api(world.otto).post(f"{url}/deny", {"note": "期限内可完成"}).status_code == 200
    assert fresh(event).due_at == event.due_at
    assert api(world.otto).post("/api/extensions/999999/approve").status_code == 404


def test_sending_back_returns_to_accepted_and_clears_the_lead(api, world, street_vending):
    event = event_in(world, street_vending, Status.DISPATCHED)
    body = post_action(api(world.dora), event.code, "send-back", {"reason": "属市场监管职责"}).json()
    assert (body["status"], body["lead"]) == ("accepted", None)
    assert "dispatch" in api(world.otto).get(f"/api/events/{event.code}").json()["actions"]


@pytest.fixture
def dave(world) -> User:
    """An operator of the district command centre."""
    user = User.objects.create_user(username="dave", password="pw-dave", full_name="戴伟")
    RoleAssignment.objects.create(user=user, role=Role.DISTRICT_OPERATOR, scope=world.district.prefix)
    return user


def test_after_escalation_only_the_district_centre_accepts_and_dispatches(api, world, street_vending, dave):
    event = event_in(world, street_vending, Status.REPORTED)
    otto, district = api(world.otto), api(dave)
    escalated = post_action(otto, event.code, "escalate", {"reason": "涉及两个镇街"})
    assert (escalated.status_code, escalated.json()["coordination"]) == (200, "district")
    assert otto.get(f"/api/events/{event.code}").json()["actions"] == []
    assert post_action(otto, event.code, "accept").status_code == 403
    assert post_action(otto, event.code, "escalate", {"reason": "再提级"}).status_code == 403
    assert "accept" in district.get(f"/api/events/{event.code}").json()["actions"]
    assert post_action(district, event.code, "accept").status_code == 200
    assert post_action(otto, event.code, "dispatch", {"lead": world.enforcement_a.pk}).status_code == 403
    dispatched = post_action(district, event.code, "dispatch", {"lead": world.enforcement.pk})
    assert (dispatched.status_code, dispatched.json()["status"]) == (200, "dispatched")


def test_merge_closes_the_duplicate_into_the_target(api, world, street_vending):
    kept = event_in(world, street_vending, Status.ACCEPTED)
    duplicate = event_in(world, street_vending, Status.REPORTED, lon=120.0052)
    otto = api(world.otto)
    merged = post_action(otto, duplicate.code, "merge", {"into": kept.code, "note": "同一摊点"})
    assert merged.status_code == 200
    assert (merged.json()["status"], merged.json()["merged_into"]) == ("merged", kept.code)
    assert fresh(kept).status == Status.ACCEPTED


def test_merging_into_an_event_outside_the_scope_is_refused_as_unknown(api, world, street_vending):
    theirs, _ = workflow.report(
        by=world.xena, title="占道经营", description="摊贩占道", category=street_vending, lon=120.03, lat=30.01
    )
    duplicate = event_in(world, street_vending, Status.REPORTED)
    for into in (theirs.code, "SJ-NOPE", "../../etc"):
        response = post_action(api(world.otto), duplicate.code, "merge", {"into": into})
        assert response.status_code == 422
        assert "不存在或不在您的管辖范围内" in response.json()["errors"]["into"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"lead": 999_999}, "lead"), ({"lead": 0}, "lead"), ({"lead": 2**40}, "lead"),
     ({"lead": "执法"}, "lead"), ({"lead": None}, "lead")],
)
def test_dispatching_to_an_unknown_department_is_a_field_error(api, world, street_vending, body, field):
    event = event_in(world, street_vending, Status.ACCEPTED)
    response = post_action(api(world.otto), event.code, "dispatch", body)
    assert response.status_code == 422 and field in response.json()["errors"]


def test_an_unknown_assisting_department_is_a_field_error(api, world, street_vending):
    event = event_in(world, street_vending, Status.ACCEPTED)
    response = post_action(api(world.otto), event.code, "dispatch", {"lead": world.enforcement_a.pk, "assisting": [999_999]})
    assert response.status_code == 422 and "assisting" in response.json()["errors"]


def test_a_routing_rule_dispatches_right_after_accept(api, world, street_vending):
    RoutingRule.objects.create(category=street_vending.parent, region_prefix=world.district.prefix, lead=world.enforcement)
    RoutingRule.objects.create(category=street_vending, region_prefix=world.town_a.prefix, lead=world.enforcement_a)
    event = event_in(world, street_vending, Status.REPORTED)
    body = post_action(api(world.otto), event.code, "accept").json()
    assert (body["status"], body["lead"]) == ("dispatched", world.enforcement_a.name)
    assert [r["action"] for r in body["timeline"]] == ["report", "accept", "auto_dispatch"]
    assert body["timeline"][-1]["actor"] is None


def test_an_assisting_department_feeds_back_its_part(api, world, street_vending):
    helper = User.objects.create_user(username="ada", password="pw-ada", full_name="艾达")
    RoleAssignment.objects.create(user=helper, role=Role.DEPARTMENT_HANDLER, scope=world.district.prefix,
                                  department=world.enforcement)
    world.enforcement.members.add(helper)
    event = event_in(world, street_vending, Status.HANDLING, assisting=[world.enforcement])
    assert "assist" in api(helper).get(f"/api/events/{event.code}").json()["actions"]
    response = post_action(api(helper), event.code, "assist", {"note": "已联合执法", "photos": [photo()]})
    assert response.status_code == 200
    row = response.json()["timeline"][-1]
    assert (row["action"], row["department"], len(row["attachments"])) == ("assist", world.enforcement.name, 1)
    assert response.json()["status"] == "handling"


def test_a_leader_instructs(api, world, street_vending):
    event = event_in(world, street_vending, Status.DISPATCHED)
    response = post_action(api(world.lena), event.code, "instruct", {"note": "周五前办结"})
    assert response.status_code == 200
    assert response.json()["timeline"][-1]["action"] == LogAction.INSTRUCT


# --- reading --------------------------------------------------------------------------------


def test_search_filters_and_pages_with_a_total(api, world, street_vending):
    for i in range(3):
        event_in(world, street_vending, Status.REPORTED, title=f"占道经营 {i}")
    accepted = event_in(world, street_vending, Status.ACCEPTED, title="占道经营 已受理")
    otto = api(world.otto)
    page = otto.get("/api/events", {"limit": 2, "offset": 0}).json()
    assert (page["total"], len(page["items"]), page["limit"]) == (4, 2, 2)
    rest = otto.get("/api/events", {"limit": 2, "offset": 2}).json()
    codes = {i["code"] for i in page["items"]} | {i["code"] for i in rest["items"]}
    assert len(codes) == 4
    assert [i["code"] for i in otto.get("/api/events", {"status": "accepted"}).json()["items"]] == [accepted.code]
    assert otto.get("/api/events", {"category": "05"}).json()["total"] == 4
    assert otto.get("/api/events", {"category": "0101"}).json()["total"] == 0
    assert otto.get("/api/events", {"text": "已受理"}).json()["total"] == 1
    assert otto.get("/api/events", {"area": world.grid_a2.code}).json()["total"] == 0
    assert otto.get("/api/events", {"light": "red"}).json()["total"] == 4  # March deadlines, long past


@pytest.mark.parametrize(
    "params",
    [{"status": "lost"}, {"category": "9999"}, {"level": 9}, {"light": "blue"}, {"limit": 0}, {"limit": 1000},
     {"offset": -1}, {"area": "33a"}, {"reported_from": "yesterday"}, {"reported_from": "9999-12-31T23:59:59"},
     {"text": "x\x00"}, {"lead": 2**40}],
)
def test_bad_search_filters_are_field_errors(api, world, params):
    response = api(world.otto).get("/api/events", params)
    assert response.status_code == 422, response.content
    assert set(params) & set(response.json()["errors"])


def test_search_between_two_moments(api, world, street_vending):
    event_in(world, street_vending, Status.REPORTED)  # 4 March 2026, 09:00
    otto = api(world.otto)
    assert otto.get("/api/events", {"reported_from": "2026-03-04T08:00", "reported_to": "2026-03-04T10:00"}).json()["total"] == 1
    assert otto.get("/api/events", {"reported_from": "2026-03-04T09:30+08:00"}).json()["total"] == 0


def test_queues_count_and_list_what_waits_for_the_caller(api, world, street_vending):
    event_in(world, street_vending, Status.REPORTED)
    dispatched = event_in(world, street_vending, Status.DISPATCHED)
    otto, dora = api(world.otto), api(world.dora)
    counts = {q["key"]: q["count"] for q in otto.get("/api/events/queues").json()}
    assert (counts["to_accept"], counts["to_sign"]) == (1, 0)
    dora_counts = {q["key"]: q["count"] for q in dora.get("/api/events/queues").json()}
    assert (dora_counts["to_accept"], dora_counts["to_sign"]) == (0, 1)
    page = dora.get("/api/events/queues/to_sign").json()
    assert (page["total"], [i["code"] for i in page["items"]]) == (1, [dispatched.code])
    assert dora.get("/api/events/queues/nonsense").status_code == 404
    mine = api(world.gina).get("/api/events/queues/mine").json()
    assert mine["total"] == 2


def test_duplicates_suggest_open_events_of_the_same_class_nearby(api, world, street_vending):
    with time_machine.travel(datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI), tick=False):
        nearby = event_in(world, street_vending, Status.ACCEPTED)
        event_in(world, street_vending, Status.CLOSED)
        found = api(world.gina).get(
            "/api/events/duplicates",
            {"category": "0503", "lon": 120.0051, "lat": 30.0101, "text": "衣裳街口有流动摊贩占道经营"},
        )
    assert found.status_code == 200
    assert [d["event"]["code"] for d in found.json()] == [nearby.code]
    assert found.json()[0]["distance_m"] < 50 and found.json()[0]["similarity"] > 0.3


@pytest.mark.parametrize(
    "params",
    [{"lon": 120.0, "lat": 30.0}, {"category": "9999", "lon": 120.0, "lat": 30.0},
     {"category": "0503", "lon": "nan", "lat": 30.0}, {"category": "0503", "lon": 181, "lat": 30.0}],
)
def test_bad_duplicate_questions_are_field_errors(api, world, street_vending, params):
    response = api(world.gina).get("/api/events/duplicates", params)
    assert response.status_code == 422


def test_categories_list_the_active_classes_for_the_picker(api, world, street_vending):
    street_vending.parent.children.exclude(pk=street_vending.pk).update(is_active=False)
    rows = api(world.gina).get("/api/categories").json()
    vending = next(r for r in rows if r["code"] == "0503")
    assert vending == {
        "code": "0503", "name": "占道经营", "major": street_vending.parent.name,
        "major_code": street_vending.parent.code, "keywords": street_vending.keywords,
    }
    major_codes = {r["major_code"] for r in rows if r["major_code"]}
    assert street_vending.parent.code in major_codes
    assert [r["code"] for r in rows if r["major_code"] == street_vending.parent.code] == ["0503"]
    assert len(rows) > 40


def test_the_light_of_an_event_shows_in_the_api_with_frozen_time(api, world, street_vending):
    with time_machine.travel(datetime(2026, 2, 14, 15, 0, tzinfo=SHANGHAI), tick=False):
        code = api(world.gina).post("/api/events", a_report()).json()["code"]
    for moment, light in [
        (datetime(2026, 2, 20, 10, 0, tzinfo=SHANGHAI), "green"),
        (datetime(2026, 2, 24, 9, 30, tzinfo=SHANGHAI), "yellow"),
        (datetime(2026, 2, 24, 10, 0, tzinfo=SHANGHAI), "red"),
    ]:
        with time_machine.travel(moment, tick=False):
            body = api(world.otto).get(f"/api/events/{code}").json()
            assert body["light"] == light, moment
    assert datetime.fromisoformat(body["due_at"]) == datetime(2026, 2, 24, 10, 0, tzinfo=SHANGHAI)


def test_the_api_documentation_page_answers(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "/api/openapi.json" in response.content.decode()


def test_the_openapi_schema_documents_the_photo_upload(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    content = paths["/api/events"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(content)
    assert "photos" in content["multipart/form-data"]["schema"]["properties"]
    assert "/api/extensions/{extension_id}/approve" in paths


def test_a_huge_upload_is_refused_without_a_server_error(api, world, street_vending, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api(world.gina).post("/api/events", {**a_report(description="长" * 5000), "photos": [photo()]})
    assert response.status_code in (400, 413)
    assert not Event.objects.exists()



def test_the_callers_phone_is_shown_whole_only_to_the_command_room(api, world, street_vending):
    code = api(world.gina).post("/api/events", a_report(contact_phone="13912345678", contact_name="王先生")).json()["code"]
    assert api(world.otto).get(f"/api/events/{code}").json()["contact_phone"] == "13912345678"
    for someone in (world.gina, world.dora, world.lena):
        assert api(someone).get(f"/api/events/{code}").json()["contact_phone"] == "139****5678"
