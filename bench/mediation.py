"""Benchmark: dispute cases on PostgreSQL — numbering under concurrency, the whole case
lifecycle, and the figures over a district's cases.

    .venv/bin/python bench/mediation.py [--pg postgres://postgres@127.0.0.1:5432]
                                        [--threads 8] [--per-thread 50] [--lifecycles 200]
                                        [--cases 100000] [--runs 5]

What it does:

1. Creates its own database (`gridgov_bench_mediation`, dropped first and at the end),
   migrates it, and makes a small district: two towns, a village, the village committee and
   the district centre, and one mediator account per thread.
2. **Numbering**: `--threads` threads each register `--per-thread` cases for the same
   organisation at once (each `workflow.register` in its own transaction, parties sealed).
   Checks that the numbers are exactly 第 1 号 … 第 N 号 — no gap, no duplicate — and reports
   registrations per second.
3. **Lifecycle**: `--lifecycles` cases, one after another, each registered, accepted,
   mediated (one sitting), closed with an agreement, followed up and archived: six
   transitions with their log rows; reports whole lifecycles per second.
4. **Figures**: loads `--cases` cases in SQL (random type, source, status and dates over a
   year across the district) and times `figures.summary` for the district and for one
   town, `--runs` times each; reports the median and the slowest.

Results go to stdout and bench/results/mediation.json.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "mediation.json"
DATABASE = "gridgov_bench_mediation"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--per-thread", type=int, default=50)
    parser.add_argument("--lifecycles", type=int, default=200)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    os.environ.update(DATABASE_URL=f"{args.pg}/{DATABASE}", GRIDGOV_LOG_LEVEL="WARNING",
                      DJANGO_SETTINGS_MODULE="gridgov.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    try:
        results = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))


def run(args) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from gridgov.accounts.models import Role, RoleAssignment, User
    from gridgov.mediation import figures, workflow
    from gridgov.mediation.models import Case, DisputeType, Mediator, Organisation, OrganisationKind, PartyRole
    from gridgov.regions import territory
    from gridgov.regions.models import Level

    call_command("migrate", verbosity=0)
    load_before = os.getloadavg()
    province = territory.save_region(code="330000000000", name="浙江省", level=Level.PROVINCE, parent=None)
    city = territory.save_region(code="330500000000", name="湖州市", level=Level.CITY, parent=province)
    district = territory.save_region(code="330502000000", name="吴兴区", level=Level.DISTRICT, parent=city)
    town_a = territory.save_region(code="330502001000", name="月河街道", level=Level.TOWN, parent=district)
    territory.save_region(code="330502002000", name="朝阳街道", level=Level.TOWN, parent=district)
    village = territory.save_region(code="330502001001", name="衣裳街社区", level=Level.VILLAGE, parent=town_a)
    committee = Organisation.objects.create(name="衣裳街社区人民调解委员会", kind=OrganisationKind.VILLAGE_COMMITTEE,
                                            region=village, area_code=village.prefix, short_name="衣裳街")
    neighbours = DisputeType.objects.get(name="邻里纠纷")
    people = []
    for n in range(args.threads):
        user = User.objects.create_user(username=f"m{n}", password=None, full_name=f"调解员{n}")
        RoleAssignment.objects.create(user=user, role=Role.MEDIATOR, scope=village.prefix)
        Mediator.objects.create(organisation=committee, user=user, name=user.full_name)
        people.append(user)

    def parties():
        return [workflow.PartyInput(role=PartyRole.APPLICANT, name="张桂英", id_number="330502195803121526",
                                    phone="13857201234"),
                workflow.PartyInput(role=PartyRole.RESPONDENT, name="李建华", id_number="33050219700405153X")]

    def register(by):
        case, _ = workflow.register(by=by, organisation=committee, title="楼上漏水", dispute_type=neighbours,
                                    source="application", facts="漏水致墙面受损。", region=village, parties=parties())
        return case

    # --- numbering under concurrency
    errors: list[BaseException] = []

    def worker(user):
        from django.db import connection as own

        try:
            for _ in range(args.per_thread):
                register(user)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=worker, args=(u,)) for u in people]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    total = args.threads * args.per_thread
    numbers = sorted(int(n.split("第 ")[1].split(" 号")[0]) for n in Case.objects.values_list("number", flat=True))
    numbering = {
        "threads": args.threads, "cases": total, "seconds": round(elapsed, 2),
        "registrations_per_second": round(total / elapsed, 1), "errors": len(errors),
        "gap_free_and_unique": numbers == list(range(1, total + 1)),
    }
    print("numbering", numbering, file=sys.stderr)

    # --- whole lifecycles, one after another
    mona = people[0]
    started = time.perf_counter()
    for _ in range(args.lifecycles):
        case = register(mona)
        workflow.accept(case, by=mona)
        workflow.record_session(case, by=mona, held_at=case.registered_at, place="调解室", participants="双方",
                                said="双方陈述")
        workflow.succeed(case, by=mona, terms="赔偿两千元", performance_manner="现金", performance_place="调解室",
                         performance_deadline=date.today() + timedelta(days=10))
        workflow.follow_up(case, by=mona, performance="performed")
        workflow.archive(case, by=mona)
    elapsed = time.perf_counter() - started
    lifecycle = {"cases": args.lifecycles, "seconds": round(elapsed, 2),
                 "lifecycles_per_second": round(args.lifecycles / elapsed, 1),
                 "transitions_per_second": round(6 * args.lifecycles / elapsed, 1)}
    print("lifecycle", lifecycle, file=sys.stderr)

    # --- figures over many cases, loaded in SQL
    types = list(DisputeType.objects.values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO mediation_case (number, organisation_id, org_code, title, dispute_type_id, source, facts,
                claims, people_involved, risk, is_major, region_id, area_code, address, status, referral,
                registered_by_id, registered_at, accepted_at, concluded_at, was_overdue, log_length, log_head)
            SELECT 'B-' || g, %s, %s, '批量案件', (%s::int[])[1 + (g %% %s)],
                (ARRAY['application','proactive','police','court','government','event'])[1 + (g %% 6)], '事实',
                '', 2, 1, g %% 50 = 0, %s, (ARRAY['330502001001','330502002'])[1 + (g %% 2)], '',
                (ARRAY['archived','archived','archived','followed_up','succeeded','failed','mediating','refused'])[1 + (g %% 8)],
                CASE WHEN g %% 8 = 5 THEN 'litigation' ELSE '' END,
                %s, now() - (g %% 365) * interval '1 day', now() - (g %% 365) * interval '1 day' + interval '1 day',
                CASE WHEN g %% 8 IN (6, 7) THEN NULL ELSE now() - (g %% 365) * interval '1 day' + interval '12 days' END,
                g %% 20 = 0, 1, ''
            FROM generate_series(1, %s) AS g
            """,
            [committee.pk, committee.area_code, types, len(types), village.pk, mona.pk, args.cases],
        )
        cursor.execute("ANALYZE")
    year_ago, today = date.today() - timedelta(days=366), date.today()
    timings = {}
    for label, prefixes in (("district", [district.prefix]), ("town", [town_a.prefix])):
        runs = []
        for _ in range(args.runs):
            started = time.perf_counter()
            data = figures.summary(prefixes, year_ago, today)
            runs.append((time.perf_counter() - started) * 1000)
        timings[label] = {"registered": data["registered"], "median_ms": round(statistics.median(runs), 1),
                          "slowest_ms": round(max(runs), 1)}
    print("figures", timings, file=sys.stderr)
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_before": [round(x, 1) for x in load_before],
                    "load_after": [round(x, 1) for x in os.getloadavg()]},
        "numbering": numbering, "lifecycle": lifecycle, "figures": timings,
    }


if __name__ == "__main__":
    main()
