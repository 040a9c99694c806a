import json

import pytest

from gridgov.accounts.models import ApiToken


def test_a_token_from_username_and_password_opens_the_api(client, world):
    response = client.post(
        "/api/tokens", json.dumps({"username": "gina", "password": "pw-gina"}), content_type="application/json"
    )
    assert response.status_code == 201
    token = response.json()["token"]
    assert ApiToken.objects.get(user=world.gina).digest == ApiToken.digest_of(token)
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert me.json()["roles"] == [
        {"role": "grid_worker", "role_label": "网格员", "scope": world.grid_a1.code, "department": None}
    ]


def test_a_wrong_password_gets_no_token_and_repeated_failures_lock_the_account(client, world, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    body = json.dumps({"username": "gina", "password": "wrong"})
    codes = [client.post("/api/tokens", body, content_type="application/json").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    right = json.dumps({"username": "gina", "password": "pw-gina"})
    assert client.post("/api/tokens", right, content_type="application/json").status_code == 429
    assert not ApiToken.objects.exists()


def test_an_unknown_token_is_refused(client, world):
    assert client.get("/api/me", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401


def test_locate_names_the_grid_inside_the_scope(client, world):
    client.force_login(world.gina)
    body = client.get("/api/locate", {"lon": 120.005, "lat": 30.01}).json()
    assert body["inside"] is True and body["grid_code"] == world.grid_a1.code


def test_locate_says_outside_for_a_point_outside_the_territory(client, world):
    client.force_login(world.adam)
    body = client.get("/api/locate", {"lon": 116.4, "lat": 39.9}).json()
    assert body == {"inside": False, "grid_code": None, "grid_name": None, "message": "该位置不在本辖区任何网格内"}


def test_locate_does_not_name_a_grid_outside_the_scope(client, world):
    client.force_login(world.gina)
    body = client.get("/api/locate", {"lon": 120.03, "lat": 30.01}).json()
    assert body["inside"] is True and body["grid_code"] is None


@pytest.mark.parametrize(
    "params",
    [{"lon": "east", "lat": 30}, {"lat": 30}, {"lon": "nan", "lat": "inf"}],
)
def test_locate_answers_bad_coordinates_with_a_field_error(client, world, params):
    client.force_login(world.adam)
    response = client.get("/api/locate", params)
    assert response.status_code == 422
    assert response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"households": -5}, "households"),
        ({"name": ""}, "name"),
        ({"geometry": {"type": "Polygon", "coordinates": [[[120, 30], [120.01, 30], [120, 30.01]]]}}, "geometry"),
        ({"geometry": {"type": "Polygon", "coordinates": [[[120, 30], [121, 31], [121, 30], [120, 31], [120, 30]]]}}, "geometry"),
        ({"kind": "castle"}, "kind"),
    ],
)
def test_a_bad_grid_edit_names_the_field_and_changes_nothing(client, world, body, field):
    client.force_login(world.adam)
    before = (world.grid_a1.name, world.grid_a1.households, world.grid_a1.geometry)
    response = client.patch(f"/api/grids/{world.grid_a1.code}", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert field in response.json()["errors"]
    world.grid_a1.refresh_from_db()
    assert (world.grid_a1.name, world.grid_a1.households, world.grid_a1.geometry) == before


def test_malformed_json_is_a_clear_error_not_a_crash(client, world):
    client.force_login(world.adam)
    response = client.patch(f"/api/grids/{world.grid_a1.code}", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "detail" in response.json()


def test_the_openapi_schema_is_published(client, world):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert "/api/grids/{code}" in response.json()["paths"]


def test_an_absurd_household_count_is_a_field_error_not_a_database_error(client, world):
    client.force_login(world.adam)
    response = client.patch(
        f"/api/grids/{world.grid_a1.code}", json.dumps({"households": 10**12}), content_type="application/json"
    )
    assert response.status_code == 422
    assert "households" in response.json()["errors"]
