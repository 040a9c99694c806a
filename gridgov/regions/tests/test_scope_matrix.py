"""Nobody sees or edits outside their scope, through pages or the API.

gina works grid A1; otto runs town A's command room; xena runs town B's, so she is an
outsider to everything in town A, and otto to everything in town B.
"""

import json

import pytest

PERSONAS = ["gina", "otto", "xena"]

# object name -> (page url, map url, api url)
OBJECTS = {
    "grid_a1": ("/grids/{}/", "/grids/{}/map.geojson", "/api/grids/{}"),
    "grid_a2": ("/grids/{}/", "/grids/{}/map.geojson", "/api/grids/{}"),
    "grid_b1": ("/grids/{}/", "/grids/{}/map.geojson", "/api/grids/{}"),
    "village_a": ("/territory/{}/", "/territory/{}/map.geojson", "/api/regions/{}"),
    "town_a": ("/territory/{}/", "/territory/{}/map.geojson", "/api/regions/{}"),
    "town_b": ("/territory/{}/", "/territory/{}/map.geojson", "/api/regions/{}"),
    "district": ("/territory/{}/", "/territory/{}/map.geojson", "/api/regions/{}"),
}

SEES = {
    "gina": {"grid_a1"},
    "otto": {"grid_a1", "grid_a2", "village_a", "town_a"},
    "xena": {"grid_b1", "town_b"},
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("obj", list(OBJECTS))
def test_it_shows_an_object_only_inside_the_persona_scope(client, world, persona, obj):
    client.force_login(getattr(world, persona))
    code = getattr(world, obj).code
    expected = 200 if obj in SEES[persona] else 404
    for url in OBJECTS[obj]:
        response = client.get(url.format(code))
        assert response.status_code == expected, (persona, obj, url)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("obj", ["grid_a1", "grid_a2", "grid_b1"])
def test_it_lets_no_operator_or_worker_edit_a_grid(client, world, persona, obj):
    client.force_login(getattr(world, persona))
    grid = getattr(world, obj)
    response = client.patch(
        f"/api/grids/{grid.code}", json.dumps({"households": 1}), content_type="application/json"
    )
    assert response.status_code == (403 if obj in SEES[persona] else 404)
    grid.refresh_from_db()
    assert grid.households != 1


def test_a_town_administrator_edits_grids_of_her_town_only(client, world):
    client.force_login(world.tara)
    ok = client.patch(
        f"/api/grids/{world.grid_a1.code}", json.dumps({"households": 99}), content_type="application/json"
    )
    assert ok.status_code == 200
    assert ok.json()["households"] == 99
    outside = client.patch(
        f"/api/grids/{world.grid_b1.code}", json.dumps({"households": 99}), content_type="application/json"
    )
    assert outside.status_code == 404
    world.grid_b1.refresh_from_db()
    assert world.grid_b1.households == 210


def test_a_region_page_lists_only_what_lies_inside_it(client, world):
    client.force_login(world.otto)
    page = client.get(f"/territory/{world.village_a.code}/").content.decode()
    assert world.grid_a1.name in page and world.grid_a2.name in page
    assert world.grid_b1.name not in page


def test_the_region_map_holds_only_grids_of_that_region(client, world):
    client.force_login(world.otto)
    collection = client.get(f"/territory/{world.town_a.code}/map.geojson").json()
    assert {f["properties"]["code"] for f in collection["features"]} == {
        world.grid_a1.code,
        world.grid_a2.code,
    }


def test_a_grid_map_leaves_out_neighbours_outside_the_scope(client, world):
    client.force_login(world.gina)
    collection = client.get(f"/grids/{world.grid_a1.code}/map.geojson").json()
    assert [f["properties"]["code"] for f in collection["features"]] == [world.grid_a1.code]
    client.force_login(world.otto)
    collection = client.get(f"/grids/{world.grid_a1.code}/map.geojson").json()
    assert {f["properties"]["code"] for f in collection["features"]} == {
        world.grid_a1.code,
        world.grid_a2.code,
    }


def test_an_anonymous_visitor_is_sent_to_login_or_refused(client, world):
    assert client.get(f"/grids/{world.grid_a1.code}/").status_code == 302
    assert client.get(f"/api/grids/{world.grid_a1.code}").status_code == 401
