from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gridgov.regions import transfer


class Command(BaseCommand):
    help = (
        "Import regions, grids and 片区 from a GeoJSON, .xlsx or .csv file. A dry run by "
        "default: the file is checked and every problem printed; --commit writes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to a .geojson, .xlsx or .csv file")
        parser.add_argument(
            "--commit", action="store_true", help="write the file (default: check only)"
        )

    def handle(self, *args, file: str, commit: bool, **options):
        path = Path(file)
        try:
            source = path.open("rb")
        except OSError as exc:
            raise CommandError(f"无法打开文件 {path}：{exc.strerror}") from exc
        with source:
            # The command line acts for the whole territory, like a superuser.
            result = transfer.import_territory(source, filename=path.name, by=None, commit=commit)
        for error in result.errors:
            field = f"［{error.field}］" if error.field else ""
            self.stderr.write(f"{error.where}{field}：{error.message}")
        if result.errors:
            raise CommandError(f"文件未导入：共 {len(result.errors)} 处错误，未写入任何数据")
        if commit:
            self.stdout.write(self.style.SUCCESS(f"已导入 {result.rows} 行：{result.summary()}"))
        else:
            self.stdout.write(
                f"检查通过（{result.rows} 行），将会{result.summary()}。"
                "这是试运行，未写入任何数据；加 --commit 导入。"
            )
