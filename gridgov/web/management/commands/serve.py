import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve gridgov with gunicorn (static files through WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("GRIDGOV_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("GRIDGOV_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("GRIDGOV_THREADS", "4")))
        parser.add_argument(
            "--access-log", default=os.environ.get("GRIDGOV_ACCESS_LOG", ""),
            help="a file for gunicorn's access log, or - for standard output; none by default, as a "
            "reverse proxy in front usually keeps it (it costs about a millisecond per request)",
        )

    def handle(self, *args, bind, workers, threads, access_log, **options):
        if not settings.DEBUG:
            # The manifest storage needs the collected files before the first request.
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"gridgov 正在 http://{bind}/ 提供服务（按 Ctrl+C 停止）")
        sys.stdout.flush()
        argv = [
            sys.executable, "-m", "gunicorn", "gridgov.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--threads", str(threads),
            "--graceful-timeout", "20",
        ]
        if access_log:
            argv += ["--access-logfile", access_log]
        # Replace this process so that signals from the terminal or a supervisor reach gunicorn.
        os.execv(sys.executable, argv)
