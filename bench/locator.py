"""Benchmark: point → grid lookups over a prefecture city of 20,000 grids.

    .venv/bin/python bench/locator.py [--runs 5] [--points 100000] [--rebuild]

Builds the city-scale demo territory once in its own SQLite file (data/bench/), whatever
DATABASE_URL says, then measures in this process:

- index build: reading the grids and building GridIndex (what a process pays on its first
  lookup and after every change to the grids);
- single lookups: GridIndex.locate one point at a time, the way a request locates its event;
- batch lookups: GridIndex.locate_many over all the points at once (imports, GPS tracks);
- for reference, one shapely STRtree query per point, which is how a lookup was done before
  the bucket grid.

The points are uniform in the bounding box of the territory, so some fall outside every
grid; the share inside is reported. Each figure is the median of several runs, with the
slowest and fastest run beside it. Results go to stdout and bench/results/locator.json.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "locator.json"
TARGETS = {"single": 150_000, "batch": 500_000}  # lookups per second, DESIGN.md §5


def setup_django() -> None:
    # The benchmark city lives in its own file so that it never touches the demo district.
    os.environ.pop("DATABASE_URL", None)
    os.environ["GRIDGOV_DATA_DIR"] = str(ROOT / "data" / "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_city(rebuild: bool) -> None:
    from django.core.management import call_command

    from gridgov.demo import build
    from gridgov.demo.territory import CITY_SCALE

    call_command("migrate", verbosity=0)
    present = build.present_scale()
    if present == "city" and not rebuild:
        return
    if present:
        build.remove()
    print("正在生成地级市规模的演示数据（约 20,000 个网格，首次运行需要约半分钟）…", flush=True)
    summary = build.build(CITY_SCALE)
    print(f"已生成 {summary.grids:,} 个网格，用时 {summary.seconds:.1f} 秒", flush=True)


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


def summarise(values: list[float]) -> dict:
    return {
        "median": round(statistics.median(values)),
        "min": round(min(values)),
        "max": round(max(values)),
        "runs": [round(v) for v in values],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true", help="draw the benchmark city again")
    args = parser.parse_args()

    setup_django()
    ensure_city(args.rebuild)

    import numpy as np
    import shapely

    from gridgov.regions import locator
    from gridgov.regions.locator import GridIndex

    load_before = os.getloadavg()
    build_seconds, construct_seconds = [], []
    for _ in range(3):
        started = time.perf_counter()
        index = locator.build_index()
        build_seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        GridIndex(index.version, index.grids, list(index.polygons))
        construct_seconds.append(time.perf_counter() - started)
    grid_count = len(index.grids)

    rng = np.random.default_rng(20_000)
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(index.polygons)
    lons = rng.uniform(min_lon, max_lon, args.points)
    lats = rng.uniform(min_lat, max_lat, args.points)
    lon_list, lat_list = lons.tolist(), lats.tolist()

    # Rates per wall-clock second, and per second of this process's CPU time: on a machine
    # shared with other work the first drops while the second stays put.
    wall: dict[str, list[float]] = {"single": [], "batch": [], "tree": []}
    cpu: dict[str, list[float]] = {"single": [], "batch": [], "tree": []}
    inside = 0
    reference_points = min(args.points, 30_000)
    for _ in range(args.runs):
        locate = index.locate
        with Timer(args.points, "single", wall, cpu):
            found = [locate(x, y) for x, y in zip(lon_list, lat_list, strict=True)]
        inside = sum(f is not None for f in found)

        with Timer(args.points, "batch", wall, cpu):
            many = index.locate_many(lons, lats)
        if many != found:
            raise SystemExit("locate_many and locate disagree — the benchmark stops here")

        tree = index.tree
        with Timer(reference_points, "tree", wall, cpu):
            for x, y in zip(lon_list[:reference_points], lat_list[:reference_points], strict=True):
                tree.query(shapely.Point(x, y), predicate="intersects")

    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "shapely": shapely.__version__,
            "geos": ".".join(map(str, shapely.geos_version)),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "grids": grid_count,
        "points": args.points,
        "runs": args.runs,
        "share_inside": round(inside / args.points, 3),
        "index_build_seconds": {
            "from_database": round(statistics.median(build_seconds), 3),
            "grid_index_only": round(statistics.median(construct_seconds), 3),
        },
        "lookups_per_second": {kind: summarise(values) for kind, values in wall.items()},
        "lookups_per_cpu_second": {kind: summarise(values) for kind, values in cpu.items()},
        "targets": TARGETS,
        "verdict": {
            kind: "PASS" if statistics.median(wall[kind]) >= TARGETS[kind] else "BELOW"
            for kind in TARGETS
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    report(results)


class Timer:
    """Adds one run's lookups per wall-clock second and per CPU second to the lists."""

    def __init__(self, count: int, kind: str, wall: dict, cpu: dict) -> None:
        self.count, self.kind, self.wall, self.cpu = count, kind, wall, cpu

    def __enter__(self) -> None:
        self.started, self.cpu_started = time.perf_counter(), time.process_time()

    def __exit__(self, *exc) -> None:
        self.wall[self.kind].append(rate(self.count, time.perf_counter() - self.started))
        self.cpu[self.kind].append(rate(self.count, time.process_time() - self.cpu_started))


def report(results: dict) -> None:
    build = results["index_build_seconds"]
    print(
        f"\n点 → 网格定位基准：{results['grids']:,} 个网格，{results['points']:,} 个随机点"
        f"（{results['share_inside']:.1%} 落在网格内），{results['runs']} 轮"
    )
    print(
        f"索引构建：从数据库读取并建索引 {build['from_database']:.2f} 秒，"
        f"其中 GridIndex {build['grid_index_only']:.2f} 秒"
    )
    labels = {
        "single": "逐点定位 locate",
        "batch": "批量定位 locate_many",
        "tree": "参考：每点一次 STRtree 查询",
    }
    for kind, label in labels.items():
        s = results["lookups_per_second"][kind]
        c = results["lookups_per_cpu_second"][kind]
        line = (
            f"{label}：中位数 {s['median']:,}/秒（最慢 {s['min']:,}，最快 {s['max']:,}；"
            f"按 CPU 时间 {c['median']:,}/秒）"
        )
        if kind in results["targets"]:
            line += f"，目标 ≥{results['targets'][kind]:,}/秒 → {results['verdict'][kind]}"
        print(line)
    machine = results["machine"]
    print(
        f"系统负载（1/5/15 分钟）：开始 {machine['load_average_before']}，"
        f"结束 {machine['load_average_after']}"
    )
    print(f"结果已写入 {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
