import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from gridgov.events.sweep import SweepResult, run_forever, sweep_once


class Command(BaseCommand):
    help = (
        "Send deadline reminders (临期提醒) and issue supervision orders (督办单) for overdue "
        "events, every --interval seconds until stopped, or one pass with --once. "
        "Several copies may run: each reminder and order goes out once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="seconds between passes (default 30)"
        )

    def on_signal(self, signum, frame) -> None:
        # Finish the event in hand, then leave: a transaction is never cut in half.
        self.stdout.write(f"signal {signum} received, stopping after the current event")
        self.stopping.set()

    def handle(self, *args, once: bool, interval: float, **options) -> None:
        if interval <= 0:
            raise CommandError("--interval must be greater than 0")
        self.stopping = threading.Event()
        if once:
            self.report(sweep_once())
            return
        previous = {s: signal.signal(s, self.on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.loop(interval)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def loop(self, interval: float) -> None:
        self.stdout.write(f"sweeper running, a pass every {interval:g} s")
        run_forever(self.stopping, interval=interval, on_result=lambda r: self.report(r, quiet=True))
        self.stdout.write("sweeper stopped")

    def report(self, result: SweepResult, *, quiet: bool = False) -> None:
        if quiet and not result.total:
            return
        self.stdout.write(
            f"临期提醒 {result.reminders} 条，督办单 {result.orders} 张"
            + (f"，失败 {result.failures} 个" if result.failures else "")
        )
