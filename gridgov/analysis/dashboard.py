"""The figures of the dashboards (领导驾驶舱, the big screen, the daily bulletin).

Every function takes the region prefixes of the reader's scope (see
permissions.analysis_scopes) and reads the daily rollups for scopes of a town or wider, the
event facts for narrower ones; what depends on the clock (open events by light, overdue) is
read live from the open events, through the index that holds only them.
"""

from collections import Counter
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from gridgov.accounts.permissions import scope_q
from gridgov.analysis import indicators, rollup
from gridgov.analysis.models import DailyRollup, EventFact
from gridgov.events.models import OPEN, Category, Event
from gridgov.regions.models import Level, Region

TOWN = 9


def normalize(prefixes: list[str]) -> list[str]:
    """The prefixes without those another one already covers."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes), key=len):
        if not any(prefix.startswith(k) for k in kept):
            kept.append(prefix)
    return kept


def _group_of(by: str | None):
    """(rollup field, fact expression) for a grouping."""
    return {
        None: (None, None),
        "day": ("day", None),
        "category": ("category_id", F("category_id")),
        "town": ("region", Substr("area_code", 1, TOWN)),
    }[by]


def totals(prefixes: list[str], start: date, end: date, *, by: str | None = None) -> dict:
    """Measures summed over the scope and the period, by nothing (key ()), "day",
    "category" (its id) or "town" (its 9 digits)."""
    result: dict = {}
    rollup_field, _ = _group_of(by)
    for prefix in normalize(prefixes):
        if len(prefix) in rollup.REGION_LENGTHS and len(prefix) <= TOWN:
            rows = DailyRollup.objects.filter(day__gte=start, day__lte=end)
            if by == "town":
                # Each town's own rows (an equality and a day range on the index), not a range
                # over every row under the prefix.
                rows = rows.filter(region__in=_towns(prefix))
            else:
                rows = rows.filter(region=prefix)
            fields = [rollup_field] if rollup_field else []
            sums = {name: Sum(name) for name in rollup.METRICS}
            found = rows.values(*fields).annotate(**sums).order_by() if fields else [rows.aggregate(**sums)]
            for row in found:
                key = row.pop(rollup_field) if rollup_field else ()
                result.setdefault(key, Counter()).update({k: v or 0 for k, v in row.items()})
        else:
            facts = EventFact.objects.filter(area_code__startswith=prefix)
            for date_field in rollup.MEASURES:
                keys = _fact_keys(by, date_field)
                for key, measures in rollup.sums(facts, date_field, keys, start, end).items():
                    result.setdefault(key[0] if keys else (), Counter()).update(measures)
    return result


def _towns(prefix: str) -> list[str]:
    if len(prefix) == TOWN:
        return [prefix]
    found = Region.objects.filter(code__startswith=prefix, level=Level.TOWN).values_list("code", flat=True)
    return [code[:TOWN] for code in found]


def _fact_keys(by: str | None, date_field: str) -> dict:
    if by is None:
        return {}
    if by == "day":
        return {"_key": F(date_field)}
    return {"_key": _group_of(by)[1]}


def open_by_light(prefixes: list[str], now: datetime | None = None, *, by_town: bool = False):
    """Open events by light: red (past the deadline), yellow (in the warning window), green."""
    now = now or timezone.now()
    events = Event.objects.filter(status__in=OPEN).filter(scope_q(normalize(prefixes), "area_code"))
    counts = {
        "red": Count("pk", filter=Q(due_at__lte=now)),
        "yellow": Count("pk", filter=Q(warn_at__lte=now, due_at__gt=now)),
        "total": Count("pk"),
    }
    if by_town:
        rows = events.annotate(town=Substr("area_code", 1, TOWN)).values("town").annotate(**counts).order_by()
        return {r.pop("town"): _lights(r) for r in rows}
    return _lights(events.aggregate(**counts))


def _lights(row: dict) -> dict:
    return {"green": row["total"] - row["red"] - row["yellow"], "yellow": row["yellow"], "red": row["red"],
            "total": row["total"]}


def summary(prefixes: list[str], day: date, *, now: datetime | None = None) -> dict:
    """The day's intake and closures, and the open events now by light."""
    sums = totals(prefixes, day, day).get((), Counter())
    lights = open_by_light(prefixes, now)
    return {
        "day": day,
        "reported": sums["reported"],
        "handled": sums["handled"],
        "closed": sums["closed"],
        "self_handled": sums["self_handled"],
        "invalid": sums["invalid"],
        "open": {k: lights[k] for k in ("green", "yellow", "red")},
        "open_total": lights["total"],
        "overdue": lights["red"],
    }


def top_categories(prefixes: list[str], start: date, end: date, limit: int = 10) -> list[dict]:
    """The minor classes with the most reports in the period, most first."""
    found = totals(prefixes, start, end, by="category")
    ranked = sorted(((k, v) for k, v in found.items() if v["reported"]), key=lambda kv: (-kv[1]["reported"], kv[0]))
    ranked = ranked[:limit]
    categories = Category.objects.in_bulk([k for k, _ in ranked])
    result = []
    for category_id, sums in ranked:
        category = categories[category_id]
        result.append({
            "id": category_id, "code": category.code, "name": category.name,
            "major": category.parent.name if category.parent_id else category.name,
            "reported": sums["reported"], "closed": sums["closed"],
        })
    return result


def town_ranking(prefixes: list[str], start: date, end: date, *, now: datetime | None = None) -> list[dict]:
    """The towns of the scope ranked by their composite score over the period (the weights
    the administrator set), with their figures."""
    now = now or timezone.now()
    found = totals(prefixes, start, end, by="town")
    lights = open_by_light(prefixes, now, by_town=True)
    towns = set(found) | set(lights)
    names = dict(Region.objects.filter(code__in=[t.ljust(12, "0") for t in towns]).values_list("code", "name"))
    weights = indicators.weights()
    rows = []
    for town in towns:
        light = lights.get(town, {"green": 0, "yellow": 0, "red": 0, "total": 0})
        values = indicators.figures(found.get(town, Counter()), light["red"])
        points = indicators.score(values, weights)
        rows.append({
            "code": town, "name": names.get(town.ljust(12, "0"), town), "open": light["total"],
            "overdue": light["red"], **{k: values[k] for k in (
                "reported", "handled", "closed", "handle_rate", "on_time_handle_rate", "close_rate", "rework_rate")},
            "score": points, "grade": indicators.grade(points),
        })
    rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0), -r["reported"], r["code"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def trend(prefixes: list[str], start: date, end: date) -> list[dict]:
    """Reports, handled and closed per day of the period, every day present."""
    found = totals(prefixes, start, end, by="day")
    days = []
    day = start
    while day <= end:
        sums = found.get(day, Counter())
        days.append({"day": day, "reported": sums["reported"], "handled": sums["handled"], "closed": sums["closed"]})
        day += timedelta(days=1)
    return days
