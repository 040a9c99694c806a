from gridgov.analysis import rollup
from gridgov.events.models import Status
from gridgov.events.tests.lifecycle import event_in


def test_the_api_answers_figures_of_the_readers_scope_only(client, world, street_vending):
    event_in(world, street_vending, Status.CLOSED)
    rollup.fold()
    client.force_login(world.otto)
    table = client.get("/api/analysis/charts/status?start=2026-03-01&end=2026-03-31").json()
    assert table["rows"] == [["已结案", 1]]
    towns = client.get("/api/analysis/indicators?subject=town&start=2026-03-01&end=2026-03-31").json()
    assert [(t["name"], t["figures"]["closed"]) for t in towns] == [("月河街道", 1)]
    assert client.get("/api/analysis/summary?day=2026-03-04").json()["reported"] == 1
    client.force_login(world.xena)
    assert client.get(f"/api/analysis/summary?region={world.town_a.prefix}").status_code == 404
    assert client.get("/api/analysis/charts/status?start=2026-03-01&end=2026-03-31").json()["rows"] == []


def test_bad_parameters_are_named(client, world):
    client.force_login(world.otto)
    response = client.get("/api/analysis/charts/status?start=tomorrow")
    assert response.status_code == 422 and "start" in response.json()["errors"]
    assert "subject" in client.get("/api/analysis/indicators?subject=planet").json()["errors"]
    assert client.get("/api/analysis/charts/nothing").status_code == 404
    client.force_login(world.gina)
    assert client.get("/api/analysis/summary").status_code == 403
