"""Checking and packing a batch as columns gives what the rules say point by point: the
reference below is those rules, one point at a time."""

import math
import random
from collections import Counter

import pytest

from gridgov.field import tracks
from gridgov.field.tracks import Point

BOUNDS = (120.0, 30.0, 120.2, 30.2)
NOT_BEFORE = 1_790_000_000


def reference_check(points, *, bounds, not_before, not_after, previous=None):
    min_lon, min_lat, max_lon, max_lat = bounds
    m = tracks.TERRITORY_MARGIN_DEG
    kept, dropped, last, distance = [], Counter(), previous, 0.0
    for p in sorted(points, key=lambda p: p.t):
        if not (tracks.MIN_ACCURACY_M <= p.accuracy <= tracks.MAX_ACCURACY_M):
            dropped["accuracy"] += 1
        elif not (min_lon - m <= p.lon <= max_lon + m and min_lat - m <= p.lat <= max_lat + m):
            dropped["outside"] += 1
        elif not (not_before <= p.t <= not_after) or (last is not None and p.t <= last.t):
            dropped["time"] += 1
        elif last is not None and tracks.distance_m(last.lon, last.lat, p.lon, p.lat) > tracks.MAX_SPEED_MPS * (
            p.t - last.t
        ):
            dropped["speed"] += 1
        else:
            if last is not None:
                distance += tracks.distance_m(last.lon, last.lat, p.lon, p.lat)
            kept.append(p)
            last = p
    return kept, dropped, distance


def reference_pack(points) -> bytes:
    out = bytearray()
    t0 = x0 = y0 = 0
    for p in points:
        x, y = round(p.lon * 1_000_000), round(p.lat * 1_000_000)
        for value in (p.t - t0, x - x0, y - y0, round(p.accuracy)):
            value = (value << 1) ^ (value >> 63)
            while value > 0x7F:
                out.append((value & 0x7F) | 0x80)
                value >>= 7
            out.append(value)
        t0, x0, y0 = p.t, x, y
    return bytes(out)


def rough_walk(rng: random.Random, n: int) -> list[list]:
    """A phone's batch with the usual faults: repeated and reordered fixes, jumps, zero or
    absurd accuracy, a point far away."""
    t, lon, lat, rows = NOT_BEFORE * 1000 + 5_000, 120.1, 30.1, []
    for _ in range(n):
        t += rng.choice([1000] * 6 + [0, -3000, 999, 1, 60_000])
        lon += rng.gauss(0, 1e-5) if rng.random() < 0.9 else rng.gauss(0, 1e-2)
        lat += rng.gauss(0, 1e-5)
        accuracy = rng.choice([8, 8, 8, 12.5, 0, 0.5, 200, 201])
        rows.append([t if rng.random() < 0.5 else t + rng.random(), lon if rng.random() < 0.95 else 121.5, lat,
                     accuracy])
    return rows


@pytest.mark.parametrize("seed", range(40))
def test_a_batch_checked_at_once_keeps_and_drops_what_the_rules_say_point_by_point(seed):
    rng = random.Random(seed)
    points = tracks.parse(rough_walk(rng, rng.randint(1, 120)))
    previous = None
    if seed % 2:
        first = points[0]
        previous = Point(first.t - rng.choice([1, 5, 300]), first.lon + rng.gauss(0, 1e-4), first.lat, 0)
    window = {"bounds": BOUNDS, "not_before": NOT_BEFORE, "not_after": NOT_BEFORE + rng.choice([30, 90, 10_000])}
    checked = tracks.check(points, previous=previous, **window)
    kept, dropped, distance = reference_check(points.points(), previous=previous, **window)
    assert checked.kept.points() == kept
    assert checked.dropped == dropped
    assert checked.distance_m == pytest.approx(distance)
    assert tracks.pack(checked.kept) == reference_pack(kept)


def test_a_clean_walk_is_kept_whole_with_its_length():
    rows = [[(NOT_BEFORE + i) * 1000, 120.1, 30.1 + i * 1e-5, 8] for i in range(100)]
    checked = tracks.check(tracks.parse(rows), bounds=BOUNDS, not_before=NOT_BEFORE, not_after=NOT_BEFORE + 100)
    assert len(checked.kept) == 100 and not checked.dropped
    assert checked.distance_m == pytest.approx(99 * 1.11, rel=0.01)


def test_a_point_is_judged_against_the_last_point_kept_not_the_one_before_it():
    base = (NOT_BEFORE + 10) * 1000
    rows = [[base, 120.1, 30.1, 8], [base + 1000, 120.1, 30.11, 8], [base + 2000, 120.1, 30.10001, 8]]
    checked = tracks.check(tracks.parse(rows), bounds=BOUNDS, not_before=NOT_BEFORE, not_after=NOT_BEFORE + 100)
    assert [p.lat for p in checked.kept.points()] == [30.1, 30.10001]
    assert checked.dropped == {"speed": 1}


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ([1, 2, 3], "应为"),
        ([1, True, 3, 4], "应为"),
        ([1, "120", 3, 4], "应为"),
        ([1, 2, None, 4], "应为"),
        ([1, math.nan, 3, 4], "应为"),
        ("1234", "应为"),
        ([1, 190, 3, 4], "坐标"),
        ([-1, 120, 30, 4], "时间"),
        ([10**20, 120, 30, 4], "时间"),
        ([10**400, 120, 30, 4], "应为"),
    ],
)
def test_a_malformed_point_is_named_by_its_place_in_the_batch(row, says):
    rows = [[1_790_000_000_000, 120.0, 30.0, 5]] * 3 + [row]
    with pytest.raises(ValueError, match=f"第 4 个点.*{says}"):
        tracks.parse(rows)


def test_packing_round_trips_large_values():
    points = [Point(10**11 * (i % 2), 179.999999 * (-1) ** i, 89.9 * (-1) ** i, 200.0) for i in range(50)]
    data = tracks.pack(points)
    assert data == reference_pack(points)
    assert [(p.t, round(p.lon, 6), round(p.lat, 6)) for p in tracks.unpack(data)] == [
        (p.t, round(p.lon, 6), round(p.lat, 6)) for p in points
    ]
