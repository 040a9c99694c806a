from django.core.management.base import BaseCommand

from gridgov.analysis import rollup


class Command(BaseCommand):
    help = (
        "Fold the event log rows written since the last pass into the event facts and daily "
        "rollups (the worker does this every minute); --rebuild recomputes them all from the events."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute everything from scratch")

    def handle(self, *args, rebuild, **options):
        if rebuild:
            facts, rows = rollup.rebuild()
            self.stdout.write(f"已重算 {facts} 条事件统计、{rows} 行每日汇总")
        else:
            events = rollup.fold()
            self.stdout.write(f"已更新 {events} 个事件的统计")
