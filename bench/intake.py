"""Benchmark: event intake over HTTP on PostgreSQL, served as in production.

    .venv/bin/python bench/intake.py [--runs 3] [--duration 20] [--warmup 5] [--clients 32]
                                     [--workers 2] [--threads 4] [--reuse] [--keep]

What it does, all on 127.0.0.1:

1. Creates its own PostgreSQL database (`gridgov_bench_intake`, dropped first; `--reuse`
   keeps one left by `--keep`), migrates it and builds the demo district (`gridgov demo`).
2. Starts `gridgov serve` (gunicorn) on a free port with production settings: GRIDGOV_DEBUG=0,
   a secret key, allowed hosts, persistent database connections.
3. Takes API tokens for as many grid workers as there are clients through `POST /api/tokens`,
   one worker per grid, spread over the towns.
4. Drives `POST /api/events` with that many concurrent clients, each a keep-alive connection
   (reopened when the server closes it, as gunicorn's sync workers do) posting real reports as
   JSON: its own worker's token, a fresh idempotency key, a point inside the worker's grid, a
   random minor class. A warm-up first (every worker process builds its locator and its
   calendar), then several timed runs.
5. Checks the database: as many benchmark events as 201 answers, each with its `report` log
   row at seq 1 and a log head pointing at it, and no idempotency key used twice.
6. In the same run, measures the raw insert rate of one event row + one log row per
   transaction with pgbench (16 and 32 clients): the denominator of the intake/raw ratio.

Results go to stdout and bench/results/intake.json; the server is stopped and the database
dropped at the end unless `--keep`.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "intake.json"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEMO_PASSWORD = "gridgov2026"  # gridgov.demo.people.DEMO_PASSWORD
KEY_PREFIX = "bench-"
TARGETS = {"events_per_second": 1_000, "p99_ms": 100}  # DESIGN.md §5, at 32 clients


# --- the database ----------------------------------------------------------------------------


def admin_url(args) -> str:
    return f"{args.pg}/postgres"


def database_url(args) -> str:
    return f"{args.pg}/{args.database}"


def prepare_database(args) -> None:
    with psycopg.connect(admin_url(args), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
        if exists and not args.reuse:
            conn.execute(f'DROP DATABASE "{args.database}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.database}"')
    env = server_env(args)
    subprocess.run([BIN / "gridgov", "migrate", "--noinput", "-v", "0"], env=env, check=True)
    started = time.perf_counter()
    subprocess.run([BIN / "gridgov", "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"数据库 {args.database}：已迁移，演示区县就绪（{time.perf_counter() - started:.1f} 秒）", flush=True)


def drop_database(args) -> None:
    with psycopg.connect(admin_url(args), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


@dataclass
class Account:
    username: str
    user_id: int
    grid_id: int
    grid_code: str
    points: list[tuple[float, float]]
    token: str = ""


def pick_accounts(args) -> tuple[list[Account], list[str]]:
    """One grid worker per client, from distinct grids spread over the towns; and the
    active minor classes a report may name."""
    import shapely

    with psycopg.connect(database_url(args)) as conn:
        rows = conn.execute(
            """
            SELECT u.username, u.id, g.id, g.code, g.geometry
            FROM accounts_user u
            JOIN accounts_roleassignment r ON r.user_id = u.id AND r.role = 'grid_worker'
            JOIN regions_grid g ON g.code = r.scope
            WHERE u.is_active AND u.username LIKE 'w%a'
            ORDER BY g.code
            """
        ).fetchall()
        categories = [
            code
            for (code,) in conn.execute(
                "SELECT c.code FROM events_category c JOIN events_category p ON p.id = c.parent_id "
                "WHERE c.is_active AND p.is_active ORDER BY c.code"
            )
        ]
    if len(rows) < args.clients:
        raise SystemExit(f"only {len(rows)} grid workers in the demo, {args.clients} clients asked")
    # Every len/clients-th grid in code order: the workers spread over villages and towns.
    step = len(rows) / args.clients
    chosen = [rows[int(i * step)] for i in range(args.clients)]
    rng = random.Random(1_000)
    accounts = []
    for username, user_id, grid_id, code, geometry in chosen:
        polygon = shapely.from_geojson(json.dumps(geometry))
        # Points well inside the grid, so that none sits on a border the locator would give
        # to a neighbour outside the worker's village.
        inner = polygon.buffer(-(polygon.length / 400)) or polygon
        min_x, min_y, max_x, max_y = inner.bounds
        points: list[tuple[float, float]] = []
        while len(points) < 200:
            x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
            if inner.contains(shapely.Point(x, y)):
                points.append((round(x, 7), round(y, 7)))
        accounts.append(Account(username, user_id, grid_id, code, points))
    return accounts, categories


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_env(args) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
    env.update(
        DATABASE_URL=database_url(args),
        GRIDGOV_DEBUG="0",
        GRIDGOV_SECRET_KEY=secrets.token_urlsafe(40),
        GRIDGOV_ALLOWED_HOSTS=HOST,
        # Persistent connections, as in production: a request does not pay for a new one.
        GRIDGOV_DB_CONN_MAX_AGE="600",
        GRIDGOV_STATIC_ROOT=str(ROOT / "data" / "bench" / "static"),
        GRIDGOV_DATA_DIR=str(ROOT / "data" / "bench" / "intake"),
        GRIDGOV_LOG_LEVEL="WARNING",
    )
    return env


class Server:
    """`gridgov serve` in the background (no access log, the default); its output goes to a file."""

    def __init__(self, args) -> None:
        self.port = free_port()
        self.log_path = Path(tempfile.gettempdir()) / f"gridgov-bench-intake-{self.port}.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [BIN / "gridgov", "serve", "--bind", f"{HOST}:{self.port}",
             "--workers", str(args.workers), "--threads", str(args.threads)],
            env=server_env(args), stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gridgov serve exited with {self.process.returncode}; see {self.log_path}")
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gridgov serve did not answer within 60 s; see {self.log_path}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- CPU time of the server and the database ------------------------------------------------


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (a process that has gone counts nothing)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def server_pids(server: "Server") -> list[int]:
    master = server.process.pid
    workers = [
        int(p.name) for p in Path("/proc").iterdir()
        if p.name.isdigit() and _parent(p) == master
    ]
    return [master, *workers]


def _parent(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def backend_pids(args) -> list[int]:
    with psycopg.connect(admin_url(args)) as conn:
        return [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
            [args.database],
        )]


# --- HTTP on raw asyncio streams (the load generator must cost little CPU) -------------------


async def http(conn: list, port: int, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    """One request on the connection held in conn[0] (opened or reopened as needed)."""
    head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    payload = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    for attempt in (1, 2):
        if conn[0] is None:
            conn[0] = await asyncio.open_connection(HOST, port)
        reader, writer = conn[0]
        try:
            writer.write(payload)
            status_line = await reader.readline()
            if not status_line:
                raise ConnectionResetError("closed before the answer")
            status = int(status_line.split()[1])
            length, close = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            data = await reader.readexactly(length)
            if close:
                writer.close()
                conn[0] = None
            return status, data
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            conn[0] = None
            # A kept-alive connection the server closed while idle: retry once on a new one.
            # The idempotency key makes the retry safe; a second failure is counted.
            if attempt == 2:
                return 0, b""
    return 0, b""


@dataclass
class Run:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    created: int = 0
    errors: list[str] = field(default_factory=list)
    # CPU seconds the gunicorn processes and the database backends spent during the run.
    server_cpu: float = 0.0
    database_cpu: float = 0.0


async def client(port: int, account: Account, categories: list[str], run_id: str, until: float,
                 run: Run, rng: random.Random) -> None:
    conn: list = [None]
    headers = {"Authorization": f"Bearer {account.token}", "Content-Type": "application/json"}
    n = 0
    while time.perf_counter() < until:
        n += 1
        lon, lat = rng.choice(account.points)
        body = json.dumps({
            "title": "路面破损需要修补",
            "description": f"巡查发现{account.grid_code}网格内路面破损，约两平方米，影响通行。",
            "category": rng.choice(categories),
            "lon": lon,
            "lat": lat,
            "address": "巡查点位",
            "idempotency_key": f"{KEY_PREFIX}{run_id}-{account.username}-{n}",
        }, ensure_ascii=False).encode()
        started = time.perf_counter()
        status, data = await http(conn, port, "POST", "/api/events", body, headers)
        run.latencies.append(time.perf_counter() - started)
        run.statuses[status] = run.statuses.get(status, 0) + 1
        if status == 201:
            run.created += 1
        elif len(run.errors) < 5:
            run.errors.append(f"{status} {data[:300].decode('utf-8', 'replace')}")
    if conn[0] is not None:
        conn[0][1].close()


async def drive(port: int, accounts: list[Account], categories: list[str], seconds: float, run_id: str) -> Run:
    run = Run()
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(
        client(port, a, categories, run_id, until, run, random.Random(f"{run_id}-{i}"))
        for i, a in enumerate(accounts)
    ))
    run.seconds = time.perf_counter() - started
    return run


async def take_tokens(port: int, accounts: list[Account]) -> None:
    for account in accounts:
        body = json.dumps({"username": account.username, "password": DEMO_PASSWORD, "name": "bench"}).encode()
        status, data = await http([None], port, "POST", "/api/tokens", body, {"Content-Type": "application/json"})
        if status != 201:
            raise SystemExit(f"POST /api/tokens for {account.username}: {status} {data[:200]!r}")
        account.token = json.loads(data)["token"]


# --- checks and pgbench ----------------------------------------------------------------------


def check_database(args, created: int, prefix: str) -> dict:
    """Every 201 of this run is a committed event with its report log row; nothing else
    was made."""
    with psycopg.connect(database_url(args)) as conn:
        events, keys, with_log, heads = conn.execute(
            """
            SELECT count(*), count(DISTINCT (e.reporter_id, e.idempotency_key)),
                   count(*) FILTER (WHERE l.id IS NOT NULL),
                   count(*) FILTER (WHERE e.log_length = 1 AND e.log_head = l.hash)
            FROM events_event e
            LEFT JOIN events_eventlog l ON l.event_id = e.id AND l.seq = 1 AND l.action = 'report'
            WHERE e.idempotency_key LIKE %s
            """,
            [prefix + "%"],
        ).fetchone()
        log_rows = conn.execute(
            "SELECT count(*) FROM events_eventlog l JOIN events_event e ON e.id = l.event_id "
            "WHERE e.idempotency_key LIKE %s",
            [prefix + "%"],
        ).fetchone()[0]
    ok = events == created == keys == with_log == heads == log_rows
    return {
        "responses_201": created, "events": events, "distinct_keys": keys,
        "events_with_report_log": with_log, "log_heads_matching": heads, "log_rows": log_rows, "ok": ok,
    }


PGBENCH_SCRIPT = """\
BEGIN;
INSERT INTO events_event (code, title, description, category_id, level, source, status, closure,
    coordination, reporter_id, contact_name, contact_phone, lon, lat, address, grid_id, area_code,
    due_at, warn_at, reported_at, rework_count, extension_count, log_length, log_head)
VALUES ('PB-' || left(replace(gen_random_uuid()::text, '-', ''), 29), '路面破损需要修补', '巡查发现路面破损，约两平方米，影响通行。',
    :category, 1, 'grid_patrol', 'reported', '', 'town', :reporter, '', '', 120.1, 30.9, '巡查点位',
    :grid, ':area', now() + interval '4 hours', now() + interval '3 hours', now(), 0, 0, 1,
    repeat('0', 64))
RETURNING id AS event_id \\gset
INSERT INTO events_eventlog (event_id, seq, action, old_status, new_status, actor_id, note, data, at,
    prev_hash, hash)
VALUES (:event_id, 1, 'report', '', 'reported', :reporter, '', '{}', now(), '', repeat('0', 64));
END;
"""


def pgbench(args, account: Account, category_id: int, clients: int) -> float:
    script = Path(tempfile.gettempdir()) / "gridgov-bench-intake.pgbench"
    script.write_text(PGBENCH_SCRIPT)
    out = subprocess.run(
        ["pgbench", "-n", "-f", str(script), "-c", str(clients), "-j", "2", "-T", str(args.pgbench_seconds),
         "-D", f"category={category_id}", "-D", f"reporter={account.user_id}",
         "-D", f"grid={account.grid_id}", "-D", f"area={account.grid_code}", database_url(args)],
        capture_output=True, text=True, check=True,
    ).stdout
    for line in out.splitlines():
        if line.startswith("tps = "):
            return float(line.split()[2])
    raise SystemExit(f"pgbench printed no tps:\n{out}")


def remove_pgbench_rows(args) -> None:
    with psycopg.connect(database_url(args)) as conn:
        conn.execute("DELETE FROM events_eventlog WHERE event_id IN (SELECT id FROM events_event WHERE code LIKE 'PB-%')")
        conn.execute("DELETE FROM events_event WHERE code LIKE 'PB-%'")


# --- figures ---------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def run_figures(run: Run) -> dict:
    ok = sum(n for s, n in run.statuses.items() if 200 <= s < 300)
    return {
        "seconds": round(run.seconds, 2),
        "requests": len(run.latencies),
        "responses_2xx": ok,
        "non_2xx": len(run.latencies) - ok,
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "events_per_second": round(run.created / run.seconds, 1),
        "latency_ms": {
            "p50": round(percentile(run.latencies, 50) * 1000, 1),
            "p95": round(percentile(run.latencies, 95) * 1000, 1),
            "p99": round(percentile(run.latencies, 99) * 1000, 1),
            "max": round(max(run.latencies, default=0) * 1000, 1),
        },
        "cpu_ms_per_event": {
            "server": round(1000 * run.server_cpu / run.created, 2) if run.created else None,
            "database": round(1000 * run.database_cpu / run.created, 2) if run.created else None,
        },
        "errors": run.errors,
    }


def spread(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1),
            "max": round(max(values), 1), "runs": [round(v, 1) for v in values]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per timed run")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of warm-up, not counted")
    parser.add_argument("--clients", type=int, default=32)
    # gridgov serve's own defaults: threaded workers keep connections alive, and on 2 cores
    # they did better here than 4 or 8 sync workers (see bench/README.md).
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (1: sync workers)")
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--pgbench-clients", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database name")
    parser.add_argument("--database", default="gridgov_bench_intake")
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left")
    parser.add_argument("--keep", action="store_true", help="leave the database for --reuse")
    parser.add_argument("--no-pgbench", action="store_true")
    args = parser.parse_args()

    if not args.no_pgbench and shutil.which("pgbench") is None:
        raise SystemExit("pgbench not found: install PostgreSQL's client programs "
                         "(apt-get install postgresql-client), or run with --no-pgbench")
    load_before = os.getloadavg()
    prepare_database(args)
    accounts, categories = pick_accounts(args)
    server = Server(args)
    runs: list[Run] = []
    warmup = Run()
    # Keys of this run only, so that a reused database's earlier events are not counted.
    session = uuid.uuid4().hex[:8]
    try:
        asyncio.run(take_tokens(server.port, accounts))
        print(f"gunicorn：{args.workers} 个进程 × {args.threads} 线程，端口 {server.port}；"
              f"{args.clients} 个并发客户端（各用一名网格员的令牌）", flush=True)
        warmup = asyncio.run(drive(server.port, accounts, categories, args.warmup, f"{session}w"))
        # The server's connections persist (CONN_MAX_AGE), so after the warm-up these are the
        # backends that serve the runs.
        workers, backends = server_pids(server), backend_pids(args)
        for i in range(args.runs):
            server_before, database_before = cpu_seconds(workers), cpu_seconds(backends)
            run = asyncio.run(drive(server.port, accounts, categories, args.duration, f"{session}r{i}"))
            run.server_cpu = cpu_seconds(workers) - server_before
            run.database_cpu = cpu_seconds(backends) - database_before
            runs.append(run)
            f = run_figures(run)
            print(f"第 {i + 1} 轮：{f['events_per_second']:,.0f} 事件/秒，p50 {f['latency_ms']['p50']} ms，"
                  f"p95 {f['latency_ms']['p95']} ms，p99 {f['latency_ms']['p99']} ms，"
                  f"非 2xx {f['non_2xx']}", flush=True)
    finally:
        server.stop()
    check = check_database(args, warmup.created + sum(r.created for r in runs), f"{KEY_PREFIX}{session}")

    raw: dict[str, dict] = {}
    if not args.no_pgbench:
        with psycopg.connect(database_url(args)) as conn:
            category_id = conn.execute(
                "SELECT id FROM events_category WHERE code = %s", [categories[0]]
            ).fetchone()[0]
        for clients in args.pgbench_clients:
            rates = [pgbench(args, accounts[0], category_id, clients) for _ in range(args.runs)]
            raw[str(clients)] = spread(rates)
            print(f"pgbench 原始写入（事件 + 日志，{clients} 客户端）：中位数 {raw[str(clients)]['median']:,.0f} 事务/秒",
                  flush=True)
        remove_pgbench_rows(args)
    if not args.keep:
        drop_database(args)

    figures = [run_figures(r) for r in runs]
    rate = spread([f["events_per_second"] for f in figures])
    latency = {p: spread([f["latency_ms"][p] for f in figures]) for p in ("p50", "p95", "p99")}
    non_2xx = sum(f["non_2xx"] for f in figures) + run_figures(warmup)["non_2xx"]
    cpu_per_event = {
        part: round(statistics.median(f["cpu_ms_per_event"][part] for f in figures), 2)
        for part in ("server", "database")
    }
    # What the server and its database would sustain with the machine's cores to themselves
    # (and the load generator elsewhere): the wall-clock rate on a shared machine says less.
    cpu_bound = round(1000 * (os.cpu_count() or 1) / sum(cpu_per_event.values()))
    denominator = raw.get(str(args.clients)) or (raw[max(raw, key=int)] if raw else None)
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(args, load_before),
        "setup": {
            "territory": "demo district (gridgov demo): 540 grids",
            "server": f"gunicorn via gridgov serve, {args.workers} workers x {args.threads} threads, "
                      "GRIDGOV_DEBUG=0, CONN_MAX_AGE=600, no access log",
            "clients": args.clients, "runs": args.runs, "duration_s": args.duration, "warmup_s": args.warmup,
        },
        "events_per_second": rate,
        "latency_ms": latency,
        "non_2xx": non_2xx,
        "cpu_ms_per_event": cpu_per_event,
        "events_per_second_if_cpu_bound_on_all_cores": cpu_bound,
        "database_check": check,
        "runs_detail": figures,
        "warmup": run_figures(warmup),
        "pgbench_event_and_log_tps": raw,
        "ratio_intake_to_raw": round(rate["median"] / denominator["median"], 4) if denominator else None,
        "targets": TARGETS,
        "verdict": {
            "events_per_second": "PASS" if rate["median"] >= TARGETS["events_per_second"] else "BELOW",
            "p99_ms": "PASS" if latency["p99"]["median"] < TARGETS["p99_ms"] else "BELOW",
            "no_errors": "PASS" if non_2xx == 0 else "FAIL",
            "database": "PASS" if check["ok"] else "FAIL",
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    report(results)
    if non_2xx or not check["ok"]:
        sys.exit(1)


def machine(args, load_before) -> dict:
    with psycopg.connect(admin_url(args)) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    import django

    return {
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": server,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }


def report(results: dict) -> None:
    s = results["setup"]
    rate, lat = results["events_per_second"], results["latency_ms"]
    print(f"\n事件上报（HTTP，PostgreSQL）：{s['clients']} 个并发客户端，{s['runs']} 轮 × {s['duration_s']:.0f} 秒；{s['server']}")
    print(f"吞吐：中位数 {rate['median']:,.0f} 事件/秒（最慢 {rate['min']:,.0f}，最快 {rate['max']:,.0f}），"
          f"目标 ≥{results['targets']['events_per_second']:,} → {results['verdict']['events_per_second']}")
    print(f"延迟：p50 {lat['p50']['median']} ms，p95 {lat['p95']['median']} ms，p99 {lat['p99']['median']} ms"
          f"（各轮中位数），目标 p99 <{results['targets']['p99_ms']} ms → {results['verdict']['p99_ms']}")
    cpu = results["cpu_ms_per_event"]
    print(f"每个事件的 CPU 时间：服务端 {cpu['server']} ms，数据库 {cpu['database']} ms；"
          f"独占全部 {results['machine']['cpus']} 核时约 {results['events_per_second_if_cpu_bound_on_all_cores']:,} 事件/秒")
    c = results["database_check"]
    print(f"非 2xx 响应：{results['non_2xx']} → {results['verdict']['no_errors']}；数据库核对：201 响应 {c['responses_201']}，"
          f"事件 {c['events']}，带上报日志 {c['events_with_report_log']} → {results['verdict']['database']}")
    for clients, r in results["pgbench_event_and_log_tps"].items():
        print(f"pgbench 原始写入（{clients} 客户端）：中位数 {r['median']:,.0f} 事务/秒（{r['min']:,.0f}–{r['max']:,.0f}）")
    if results["ratio_intake_to_raw"] is not None:
        print(f"上报 / 原始写入：{results['ratio_intake_to_raw']:.1%}")
    m = results["machine"]
    print(f"系统负载（1/5/15 分钟）：开始 {m['load_average_before']}，结束 {m['load_average_after']}")
    print(f"结果已写入 {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
