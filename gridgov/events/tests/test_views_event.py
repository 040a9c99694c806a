"""The event page: what each persona sees of it, the buttons they get, and what posting
each action through the page does to the event."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.accounts.models import Department, DepartmentKind, DepartmentLevel
from gridgov.conftest import photo, report_in_a1
from gridgov.events import workflow
from gridgov.events.models import (
    Attachment,
    Event,
    EventLog,
    Extension,
    ExtensionStatus,
    LogAction,
    Status,
)
from gridgov.lib.images import placeholder_png


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def fresh(event: Event) -> Event:
    event.refresh_from_db()
    return event


def buttons(response) -> list[str]:
    """The labels of the action buttons on an event page."""
    html = response.content.decode()
    return re.findall(r'data-action="[a-z_]+"[^>]*>([^<]+)</button>', html)


def page(client, user, event):
    client.force_login(user)
    return client.get(f"/events/{event.code}/")


def post(client, user, event, action: str, data: dict | None = None):
    client.force_login(user)
    return client.post(f"/events/{event.code}/act/{action}/", data or {})


def accepted(world, category) -> Event:
    event = report_in_a1(world, category)
    workflow.accept(event, by=world.otto, at=event.reported_at + timedelta(minutes=5))
    return fresh(event)


def dispatched(world, category) -> Event:
    event = accepted(world, category)
    workflow.dispatch(
        event, lead=world.enforcement_a, by=world.otto, at=event.reported_at + timedelta(minutes=10)
    )
    return fresh(event)


def handling(world, category) -> Event:
    event = dispatched(world, category)
    workflow.sign(event, by=world.dora, at=event.reported_at + timedelta(minutes=30))
    return fresh(event)


def handled(world, category) -> Event:
    event = handling(world, category)
    workflow.feed_back(
        event,
        by=world.dora,
        note="摊贩已劝离",
        photos=[photo()],
        at=event.reported_at + timedelta(hours=3),
    )
    return fresh(event)


# --- who sees what -----------------------------------------------------------------------


def test_the_town_operator_sees_the_new_report_with_accept_and_reject_buttons(
    client, world, street_vending
):
    event = report_in_a1(world, street_vending)
    response = page(client, world.otto, event)
    assert response.status_code == 200
    html = response.content.decode()
    assert event.title in html and "衣裳街第一网格" in html and "已上报" in html
    labels = buttons(response)
    assert "受理" in labels and "不予受理" in labels
    assert not {"签收", "处置反馈", "核查结案", "交办"} & set(labels)


def test_the_handler_sees_the_event_but_no_button_before_it_is_dispatched_to_her(
    client, world, street_vending
):
    event = accepted(world, street_vending)
    response = page(client, world.dora, event)
    assert response.status_code == 200
    assert event.title in response.content.decode()
    assert buttons(response) == []


def test_the_handler_gets_sign_and_send_back_once_it_is_dispatched_to_her_unit(
    client, world, street_vending
):
    event = dispatched(world, street_vending)
    labels = buttons(page(client, world.dora, event))
    assert labels == ["签收", "退回"]


def test_the_reporter_gets_verify_and_rework_once_the_event_is_handled(
    client, world, street_vending
):
    event = handled(world, street_vending)
    labels = buttons(page(client, world.gina, event))
    assert labels == ["核查结案", "返工"]
    # The photo of the feedback is on the timeline, served through the event's own URL.
    attachment = Attachment.objects.get(event=event)
    assert (
        f"/events/{event.code}/files/{attachment.pk}/"
        in page(client, world.gina, event).content.decode()
    )


def test_an_operator_of_another_town_gets_a_404_for_the_page_the_files_and_the_actions(
    client, world, street_vending
):
    event = handled(world, street_vending)
    attachment = Attachment.objects.get(event=event)
    client.force_login(world.xena)
    assert client.get(f"/events/{event.code}/").status_code == 404
    assert client.get(f"/events/{event.code}/files/{attachment.pk}/").status_code == 404
    assert client.post(f"/events/{event.code}/act/verify/", {}).status_code == 404
    assert fresh(event).status == Status.HANDLED


def test_an_unknown_code_reads_like_one_outside_the_scope(client, world, street_vending):
    client.force_login(world.otto)
    assert client.get("/events/SJ-330502-2026-999999/").status_code == 404


def test_the_page_requires_signing_in(client, world, street_vending):
    event = report_in_a1(world, street_vending)
    response = client.get(f"/events/{event.code}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_closed_event_offers_no_button_to_anyone(client, world, street_vending):
    event = handled(world, street_vending)
    workflow.verify(event, by=world.gina)
    for person in (world.otto, world.dora, world.gina):
        assert buttons(page(client, person, event)) == []


def test_a_callers_phone_is_whole_for_the_command_room_and_masked_for_the_handler(
    client, world, street_vending
):
    event = report_in_a1(
        world,
        street_vending,
        by=world.otto,
        source="hotline",
        contact_name="张先生",
        contact_phone="13812345678",
    )
    workflow.accept(event, by=world.otto)
    workflow.dispatch(event, lead=world.enforcement_a, by=world.otto)
    assert "13812345678" in page(client, world.otto, event).content.decode()
    html = page(client, world.dora, event).content.decode()
    assert "13812345678" not in html and "138****5678" in html


# --- acting through the page ---------------------------------------------------------------


def test_accepting_through_the_page_moves_the_event_and_writes_a_log_row(
    client, world, street_vending
):
    event = report_in_a1(world, street_vending)
    response = post(client, world.otto, event, "accept", {"note": "属实"})
    assert response.status_code == 302 and response["Location"] == f"/events/{event.code}/"
    assert fresh(event).status == Status.ACCEPTED
    row = EventLog.objects.filter(event=event).order_by("-seq").first()
    assert (row.action, row.actor, row.note) == (LogAction.ACCEPT, world.otto, "属实")
    followed = client.get(response["Location"])
    assert "已受理" in followed.content.decode()


def test_dispatching_offers_only_departments_serving_the_place_and_hands_it_to_the_one_chosen(
    client, world, street_vending
):
    Department.objects.create(
        name="综合行政执法局朝阳中队",
        kind=DepartmentKind.LAW_ENFORCEMENT,
        level=DepartmentLevel.TOWN,
        region=world.town_b,
        parent=world.enforcement,
    )
    event = accepted(world, street_vending)
    html = page(client, world.otto, event).content.decode()
    panel = html[html.index('id="panel-dispatch"') :]
    panel = panel[: panel.index("</form>")]
    assert "综合行政执法局月河中队" in panel and "区综合行政执法局" in panel
    assert "朝阳中队" not in panel and "指挥室" not in panel

    response = post(
        client,
        world.otto,
        event,
        "dispatch",
        {"lead": world.enforcement_a.pk, "assisting": [world.enforcement.pk]},
    )
    assert response.status_code == 302
    event = fresh(event)
    assert (event.status, event.lead) == (Status.DISPATCHED, world.enforcement_a)
    assert list(event.assisting.all()) == [world.enforcement]
    row = EventLog.objects.get(event=event, action=LogAction.DISPATCH)
    assert (row.actor, row.department) == (world.otto, world.enforcement_a)


def test_dispatching_to_a_department_of_another_town_is_refused_beside_the_field(
    client, world, street_vending
):
    town_b_unit = Department.objects.create(
        name="综合行政执法局朝阳中队",
        kind=DepartmentKind.LAW_ENFORCEMENT,
        level=DepartmentLevel.TOWN,
        region=world.town_b,
        parent=world.enforcement,
    )
    event = accepted(world, street_vending)
    response = post(client, world.otto, event, "dispatch", {"lead": town_b_unit.pk})
    assert response.status_code == 200
    assert "请选择有效的部门" in response.content.decode()
    assert fresh(event).status == Status.ACCEPTED


def test_the_handler_signs_and_feeds_back_with_a_photo_through_the_page(
    client, world, street_vending
):
    event = dispatched(world, street_vending)
    assert post(client, world.dora, event, "sign").status_code == 302
    assert fresh(event).status == Status.HANDLING

    response = post(
        client,
        world.dora,
        event,
        "feed_back",
        {"note": "已劝离摊贩，恢复通行", "photos": [photo("处置后.png")]},
    )
    assert response.status_code == 302
    event = fresh(event)
    assert event.status == Status.HANDLED
    row = EventLog.objects.get(event=event, action=LogAction.FEED_BACK)
    assert row.note == "已劝离摊贩，恢复通行"
    assert [a.original_name for a in row.attachments.all()] == ["处置后.png"]


def test_the_reporter_verifies_and_closes_through_the_page(client, world, street_vending):
    event = handled(world, street_vending)
    response = post(
        client, world.gina, event, "verify", {"satisfaction": "satisfied", "note": "现场已恢复"}
    )
    assert response.status_code == 302
    event = fresh(event)
    assert (event.status, event.closure) == (Status.CLOSED, "verified")
    assert EventLog.objects.get(event=event, action=LogAction.VERIFY).data == {
        "satisfaction": "satisfied"
    }


def test_rework_sends_it_back_to_the_handler_with_the_reason(client, world, street_vending):
    event = handled(world, street_vending)
    assert post(client, world.gina, event, "rework", {"reason": "摊贩又回来了"}).status_code == 302
    event = fresh(event)
    assert (event.status, event.rework_count) == (Status.HANDLING, 1)


def test_an_extension_is_requested_by_the_handler_and_approved_by_the_command_room(
    client, world, street_vending
):
    event = handling(world, street_vending)
    due = event.handle_due_at
    assert (
        post(
            client,
            world.dora,
            event,
            "request_extension",
            {"days": "3", "reason": "需协调市场搬迁"},
        ).status_code
        == 302
    )
    extension = Extension.objects.get(event=event)
    assert extension.status == ExtensionStatus.PENDING
    assert "批准延期" in buttons(page(client, world.otto, event))
    assert "申请延期" not in buttons(page(client, world.dora, event))

    response = post(
        client, world.otto, event, "approve_extension", {"extension": extension.pk, "note": "同意"}
    )
    assert response.status_code == 302
    extension.refresh_from_db()
    event = fresh(event)
    assert extension.status == ExtensionStatus.APPROVED
    assert event.extension_count == 1 and event.handle_due_at > due


def test_a_decision_on_an_extension_request_already_replaced_is_a_conflict(
    client, world, street_vending
):
    event = handling(world, street_vending)
    first = workflow.request_extension(event, by=world.dora, days=2, reason="等待材料")
    workflow.deny_extension(first, by=world.otto, note="理由不足")
    second = workflow.request_extension(
        fresh(event), by=world.dora, days=5, reason="需协调市场搬迁"
    )
    response = post(
        client, world.otto, event, "approve_extension", {"extension": first.pk, "note": "同意"}
    )
    assert response.status_code == 409
    assert "刷新" in response.content.decode()
    second.refresh_from_db()
    assert second.status == ExtensionStatus.PENDING
    assert fresh(event).extension_count == 0


def test_merging_suggests_the_nearby_duplicate_and_merges_into_it(client, world, street_vending):
    first = report_in_a1(world, street_vending)
    second = report_in_a1(
        world,
        street_vending,
        lon=120.0054,
        lat=30.0102,
        title="衣裳街口有流动摊贩",
        at=first.reported_at + timedelta(hours=1),
    )
    html = page(client, world.otto, second).content.decode()
    panel = html[html.index('id="panel-merge"') :]
    assert first.code in panel[: panel.index("</form>")]

    assert post(client, world.otto, second, "merge", {"into": first.code}).status_code == 302
    second = fresh(second)
    assert (second.status, second.merged_into) == (Status.MERGED, first)


def test_merging_into_an_event_outside_the_scope_reads_like_a_missing_one(
    client, world, street_vending
):
    event = report_in_a1(world, street_vending)
    elsewhere = report_in_a1(
        world, street_vending, by=world.xena, lon=120.03, lat=30.01, source="hotline"
    )
    response = post(client, world.otto, event, "merge", {"into": elsewhere.code})
    assert response.status_code == 200
    assert f"未找到事件 {elsewhere.code}，或不在您的管辖范围内" in response.content.decode()
    assert fresh(event).status == Status.REPORTED


# --- refusals --------------------------------------------------------------------------------


def test_rejecting_without_a_reason_shows_the_error_and_changes_nothing(
    client, world, street_vending
):
    event = report_in_a1(world, street_vending)
    rows = EventLog.objects.filter(event=event).count()
    response = post(client, world.otto, event, "reject", {"reason": "  "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "请填写不予受理的理由" in html
    # The refused form comes back open.
    assert 'id="panel-reject" x-show="open === \'reject\'">' in html
    assert fresh(event).status == Status.REPORTED
    assert EventLog.objects.filter(event=event).count() == rows


def test_a_text_file_renamed_png_is_refused_as_a_photo_and_nothing_changes(
    client, world, street_vending
):
    event = handling(world, street_vending)
    fake = SimpleUploadedFile("现场.png", "这不是图片".encode(), content_type="image/png")
    response = post(client, world.dora, event, "feed_back", {"note": "已处置", "photos": [fake]})
    assert response.status_code == 200
    assert "现场.png：不支持的文件类型" in response.content.decode()
    assert fresh(event).status == Status.HANDLING
    assert not Attachment.objects.filter(event=event).exists()


def test_feeding_back_without_a_photo_asks_for_one(client, world, street_vending):
    event = handling(world, street_vending)
    response = post(client, world.dora, event, "feed_back", {"note": "已处置"})
    assert response.status_code == 200
    assert "请上传处置后的照片或证明材料" in response.content.decode()
    assert fresh(event).status == Status.HANDLING


def test_a_stale_accept_shows_the_conflict_instead_of_failing(client, world, street_vending):
    event = report_in_a1(world, street_vending)
    workflow.accept(event, by=world.otto)  # in another tab, a moment ago
    response = post(client, world.otto, event, "accept", {"note": ""})
    assert response.status_code == 409
    assert "事件刚被他人处理，请刷新后查看最新状态" in response.content.decode()
    assert EventLog.objects.filter(event=event, action=LogAction.ACCEPT).count() == 1


def test_a_stale_sign_after_the_event_was_sent_back_is_a_conflict_not_an_error(
    client, world, street_vending
):
    event = dispatched(world, street_vending)
    workflow.send_back(event, by=world.dora, reason="不属于本中队职责")
    response = post(client, world.dora, event, "sign")
    assert response.status_code == 409
    assert fresh(event).status == Status.ACCEPTED


def test_a_grid_worker_posting_an_operators_action_is_forbidden(client, world, street_vending):
    event = report_in_a1(world, street_vending)
    assert post(client, world.gina, event, "accept").status_code == 403
    assert fresh(event).status == Status.REPORTED


def test_an_unknown_action_is_a_404(client, world, street_vending):
    event = report_in_a1(world, street_vending)
    assert post(client, world.otto, event, "delete").status_code == 404


def test_a_photo_is_served_to_those_who_see_the_event_with_its_type(client, world, street_vending):
    event = handled(world, street_vending)
    attachment = Attachment.objects.get(event=event)
    client.force_login(world.otto)
    response = client.get(f"/events/{event.code}/files/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == placeholder_png()
    # An attachment id of another event is not reachable through this event's URL.
    other = report_in_a1(world, street_vending, photos=[photo()])
    other_file = Attachment.objects.get(event=other)
    assert client.get(f"/events/{event.code}/files/{other_file.pk}/").status_code == 404
