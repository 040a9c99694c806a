"""Benchmark: a town operator's queues (我的待办) over 5 million events on PostgreSQL.

    .venv/bin/python bench/queues.py [--events 5000000] [--requests 200] [--reuse] [--keep]
                                    [--explain]

What it does:

1. Creates its own PostgreSQL database (`gridgov_bench_queue`, dropped first; `--reuse`
   keeps one left by `--keep` and loads events only if it holds fewer than asked), migrates
   it and builds the prefecture-city demo (`gridgov demo --scale city`: 20,000 grids).
2. Loads the events in SQL (`INSERT … SELECT … FROM generate_series`, in batches, with the
   secondary indexes dropped during the load and rebuilt after, exactly as the migrations
   define them), then VACUUM ANALYZE. The rows:
   - spread uniformly over all 20,000 grids, reported by the grid's own worker;
   - reported over the last year; 2% still open (reported in the last 20 days), split
     reported 6% / accepted 6% / dispatched 15% / handling 53% / handled 20%, with due_at
     and warn_at on each open one (about 15% overdue, 17% in the warning window);
   - the others closed (verified or self-handled), rejected or merged;
   - a random minor class, a level mostly 一般, sources mostly grid patrol, 3% under the
     district's coordination, a lead department of the town or district once dispatched.
   Log rows are not loaded: the queues never read the log.
3. Measures, in this process through Django's test client with production settings
   (GRIDGOV_DEBUG=0), as the demo town operator `town` (镇街指挥室, one town of 140):
   - the queue page `/events/queues/<key>/` (counts of every tab + the first page of 20),
   - the API `GET /api/events/queues/<key>` (first 20 with the total) with a bearer token,
   - the API counts `GET /api/events/queues`,
   for every queue key, `--requests` times each after a warm-up, the keys taken in turn so
   that the machine's noise falls on all of them alike. p50 and p95 per key.
4. Compares the p95 with the target (< 50 ms, DESIGN.md §5) and says PASS or BELOW;
   `--explain` prints EXPLAIN ANALYZE of each queue's queries.

Results go to stdout and bench/results/queue.json; the database is dropped at the end
unless `--keep`.
"""

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "queue.json"
BIN = Path(sys.executable).parent
TARGET_P95_MS = 50  # DESIGN.md §5
OPERATOR = "town"  # the demo's town operator (gridgov.demo.people)
BATCH = 1_000_000


def admin_url(args) -> str:
    return f"{args.pg}/postgres"


def database_url(args) -> str:
    return f"{args.pg}/{args.database}"


def gridgov_env(args) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")}
    env.update(
        DATABASE_URL=database_url(args),
        GRIDGOV_DEBUG="0",
        GRIDGOV_SECRET_KEY=secrets.token_urlsafe(40),
        GRIDGOV_ALLOWED_HOSTS="testserver",
        GRIDGOV_DB_CONN_MAX_AGE="600",
        GRIDGOV_STATIC_ROOT=str(ROOT / "data" / "bench" / "static"),
        GRIDGOV_DATA_DIR=str(ROOT / "data" / "bench" / "queue"),
        GRIDGOV_LOG_LEVEL="WARNING",
    )
    return env


# --- the database ----------------------------------------------------------------------------


def prepare_database(args) -> None:
    with psycopg.connect(admin_url(args), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.database]).fetchone()
        if exists and not args.reuse:
            conn.execute(f'DROP DATABASE "{args.database}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.database}"')
    env = gridgov_env(args)
    subprocess.run([BIN / "gridgov", "migrate", "--noinput", "-v", "0"], env=env, check=True)
    started = time.perf_counter()
    subprocess.run([BIN / "gridgov", "demo", "--scale", "city"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"数据库 {args.database}：已迁移，地级市演示数据就绪（{time.perf_counter() - started:.1f} 秒）", flush=True)
    with psycopg.connect(database_url(args)) as conn:
        present = conn.execute("SELECT count(*) FROM events_event").fetchone()[0]
    if present >= args.events:
        print(f"已有 {present:,} 条事件，不再加载", flush=True)
        return
    if present:
        raise SystemExit(f"{args.database} holds {present:,} events, fewer than {args.events:,}: run without --reuse")
    load_events(args)


def drop_database(args) -> None:
    with psycopg.connect(admin_url(args), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')


SETUP_SQL = """
CREATE TEMP TABLE bench_grid AS
SELECT (row_number() OVER (ORDER BY g.code))::int AS n, g.id AS grid_id, g.code, g.label_lon, g.label_lat,
       u.id AS reporter_id
FROM regions_grid g JOIN accounts_user u ON u.username = 'w' || g.code || 'a';
CREATE UNIQUE INDEX ON bench_grid (n);

-- The departments that may lead an event of a town: the town's own and its district's.
CREATE TEMP TABLE bench_lead AS
SELECT t.town, array_agg(d.id ORDER BY d.id) AS ids
FROM (SELECT DISTINCT left(code, 9) AS town FROM regions_grid) t
JOIN regions_region r ON r.code IN (rpad(t.town, 12, '0'), rpad(left(t.town, 6), 12, '0'))
JOIN accounts_department d ON d.region_id = r.id AND d.kind <> 'command_room' AND d.is_active
GROUP BY t.town;
CREATE UNIQUE INDEX ON bench_lead (town);

CREATE TEMP TABLE bench_category AS
SELECT array_agg(id ORDER BY id) AS ids FROM events_category WHERE parent_id IS NOT NULL AND is_active;
"""

# One batch of events numbered %(lo)s..%(hi)s. Each row draws its own random numbers (x);
# the status decides the dates, the deadlines and the lead.
INSERT_SQL = """
INSERT INTO events_event (
    code, title, description, category_id, level, source, status, closure, coordination, reporter_id,
    contact_name, contact_phone, lon, lat, address, grid_id, area_code, lead_id, due_at, warn_at,
    reported_at, accepted_at, dispatched_at, signed_at, handled_at, closed_at, handle_due_at,
    rework_count, extension_count, log_length, log_head)
SELECT
    'SJ-' || left(g.code, 6) || '-' || extract(year FROM t.reported_at AT TIME ZONE 'Asia/Shanghai')::int
        || '-' || lpad(x.n::text, 7, '0'),
    (ARRAY['路面破损', '占道经营', '违章搭建', '垃圾堆放', '噪音扰民', '消防通道堵塞', '井盖缺失', '邻里纠纷'])[1 + mod(x.n, 8)],
    '网格员巡查发现的问题，现场已拍照留存，请相关部门处理。',
    c.ids[1 + floor(x.r_category * array_length(c.ids, 1))::int],
    CASE WHEN x.r_level < 0.90 THEN 1 WHEN x.r_level < 0.98 THEN 2 WHEN x.r_level < 0.995 THEN 3 ELSE 4 END,
    CASE WHEN x.r_source < 0.70 THEN 'grid_patrol' WHEN x.r_source < 0.85 THEN 'resident'
         WHEN x.r_source < 0.95 THEN 'hotline' WHEN x.r_source < 0.98 THEN 'sensor' ELSE 'department' END,
    s.status,
    CASE WHEN s.status = 'closed' AND x.r_self < 0.2 THEN 'self_handled' WHEN s.status = 'closed' THEN 'verified'
         ELSE '' END,
    CASE WHEN x.r_coord < 0.03 THEN 'district' ELSE 'town' END,
    g.reporter_id, '', '',
    g.label_lon + (x.r_lon - 0.5) * 0.002, g.label_lat + (x.r_lat - 0.5) * 0.002, '',
    g.grid_id, g.code,
    CASE WHEN s.status IN ('dispatched', 'handling', 'handled', 'closed') AND NOT (s.status = 'closed' AND x.r_self < 0.2)
         THEN l.ids[1 + floor(x.r_lead * array_length(l.ids, 1))::int] END,
    CASE WHEN s.open THEN t.due_at END,
    CASE WHEN s.open THEN t.due_at - interval '1 day' END,
    t.reported_at,
    CASE WHEN s.status NOT IN ('reported') AND NOT s.self THEN t.reported_at + interval '1 hour' END,
    CASE WHEN s.status IN ('dispatched', 'handling', 'handled', 'closed') AND NOT s.self
         THEN t.reported_at + interval '2 hours' END,
    CASE WHEN s.status IN ('handling', 'handled', 'closed') AND NOT s.self THEN t.reported_at + interval '3 hours' END,
    CASE WHEN s.status IN ('handled', 'closed') THEN t.reported_at + interval '3 days' END,
    CASE WHEN NOT s.open THEN t.reported_at + interval '4 days' END,
    CASE WHEN s.status IN ('handling', 'handled') THEN t.reported_at + interval '7 days' END,
    0, 0, 0, ''
FROM (
    SELECT n, 1 + floor(random() * %(grids)s)::int AS grid_n, random() AS r_status, random() AS r_open,
           random() AS r_age, random() AS r_due, random() AS r_category, random() AS r_level,
           random() AS r_source, random() AS r_self, random() AS r_coord, random() AS r_lead,
           random() AS r_lon, random() AS r_lat
    FROM generate_series(%(lo)s, %(hi)s) AS n
) x
JOIN bench_grid g ON g.n = x.grid_n
JOIN bench_lead l ON l.town = left(g.code, 9)
CROSS JOIN bench_category c
CROSS JOIN LATERAL (
    SELECT st AS status, st NOT IN ('closed', 'rejected', 'merged') AS open,
           st = 'closed' AND x.r_self < 0.2 AS self
    FROM (SELECT CASE
        WHEN x.r_status < 0.02 THEN CASE
            WHEN x.r_open < 0.06 THEN 'reported' WHEN x.r_open < 0.12 THEN 'accepted'
            WHEN x.r_open < 0.27 THEN 'dispatched' WHEN x.r_open < 0.80 THEN 'handling' ELSE 'handled' END
        WHEN x.r_status < 0.965 THEN 'closed' WHEN x.r_status < 0.985 THEN 'rejected' ELSE 'merged' END AS st) v
) s
CROSS JOIN LATERAL (
    SELECT CASE WHEN s.open THEN %(now)s - x.r_age * x.r_age * interval '20 days'
                ELSE %(now)s - interval '20 days' - x.r_age * interval '345 days' END AS reported_at,
           %(now)s + (x.r_due * 6 - 0.9) * interval '1 day' AS due_at
) t
"""


def load_events(args) -> None:
    started = time.perf_counter()
    now = datetime.now(UTC)
    with psycopg.connect(database_url(args), autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("SET synchronous_commit = off")
        # The secondary indexes as the migrations made them; dropped for the load, rebuilt after
        # (one sorted build each is far faster than 5 million insertions into each of them).
        indexes = conn.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = 'events_event'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            ORDER BY i.indexname
            """
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.execute(SETUP_SQL)
        grids = conn.execute("SELECT count(*) FROM bench_grid").fetchone()[0]
        for lo in range(1, args.events + 1, BATCH):
            hi = min(args.events, lo + BATCH - 1)
            conn.execute(INSERT_SQL, {"lo": lo, "hi": hi, "grids": grids, "now": now})
            print(f"  已加载 {hi:,} / {args.events:,} 条事件（{time.perf_counter() - started:.0f} 秒）", flush=True)
        for name, definition in indexes:
            conn.execute(definition)
        print(f"  已重建 {len(indexes)} 个索引（{time.perf_counter() - started:.0f} 秒）", flush=True)
        conn.execute("VACUUM ANALYZE events_event")
    print(f"已加载 {args.events:,} 条事件并 VACUUM ANALYZE，用时 {time.perf_counter() - started:.0f} 秒", flush=True)


def event_profile(args) -> dict:
    with psycopg.connect(database_url(args)) as conn:
        rows = conn.execute("SELECT status, count(*) FROM events_event GROUP BY status ORDER BY 2 DESC").fetchall()
        size = conn.execute("SELECT pg_size_pretty(pg_total_relation_size('events_event'))").fetchone()[0]
    return {"by_status": dict(rows), "total": sum(n for _, n in rows), "table_and_indexes": size}


# --- measuring -------------------------------------------------------------------------------


def setup_django(args) -> None:
    os.environ.update(gridgov_env(args))
    os.environ["DJANGO_SETTINGS_MODULE"] = "gridgov.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    # Production settings serve hashed static names from the manifest, which the pages need.
    call_command("collectstatic", interactive=False, verbosity=0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def measure(args) -> tuple[dict, dict]:
    from django.test import Client

    from gridgov.accounts import signin
    from gridgov.accounts.models import User
    from gridgov.events import selectors

    user = User.objects.get(username=OPERATOR)
    page = Client()
    page.force_login(user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {signin.issue_token(user, name='bench')}")
    keys = [q.key for q in selectors.QUEUES]
    targets = {f"page {k}": (page, f"/events/queues/{k}/") for k in keys}
    targets |= {f"api {k}": (api, f"/api/events/queues/{k}") for k in keys}
    targets["api counts"] = (api, "/api/events/queues")

    sizes = {}
    for name, (client, path) in targets.items():
        for _ in range(args.warmup):
            response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"GET {path}: {response.status_code} {response.content[:300]!r}")
        if name.startswith("api ") and name != "api counts":
            sizes[name.removeprefix("api ")] = json.loads(response.content)["total"]
    timings: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(args.requests):
        for name, (client, path) in targets.items():
            started = time.perf_counter()
            response = client.get(path)
            timings[name].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"GET {path}: {response.status_code}")
    figures = {
        name: {
            "p50_ms": round(percentile(values, 50), 1),
            "p95_ms": round(percentile(values, 95), 1),
            "max_ms": round(max(values), 1),
            "verdict": "PASS" if percentile(values, 95) < TARGET_P95_MS else "BELOW",
        }
        for name, values in timings.items()
    }
    return figures, sizes


def explain(args) -> None:
    """EXPLAIN ANALYZE of what each queue asks of the database: its count and its first page."""
    from django.db import connection
    from django.utils import timezone

    from gridgov.accounts.models import User
    from gridgov.events import selectors
    from gridgov.events.models import Event

    user = User.objects.get(username=OPERATOR)
    now = timezone.now()
    for q in selectors.QUEUES:
        rows = selectors.queue(user, q.key, now=now)
        for label, queryset in (("list", rows[:20]), ("count", Event.objects.filter(selectors.queue_q(user, q.key, now)))):
            sql, params = queryset.query.sql_with_params()
            if label == "count":
                sql = f"SELECT count(*) FROM ({sql}) AS counted"
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = "\n".join(r[0] for r in cursor.fetchall())
            print(f"\n=== {q.key} {label}\n{plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per queue and kind")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per queue and kind first")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database name")
    parser.add_argument("--database", default="gridgov_bench_queue")
    parser.add_argument("--reuse", action="store_true", help="use the database a --keep run left")
    parser.add_argument("--keep", action="store_true", help="leave the database for --reuse")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each queue")
    args = parser.parse_args()

    load_before = os.getloadavg()
    prepare_database(args)
    profile = event_profile(args)
    setup_django(args)
    if args.explain:
        explain(args)
    started = time.perf_counter()
    figures, sizes = measure(args)
    seconds = time.perf_counter() - started
    from django.db import connections

    connections.close_all()
    if not args.keep:
        drop_database(args)

    import django

    with psycopg.connect(admin_url(args)) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
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
            "log_rows": "not loaded (queues do not read the log)",
            "operator": f"{OPERATOR} (town operator of one town)",
            "client": "django.test.Client in process, GRIDGOV_DEBUG=0",
            "requests_per_target": args.requests,
            "warmup_per_target": args.warmup,
            "seconds": round(seconds, 1),
        },
        "queue_sizes": sizes,
        "latency": figures,
        "target_p95_ms": TARGET_P95_MS,
        "verdict": "PASS" if all(f["verdict"] == "PASS" for f in figures.values()) else "BELOW",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    report(results)


def report(results: dict) -> None:
    s = results["setup"]
    print(f"\n待办队列基准：{s['events']['total']:,} 条事件，{s['operator']}，每项 {s['requests_per_target']} 次请求")
    print(f"{'':24}{'条数':>8}{'p50 ms':>10}{'p95 ms':>10}  目标 p95 <{results['target_p95_ms']} ms")
    for name, f in results["latency"].items():
        size = results["queue_sizes"].get(name.split(" ", 1)[1], "")
        size = f"{size:,}" if size != "" else ""
        print(f"{name:24}{size:>8}{f['p50_ms']:>10}{f['p95_ms']:>10}  {f['verdict']}")
    m = results["machine"]
    print(f"系统负载（1/5/15 分钟）：开始 {m['load_average_before']}，结束 {m['load_average_after']}")
    print(f"结果已写入 {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
