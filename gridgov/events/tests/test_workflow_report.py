"""Reporting (上报) and self-handling (自行处置): where an event enters the loop."""

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.conftest import photo, report_in_a1
from gridgov.events import workflow
from gridgov.events.models import Attachment, Closure, Event, LogAction, Notice, Source, Status
from gridgov.events.tests.lifecycle import actions

AT = datetime(2026, 3, 4, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_report_lands_in_its_grid_with_a_code_an_accept_deadline_and_one_log_row(world, street_vending):
    event = report_in_a1(world, street_vending, photos=[photo()])
    event.refresh_from_db()
    assert event.status == Status.REPORTED
    assert event.code == "SJ-330502-2026-000001"
    assert (event.grid, event.area_code) == (world.grid_a1, world.grid_a1.code)
    # 4 working hours from Wednesday 09:00: 12:00 is the lunch break, so 14:30.
    assert event.due_at == datetime(2026, 3, 4, 14, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert event.reported_at < event.warn_at < event.due_at
    assert actions(event) == [LogAction.REPORT]
    assert Attachment.objects.get(event=event).log == event.log.get()


def test_the_town_command_room_is_told_of_a_new_report(world, street_vending):
    event = report_in_a1(world, street_vending)
    assert list(Notice.objects.filter(event=event).values_list("recipient__username", flat=True)) == ["otto"]


def test_codes_count_up_within_a_district_and_year(world, street_vending):
    first = report_in_a1(world, street_vending)
    second = report_in_a1(world, street_vending, lon=120.015)
    assert (first.code, second.code) == ("SJ-330502-2026-000001", "SJ-330502-2026-000002")


def test_a_repeated_idempotency_key_returns_the_first_event_and_creates_nothing(world, street_vending):
    first, created = workflow.report(
        by=world.gina, title="占道经营", description="摊贩占道", category=street_vending, lon=120.005, lat=30.01,
        idempotency_key="phone-1", at=AT,
    )
    again, created_again = workflow.report(
        by=world.gina, title="占道经营（重发）", description="摊贩占道", category=street_vending, lon=120.005,
        lat=30.01, idempotency_key="phone-1", at=AT,
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.title == "占道经营"
    assert Event.objects.count() == 1 and first.log.count() == 1


def test_the_loser_of_a_race_between_two_retries_leaves_no_gap_in_the_numbers(
    world, street_vending, monkeypatch
):
    """Two retries with one key: both find no event for the key, then the first commits.
    Played in sequence by letting the winner report while the loser checks its fields."""
    values = dict(by=world.gina, title="占道经营", description="摊贩占道", category=street_vending,
                  lon=120.005, lat=30.01, idempotency_key="phone-race", at=AT)
    check_report, winner = workflow.check_report, []

    def check_while_the_other_retry_commits(**fields):
        if not winner:
            winner.append(None)  # the winner's own check is the plain one
            winner[0], _ = workflow.report(**values)
        return check_report(**fields)

    monkeypatch.setattr(workflow, "check_report", check_while_the_other_retry_commits)
    loser, created = workflow.report(**values)
    monkeypatch.undo()

    assert created is False and loser.pk == winner[0].pk
    assert winner[0].code == "SJ-330502-2026-000001"
    assert report_in_a1(world, street_vending).code == "SJ-330502-2026-000002"
    assert Event.objects.count() == 2


def test_the_same_key_from_another_reporter_is_another_report(world, street_vending):
    values = dict(title="占道经营", description="摊贩占道", category=street_vending, lon=120.005, lat=30.01,
                  idempotency_key="same", at=AT)
    mine, _ = workflow.report(by=world.gina, **values)
    theirs, created = workflow.report(by=world.vera, **values)
    assert created and theirs.pk != mine.pk


def test_every_bad_field_is_named_at_once_and_nothing_is_saved(world, street_vending):
    street_vending.is_active = False
    street_vending.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as caught:
        workflow.report(
            by=world.gina, title=" ", description="x" * 4001, category=street_vending, level=9, source="rumour",
            lon=math.nan, lat=30.01,
        )
    assert set(caught.value.error_dict) == {"title", "description", "category", "level", "source", "location"}
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("lon", "lat", "message"),
    [(116.4, 39.9, "不在本辖区"), (120.03, 30.01, "不在您的上报范围"), (200.0, 30.0, "超出经纬度范围")],
)
def test_a_place_the_grid_worker_may_not_report_is_a_location_error(world, street_vending, lon, lat, message):
    with pytest.raises(ValidationError) as caught:
        report_in_a1(world, street_vending, lon=lon, lat=lat)
    assert message in caught.value.message_dict["location"][0]


def test_a_grid_worker_may_report_in_the_neighbouring_grid_of_their_village(world, street_vending):
    event = report_in_a1(world, street_vending, lon=120.015)
    assert event.grid == world.grid_a2


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(world, street_vending):
    fake = SimpleUploadedFile("现场.png", b"#!/bin/sh\nrm -rf /\n", content_type="image/png")
    with pytest.raises(ValidationError) as caught:
        report_in_a1(world, street_vending, photos=[fake])
    assert "photos" in caught.value.error_dict
    assert not Event.objects.exists() and not Attachment.objects.exists()


def self_handled(world, category, **overrides):
    values = dict(
        by=world.gina, title="井盖松动已复位", description="人行道井盖松动，已现场复位。", category=category,
        lon=120.005, lat=30.01, note="已复位并踩实", photos=[photo()], at=AT,
    )
    values.update(overrides)
    return workflow.self_handle(**values)


def test_a_self_handled_event_is_closed_at_once_with_its_evidence(world, street_vending):
    event, created = self_handled(world, street_vending)
    event.refresh_from_db()
    assert created
    assert (event.status, event.closure, event.source) == (Status.CLOSED, Closure.SELF_HANDLED, Source.GRID_PATROL)
    assert event.closed_at == event.handled_at == AT
    assert event.due_at is None and event.warn_at is None
    assert actions(event) == [LogAction.REPORT, LogAction.SELF_HANDLE]
    assert Attachment.objects.get(event=event).log.action == LogAction.SELF_HANDLE


@pytest.mark.parametrize(("overrides", "fields"), [
    ({"photos": []}, {"photos"}),
    ({"note": "  "}, {"note"}),
    ({"photos": [], "note": ""}, {"photos", "note"}),
])
def test_self_handling_needs_a_photo_and_a_note(world, street_vending, overrides, fields):
    with pytest.raises(ValidationError) as caught:
        self_handled(world, street_vending, **overrides)
    assert set(caught.value.error_dict) == fields
    assert not Event.objects.exists()


def test_a_retried_self_handled_report_is_recorded_once(world, street_vending):
    first, _ = self_handled(world, street_vending, idempotency_key="patrol-7")
    again, created = self_handled(world, street_vending, idempotency_key="patrol-7", photos=[photo()])
    assert not created and again.pk == first.pk
    assert Event.objects.count() == 1 and Attachment.objects.count() == 1
