import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gridgov.regions import transfer


class Command(BaseCommand):
    help = "Export the regions, grids and 片区 under a region prefix as GeoJSON or .xlsx."

    def add_arguments(self, parser):
        parser.add_argument("outfile", help="file to write")
        parser.add_argument(
            "--format",
            choices=["geojson", "xlsx"],
            help="file format (default: from the file name's extension)",
        )
        parser.add_argument(
            "--prefix", default="", help="region code prefix, e.g. 330502 (default: everything)"
        )

    def handle(self, *args, outfile: str, format: str | None, prefix: str, **options):
        path = Path(outfile)
        fmt = format or {".xlsx": "xlsx", ".geojson": "geojson", ".json": "geojson"}.get(
            path.suffix.lower()
        )
        if fmt is None:
            raise CommandError("请用 --format geojson|xlsx 指定格式，或使用 .geojson/.xlsx 扩展名")
        if prefix and not prefix.isdigit():
            raise CommandError(f"--prefix 应为数字区划代码前缀，如 330502，而不是 {prefix!r}")
        if fmt == "xlsx":
            data = transfer.export_xlsx(prefix=prefix, by=None)
        else:
            collection = transfer.export_geojson(prefix=prefix, by=None)
            data = json.dumps(collection, ensure_ascii=False).encode()
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc.strerror}") from exc
        self.stdout.write(f"已导出到 {path}（{len(data)} 字节）")
