"""The big screen: its page and figures for the command rooms and leaders only."""

from django.utils import timezone

from gridgov.analysis import rollup
from gridgov.conftest import report_in_a1


def test_the_screen_figures_are_todays_in_the_callers_scope(client, world, street_vending):
    report_in_a1(world, street_vending, at=timezone.now())
    rollup.fold()
    client.force_login(world.otto)
    assert client.get("/command/").status_code == 200
    body = client.get("/api/command/screen").json()
    assert body["available"] is True
    assert body["summary"]["reported"] == 1
    assert body["summary"]["open_total"] == 1
    assert [c["name"] for c in body["top_categories"]] == [street_vending.name]
    client.force_login(world.xena)
    assert client.get("/api/command/screen").json()["summary"]["reported"] == 0


def test_the_screen_is_for_command_rooms_and_leaders(client, world):
    for user in (world.gina, world.dora, world.adam):
        client.force_login(user)
        assert client.get("/command/").status_code == 403
        assert client.get("/api/command/screen").status_code == 403
