"""Benchmark: GPS track ingest over HTTP on PostgreSQL, served as in production.

    .venv/bin/python bench/tracks.py [--runs 3] [--duration 20] [--warmup 5] [--clients 32]
                                     [--batch 100] [--workers 2] [--threads 4] [--reuse] [--keep]

What it does, all on 127.0.0.1 (the set-up is bench/intake.py's, imported from it):

1. Creates its own PostgreSQL database (`gridgov_bench_tracks`, dropped first; `--reuse`
   keeps one left by `--keep`), migrates it and builds the demo district.
2. Starts `gridgov serve` (gunicorn) with production settings, takes an API token for each
   of 32 grid workers (one per grid, spread over the towns).
3. Each client starts a patrol (`POST /api/patrols`) and posts batches of 100 points to
   `POST /api/patrols/{key}/tracks` as fast as the answers come: one fix a second, a walk
   at about 1.2 m/s inside the worker's grid, each batch with a fresh key, on one keep-alive
   connection. A warm-up, then several timed runs, each with new patrols.
4. Per run: points stored per second (from the answers), batches per second, p50/p95/p99
   latency, every status code, CPU time of gunicorn and of the database backends per batch.
5. Checks the database: the stored batches hold exactly the points the answers reported,
   and no batch key twice.
6. Storage: one 8-hour patrol at one fix every 10 s (2,880 points) sent as the phone sends
   it (batches of 20), then its rows' bytes in PostgreSQL (`pg_column_size`), the packed
   points alone, and its share of the table's indexes.

Results go to stdout and bench/results/tracks.json.
"""

import argparse
import asyncio
import json
import math
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import intake  # noqa: E402  (the database, server, tokens and HTTP client of the intake benchmark)

ROOT = intake.ROOT
RESULTS = ROOT / "bench" / "results" / "tracks.json"
TARGET_POINTS_PER_SECOND = 50_000  # DESIGN.md §5


@dataclass
class Run:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    points: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)
    server_cpu: float = 0.0
    database_cpu: float = 0.0


class Walker:
    """A worker walking inside their grid, one fix a second."""

    def __init__(self, account: intake.Account, start: datetime, rng: random.Random) -> None:
        xs = [p[0] for p in account.points]
        ys = [p[1] for p in account.points]
        self.box = (min(xs), min(ys), max(xs), max(ys))
        self.lon, self.lat = account.points[0]
        self.t = int(start.timestamp() * 1000)
        self.heading = rng.uniform(0, 2 * math.pi)
        self.rng = rng

    def batch(self, n: int) -> list[list]:
        points = []
        for _ in range(n):
            self.t += 1000
            self.heading += self.rng.uniform(-0.3, 0.3)
            step = 1.2 / 111_000  # about 1.2 m in degrees
            lon = self.lon + step * math.cos(self.heading) / math.cos(math.radians(self.lat))
            lat = self.lat + step * math.sin(self.heading)
            if not (self.box[0] <= lon <= self.box[2] and self.box[1] <= lat <= self.box[3]):
                self.heading += math.pi
            else:
                self.lon, self.lat = lon, lat
            points.append([self.t, round(self.lon, 7), round(self.lat, 7), self.rng.randint(4, 20)])
        return points


async def start_patrol(port: int, account: intake.Account, key: str, started: datetime) -> None:
    body = json.dumps({"key": key, "started_at": started.isoformat()}).encode()
    status, data = await intake.http([None], port, "POST", "/api/patrols", body, _headers(account))
    if status not in (200, 201):
        raise SystemExit(f"POST /api/patrols for {account.username}: {status} {data[:200]!r}")


def _headers(account: intake.Account) -> dict:
    return {"Authorization": f"Bearer {account.token}", "Content-Type": "application/json"}


async def client(port: int, account: intake.Account, run_id: str, until: float, run: Run, batch: int,
                 rng: random.Random) -> None:
    # Six days ago: a fix a second for the length of a run stays in the past.
    started = datetime.now(UTC) - timedelta(days=6)
    patrol_key = f"bench-{run_id}-{account.username}"
    await start_patrol(port, account, patrol_key, started)
    walker = Walker(account, started, rng)
    path = f"/api/patrols/{patrol_key}/tracks"
    conn: list = [None]
    headers = _headers(account)
    n = 0
    while time.perf_counter() < until:
        n += 1
        body = json.dumps({"key": f"b{n}", "points": walker.batch(batch)}, separators=(",", ":")).encode()
        began = time.perf_counter()
        status, data = await intake.http(conn, port, "POST", path, body, headers)
        run.latencies.append(time.perf_counter() - began)
        run.statuses[status] = run.statuses.get(status, 0) + 1
        if status == 201:
            answer = json.loads(data)
            run.points += answer["accepted"]
            run.dropped += answer["dropped_total"]
        elif len(run.errors) < 5:
            run.errors.append(f"{status} {data[:300].decode('utf-8', 'replace')}")
    if conn[0] is not None:
        conn[0][1].close()


async def drive(port: int, accounts: list, seconds: float, run_id: str, batch: int) -> Run:
    run = Run()
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(
        client(port, a, run_id, until, run, batch, random.Random(f"{run_id}-{i}")) for i, a in enumerate(accounts)
    ))
    run.seconds = time.perf_counter() - started
    return run


def check_database(args, tag: str, stored: int) -> dict:
    """This benchmark's patrols (`bench-<tag>-…`) hold exactly the points the answers counted."""
    with psycopg.connect(intake.database_url(args)) as conn:
        points, batches, keys = conn.execute(
            "SELECT coalesce(sum(b.count), 0), count(*), count(DISTINCT (b.patrol_id, b.key)) "
            "FROM field_trackbatch b JOIN field_patrol p ON p.id = b.patrol_id WHERE p.key LIKE %s",
            [f"bench-{tag}-%"],
        ).fetchone()
    return {"points_answered": stored, "points_stored": int(points), "batches": batches,
            "distinct_batch_keys": keys, "ok": int(points) == stored and batches == keys}


async def eight_hour_patrol(port: int, account: intake.Account) -> str:
    """2,880 fixes 10 s apart, sent as the phone sends them: batches of 20."""
    started = datetime.now(UTC) - timedelta(days=5)
    key = f"storage-{uuid.uuid4()}"
    await start_patrol(port, account, key, started)
    walker = Walker(account, started, random.Random(8))
    conn: list = [None]
    for n in range(2880 // 20):
        points = []
        for _ in range(20):
            fix = walker.batch(10)[-1]  # ten seconds of walking, one fix
            points.append(fix)
        body = json.dumps({"key": f"s{n}", "points": points}).encode()
        status, data = await intake.http(conn, port, "POST", f"/api/patrols/{key}/tracks", body, _headers(account))
        if status != 201:
            raise SystemExit(f"storage patrol: {status} {data[:200]!r}")
    return key


def storage(args, key: str) -> dict:
    with psycopg.connect(intake.database_url(args)) as conn:
        rows, row_bytes, point_bytes, points = conn.execute(
            "SELECT count(*), sum(pg_column_size(b.*)), sum(octet_length(b.points)), sum(b.count) "
            "FROM field_trackbatch b JOIN field_patrol p ON p.id = b.patrol_id WHERE p.key = %s", [key]
        ).fetchone()
        index_bytes, all_rows = conn.execute(
            "SELECT pg_indexes_size('field_trackbatch'), (SELECT count(*) FROM field_trackbatch)"
        ).fetchone()
    # Each heap row also costs its 4-byte line pointer; an index entry is shared pro rata.
    index_share = index_bytes * rows / max(all_rows, 1)
    return {
        "points": int(points), "rows": rows, "packed_points_bytes": int(point_bytes),
        "row_bytes": int(row_bytes) + 4 * rows, "index_bytes_share": round(index_share),
        "total_bytes": round(int(row_bytes) + 4 * rows + index_share),
        "bytes_per_point_packed": round(int(point_bytes) / int(points), 2),
    }


def figures(run: Run) -> dict:
    batches = sum(n for s, n in run.statuses.items() if 200 <= s < 300)
    return {
        "seconds": round(run.seconds, 2),
        "requests": len(run.latencies),
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "points_per_second": round(run.points / run.seconds, 1),
        "batches_per_second": round(batches / run.seconds, 1),
        "dropped": run.dropped,
        "latency_ms": {p: round(intake.percentile(run.latencies, n) * 1000, 1)
                       for p, n in (("p50", 50), ("p95", 95), ("p99", 99))},
        "cpu_ms_per_batch": {
            "server": round(1000 * run.server_cpu / batches, 2) if batches else None,
            "database": round(1000 * run.database_cpu / batches, 2) if batches else None,
        },
        "errors": run.errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--batch", type=int, default=100, help="points per upload")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default="gridgov_bench_tracks")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    load_before = os.getloadavg()
    intake.prepare_database(args)
    server = intake.Server(args)
    try:
        accounts, _ = intake.pick_accounts(args)
        asyncio.run(intake.take_tokens(server.port, accounts))
        tag = uuid.uuid4().hex[:8]
        warm = asyncio.run(drive(server.port, accounts, args.warmup, f"{tag}-warm", args.batch))
        runs = []
        stored = warm.points
        for i in range(args.runs):
            pids = intake.server_pids(server)
            backends = intake.backend_pids(args)
            cpu_server, cpu_db = intake.cpu_seconds(pids), intake.cpu_seconds(backends)
            run = asyncio.run(drive(server.port, accounts, args.duration, f"{tag}-{i}", args.batch))
            run.server_cpu = intake.cpu_seconds(pids) - cpu_server
            run.database_cpu = intake.cpu_seconds(intake.backend_pids(args)) - cpu_db
            runs.append(figures(run))
            stored += run.points
            print(f"第 {i + 1} 轮：{runs[-1]['points_per_second']:,.0f} 点/秒，"
                  f"{runs[-1]['batches_per_second']:,.0f} 批/秒，p99 {runs[-1]['latency_ms']['p99']} ms", flush=True)
        check = check_database(args, tag, stored)
        key = asyncio.run(eight_hour_patrol(server.port, accounts[0]))
        size = storage(args, key)
    finally:
        server.stop()
        if not args.keep:
            intake.drop_database(args)

    rate = [r["points_per_second"] for r in runs]
    non_2xx = sum(n for r in runs for s, n in r["statuses"].items() if not s.startswith("2"))
    results = {
        "setup": {"clients": args.clients, "batch": args.batch, "runs": args.runs, "duration_s": args.duration,
                  "server": f"gunicorn {args.workers} workers × {args.threads} threads, no access log"},
        "points_per_second": intake.spread(rate),
        "batches_per_second": intake.spread([r["batches_per_second"] for r in runs]),
        "latency_ms": {p: intake.spread([r["latency_ms"][p] for r in runs]) for p in ("p50", "p95", "p99")},
        "cpu_ms_per_batch": {
            side: intake.spread([r["cpu_ms_per_batch"][side] for r in runs]) for side in ("server", "database")
        },
        "non_2xx": non_2xx,
        "database_check": check,
        "storage_8h_patrol_10s": size,
        "target_points_per_second": TARGET_POINTS_PER_SECOND,
        "verdict": "PASS" if statistics.median(rate) >= TARGET_POINTS_PER_SECOND else "BELOW",
        "runs": runs,
        "machine": intake.machine(args, load_before),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    report(results)
    if non_2xx or not check["ok"]:
        sys.exit(1)


def report(results: dict) -> None:
    s = results["setup"]
    rate, lat, cpu = results["points_per_second"], results["latency_ms"], results["cpu_ms_per_batch"]
    print(f"\n轨迹点写入（HTTP，PostgreSQL）：{s['clients']} 个并发客户端，每批 {s['batch']} 点，"
          f"{s['runs']} 轮 × {s['duration_s']:.0f} 秒；{s['server']}")
    print(f"吞吐：中位数 {rate['median']:,.0f} 点/秒（最慢 {rate['min']:,.0f}，最快 {rate['max']:,.0f}），"
          f"目标 ≥{results['target_points_per_second']:,} → {results['verdict']}")
    print(f"延迟：p50 {lat['p50']['median']} ms，p95 {lat['p95']['median']} ms，p99 {lat['p99']['median']} ms")
    print(f"每批 CPU：服务端 {cpu['server']['median']} ms，数据库 {cpu['database']['median']} ms")
    c = results["database_check"]
    print(f"非 2xx：{results['non_2xx']}；数据库核对：应答 {c['points_answered']} 点，存储 {c['points_stored']} 点，"
          f"{c['batches']} 批 → {'PASS' if c['ok'] else 'FAIL'}")
    z = results["storage_8h_patrol_10s"]
    print(f"8 小时巡查（每 10 秒一点，{z['points']} 点，{z['rows']} 批）：行 {z['row_bytes']:,} 字节 + 索引 "
          f"{z['index_bytes_share']:,} 字节 = {z['total_bytes']:,} 字节；其中压缩轨迹 {z['packed_points_bytes']:,} 字节"
          f"（{z['bytes_per_point_packed']} 字节/点）")
    m = results["machine"]
    print(f"系统负载：开始 {m['load_average_before']}，结束 {m['load_average_after']}")
    print(f"结果已写入 {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
