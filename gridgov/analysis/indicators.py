"""The evaluation indicators of reference/standards-cn.md §5, from the event facts.

For a period and a group (grid worker, grid, village, town, department, category):

- 处置数: events whose last feedback fell in the period; 按期处置数: of those, handled by
  their handling deadline (a self-handled event is handled on time);
- 超期待处置数: events reported up to the period's end, still waiting to be handled, past
  their deadline now;
- 应处置数 = 处置数 + 超期待处置数; 应结案数 is the same (§5: "应结案数 = 处置数 + 超期未处置数");
- 结案数 / 按期结案数: events closed in the period / closed with their handling on time;
- 返工数 / 延期数: handled events that were reworked / extended at least once;
- average handling time (signing → last feedback) and closing time (report → closure), in hours;
- 满意率: 满意 or 基本满意 over all ratings given at verification.

Rates are None when their denominator is 0 (nothing due): shown as "—", never as 0% or 100%.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, F
from django.db.models.functions import Substr
from django.utils import timezone

from gridgov.accounts.models import Department, User
from gridgov.accounts.permissions import scope_q
from gridgov.analysis import rollup
from gridgov.analysis.models import EventFact, IndicatorWeight, Subject
from gridgov.events.models import Category
from gridgov.regions.models import Grid, Region


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    kind: str  # count, rate, hours
    # A rate where less is better (返工率…) enters the score as 1 − rate.
    lower_is_better: bool = False


INDICATORS = [
    Indicator("reported", "上报数", "count"),
    Indicator("due", "应处置数", "count"),
    Indicator("handled", "处置数", "count"),
    Indicator("handled_on_time", "按期处置数", "count"),
    Indicator("overdue", "超期待处置数", "count"),
    Indicator("closed", "结案数", "count"),
    Indicator("closed_on_time", "按期结案数", "count"),
    Indicator("reworked", "返工数", "count"),
    Indicator("extended", "延期数", "count"),
    Indicator("handle_rate", "处置率", "rate"),
    Indicator("on_time_handle_rate", "按期处置率", "rate"),
    Indicator("close_rate", "结案率", "rate"),
    Indicator("on_time_close_rate", "按期结案率", "rate"),
    Indicator("rework_rate", "返工率", "rate", lower_is_better=True),
    Indicator("extension_rate", "延期率", "rate", lower_is_better=True),
    Indicator("overdue_rate", "超期待处置率", "rate", lower_is_better=True),
    Indicator("satisfaction_rate", "满意率", "rate"),
    Indicator("self_handled_share", "自行处置占比", "rate"),
    Indicator("avg_handle_hours", "平均处置时长（小时）", "hours"),
    Indicator("avg_close_hours", "平均结案时长（小时）", "hours"),
]
BY_KEY = {i.key: i for i in INDICATORS}
RATES = [i for i in INDICATORS if i.kind == "rate"]

# The Jinniu district's 100 points (§5): 日常处置率×30 + 按期处置率×20 + (1−返工率)×20 +
# (1−超期待处置率)×20 + (1−延期率)×10. The administrator may change them on the weights page.
DEFAULT_WEIGHTS = {
    "handle_rate": 30, "on_time_handle_rate": 20, "rework_rate": 20, "overdue_rate": 20, "extension_rate": 10,
}
GRADES = [(90, "A"), (75, "B"), (60, "C"), (40, "D")]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def figures(sums: Counter, overdue: int) -> dict:
    """Every indicator from the summed measures of a group and its count of overdue events."""
    due = sums["handled"] + overdue
    return {
        "reported": sums["reported"],
        "due": due,
        "handled": sums["handled"],
        "handled_on_time": sums["handled_on_time"],
        "overdue": overdue,
        "closed": sums["closed"],
        "closed_on_time": sums["closed_on_time"],
        "reworked": sums["reworked"],
        "extended": sums["extended"],
        "handle_rate": _rate(sums["handled"], due),
        "on_time_handle_rate": _rate(sums["handled_on_time"], due),
        "close_rate": _rate(sums["closed"], due),
        "on_time_close_rate": _rate(sums["closed_on_time"], due),
        "rework_rate": _rate(sums["reworked"], due),
        "extension_rate": _rate(sums["extended"], due),
        "overdue_rate": _rate(overdue, due),
        "satisfaction_rate": _rate(sums["satisfied"], sums["rated"]),
        "self_handled_share": _rate(sums["self_handled"], sums["closed"]),
        "avg_handle_hours": sums["handle_seconds"] / sums["handled"] / 3600 if sums["handled"] else None,
        "avg_close_hours": sums["close_seconds"] / sums["closed"] / 3600 if sums["closed"] else None,
    }


def weights() -> dict[str, int]:
    """The weights in force: the administrator's, or the defaults where none is set."""
    stored = dict(IndicatorWeight.objects.values_list("indicator", "weight"))
    return stored if stored else dict(DEFAULT_WEIGHTS)


def score(values: dict, weights: dict[str, int]) -> float | None:
    """The composite score out of 100; None when a weighted rate has nothing to rate."""
    total = sum(w for w in weights.values() if w)
    if not total:
        return None
    points = 0.0
    for key, weight in weights.items():
        if not weight:
            continue
        value = values.get(key)
        if value is None:
            return None
        points += weight * ((1 - value) if BY_KEY[key].lower_is_better else value)
    return round(points / total * 100, 1)


def grade(value: float | None) -> str:
    if value is None:
        return ""
    return next((g for floor, g in GRADES if value >= floor), "E")


# --- groups ---------------------------------------------------------------------------------

GROUP_KEYS = {
    Subject.GRID_WORKER: F("reporter_id"),
    Subject.GRID: F("area_code"),
    Subject.VILLAGE: Substr("area_code", 1, 12),
    Subject.TOWN: Substr("area_code", 1, 9),
    Subject.DEPARTMENT: F("lead_id"),
    Subject.CATEGORY: F("category_id"),
}


def names(subject: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if subject == Subject.GRID_WORKER:
        return {u.pk: u.display_name for u in User.objects.filter(pk__in=keys)}
    if subject == Subject.GRID:
        return dict(Grid.objects.filter(code__in=keys).values_list("code", "name"))
    if subject in (Subject.VILLAGE, Subject.TOWN):
        codes = {k.ljust(12, "0"): k for k in keys}
        return {codes[c]: n for c, n in Region.objects.filter(code__in=codes).values_list("code", "name")}
    if subject == Subject.DEPARTMENT:
        return dict(Department.objects.filter(pk__in=keys).values_list("pk", "name"))
    return {c.pk: str(c) for c in Category.objects.filter(pk__in=keys).select_related("parent")}


def grouped(facts, start: date, end: date, key) -> dict:
    """Summed measures of `facts` in the period by `key` (an expression over the facts)."""
    total: dict = {}
    for date_field in rollup.MEASURES:
        for (value,), measures in rollup.sums(facts, date_field, {"_key": key}, start, end).items():
            total.setdefault(value, Counter()).update(measures)
    return total


def overdue_by(facts, end: date, key, now: datetime) -> dict:
    rows = (
        facts.filter(reported_on__lte=end, pending_due_at__lt=now)
        .annotate(_key=key).values("_key").annotate(n=Count("pk")).order_by()
    )
    return {r["_key"]: r["n"] for r in rows}


def table(
    prefixes: list[str], start: date, end: date, subject: str, *, now: datetime | None = None,
    weights_in_force: dict[str, int] | None = None,
) -> list[dict]:
    """One row per member of `subject` with events in the scope: its figures, composite
    score and grade, ranked by score (rows without a score last)."""
    now = now or timezone.now()
    weights_in_force = weights() if weights_in_force is None else weights_in_force
    facts = EventFact.objects.filter(scope_q(prefixes, "area_code"))
    key = GROUP_KEYS[subject]
    sums = grouped(facts, start, end, key)
    overdue = overdue_by(facts, end, key, now)
    labels = names(subject, set(sums) | set(overdue))
    rows = []
    for value in set(sums) | set(overdue):
        if value is None:
            continue  # events no department has led yet, in the department table
        values = figures(sums.get(value, Counter()), overdue.get(value, 0))
        points = score(values, weights_in_force)
        rows.append({"key": value, "name": labels.get(value, str(value)), "figures": values,
                     "score": points, "grade": grade(points)})
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["figures"]["reported"], str(r["key"])))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def totals(prefixes: list[str], start: date, end: date, *, now: datetime | None = None) -> dict:
    """The figures of the whole scope for the period."""
    now = now or timezone.now()
    facts = EventFact.objects.filter(scope_q(prefixes, "area_code"))
    sums = Counter()
    for date_field in rollup.MEASURES:
        for measures in rollup.sums(facts, date_field, {}, start, end).values():
            sums.update(measures)
    overdue = facts.filter(reported_on__lte=end, pending_due_at__lt=now).count()
    return figures(sums, overdue)

