"""Background tasks of the events app (Django's tasks API, database backend by default)."""

from django.utils import timezone
from django_tasks import task

from gridgov.events import notifiers
from gridgov.events.models import Notice


@task()
def send_notices(notice_ids: list[int]) -> None:
    """Send the notices of one occasion (a new event to the command room's members, a
    reminder to a department…) through every configured notifier; record what happened."""
    pending = Notice.objects.select_related("event", "recipient").filter(pk__in=notice_ids, sent_at=None)
    for notice in pending.order_by("pk"):  # a retried task skips the ones already sent
        delivered, errors = notifiers.deliver(notice)
        Notice.objects.filter(pk=notice.pk, sent_at=None).update(
            sent_at=timezone.now(), channels=delivered, error="\n".join(errors)
        )
