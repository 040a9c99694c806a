"""Early warnings: what each detector finds, found once however often it runs, and what the
command room does with a warning."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gridgov.command import warnings
from gridgov.command.models import EarlyWarning, RiskWord, WarningKind, WarningStatus
from gridgov.command.tests.conftest import MORNING
from gridgov.conftest import report_in_a1
from gridgov.events.models import Event, Notice, Source
from gridgov.events.workflow import TransitionError


def reports(world, category, n, *, start=MORNING, step=timedelta(minutes=20), spread=0.0, **overrides):
    return [
        report_in_a1(world, category, at=start + i * step, lon=120.005 + i * spread, **overrides) for i in range(n)
    ]


def kinds(found):
    return sorted(w.kind for w in found)


def test_five_reports_of_a_category_in_a_day_where_there_were_none_is_a_spike(world, street_vending):
    reports(world, street_vending, 5, spread=0.0015)
    found = warnings.detect(now=MORNING + timedelta(hours=3))
    spike = [w for w in found if w.kind == WarningKind.SPIKE]
    assert len(spike) == 1
    assert spike[0].area_code == world.town_a.prefix
    assert spike[0].count == 5
    assert spike[0].events.count() == 5
    assert "月河街道" in spike[0].title


def test_four_reports_are_not_a_spike(world, street_vending):
    reports(world, street_vending, 4, spread=0.0015)
    assert WarningKind.SPIKE not in kinds(warnings.detect(now=MORNING + timedelta(hours=3)))


def test_a_town_that_always_has_this_many_is_not_spiking(world, street_vending, monkeypatch):
    monkeypatch.setattr(warnings, "SPIKE_BASELINE_DAYS", 2)
    before = reports(world, street_vending, 5, spread=0.0015)
    Event.objects.filter(pk__in=[e.pk for e in before]).update(reported_at=MORNING - timedelta(days=1, hours=1))
    reports(world, street_vending, 5, start=MORNING + timedelta(hours=1), spread=0.0015)
    assert WarningKind.SPIKE not in kinds(warnings.detect(now=MORNING + timedelta(hours=4)))


def test_three_reports_at_the_same_place_in_a_week_repeat(world, street_vending):
    reports(world, street_vending, 3, step=timedelta(days=2))
    found = warnings.detect(now=MORNING + timedelta(days=5))
    assert kinds(found) == [WarningKind.REPEAT]
    assert found[0].events.count() == 3
    assert found[0].area_code == world.grid_a1.code


def test_reports_a_few_hundred_metres_apart_do_not_repeat(world, street_vending):
    reports(world, street_vending, 3, step=timedelta(days=1), spread=0.003)
    assert kinds(warnings.detect(now=MORNING + timedelta(days=3))) == []


def test_a_risk_word_in_the_text_warns_and_the_list_is_editable(world, street_vending):
    event = report_in_a1(world, street_vending, title="工地工人聚集讨薪", description="二十余名工人在工地门口讨要工资。")
    found = warnings.detect(now=MORNING + timedelta(hours=1))
    assert kinds(found) == [WarningKind.WORDS]
    assert "讨薪" in found[0].title and "聚集" in found[0].title
    assert list(found[0].events.all()) == [event]

    warnings.set_risk_words("堵门、拉横幅", by=world.otto)
    assert sorted(RiskWord.objects.values_list("word", flat=True)) == ["堵门", "拉横幅"]
    report_in_a1(world, street_vending, title="工人聚集", description="工人在门口等待。")
    assert warnings.detect(now=MORNING + timedelta(hours=1)) == []


def test_detection_records_each_warning_once_and_tells_the_command_room(world, street_vending):
    reports(world, street_vending, 3, step=timedelta(days=1))
    now = MORNING + timedelta(days=3)
    assert len(warnings.detect(now=now)) == 1
    assert warnings.detect(now=now) == []
    assert warnings.detect(now=now + timedelta(minutes=1)) == []
    assert EarlyWarning.objects.count() == 1
    assert Notice.objects.filter(text__startswith="预警", recipient=world.otto).count() == 1


@pytest.fixture
def words_warning(world, street_vending):
    report_in_a1(world, street_vending, title="群众上访", description="十余人前往街道办上访。")
    return warnings.detect(now=MORNING + timedelta(hours=1))[0]


def test_dismissing_needs_a_reason_and_happens_once(world, words_warning):
    with pytest.raises(ValidationError) as caught:
        warnings.dismiss(words_warning, by=world.otto, reason=" ")
    assert "reason" in caught.value.message_dict
    warnings.dismiss(words_warning, by=world.otto, reason="已核实为正常来访")
    assert EarlyWarning.objects.get().status == WarningStatus.DISMISSED
    with pytest.raises(TransitionError):
        warnings.dismiss(EarlyWarning.objects.get(), by=world.otto, reason="再次")


def test_a_warning_turns_into_an_event_of_the_command_room(world, words_warning):
    event = warnings.convert(words_warning, by=world.otto)
    assert event.reporter == world.otto
    assert event.source == Source.DEPARTMENT
    assert event.grid == world.grid_a1
    warning = EarlyWarning.objects.get()
    assert (warning.status, warning.event) == (WarningStatus.CONVERTED, event)


def test_warnings_are_listed_and_decided_only_in_scope(client, world, words_warning):
    client.force_login(world.xena)
    assert "群众上访" not in client.get("/command/warnings/").content.decode()
    client.post(f"/command/warnings/{words_warning.pk}/dismiss/", {"reason": "越权"})
    assert EarlyWarning.objects.get().status == WarningStatus.OPEN
    client.force_login(world.lena)
    assert "群众上访" in client.get("/command/warnings/").content.decode()
    assert client.post(f"/api/command/warnings/{words_warning.pk}/dismiss", {"reason": "领导"},
                       content_type="application/json").status_code == 403
    client.force_login(world.otto)
    response = client.post(f"/api/command/warnings/{words_warning.pk}/dismiss", {"reason": "已核实"},
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == WarningStatus.DISMISSED


def test_the_big_screen_feed_carries_new_events_overdue_ones_and_warnings(client, world, words_warning):
    now = timezone.now()
    event = words_warning.events.get()
    Event.objects.filter(pk=event.pk).update(reported_at=now - timedelta(minutes=2), due_at=now - timedelta(minutes=1))
    EarlyWarning.objects.update(detected_at=now - timedelta(minutes=1))
    client.force_login(world.otto)
    response = client.get("/api/command/feed", {"since": (now - timedelta(minutes=5)).isoformat()})
    assert response.status_code == 200
    assert sorted(item["kind"] for item in response.json()["items"]) == ["new", "overdue", "warning"]
    client.force_login(world.xena)
    assert client.get("/api/command/feed", {"since": (now - timedelta(minutes=5)).isoformat()}).json()["items"] == []


def test_the_demo_places_points_of_interest_and_raises_each_kind_of_warning(world, street_vending):
    from gridgov.command.models import PointOfInterest
    from gridgov.demo import command as demo

    points, found = demo.save(world.district.prefix, now=timezone.now(), event_count=3000)
    assert points == PointOfInterest.objects.count() > 0
    assert {w.kind for w in EarlyWarning.objects.all()} == {WarningKind.SPIKE, WarningKind.REPEAT, WarningKind.WORDS}
    assert found == EarlyWarning.objects.count()


def test_the_workers_pass_detects_warnings_and_stops_when_told(world, street_vending, monkeypatch):
    import threading

    from gridgov.command import watch

    report_in_a1(world, street_vending, title="群众聚集", description="广场上有人聚集。", at=timezone.now())
    stopping = threading.Event()
    once = watch.watch_once
    monkeypatch.setattr(watch, "watch_once", lambda: (once(), stopping.set()))
    watch.run_forever(stopping, interval=0)
    assert EarlyWarning.objects.get().kind == WarningKind.WORDS
