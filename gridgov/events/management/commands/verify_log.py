from django.core.management.base import BaseCommand, CommandError

from gridgov.events.audit import verify_all
from gridgov.events.models import Event
from gridgov.mediation import audit as case_audit
from gridgov.mediation.models import Case


class Command(BaseCommand):
    help = "Check the hash chain of every event's and every dispute case's log; report any edited or deleted row."

    def handle(self, *args, **options):
        breaches = 0
        for breach in verify_all():
            breaches += 1
            self.stdout.write(f"{breach.event_code} #{breach.seq}: {breach.problem}")
        for breach in case_audit.verify_all():
            breaches += 1
            self.stdout.write(f"{breach.event_code} #{breach.seq}: {breach.problem}")
        total, cases = Event.objects.count(), Case.objects.count()
        if breaches:
            raise CommandError(f"发现 {breaches} 处日志异常（共检查 {total} 个事件、{cases} 个调解案件）")
        self.stdout.write(self.style.SUCCESS(f"日志完整：{total} 个事件的日志链均未被篡改，{cases} 个调解案件的日志链均未被篡改"))
