"""Background tasks of the mediation app (Django's tasks API, as events/tasks.py)."""

from django.utils import timezone
from django_tasks import task

from gridgov.events import notifiers
from gridgov.mediation import notify
from gridgov.mediation.models import CaseNotice


@task()
def send_case_notices(notice_ids: list[int]) -> None:
    """Send the notices of one occasion (a reminder to a case's mediators and leader…)
    through every configured notifier; record what happened."""
    pending = CaseNotice.objects.select_related("case__dispute_type", "recipient").filter(
        pk__in=notice_ids, sent_at=None
    )
    for notice in pending.order_by("pk"):  # a retried task skips the ones already sent
        delivered, errors = notifiers.deliver(notify.envelope(notice))
        CaseNotice.objects.filter(pk=notice.pk, sent_at=None).update(
            sent_at=timezone.now(), channels=delivered, error="\n".join(errors)
        )
