"""GPS track points: checking them, and packing a batch into a few bytes a point.

A point travels as `[t, lon, lat, accuracy]`: t in Unix milliseconds (what a phone's
Geolocation API gives), lon/lat in degrees, accuracy in metres. Stored, a batch is one
binary field: for each point the differences from the previous one of the time (seconds),
lon and lat (micro-degrees, about 0.1 m) and the accuracy (whole metres), as zigzag
varints. A walker's fix every 10 s costs about 6 bytes.
"""

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

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


@dataclass
class Checked:
    kept: list[Point]
    dropped: Counter = field(default_factory=Counter)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance: exact enough for fixes seconds apart."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return EARTH_RADIUS_M * math.hypot(x, y)


def parse(rows: object) -> list[Point]:
    """Turn the uploaded rows into points, or ValueError naming the first bad row."""
    if not isinstance(rows, list):
        raise ValueError("points 应为数组")
    points = []
    for i, row in enumerate(rows):
        if (
            not isinstance(row, list)
            or len(row) != 4
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in row)
            or not all(math.isfinite(v) for v in row)
        ):
            raise ValueError(f"第 {i + 1} 个点应为 [时间毫秒, 经度, 纬度, 精度米] 四个数")
        t, lon, lat, accuracy = row
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"第 {i + 1} 个点的坐标超出经纬度范围")
        if not 0 <= t < 10**14:
            raise ValueError(f"第 {i + 1} 个点的时间无效")
        points.append(Point(int(t // 1000), lon, lat, accuracy))
    return points


def check(
    points: list[Point],
    *,
    bounds: tuple[float, float, float, float],
    not_before: int,
    not_after: int,
    previous: Point | None = None,
) -> Checked:
    """Keep the plausible points, in time order; count the others by reason.

    `previous` is the patrol's last good fix when this batch follows it in time, so the
    speed check runs across batches too. A batch that arrives late (out of order) is
    checked on its own."""
    min_lon, min_lat, max_lon, max_lat = bounds
    m = TERRITORY_MARGIN_DEG
    result = Checked(kept=[])
    last = previous
    for p in sorted(points, key=lambda p: p.t):
        if not (MIN_ACCURACY_M <= p.accuracy <= MAX_ACCURACY_M):
            result.dropped["accuracy"] += 1
        elif not (min_lon - m <= p.lon <= max_lon + m and min_lat - m <= p.lat <= max_lat + m):
            result.dropped["outside"] += 1
        elif not (not_before <= p.t <= not_after) or (last is not None and p.t <= last.t):
            result.dropped["time"] += 1
        elif last is not None and distance_m(last.lon, last.lat, p.lon, p.lat) > MAX_SPEED_MPS * (p.t - last.t):
            result.dropped["speed"] += 1
        else:
            result.kept.append(p)
            last = p
    return result


def length_m(points: list[Point]) -> float:
    return sum(distance_m(a.lon, a.lat, b.lon, b.lat) for a, b in zip(points, points[1:]))


# --- packing ---------------------------------------------------------------------------------


def _put(out: bytearray, value: int) -> None:
    value = (value << 1) ^ (value >> 63)  # zigzag: small negatives stay small
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def pack(points: list[Point]) -> bytes:
    out = bytearray()
    t0 = x0 = y0 = 0
    for p in points:
        x, y = round(p.lon * 1_000_000), round(p.lat * 1_000_000)
        _put(out, p.t - t0)
        _put(out, x - x0)
        _put(out, y - y0)
        _put(out, round(p.accuracy))
        t0, x0, y0 = p.t, x, y
    return bytes(out)


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
