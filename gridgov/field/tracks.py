"""GPS track points: checking them, and packing a batch into a few bytes a point.

A point travels as `[t, lon, lat, accuracy]`: t in Unix milliseconds (what a phone's
Geolocation API gives), lon/lat in degrees, accuracy in metres. Stored, a batch is one
binary field: for each point the differences from the previous one of the time (seconds),
lon and lat (micro-degrees, about 0.1 m) and the accuracy (whole metres), as zigzag
varints. A walker's fix every 10 s costs about 6 bytes.

A batch is handled as columns (`Track`, numpy arrays), not point by point: a phone sends
about a hundred points at a time, and every one of them passes here on its way in. The
loops over single points are left for wording an error and for a batch with points to
drop.
"""

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain

import numpy as np

from gridgov.lib.geo import EARTH_RADIUS_M

# A grid worker walks, cycles or rides an e-bike; a car on a ring road stays under this.
MAX_SPEED_MPS = 42.0  # about 150 km/h
# A fix claiming better than this is a simulated or broken one; worse is useless for a track.
MIN_ACCURACY_M = 0.5
MAX_ACCURACY_M = 200.0
# A point this far (in degrees, about 11 km) outside the territory's bounding box is wrong.
TERRITORY_MARGIN_DEG = 0.1

REASONS = {
    "speed": "速度不可能",
    "accuracy": "精度为零或过大",
    "outside": "远离辖区",
    "time": "时间无效或重复",
}


@dataclass
class Point:
    t: int  # Unix seconds
    lon: float
    lat: float
    accuracy: float


@dataclass(frozen=True)
class Track:
    """Points as the rows of one float64 array: t (Unix seconds, whole), lon, lat, accuracy."""

    values: np.ndarray

    @classmethod
    def of(cls, points: Sequence[Point]) -> "Track":
        return cls(np.array([(p.t, p.lon, p.lat, p.accuracy) for p in points], dtype=np.float64).reshape(-1, 4))

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: int) -> Point:
        t, lon, lat, accuracy = self.values[i].tolist()
        return Point(int(t), lon, lat, accuracy)

    @property
    def t(self) -> np.ndarray:
        return self.values[:, 0]

    @property
    def lon(self) -> np.ndarray:
        return self.values[:, 1]

    @property
    def lat(self) -> np.ndarray:
        return self.values[:, 2]

    def points(self) -> list[Point]:
        return [Point(int(t), lon, lat, accuracy) for t, lon, lat, accuracy in self.values.tolist()]


@dataclass
class Checked:
    kept: Track
    dropped: Counter = field(default_factory=Counter)
    # From the previous good fix, when one was given, through the kept points.
    distance_m: float = 0.0


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance: exact enough for fixes seconds apart."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return EARTH_RADIUS_M * math.hypot(x, y)


def _distances(lon1, lat1, lon2, lat2) -> np.ndarray:
    """`distance_m` over arrays."""
    x = np.radians(lon2 - lon1) * np.cos(np.radians((lat1 + lat2) / 2))
    return EARTH_RADIUS_M * np.hypot(x, np.radians(lat2 - lat1))


# --- parsing ---------------------------------------------------------------------------------

_NUMBERS = {int, float}


def parse(rows: object) -> Track:
    """Turn the uploaded rows into points, or ValueError naming the first bad row."""
    if not isinstance(rows, list):
        raise ValueError("points 应为数组")
    try:
        track = _parse_columns(rows)
    except (TypeError, ValueError, OverflowError):
        track = None
    return track if track is not None else Track.of(_parse_rows(rows))


def _parse_columns(rows: list) -> Track | None:
    """All rows at once; None when any of them is wrong, for `_parse_rows` to say which."""
    # Exact types: a bool is an int to Python and a number to numpy, but not a coordinate.
    if rows and (
        set(map(type, rows)) != {list}
        or set(map(len, rows)) != {4}
        or not set(map(type, chain.from_iterable(rows))) <= _NUMBERS
    ):
        return None
    values = np.fromiter(chain.from_iterable(rows), np.float64, 4 * len(rows)).reshape(-1, 4)
    t, lon, lat = values[:, 0], values[:, 1], values[:, 2]
    if not (
        np.isfinite(values).all()
        and ((lon >= -180) & (lon <= 180) & (lat >= -90) & (lat <= 90) & (t >= 0) & (t < 1e14)).all()
    ):
        return None
    # Whole milliseconds below 1e14 are exact in a float64, and so is their floor division.
    np.floor_divide(t, 1000, out=t)
    return Track(values)


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond any float
        return False


def _parse_rows(rows: list) -> list[Point]:
    points = []
    for i, row in enumerate(rows):
        if (
            not isinstance(row, list)
            or len(row) != 4
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in row)
            or not all(map(_finite, row))
        ):
            raise ValueError(f"第 {i + 1} 个点应为 [时间毫秒, 经度, 纬度, 精度米] 四个数")
        t, lon, lat, accuracy = row
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"第 {i + 1} 个点的坐标超出经纬度范围")
        if not 0 <= t < 10**14:
            raise ValueError(f"第 {i + 1} 个点的时间无效")
        points.append(Point(int(t // 1000), lon, lat, accuracy))
    return points


# --- checking --------------------------------------------------------------------------------


def check(
    points: Track | Sequence[Point],
    *,
    bounds: tuple[float, float, float, float],
    not_before: int,
    not_after: int,
    previous: Point | None = None,
) -> Checked:
    """Keep the plausible points, in time order; count the others by reason.

    `previous` is the patrol's last good fix when this batch follows it in time, so the
    speed check runs across batches too. A batch that arrives late (out of order) is
    checked on its own. A point is judged against the last point kept before it."""
    values = (points if isinstance(points, Track) else Track.of(points)).values
    if len(values) > 1 and not (values[1:, 0] >= values[:-1, 0]).all():
        values = values[np.argsort(values[:, 0], kind="stable")]
    t, lon, lat, accuracy = values.T
    min_lon, min_lat, max_lon, max_lat = bounds
    m = TERRITORY_MARGIN_DEG
    dropped: Counter = Counter()

    good_accuracy = (accuracy >= MIN_ACCURACY_M) & (accuracy <= MAX_ACCURACY_M)
    inside = (lon >= min_lon - m) & (lon <= max_lon + m) & (lat >= min_lat - m) & (lat <= max_lat + m)
    in_time = (t >= not_before) & (t <= not_after)
    good = good_accuracy & inside & in_time
    if not good.all():
        for reason, n in (
            ("accuracy", len(values) - np.count_nonzero(good_accuracy)),
            ("outside", np.count_nonzero(good_accuracy & ~inside)),
            ("time", np.count_nonzero(good_accuracy & inside & ~in_time)),
        ):
            if n:
                dropped[reason] = int(n)
        values = values[good]
    if not len(values):
        return Checked(kept=Track(values), dropped=dropped)

    # Each step from the point before (the first from `previous`): when every step is
    # possible, every point is kept, and the point before is the last one kept.
    path = values if previous is None else np.vstack(([previous.t, previous.lon, previous.lat, 0.0], values))
    steps = _distances(path[:-1, 1], path[:-1, 2], path[1:, 1], path[1:, 2])
    seconds = path[1:, 0] - path[:-1, 0]
    possible = (seconds > 0) & (steps <= MAX_SPEED_MPS * seconds)
    if possible.all():
        return Checked(kept=Track(values), dropped=dropped, distance_m=float(steps.sum()))
    return _check_one_by_one(Track(values), previous, dropped)


def _check_one_by_one(track: Track, previous: Point | None, dropped: Counter) -> Checked:
    keep, distance, last = [], 0.0, previous
    for i, p in enumerate(track.points()):
        if last is not None and p.t <= last.t:
            dropped["time"] += 1
            continue
        step = float(_distances(last.lon, last.lat, p.lon, p.lat)) if last is not None else 0.0
        if last is not None and step > MAX_SPEED_MPS * (p.t - last.t):
            dropped["speed"] += 1
            continue
        keep.append(i)
        distance += step
        last = p
    return Checked(kept=Track(track.values[keep]), dropped=dropped, distance_m=distance)


def length_m(points: Track | Sequence[Point]) -> float:
    lon, lat = (points if isinstance(points, Track) else Track.of(points)).values[:, 1:3].T
    return float(_distances(lon[:-1], lat[:-1], lon[1:], lat[1:]).sum())


# --- packing ---------------------------------------------------------------------------------

_SCALE = np.array([1, 1_000_000, 1_000_000, 1], dtype=np.float64)  # seconds, micro-degrees, metres
_SHIFTS = np.arange(0, 70, 7, dtype=np.uint64)  # a 64-bit varint has at most 10 groups of 7 bits


def pack(points: Track | Sequence[Point]) -> bytes:
    track = points if isinstance(points, Track) else Track.of(points)
    if not len(track):
        return b""
    scaled = track.values * _SCALE
    np.rint(scaled, out=scaled)
    values = scaled.astype(np.int64)
    values[1:, :3] -= values[:-1, :3].copy()
    zigzag = ((values << 1) ^ (values >> 63)).view(np.uint64).ravel()  # small negatives stay small
    width = (int(zigzag.max()).bit_length() + 6) // 7
    if width <= 1:
        return zigzag.astype(np.uint8).tobytes()
    # Group k of 7 bits is written when the value has bits at or above it (the first always),
    # with the high bit set when another group follows.
    groups = zigzag[:, None] >> _SHIFTS[:width]
    written = groups != 0
    written[:, 0] = True
    out = (groups & np.uint64(0x7F)).astype(np.uint8)
    out[:, :-1] |= written[:, 1:].view(np.uint8) << 7
    return out[written].tobytes()


def unpack(data: bytes) -> list[Point]:
    values, value, shift = [], 0, 0
    for byte in bytes(data):
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        values.append((value >> 1) ^ -(value & 1))
        value, shift = 0, 0
    points, t, x, y = [], 0, 0, 0
    for i in range(0, len(values) - 3, 4):
        t, x, y = t + values[i], x + values[i + 1], y + values[i + 2]
        points.append(Point(t, x / 1_000_000, y / 1_000_000, float(values[i + 3])))
    return points


def moment(t: int) -> datetime:
    return datetime.fromtimestamp(t, tz=UTC)
