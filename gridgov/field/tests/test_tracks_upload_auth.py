"""Who may upload a track batch: the token's owner to their own patrol, read together with
the token on PostgreSQL; a session as elsewhere; anything else is refused, never a 500."""

import time
from urllib.parse import quote

from django.test import Client

from gridgov.accounts.models import ApiToken
from gridgov.field.models import Patrol, TrackBatch
from gridgov.field.tests.conftest import walk


def send(api, points, *, patrol_key="patrol-1", batch_key="b1"):
    return api.post(f"/api/patrols/{patrol_key}/tracks", {"key": batch_key, "points": points})


def test_the_owner_of_the_patrol_stores_a_batch(gina_api, patrol):
    response = send(gina_api, walk(time.time() - 30, 3))
    assert response.status_code == 201 and response.json()["accepted"] == 3
    assert Patrol.objects.get(pk=patrol["id"]).point_count == 3


def test_an_unknown_token_is_refused(api, patrol):
    client = api(None)
    client.headers["HTTP_AUTHORIZATION"] = "Bearer not-a-token"
    assert send(client, walk(time.time() - 30, 2)).status_code == 401
    assert TrackBatch.objects.count() == 0


def test_the_token_of_a_deactivated_worker_is_refused(gina_api, world, patrol):
    world.gina.is_active = False
    world.gina.save(update_fields=["is_active"])
    assert send(gina_api, walk(time.time() - 30, 2)).status_code == 401
    assert TrackBatch.objects.count() == 0


def test_it_requires_the_patrol_to_be_ones_own(api, world, patrol):
    response = send(api(world.otto), walk(time.time() - 30, 2))
    assert response.status_code == 404
    assert TrackBatch.objects.count() == 0


def test_an_unknown_patrol_is_not_found(gina_api, patrol):
    assert send(gina_api, walk(time.time() - 30, 2), patrol_key="patrol-2").status_code == 404


def test_a_patrol_key_no_patrol_can_have_is_a_client_error(gina_api, patrol):
    for key in ("a\x00b", "x" * 65, "空格 不行"):
        response = send(gina_api, walk(time.time() - 30, 2), patrol_key=quote(key))
        assert response.status_code == 422, (key, response.content)


def test_a_session_uploads_as_well(world, patrol):
    client = Client(enforce_csrf_checks=False)
    client.force_login(world.gina)
    response = client.post(
        "/api/patrols/patrol-1/tracks", {"key": "b1", "points": walk(time.time() - 30, 2)},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["accepted"] == 2


def test_using_the_token_is_noted_at_most_once_a_minute(gina_api, patrol):
    send(gina_api, walk(time.time() - 30, 2), batch_key="b1")
    first = ApiToken.objects.get(user__username="gina", name="test").last_used_at
    send(gina_api, walk(time.time() - 20, 2), batch_key="b2")
    assert first is not None
    assert ApiToken.objects.get(user__username="gina", name="test").last_used_at == first
