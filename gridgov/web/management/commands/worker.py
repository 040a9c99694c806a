import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand

from gridgov.command.watch import run_forever as watch
from gridgov.analysis.rollup import run_forever as fold_rollups
from gridgov.events.sweep import run_forever


class Command(BaseCommand):
    help = (
        "Run the background worker: it sends queued notices and runs other queued tasks, and "
        "sweeps deadlines (临期提醒, 督办单) every --sweep-interval seconds unless --no-sweep."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="*")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between task polls")
        parser.add_argument("--sweep-interval", type=float, default=30.0)
        parser.add_argument("--no-sweep", action="store_true", help="leave sweeping to `gridgov sweep`")
        parser.add_argument("--rollup-interval", type=float, default=60.0,
                            help="seconds between folds of the event log into the analysis rollups")
        parser.add_argument("--watch-interval", type=float, default=60.0,
                            help="seconds between early-warning detection and morning-bulletin passes")

    def handle(self, *args, queue_name, interval, sweep_interval, no_sweep, rollup_interval, watch_interval, **options):
        stopping = threading.Event()
        if not no_sweep:
            # Sweeping is idempotent, so a worker on every machine may sweep as well.
            threading.Thread(
                target=run_forever, args=(stopping,), kwargs={"interval": sweep_interval},
                name="sweeper", daemon=True,
            ).start()
        # Early warnings and the daily bulletin (gridgov.command): idempotent as well.
        threading.Thread(
            target=watch, args=(stopping,), kwargs={"interval": watch_interval}, name="watch", daemon=True,
        ).start()
        # The analysis rollups (gridgov.analysis), correct to the minute; folding is idempotent too.
        threading.Thread(
            target=fold_rollups, args=(stopping,), kwargs={"interval": rollup_interval}, name="rollup", daemon=True,
        ).start()
        try:
            call_command("db_worker", queue_name=queue_name, interval=interval, reload=False)
        finally:
            stopping.set()
