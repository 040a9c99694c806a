"""Benchmark: the command map's event layer for the visible area over 5 million events.

    .venv/bin/python bench/map.py [--reuse] [--keep] [--requests 100] [--explain]

What it does:

1. Takes the PostgreSQL database of bench/queues.py (`gridgov_bench_queue`: the city demo,
   20,000 grids, and 5,000,000 events loaded in SQL), built by the same code: without
   `--reuse` it is dropped and built again (about 5 minutes); `--reuse` takes the one a
   `--keep` run of either benchmark left. It is dropped at the end unless `--keep`.
2. As the demo's town operator (`town`) looking at the whole of their town, and as the
   district operator (`district`) looking at the whole of their district, measures through
   Django's test client in process, with production settings (GRIDGOV_DEBUG=0):
   - `GET /api/command/layers/events?bbox=…` — open events in view, as points, or as cells
     with counts when more than 2,000 are in view (gridgov.command.layers);
   - the naive way in the same run: every open event in view and scope read as model
     objects and sent as points (what the layer would be without its cap and cells);
   - for reference, the grids layer (town view) and the heat layer (both views).
   `--requests` timed requests each after a warm-up, the targets taken in turn so that the
   machine's noise falls on all alike. p50 and p95 per target.
3. Compares the event layer's p95 with the target (< 200 ms, issue 5) and says PASS or BELOW.

Results go to stdout and bench/results/map.json.
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

import queues  # bench/queues.py: the 5-million-event database and its builder

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "map.json"
TARGET_P95_MS = 200
VIEWERS = {"town": "town", "district": "district"}  # view → demo login looking at it


def setup_django(args) -> None:
    os.environ.update(queues.gridgov_env(args))
    os.environ["DJANGO_SETTINGS_MODULE"] = "gridgov.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def naive_layer(prefixes: list[str], bbox) -> dict:
    """The obvious way: every open event in view and scope, as objects, sent as points."""
    from django.utils import timezone

    from gridgov.accounts import permissions
    from gridgov.events.models import OPEN, Event

    now = timezone.now()
    rows = Event.objects.filter(
        permissions.scope_q(prefixes, "area_code"), status__in=OPEN,
        lon__gte=bbox.west, lon__lte=bbox.east, lat__gte=bbox.south, lat__lte=bbox.north,
    )
    return {"mode": "points", "points": [
        {"code": e.code, "title": e.title, "lon": e.lon, "lat": e.lat, "level": e.level, "light": e.light_at(now)}
        for e in rows
    ]}


def measure(args) -> tuple[dict, dict]:
    from django.http import JsonResponse
    from django.test import Client

    from gridgov.accounts import permissions
    from gridgov.accounts.models import User
    from gridgov.command import layers

    targets = {}
    sizes = {}
    for view, username in VIEWERS.items():
        user = User.objects.get(username=username)
        scopes = permissions.command_scopes(user, permissions.MAP)
        west, south, east, north = layers.extent(scopes)
        bbox = f"{west},{south},{east},{north}"
        client = Client()
        client.force_login(user)
        parsed = layers.parse_bbox(bbox)

        def naive(scopes=scopes, parsed=parsed):
            return JsonResponse(naive_layer(scopes, parsed))

        targets[f"{view} events"] = lambda c=client, b=bbox: c.get(f"/api/command/layers/events?bbox={b}")
        targets[f"{view} events naive"] = naive
        targets[f"{view} heat"] = lambda c=client, b=bbox: c.get(f"/api/command/layers/heat?bbox={b}")
        if view == "town":
            targets[f"{view} grids"] = lambda c=client, b=bbox: c.get(f"/api/command/layers/grids?bbox={b}")
        body = json.loads(client.get(f"/api/command/layers/events?bbox={bbox}").content)
        sizes[view] = {
            "scopes": scopes,
            "bbox": [round(v, 4) for v in (west, south, east, north)],
            "open_events_in_view": len(naive_layer(scopes, parsed)["points"]),
            "layer_mode": body["mode"],
            "layer_items": len(body.get("points") or body.get("cells")),
        }
    for name, call in targets.items():
        for _ in range(args.warmup):
            response = call()
            if response.status_code != 200:
                raise SystemExit(f"{name}: {response.status_code} {response.content[:300]!r}")
    timings: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(args.requests):
        for name, call in targets.items():
            started = time.perf_counter()
            response = call()
            timings[name].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{name}: {response.status_code}")
    figures = {}
    for name, values in timings.items():
        p95 = queues.percentile(values, 95)
        figures[name] = {
            "p50_ms": round(queues.percentile(values, 50), 1),
            "p95_ms": round(p95, 1),
            "max_ms": round(max(values), 1),
            "verdict": ("PASS" if p95 < TARGET_P95_MS else "BELOW") if name.endswith(" events") else "",
        }
    return figures, sizes


def explain() -> None:
    """EXPLAIN ANALYZE of every query the event layer makes for each view."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from gridgov.accounts import permissions
    from gridgov.accounts.models import User
    from gridgov.command import layers

    for view, username in VIEWERS.items():
        scopes = permissions.command_scopes(User.objects.get(username=username), permissions.MAP)
        bbox = layers.Bbox(*layers.extent(scopes))
        with CaptureQueriesContext(connection) as queries:
            layers.events_layer(scopes, bbox, now=timezone.now())
        for query in queries.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                print(f"\n=== {view} events\n{query['sql'][:300]}\n" + "\n".join(r[0] for r in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per target")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per target first")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database name")
    parser.add_argument("--database", default="gridgov_bench_queue")
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left")
    parser.add_argument("--keep", action="store_true", help="leave the database for --reuse")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the layer's query")
    args = parser.parse_args()

    load_before = os.getloadavg()
    queues.prepare_database(args)
    profile = queues.event_profile(args)
    setup_django(args)
    if args.explain:
        explain()
    started = time.perf_counter()
    figures, sizes = measure(args)
    seconds = time.perf_counter() - started
    from django.db import connections

    connections.close_all()
    if not args.keep:
        queues.drop_database(args)

    import django

    with psycopg.connect(queues.admin_url(args)) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    events_figures = [f for name, f in figures.items() if name.endswith(" events")]
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "django": django.get_version(),
            "postgresql": server,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "setup": {
            "territory": "city demo (gridgov demo --scale city): 20,000 grids, 140 towns",
            "events": profile,
            "views": sizes,
            "client": "django.test.Client in process, GRIDGOV_DEBUG=0",
            "requests_per_target": args.requests,
            "warmup_per_target": args.warmup,
            "seconds": round(seconds, 1),
        },
        "latency": figures,
        "target_p95_ms": TARGET_P95_MS,
        "verdict": "PASS" if all(f["verdict"] == "PASS" for f in events_figures) else "BELOW",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n")
    report(results)


def report(results: dict) -> None:
    s = results["setup"]
    print(f"\n一张图事件图层基准：{s['events']['total']:,} 条事件，每项 {s['requests_per_target']} 次请求")
    for view, size in s["views"].items():
        print(f"  {view}：范围 {size['scopes']}，可视范围内在办 {size['open_events_in_view']:,} 件，"
              f"图层返回 {size['layer_items']:,} 个{'点' if size['layer_mode'] == 'points' else '格'}")
    print(f"{'':26}{'p50 ms':>10}{'p95 ms':>10}  目标 p95 <{results['target_p95_ms']} ms")
    for name, f in results["latency"].items():
        print(f"{name:26}{f['p50_ms']:>10}{f['p95_ms']:>10}  {f['verdict']}")
    m = results["machine"]
    print(f"系统负载（1/5/15 分钟）：开始 {m['load_average_before']}，结束 {m['load_average_after']}")
    print(f"结果已写入 {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
