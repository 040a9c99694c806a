"""The map's layers: each answers for the visible area and only inside the caller's scope."""

import pytest
from django.utils import timezone

from gridgov.command import layers
from gridgov.command.models import PoiKind, PointOfInterest
from gridgov.conftest import report_in_a1

WHOLE = "119.9,29.9,120.1,30.1"
ONLY_A = "120.0,30.0,120.019,30.02"


def get(client, user, path):
    client.force_login(user)
    return client.get(path)


def codes_in(response):
    return sorted(p["code"] for p in response.json()["points"])


def test_the_event_layer_shows_a_town_operator_only_their_towns_events(client, world, event_a, event_b):
    otto = get(client, world.otto, f"/api/command/layers/events?bbox={WHOLE}")
    assert otto.status_code == 200
    assert codes_in(otto) == [event_a.code]
    xena = get(client, world.xena, f"/api/command/layers/events?bbox={WHOLE}")
    assert codes_in(xena) == [event_b.code]
    lena = get(client, world.lena, f"/api/command/layers/events?bbox={WHOLE}")
    assert codes_in(lena) == sorted([event_a.code, event_b.code])


def test_the_event_layer_keeps_to_the_visible_area(client, world, event_a, event_b):
    assert codes_in(get(client, world.lena, f"/api/command/layers/events?bbox={ONLY_A}")) == [event_a.code]
    assert codes_in(get(client, world.lena, "/api/command/layers/events?bbox=121,31,121.1,31.1")) == []


def test_points_carry_their_light(client, world, event_a):
    point = get(client, world.otto, f"/api/command/layers/events?bbox={WHOLE}").json()["points"][0]
    assert point["light"] == event_a.light_at(timezone.now())


def test_a_crowded_view_is_sent_as_cells_with_counts(client, world, event_a, event_b, monkeypatch):
    monkeypatch.setattr(layers, "MAX_POINTS", 1)
    body = get(client, world.lena, f"/api/command/layers/events?bbox={WHOLE}").json()
    assert body["mode"] == "cells"
    assert sum(c["n"] for c in body["cells"]) == 2


@pytest.mark.parametrize("bbox", ["", "1,2,3", "a,b,c,d", "120.1,30,120,30.1", "0,95,1,96"])
def test_a_bad_bbox_is_named(client, world, bbox):
    response = get(client, world.otto, f"/api/command/layers/events?bbox={bbox}")
    assert response.status_code == 422
    assert "bbox" in response.json()["errors"]


def test_the_map_requires_a_command_scope(client, world):
    assert get(client, world.gina, f"/api/command/layers/events?bbox={WHOLE}").status_code == 403
    assert get(client, world.dora, "/map/").status_code == 403
    assert get(client, world.otto, "/map/").status_code == 200


def test_the_grid_layer_counts_open_events_per_grid_in_scope(client, world, event_a, event_b):
    body = get(client, world.otto, f"/api/command/layers/grids?bbox={WHOLE}").json()
    grids = {f["properties"]["code"]: f["properties"] for f in body["features"]}
    assert set(grids) == {world.grid_a1.code, world.grid_a2.code}
    assert grids[world.grid_a1.code]["open"] == 1
    assert grids[world.grid_a2.code]["open"] == 0
    assert grids[world.grid_a1.code]["density"] > 0


def test_the_heat_layer_weighs_recent_events_in_scope(client, world, event_a, event_b):
    from gridgov.events.models import Event

    Event.objects.update(reported_at=timezone.now())
    cells = get(client, world.xena, f"/api/command/layers/heat?bbox={WHOLE}").json()["cells"]
    assert sum(c["n"] for c in cells) == 1


def test_points_of_interest_are_filtered_by_scope_area_and_kind(client, world):
    now = timezone.now()
    for name, kind, lon, code in [("月河医院", PoiKind.HOSPITAL, 120.005, world.grid_a1.code),
                                  ("月河小学", PoiKind.SCHOOL, 120.015, world.grid_a2.code),
                                  ("南街医院", PoiKind.HOSPITAL, 120.03, world.grid_b1.code)]:
        PointOfInterest.objects.create(name=name, kind=kind, lon=lon, lat=30.01, area_code=code, imported_at=now)
    body = get(client, world.otto, f"/api/command/layers/pois?bbox={WHOLE}&kind=hospital").json()
    assert [p["name"] for p in body["pois"]] == ["月河医院"]
    body = get(client, world.otto, f"/api/command/layers/pois?bbox={ONLY_A}").json()
    assert sorted(p["name"] for p in body["pois"]) == ["月河医院", "月河小学"]


def test_a_grid_card_shows_workers_households_open_events_and_indicators(client, world, street_vending):
    from datetime import timedelta

    from gridgov.analysis import rollup
    from gridgov.events.models import Status
    from gridgov.events.tests.lifecycle import advance

    now = timezone.now()
    closed = advance(world, report_in_a1(world, street_vending, at=now - timedelta(days=2)), Status.CLOSED)
    still_open = report_in_a1(world, street_vending, at=now - timedelta(days=1))
    rollup.fold()
    card = get(client, world.otto, f"/api/command/grids/{world.grid_a1.code}").json()
    assert card["households"] == 280
    assert [w["name"] for w in card["workers"]] == ["高娜"]
    assert card["open"] == 1
    assert [e["code"] for e in card["open_events"]] == [still_open.code]
    assert (card["indicators"]["reported"], card["indicators"]["closed"]) == (2, 1)
    assert closed.code not in str(card["open_events"])


def test_cards_outside_the_scope_are_not_found(client, world, event_a):
    assert get(client, world.xena, f"/api/command/grids/{world.grid_a1.code}").status_code == 404
    assert get(client, world.xena, f"/api/command/events/{event_a.code}").status_code == 404


def test_an_event_card_lists_the_actions_the_user_may_take(client, world, event_a):
    card = get(client, world.otto, f"/api/command/events/{event_a.code}").json()
    assert [a["key"] for a in card["actions"]][:2] == ["accept", "reject"]
    assert card["can_call"] is True
    lena = get(client, world.lena, f"/api/command/events/{event_a.code}").json()
    assert lena["can_call"] is False
    assert [a["key"] for a in lena["actions"]] == ["instruct"]


def test_the_map_layers_take_a_fixed_number_of_queries(client, world, event_a, event_b, django_assert_max_num_queries):
    client.force_login(world.lena)
    with django_assert_max_num_queries(9):
        client.get(f"/api/command/layers/events?bbox={WHOLE}")
    with django_assert_max_num_queries(8):
        client.get(f"/api/command/layers/grids?bbox={WHOLE}")


def patrol_of_gina(world, minutes_ago=10):
    from datetime import timedelta

    from gridgov.field import patrols

    start = timezone.now() - timedelta(minutes=minutes_ago)
    patrol, _ = patrols.start(by=world.gina, key="p1", at=start)
    t0 = int(start.timestamp() * 1000)
    rows = [[t0 + i * 60_000, 120.002 + i * 0.0005, 30.01, 8] for i in range(6)]
    patrols.record_batch(by=world.gina, patrol_key="p1", key="b1", rows=rows)
    return patrol


def test_workers_on_patrol_show_with_the_age_of_their_fix_and_their_track_replays(client, world):
    patrol = patrol_of_gina(world)
    body = get(client, world.otto, f"/api/command/layers/patrols?bbox={WHOLE}").json()
    assert [(w["name"], w["patrol_id"]) for w in body["workers"]] == [("高娜", patrol.pk)]
    assert 4 <= body["workers"][0]["age_minutes"] <= 6
    track = client.get(f"/api/command/patrols/{patrol.pk}/track").json()
    assert len(track["points"]) == 6
    assert track["points"][-1][2] == 300
    assert get(client, world.xena, f"/api/command/layers/patrols?bbox={WHOLE}").json()["workers"] == []
    assert client.get(f"/api/command/patrols/{patrol.pk}/track").status_code == 404
