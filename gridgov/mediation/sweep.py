"""Deadline reminders and supervision of open cases; run by the events' sweeper each pass.

Each case is claimed with a conditional UPDATE on `reminded_for` / `supervised_for` (set to
the deadline being handled), so several sweepers send each reminder once.
"""

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q

from gridgov.mediation import workflow
from gridgov.mediation.models import OPEN, Case

log = logging.getLogger("gridgov.mediation")


def reminders_due(now: datetime):
    return Case.objects.filter(status__in=OPEN, warn_at__lte=now, due_at__gt=now).filter(
        Q(reminded_for__isnull=True) | ~Q(reminded_for=F("due_at"))
    )


def orders_due(now: datetime):
    return Case.objects.filter(status__in=OPEN, due_at__lte=now).filter(
        Q(supervised_for__isnull=True) | ~Q(supervised_for=F("due_at"))
    )


@transaction.atomic
def _step(case_id: int, field: str, now: datetime) -> bool:
    case = Case.objects.select_related("event", "leader").filter(pk=case_id, status__in=OPEN).first()
    if case is None or case.due_at is None:
        return False
    claimed = Case.objects.filter(pk=case.pk, log_length=case.log_length).exclude(**{field: case.due_at}).update(
        **{field: case.due_at}
    )
    if claimed != 1:
        return False  # another sweeper, or a person acting on the case, got there first
    setattr(case, field, case.due_at)
    if field == "reminded_for":
        workflow.record_reminder(case, at=now)
    else:
        workflow.record_supervision(case, at=now)
    return True


def sweep_once(now: datetime) -> tuple[int, int]:
    """(reminders, supervisions) made in one pass."""
    done = {"reminded_for": 0, "supervised_for": 0}
    for queryset, field in ((reminders_due(now), "reminded_for"), (orders_due(now), "supervised_for")):
        for case_id in list(queryset.values_list("pk", flat=True)[:500]):
            try:
                done[field] += _step(case_id, field, now)
            except workflow.TransitionError:
                continue
            except Exception:
                log.exception("sweeping case %s failed", case_id)
    return done["reminded_for"], done["supervised_for"]
