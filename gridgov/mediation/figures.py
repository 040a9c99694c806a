"""The mediation figures of a territory and period (调解成功率 and the rest), for the
figures page, its Excel export and the analysis pages (`summary`)."""

from datetime import date, datetime

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from gridgov.accounts import permissions
from gridgov.mediation.models import CONCLUDED, Case, FollowUp, Performance, Source, Status
from gridgov.mediation.selectors import day_bounds
from gridgov.regions.models import Region

SUCCEEDED = [Status.SUCCEEDED, Status.FOLLOWED_UP]


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def summary(prefixes: list[str], start: date, end: date, *, now: datetime | None = None) -> dict:
    """Cases registered from `start` to `end` (inclusive) whose dispute arose under one of
    `prefixes` (region code prefixes; [""] is everywhere).

    Returns {"registered", "accepted", "succeeded", "failed", "success_rate" (成功数/受理数, %),
    "average_days" (registration to conclusion, calendar days), "overdue" (open past the
    deadline now, or concluded late), "followed_up", "performed", "partly", "not_performed"
    (回访 outcomes), "performance_rate" (已履行/回访数, %),
    "by_type", "by_source", "by_organisation", "by_mediator", "by_region": [{"name", "count",
    "succeeded"}…] largest first}."""
    now = now or timezone.now()
    low, high = day_bounds(start, end)
    cases = Case.objects.filter(permissions.scope_q(prefixes, "area_code"), registered_at__gte=low,
                                registered_at__lt=high)
    succeeded_q = Q(status__in=SUCCEEDED) | Q(status=Status.ARCHIVED, agreement__isnull=False)
    totals = cases.aggregate(
        registered=Count("pk"),
        # Accepted is a fact of the case's history, not of its status: a refused case is
        # archived as well, and must not count. A transfer clears it until the new
        # organisation accepts.
        accepted=Count("pk", filter=Q(accepted_at__isnull=False)),
        succeeded=Count("pk", filter=succeeded_q),
        failed=Count("pk", filter=Q(status=Status.FAILED) | Q(status=Status.ARCHIVED, referral__gt="")),
        overdue=Count("pk", filter=Q(due_at__lt=now) | Q(was_overdue=True)),
    )
    # Registration to the end of mediation (success or failure), refused cases left out.
    duration = cases.filter(concluded_at__isnull=False, status__in=[*CONCLUDED]).exclude(
        referral="", agreement__isnull=True
    ).aggregate(average=Avg(ExpressionWrapper(F("concluded_at") - F("registered_at"), output_field=DurationField())))
    visits = FollowUp.objects.filter(case__in=cases).aggregate(
        followed=Count("pk"),
        performed=Count("pk", filter=Q(performance=Performance.PERFORMED)),
        partly=Count("pk", filter=Q(performance=Performance.PARTLY)),
        not_performed=Count("pk", filter=Q(performance=Performance.NOT)),
    )

    def by(field: str, label_of=None) -> list[dict]:
        rows = (
            cases.values(field).annotate(count=Count("pk"), succeeded=Count("pk", filter=succeeded_q))
            .order_by("-count")
        )
        return [
            {"name": (label_of(r[field]) if label_of else r[field]) or "未指派", "count": r["count"],
             "succeeded": r["succeeded"]}
            for r in rows
        ]

    towns = {}
    for row in cases.values("area_code").annotate(count=Count("pk"), succeeded=Count("pk", filter=succeeded_q)):
        key = row["area_code"][:9]
        total = towns.setdefault(key, {"count": 0, "succeeded": 0})
        total["count"] += row["count"]
        total["succeeded"] += row["succeeded"]
    names = dict(Region.objects.filter(code__in=[k.ljust(12, "0") for k in towns]).values_list("code", "name"))
    by_region = sorted(
        ({"name": names.get(k.ljust(12, "0"), k), **v} for k, v in towns.items()), key=lambda r: -r["count"]
    )
    return {
        **totals,
        "success_rate": _rate(totals["succeeded"], totals["accepted"]),
        "average_days": (
            round(duration["average"].total_seconds() / 86400, 1) if duration["average"] is not None else None
        ),
        "followed_up": visits["followed"],
        "performed": visits["performed"],
        "partly": visits["partly"],
        "not_performed": visits["not_performed"],
        "performance_rate": _rate(visits["performed"], visits["followed"]),
        "by_type": by("dispute_type__name"),
        "by_source": by("source", lambda v: Source(v).label),
        "by_organisation": by("organisation__name"),
        "by_mediator": by("mediators__name"),
        "by_region": by_region,
    }
