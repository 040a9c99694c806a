from django.core.management.base import BaseCommand, CommandError

from gridgov.regions import checks


class Command(BaseCommand):
    help = (
        "Check the territory: overlapping grids, parts of villages no grid covers, grids "
        "over the household limit, villages without grids."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--prefix", default="", help="region code prefix, e.g. 330502001 (default: everything)"
        )

    def handle(self, *args, prefix: str, **options):
        try:
            report = checks.check(prefix)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        out = self.stdout.write
        title = f"{report.name}（{report.code}）" if report.code else report.name
        out(f"{title}：村社区 {len(report.villages)} 个，网格 {report.grids} 个")
        out(
            f"重叠 {len(report.overlaps)} 处；"
            f"缺口 {len(report.gaps)} 处，共 {report.gap_m2:.1f} 平方米；"
            f"超规模网格 {len(report.oversized)} 个；无网格村社区 {len(report.empty_villages)} 个"
        )
        if report.overlaps:
            out("\n重叠的网格：")
            for o in report.overlaps:
                out(f"  {o.a_code} {o.a_name} ↔ {o.b_code} {o.b_name}：{o.area_m2:.1f} 平方米")
        if report.gaps:
            out("\n未被网格覆盖的缺口：")
            for village in report.villages:
                for gap in village.gaps:
                    basis = "村社区边界内" if village.has_outline else "网格之间的空洞"
                    where = f"{gap.village_code} {gap.village_name}（{basis}）"
                    out(f"  {where}：{gap.area_m2:.1f} 平方米")
        if report.oversized:
            out("\n超规模网格：")
            for g in report.oversized:
                grid = f"{g.code} {g.name}（{g.area_type_label}）"
                out(f"  {grid}：{g.households} 户，上限 {g.limit} 户")
        if report.empty_villages:
            out("\n没有网格的村社区：")
            for v in report.empty_villages:
                out(f"  {v.code} {v.name}")
        if report.ok:
            out(self.style.SUCCESS("未发现问题"))
