import unicodedata

from django.core.management.base import BaseCommand, CommandError

from gridgov.demo import build
from gridgov.demo.people import DEMO_PASSWORD
from gridgov.demo.territory import SCALES
from gridgov.events.models import Status

SCALE_LABELS = {"district": "区县", "city": "地级市"}


class Command(BaseCommand):
    help = (
        "Build the demo territory: a district of about 540 grids (吴兴区) with a year of events "
        "up to today, or with --scale city a prefecture city of about 20,000 grids for "
        "benchmarks. Prints one login per role."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="district")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo territory (everything under 湖州市 3305), its events and "
            "accounts first",
        )
        parser.add_argument(
            "--events",
            type=int,
            default=None,
            metavar="N",
            help="events in the year before today (default: 3,000 for the district, none for "
            "the city; 0 for none)",
        )

    def handle(self, *args, scale: str, reset: bool, events: int | None, **options):
        if events is not None and events < 0:
            raise CommandError("--events 不能为负数")
        present = build.present_scale()
        if present and not reset:
            if present != scale:
                raise CommandError(
                    f"数据库中已有{SCALE_LABELS[present]}规模的演示数据；"
                    f"如需改为{SCALE_LABELS[scale]}规模，请加 --reset 重建。"
                )
            self.stdout.write(
                f"演示数据已存在（{SCALE_LABELS[present]}规模），未做改动；如需重建，请加 --reset。"
            )
            self._print_logins()
            return
        if present:
            self.stdout.write("正在删除原有演示数据…")
            build.remove()
        self.stdout.write(f"正在生成{SCALE_LABELS[scale]}规模的演示数据…")
        try:
            summary = build.build(SCALES[scale], event_count=events)
        except build.DemoError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {summary.towns:,} 个乡镇街道、{summary.villages:,} 个村（社区）、"
                f"{summary.grids:,} 个网格、{summary.clusters:,} 个片区、"
                f"{summary.workers:,} 名网格员，"
                f"共 {summary.accounts:,} 个账号、{summary.rules:,} 条分拨规则，"
                f"用时 {summary.seconds:.1f} 秒。"
            )
        )
        if summary.events:
            self.stdout.write(_events_line(summary))
        if summary.cases:
            self.stdout.write(f"矛盾纠纷调解案件 {summary.cases:,} 件。")
        self._print_logins()

    def _print_logins(self) -> None:
        rows = [("用户名", "角色", "范围")] + [
            (x.username, x.role, x.scope) for x in build.logins()
        ]
        if len(rows) == 1:
            self.stdout.write("（没有找到演示账号）")
            return
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
        for row in rows:
            self.stdout.write(
                "  "
                + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )


def _events_line(summary: build.Summary) -> str:
    by_status = "、".join(
        f"{Status(status).label} {count:,}" for status, count in summary.events.items() if count
    )
    return (
        f"事件 {sum(summary.events.values()):,} 件：{by_status}；"
        f"督办单 {summary.orders:,} 张，临期提醒 {summary.reminders:,} 条。"
    )


def _width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
