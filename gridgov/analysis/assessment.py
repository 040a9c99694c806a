"""The monthly assessment (月度考核): the indicator table of a month, scored with the weights
in force, computed live until an administrator publishes it — then stored and never again
recomputed, whatever happens to the events or the weights afterwards."""

import calendar
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.analysis import indicators
from gridgov.analysis.models import Assessment, AssessmentRow, IndicatorWeight, Subject

# The columns of the assessment table.
COLUMNS = [
    "reported", "due", "handled", "overdue", "closed", "handle_rate", "on_time_handle_rate", "close_rate",
    "on_time_close_rate", "rework_rate", "extension_rate", "overdue_rate", "satisfaction_rate", "avg_handle_hours",
]
# The indicators an administrator may weigh.
WEIGHABLE = [i.key for i in indicators.RATES if i.key != "self_handled_share"]


def month_bounds(month: date) -> tuple[date, date]:
    return month, month.replace(day=calendar.monthrange(month.year, month.month)[1])


def shown(value, indicator: indicators.Indicator):
    """A figure as a table shows it: rates in %, hours to one decimal, "—" for none."""
    if value is None:
        return "—"
    if indicator.kind == "rate":
        return round(value * 100, 1)
    if indicator.kind == "hours":
        return round(value, 1)
    return value


def sheet(prefixes: list[str], month: date, subject: str, *, scope: str) -> dict:
    published = Assessment.objects.filter(month=month, scope=scope, subject=subject).first() if scope else None
    if published is not None:
        rows = [
            {"rank": r.rank, "key": r.key, "name": r.name, "figures": r.figures, "score": r.score, "grade": r.grade}
            for r in published.rows.all()
        ]
        return {"published": published, "rows": rows, "weights": published.weights}
    start, end = month_bounds(month)
    weights = indicators.weights()
    rows = indicators.table(prefixes, start, end, subject, weights_in_force=weights)
    return {"published": None, "rows": rows, "weights": weights}


@transaction.atomic
def publish(*, month: date, subject: str, scope: str, by: User) -> Assessment:
    """Freeze the assessment of `month` for `subject` in `scope`: its rows are stored now."""
    if subject not in Subject.values:
        raise ValidationError({"subject": f"考核对象 {subject!r} 无效"})
    if month >= timezone.localdate().replace(day=1):
        raise ValidationError({"month": "只能发布已结束月份的考核"})
    start, end = month_bounds(month)
    weights = indicators.weights()
    rows = indicators.table([scope], start, end, subject, weights_in_force=weights)
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                month=month, scope=scope, subject=subject, weights=weights, published_by=by,
                published_at=timezone.now(),
            )
    except IntegrityError:
        raise ValidationError({"month": f"{month:%Y年%m月}的{Subject(subject).label}考核已发布，不能重复发布"}) from None
    AssessmentRow.objects.bulk_create([
        AssessmentRow(assessment=assessment, rank=r["rank"], key=str(r["key"]), name=r["name"][:100],
                      figures=r["figures"], score=r["score"], grade=r["grade"])
        for r in rows
    ])
    return assessment


@transaction.atomic
def set_weights(values, *, by: User) -> dict[str, int]:
    """Save the weights from a form; every bad field is named, nothing saved unless all are good."""
    errors, weights = {}, {}
    for key in WEIGHABLE:
        raw = str(values.get(key, "0") or "0").strip()
        if not raw.isdigit() or int(raw) > 100:
            errors[key] = f"{indicators.BY_KEY[key].label}的权重应为 0 到 100 的整数"
            continue
        weights[key] = int(raw)
    if not errors and not any(weights.values()):
        errors[WEIGHABLE[0]] = "至少一项指标的权重应大于 0"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    IndicatorWeight.objects.all().delete()
    IndicatorWeight.objects.bulk_create(
        [IndicatorWeight(indicator=k, weight=w, updated_by=by, updated_at=now) for k, w in weights.items()]
    )
    return weights
