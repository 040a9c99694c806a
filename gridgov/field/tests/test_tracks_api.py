"""Track batches over the API: wrong points dropped and counted, a batch sent twice stored
once, batches in any order make one track in time order."""

import time

from gridgov.field import selectors, tracks
from gridgov.field.models import Patrol, TrackBatch
from gridgov.field.tests.conftest import walk


def send(api, batch_key, points, patrol_key="patrol-1"):
    return api.post(f"/api/patrols/{patrol_key}/tracks", {"key": batch_key, "points": points})


def test_it_drops_and_counts_impossible_points(gina_api, patrol):
    start = time.time() - 50
    points = walk(start, 5)
    points[1][3] = 0  # zero accuracy
    points[2][1] = 121.5  # about 150 km east of the territory
    points[3][2] += 0.01  # 1.1 km in 5 s after the previous good fix
    response = send(gina_api, "b1", points)
    assert response.status_code == 201
    body = response.json()
    assert body["accepted"] == 2
    assert body["dropped"] == {"accuracy": 1, "outside": 1, "speed": 1}
    assert body["dropped_total"] == 3
    assert body["reasons"]["speed"] == "速度不可能"
    stored = Patrol.objects.get(pk=patrol["id"])
    assert (stored.point_count, stored.dropped_count) == (2, 3)


def test_it_drops_points_outside_the_patrol_time(gina_api, patrol):
    points = walk(time.time() - 3600, 2) + walk(time.time() + 3600, 1)
    body = send(gina_api, "b1", points).json()
    assert body["accepted"] == 0 and body["dropped"] == {"time": 3}


def test_a_batch_sent_twice_is_stored_once(gina_api, patrol):
    points = walk(time.time() - 50, 10)
    first = send(gina_api, "b1", points)
    again = send(gina_api, "b1", points)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["duplicate"] is True and again.json()["accepted"] == 10
    assert TrackBatch.objects.count() == 1
    assert Patrol.objects.get(pk=patrol["id"]).point_count == 10


def test_batches_out_of_order_make_one_track_in_time_order(gina_api, patrol):
    start = time.time() - 55
    early, late = walk(start, 5), walk(start + 25, 5, lat=30.005 + 25 * 0.00001)
    assert send(gina_api, "b2", late).json()["accepted"] == 5
    assert send(gina_api, "b1", early).json()["accepted"] == 5
    stopped = gina_api.post("/api/patrols/patrol-1/stop", {}).json()
    saved = Patrol.objects.get(pk=patrol["id"])
    points = selectors.track(saved)
    assert len(points) == 10 and [p[0] for p in points] == sorted(p[0] for p in points)
    # The last fix is the latest point, not the last batch to arrive.
    assert saved.last_fixed_at == points[-1][0]
    assert stopped["point_count"] == 10
    assert 40 < stopped["distance_m"] < 60  # 45 s at ~1.1 m/s


def test_it_names_a_malformed_point(gina_api, patrol):
    response = send(gina_api, "b1", [[1, 2, 3, 4], ["x", 120, 30, 5]])
    assert response.status_code == 422
    assert "第 2 个点" in response.json()["errors"]["points"][0]
    assert TrackBatch.objects.count() == 0


def test_a_worker_cannot_send_points_to_someone_elses_patrol(api, world, patrol):
    response = send(api(world.otto), "b1", walk(time.time() - 30, 2))
    assert response.status_code == 404


def test_only_grid_workers_patrol(api, world):
    assert api(world.otto).post("/api/patrols", {"key": "p"}).status_code == 403


def test_a_patrol_started_twice_is_one_patrol(gina_api, patrol):
    again = gina_api.post("/api/patrols", {"key": "patrol-1"})
    assert again.status_code == 200 and again.json()["id"] == patrol["id"]


def test_packing_keeps_the_points_in_a_few_bytes_each():
    points = [tracks.Point(1_790_000_000 + 10 * i, 120.1 + i * 1e-4, 30.8 + i * 7e-5, 6) for i in range(100)]
    data = tracks.pack(points)
    assert len(data) < 8 * len(points)
    assert [(p.t, round(p.lon, 6), round(p.lat, 6), p.accuracy) for p in tracks.unpack(data)] == [
        (p.t, round(p.lon, 6), round(p.lat, 6), p.accuracy) for p in points
    ]


def test_positions_on_patrol_are_the_last_fix_within_scope(gina_api, world, patrol):
    send(gina_api, "b1", walk(time.time() - 40, 4))
    positions = selectors.positions_on_patrol([world.town_a.prefix])
    assert [(p["worker_id"], p["patrol_id"], p["name"]) for p in positions] == [(world.gina.pk, patrol["id"], "高娜")]
    assert positions[0]["lat"] == 30.005 + 15 * 0.00001
    assert selectors.positions_on_patrol([world.town_b.prefix]) == []
