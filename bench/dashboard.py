"""Benchmark: the district dashboard (领导驾驶舱) over 5 million events on PostgreSQL, against a
naive GROUP BY over the events table in the same run.

    .venv/bin/python bench/dashboard.py [--requests 40] [--rebuild-rollups] [--fresh] [--drop]

What it does:

1. Prepares the database exactly as bench/queues.py does (it is its builder: the city demo,
   20,000 grids, 5,000,000 events loaded in SQL) in the same database,
   `gridgov_bench_queue`: a database a `bench/queues.py --keep` run left is reused as it is
   (`--fresh` drops it and builds it again). Migrations add the analysis tables.
2. Builds the event facts in SQL (what `analysis.rollup.fact_of` computes, checked against it on
   a sample of 2,000 events) and the daily rollups with the rebuild's own statements, timed,
   unless a kept database already holds one fact per event (`--rebuild-rollups` forces it).
3. As a district leader (`l3305021`, the 6-digit scope of one district of five: ~1 million
   events), with production settings (GRIDGOV_DEBUG=0) through Django's test client in process:
   - **page**: `GET /dashboard/` — today's summary (intake, closures, open events by light),
     the 30-day trend, the top categories and the town ranking of the last 30 days;
   - **figures**: the same four dashboard functions called directly (no template, no HTTP);
   - **naive**: the same figures as plain GROUP BY queries over `events_event` (a prefix
     filter on the district, the period on the event's own dates), the way a dashboard without
     rollups would ask.
   `--warmup` untimed rounds, then `--requests` timed rounds, the three taken in turn so the
   machine's noise falls on all of them alike. p50 and p95 of each.
4. Compares the page's p95 with the target (< 300 ms, DESIGN.md §5), writes
   bench/results/dashboard.json; the database is dropped at the end only with `--drop`
   (it is shared with bench/queues.py).
"""

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import queues  # noqa: E402  (the builder of the 5 million events)

ROOT = queues.ROOT
RESULTS = ROOT / "bench" / "results" / "dashboard.json"
TARGET_P95_MS = 300  # DESIGN.md §5
LEADER = "l3305021"  # a leader of the district 330502 (gridgov.demo.people)
DISTRICT = "330502"

NAIVE = {
    "summary": """
        SELECT count(*) FILTER (WHERE reported_at >= %(today)s),
               count(*) FILTER (WHERE status = 'closed' AND closed_at >= %(today)s),
               count(*) FILTER (WHERE status NOT IN ('closed', 'rejected', 'merged') AND due_at <= %(now)s),
               count(*) FILTER (WHERE status NOT IN ('closed', 'rejected', 'merged'))
        FROM events_event WHERE area_code LIKE %(like)s
    """,
    "trend": """
        SELECT (reported_at AT TIME ZONE 'Asia/Shanghai')::date, count(*),
               count(*) FILTER (WHERE status = 'closed')
        FROM events_event WHERE area_code LIKE %(like)s AND reported_at >= %(start)s GROUP BY 1 ORDER BY 1
    """,
    "top_categories": """
        SELECT category_id, count(*) FROM events_event
        WHERE area_code LIKE %(like)s AND reported_at >= %(start)s GROUP BY 1 ORDER BY 2 DESC LIMIT 10
    """,
    "town_ranking": """
        SELECT substr(area_code, 1, 9), count(*) FILTER (WHERE reported_at >= %(start)s),
               count(*) FILTER (WHERE handled_at >= %(start)s),
               count(*) FILTER (WHERE handled_at >= %(start)s AND (handle_due_at IS NULL OR handled_at <= handle_due_at)),
               count(*) FILTER (WHERE status = 'closed' AND closed_at >= %(start)s),
               count(*) FILTER (WHERE status NOT IN ('closed', 'rejected', 'merged') AND due_at <= %(now)s)
        FROM events_event WHERE area_code LIKE %(like)s GROUP BY 1
    """,
}


# The facts of the loaded events in one statement: what analysis.rollup.fact_of computes for
# each event, in SQL (the events were loaded without log rows, so none has a rating). Checked
# against fact_of on a sample after the load.
FACTS_SQL = """
INSERT INTO analysis_eventfact (
    event_id, area_code, category_id, major_id, source, level, status, lead_id, reporter_id, reported_at,
    reported_on, handled_on, closed_on, handled_on_time, handle_seconds, reworks, extensions, closed_on_time,
    close_seconds, self_handled, rated, satisfied, pending_due_at)
SELECT e.id, e.area_code, e.category_id, coalesce(c.parent_id, c.id), e.source, e.level, e.status, e.lead_id,
       e.reporter_id, e.reported_at,
       (e.reported_at AT TIME ZONE 'Asia/Shanghai')::date,
       (e.handled_at AT TIME ZONE 'Asia/Shanghai')::date,
       CASE WHEN e.status IN ('closed', 'rejected', 'merged') THEN (e.closed_at AT TIME ZONE 'Asia/Shanghai')::date END,
       e.handled_at IS NOT NULL AND (e.handle_due_at IS NULL OR e.handled_at <= e.handle_due_at),
       CASE WHEN e.handled_at IS NOT NULL
            THEN trunc(extract(epoch FROM e.handled_at - coalesce(e.signed_at, e.handled_at)))::bigint ELSE 0 END,
       e.rework_count, e.extension_count,
       e.status = 'closed' AND e.handled_at IS NOT NULL AND (e.handle_due_at IS NULL OR e.handled_at <= e.handle_due_at),
       CASE WHEN e.status = 'closed' AND e.closed_at IS NOT NULL
            THEN trunc(extract(epoch FROM e.closed_at - e.reported_at))::bigint ELSE 0 END,
       e.status = 'closed' AND e.closure = 'self_handled', false, false,
       CASE WHEN e.status IN ('reported', 'accepted', 'dispatched', 'handling') THEN e.due_at END
FROM events_event e JOIN events_category c ON c.id = e.category_id
"""
FACT_FIELDS = [
    "area_code", "category_id", "major_id", "source", "level", "status", "lead_id", "reporter_id", "reported_at",
    "reported_on", "handled_on", "closed_on", "handled_on_time", "handle_seconds", "reworks", "extensions",
    "closed_on_time", "close_seconds", "self_handled", "rated", "satisfied", "pending_due_at",
]


def build_rollups(args) -> dict:
    """The facts in SQL (`gridgov rollup --rebuild` computes them in Python, ~40 minutes for
    5 million events on this machine), then the rollups with the rebuild's own statements."""
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.analysis import rollup
    from gridgov.analysis.models import DailyRollup, EventFact, RollupState
    from gridgov.events.models import Event, EventLog

    events, facts = Event.objects.count(), EventFact.objects.count()
    if facts == events and not args.rebuild_rollups:
        return {"built": False, "facts": facts, "rollup_rows": DailyRollup.objects.count()}
    if EventLog.objects.filter(action="verify").exists():
        raise SystemExit("the database holds verify log rows (ratings): build the facts with `gridgov rollup --rebuild`")
    print(f"计算事件统计与每日汇总（{events:,} 条事件）…", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        DailyRollup.objects.all().delete()
        EventFact.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(FACTS_SQL)
        fact_seconds = time.perf_counter() - started
        rows = rollup._insert_rollups()
        RollupState.objects.update_or_create(pk=1, defaults={"last_log_id": 0, "updated_at": timezone.now()})
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE analysis_eventfact")
        cursor.execute("VACUUM ANALYZE analysis_dailyrollup")
    # The SQL agrees with fact_of on a sample of events.
    sample = list(Event.objects.order_by("?")[:2000])
    stored = EventFact.objects.in_bulk([e.pk for e in sample])
    for event in sample:
        expected = rollup.fact_of(event, "")
        for name in FACT_FIELDS:
            if getattr(expected, name) != getattr(stored[event.pk], name):
                raise SystemExit(f"fact of event {event.pk}: {name} {getattr(stored[event.pk], name)!r} "
                                 f"!= fact_of {getattr(expected, name)!r}")
    print(f"  {events:,} 条事件统计（{fact_seconds:.0f} 秒）、{rows:,} 行每日汇总，共 {seconds:.0f} 秒；"
          f"抽查 {len(sample):,} 条与 fact_of 一致", flush=True)
    return {"built": True, "facts": events, "rollup_rows": rows, "seconds": round(seconds, 1),
            "facts_seconds": round(fact_seconds, 1), "checked_against_fact_of": len(sample)}


def measure(args) -> dict:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from gridgov.accounts.models import User
    from gridgov.analysis import dashboard

    user = User.objects.get(username=LEADER)
    client = Client()
    client.force_login(user)
    today = timezone.localdate()
    start = today - timedelta(days=29)
    now = timezone.now()
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    params = {"like": f"{DISTRICT}%", "today": midnight, "now": now,
              "start": datetime.combine(start, datetime.min.time(), tzinfo=timezone.get_current_timezone())}

    def page():
        response = client.get("/dashboard/")
        if response.status_code != 200:
            raise SystemExit(f"GET /dashboard/: {response.status_code} {response.content[:300]!r}")

    def figures():
        dashboard.summary([DISTRICT], today)
        dashboard.trend([DISTRICT], start, today)
        dashboard.top_categories([DISTRICT], start, today)
        dashboard.town_ranking([DISTRICT], start, today)

    naive_each: dict[str, list[float]] = {f"naive: {name}": [] for name in NAIVE}

    def naive():
        with connection.cursor() as cursor:
            for name, sql in NAIVE.items():
                started = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                naive_each[f"naive: {name}"].append((time.perf_counter() - started) * 1000)

    targets = {"page /dashboard/": page, "figures (4 functions)": figures, "naive GROUP BY (4 queries)": naive}
    for _ in range(args.warmup):
        for run in targets.values():
            run()
    timings: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(args.requests):
        for name, run in targets.items():
            started = time.perf_counter()
            run()
            timings[name].append((time.perf_counter() - started) * 1000)
    for values in naive_each.values():
        del values[: args.warmup]  # the untimed rounds
    timings |= naive_each
    sample = dashboard.summary([DISTRICT], today)
    return {
        "latency": {
            name: {"p50_ms": round(queues.percentile(v, 50), 1), "p95_ms": round(queues.percentile(v, 95), 1),
                   "max_ms": round(max(v), 1)}
            for name, v in timings.items()
        },
        "district_today": {k: v for k, v in sample.items() if k != "day"},
        "towns": len(dashboard.town_ranking([DISTRICT], start, today)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=40, help="timed rounds")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rounds first")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default="gridgov_bench_queue")
    parser.add_argument("--fresh", action="store_true",
                        help="drop the shared database and build it again (default: reuse it when present)")
    parser.add_argument("--rebuild-rollups", action="store_true", help="rebuild facts and rollups even if present")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    args = parser.parse_args()
    args.reuse = not args.fresh

    load_before = os.getloadavg()
    queues.prepare_database(args)
    profile = queues.event_profile(args)
    queues.setup_django(args)
    built = build_rollups(args)
    started = time.perf_counter()
    measured = measure(args)
    seconds = time.perf_counter() - started
    from django.db import connections

    connections.close_all()
    if args.drop:
        queues.drop_database(args)
    import django

    with psycopg.connect(queues.admin_url(args)) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
    page_p95 = measured["latency"]["page /dashboard/"]["p95_ms"]
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(), "django": django.get_version(), "postgresql": server,
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
        "setup": {
            "territory": "city demo (gridgov demo --scale city): 20,000 grids, 140 towns, 5 districts",
            "events": profile, "rollups": built, "reader": f"{LEADER} (leader of district {DISTRICT})",
            "period": "last 30 days", "rounds": args.requests, "warmup_rounds": args.warmup,
            "seconds": round(seconds, 1),
        },
        **measured,
        "target_p95_ms": TARGET_P95_MS,
        "verdict": "PASS" if page_p95 < TARGET_P95_MS else "BELOW",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n")
    print(f"\n区级驾驶舱基准：{profile['total']:,} 条事件，{results['setup']['reader']}，每项 {args.requests} 轮")
    print(f"{'':32}{'p50 ms':>10}{'p95 ms':>10}")
    for name, f in measured["latency"].items():
        print(f"{name:32}{f['p50_ms']:>10}{f['p95_ms']:>10}")
    print(f"页面 p95 {page_p95} ms，目标 < {TARGET_P95_MS} ms：{results['verdict']}")
    m = results["machine"]
    print(f"系统负载（1/5/15 分钟）：开始 {m['load_average_before']}，结束 {m['load_average_after']}")
    print(f"结果已写入 {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
