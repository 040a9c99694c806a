"""一键呼叫: from an event, the workers of its grid and the nearest on patrol are notified,
and the call is on the event's record once."""

import pytest

from gridgov.command import calls
from gridgov.events.models import EventLog, LogAction, Notice, NoticeKind


def test_a_call_notifies_the_grid_workers_and_is_logged_once(client, world, event_a):
    client.force_login(world.otto)
    response = client.post(f"/api/command/events/{event_a.code}/call", {"note": "速到现场"},
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["recipients"] == ["高娜"]
    rows = EventLog.objects.filter(event=event_a, action=LogAction.CALL)
    assert rows.count() == 1
    assert rows.get().actor == world.otto
    notices = Notice.objects.filter(event=event_a, kind=NoticeKind.CALL)
    assert [n.recipient for n in notices] == [world.gina]
    assert "速到现场" in notices.get().text


def test_the_nearest_worker_on_patrol_is_called_too(world, event_a, monkeypatch):
    monkeypatch.setattr(calls, "positions_on_patrol", lambda prefixes: [
        {"worker_id": world.vera.pk, "lon": 120.006, "lat": 30.011, "name": "", "grid_code": "", "fixed_at": None,
         "patrol_id": 1},
        {"worker_id": world.gina.pk, "lon": 120.005, "lat": 30.01, "name": "", "grid_code": "", "fixed_at": None,
         "patrol_id": 2},
        {"worker_id": world.xena.pk, "lon": 121.0, "lat": 31.0, "name": "", "grid_code": "", "fixed_at": None,
         "patrol_id": 3},
    ])
    row = calls.call(event_a, by=world.otto)
    assert sorted(row.data["recipients"]) == sorted([world.gina.pk, world.vera.pk])
    assert Notice.objects.filter(event=event_a, kind=NoticeKind.CALL).count() == 2


def test_only_the_command_room_may_call(client, world, event_a):
    client.force_login(world.lena)
    assert client.post(f"/api/command/events/{event_a.code}/call", {}, content_type="application/json").status_code == 403
    client.force_login(world.xena)
    assert client.post(f"/api/command/events/{event_a.code}/call", {}, content_type="application/json").status_code == 404
    assert not EventLog.objects.filter(event=event_a, action=LogAction.CALL).exists()


def test_a_grid_without_workers_or_patrols_is_a_clear_error(client, world, event_a):
    world.gina.roles.all().delete()
    client.force_login(world.otto)
    response = client.post(f"/api/command/events/{event_a.code}/call", {}, content_type="application/json")
    assert response.status_code == 422
    assert "recipients" in response.json()["errors"]
    assert not EventLog.objects.filter(event=event_a, action=LogAction.CALL).exists()


def test_the_event_page_has_the_button_for_the_command_room_only(client, world, event_a):
    client.force_login(world.otto)
    page = client.get(event_a.get_absolute_url())
    assert "一键呼叫" in page.content.decode()
    response = client.post(f"/command/events/{event_a.code}/call/")
    assert response.status_code == 302
    assert EventLog.objects.filter(event=event_a, action=LogAction.CALL).count() == 1
    client.force_login(world.gina)
    assert "一键呼叫" not in client.get(event_a.get_absolute_url()).content.decode()


@pytest.mark.parametrize("user", ["gina", "dora"])
def test_the_call_page_refuses_those_who_do_not_command(client, world, event_a, user):
    client.force_login(getattr(world, user))
    client.post(f"/command/events/{event_a.code}/call/")
    assert not EventLog.objects.filter(event=event_a, action=LogAction.CALL).exists()
