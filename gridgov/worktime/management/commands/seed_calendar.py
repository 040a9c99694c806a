from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from gridgov.worktime import calendar, official


class Command(BaseCommand):
    help = (
        "Load the official holiday schedules (节假日安排) from the chinesecalendar package: "
        "holidays and make-up workdays. Days entered by an administrator are kept. "
        "Shows what would change unless --commit is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, action="append", dest="years",
            help="only this year (repeatable; default: every year the package knows)",
        )
        parser.add_argument("--commit", action="store_true", help="write the changes")

    def handle(self, *args, years: list[int] | None, commit: bool, **options):
        try:
            report = calendar.seed_official(years, commit=commit)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        first, last = report.years[0], report.years[-1]
        self.stdout.write(
            f"chinesecalendar {official.package_version()}：{first}—{last} 年，"
            f"新增 {report.created} 天，修改 {report.updated} 天，删除 {report.removed} 天，"
            f"新载入年度 {report.marked} 个；保留管理员录入 {report.kept} 天"
        )
        if not commit:
            self.stdout.write("未写入（试运行）。确认无误后加 --commit 执行。" if report.changed
                              else "日历已是最新，无需修改。")
