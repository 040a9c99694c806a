"""The views of the analysis page (统计分析): each is a table — the chart draws it, the Excel
export writes it — computed for a scope (region prefixes) and a period of report days."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, Substr

from gridgov.accounts.permissions import scope_q
from gridgov.analysis import dashboard, indicators
from gridgov.analysis.models import EventFact, Subject
from gridgov.events.models import Category, Level, Source, Status


@dataclass
class Table:
    columns: list[str]
    rows: list[list]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    kind: str  # pie, bar, hbar, line, heatmap
    compute: Callable[[list[str], date, date, datetime], Table]
    note: str = ""


def _facts(prefixes, start, end):
    return EventFact.objects.filter(scope_q(prefixes, "area_code"), reported_on__gte=start, reported_on__lte=end)


def _count_by(prefixes, start, end, field, label_of, *, top: int | None = None) -> list[list]:
    field = F(field) if isinstance(field, str) else field
    rows = _facts(prefixes, start, end).annotate(_k=field).values("_k").annotate(n=Count("pk")).order_by("-n", "_k")
    rows = list(rows[:top] if top else rows)
    labels = label_of([r["_k"] for r in rows])
    return [[labels.get(r["_k"], str(r["_k"])), r["n"]] for r in rows]


def _choices(choices):
    return lambda keys: dict(choices)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def status(prefixes, start, end, now) -> Table:
    return Table(["状态", "事件数"], _count_by(prefixes, start, end, "status", _choices(Status.choices)))


def level(prefixes, start, end, now) -> Table:
    return Table(["等级", "事件数"], _count_by(prefixes, start, end, "level", _choices(Level.choices)))


def _category_names(keys):
    return {c.pk: c.name for c in Category.objects.filter(pk__in=keys)}


def major(prefixes, start, end, now) -> Table:
    return Table(["大类", "事件数"], _count_by(prefixes, start, end, "major_id", _category_names))


def minor(prefixes, start, end, now) -> Table:
    return Table(["小类", "事件数"], _count_by(prefixes, start, end, "category_id", _category_names, top=15))


def source(prefixes, start, end, now) -> Table:
    return Table(["来源", "事件数"], _count_by(prefixes, start, end, "source", _choices(Source.choices)))


def trend_day(prefixes, start, end, now) -> Table:
    days = dashboard.trend(prefixes, start, end)
    return Table(["日期", "上报", "处置", "结案"],
                 [[d["day"].isoformat(), d["reported"], d["handled"], d["closed"]] for d in days])


def _trend_by(prefixes, start, end, label: Callable[[date], str], heading: str) -> Table:
    sums: dict[str, Counter] = {}
    for d in dashboard.trend(prefixes, start, end):
        sums.setdefault(label(d["day"]), Counter()).update({k: d[k] for k in ("reported", "handled", "closed")})
    return Table([heading, "上报", "处置", "结案"], [[k, v["reported"], v["handled"], v["closed"]] for k, v in sums.items()])


def trend_week(prefixes, start, end, now) -> Table:
    return _trend_by(prefixes, start, end, lambda d: f"{(d - timedelta(days=d.weekday())):%m-%d}周", "周")


def trend_month(prefixes, start, end, now) -> Table:
    return _trend_by(prefixes, start, end, lambda d: f"{d:%Y-%m}", "月份")


WEEKDAYS = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


def heat(prefixes, start, end, now) -> Table:
    rows = (
        _facts(prefixes, start, end)
        .annotate(_d=ExtractIsoWeekDay("reported_at"), _h=ExtractHour("reported_at"))
        .values("_d", "_h").annotate(n=Count("pk")).order_by("_d", "_h")
    )
    return Table(["星期", "小时", "事件数"], [[WEEKDAYS[r["_d"] - 1], r["_h"], r["n"]] for r in rows])


def _area(length: int, top: int | None):
    def compute(prefixes, start, end, now) -> Table:
        if length == 15:
            subject = Subject.GRID
        else:
            subject = Subject.VILLAGE if length == 12 else Subject.TOWN
        rows = _count_by(prefixes, start, end, Substr("area_code", 1, length),
                         lambda keys: indicators.names(subject, keys), top=top)
        return Table(["区域", "事件数"], rows)
    return compute


def _department(field: str, heading: str, *, percent: bool = False, subject: str = Subject.DEPARTMENT):
    def compute(prefixes, start, end, now) -> Table:
        rows = indicators.table(prefixes, start, end, subject, now=now)
        values = [[r["name"], _pct(r["figures"][field]) if percent else r["figures"][field]] for r in rows]
        if not percent and field.startswith("avg_"):
            values = [[n, None if v is None else round(v, 1)] for n, v in values]
        values = [v for v in values if v[1] is not None]
        values.sort(key=lambda v: -v[1])
        return Table([Subject(subject).label, heading], values)
    return compute


def _closed(prefixes, start, end):
    return EventFact.objects.filter(scope_q(prefixes, "area_code"), closed_on__gte=start, closed_on__lte=end)


def self_handled(prefixes, start, end, now) -> Table:
    found = _closed(prefixes, start, end).aggregate(
        closed=Count("pk", filter=Q(status=Status.CLOSED)), own=Count("pk", filter=Q(self_handled=True))
    )
    return Table(["结案方式", "事件数"], [["自行处置", found["own"]], ["核查结案", found["closed"] - found["own"]]])


def satisfaction(prefixes, start, end, now) -> Table:
    found = _closed(prefixes, start, end).aggregate(
        rated=Count("pk", filter=Q(rated=True)), satisfied=Count("pk", filter=Q(satisfied=True))
    )
    return Table(["评价", "事件数"], [["满意/基本满意", found["satisfied"]], ["不满意", found["rated"] - found["satisfied"]]])


def completion(prefixes, start, end, now) -> Table:
    figures = indicators.totals(prefixes, start, end, now=now)
    return Table(["指标", "比率（%）"], [[i.label, _pct(figures[i.key])] for i in indicators.RATES])


def ranking(prefixes, start, end, now) -> Table:
    rows = dashboard.town_ranking(prefixes, start, end, now=now)
    return Table(["镇街", "综合得分"], [[r["name"], r["score"]] for r in rows if r["score"] is not None])


CHARTS = [
    Chart("completion", "办结情况（各项比率）", "bar", completion),
    Chart("status", "办理状态分布", "pie", status),
    Chart("level", "事件等级分布", "pie", level),
    Chart("major", "事件大类分布", "pie", major),
    Chart("minor", "高发事件小类（前 15）", "hbar", minor),
    Chart("trend_day", "按日趋势", "line", trend_day),
    Chart("trend_week", "按周趋势", "line", trend_week),
    Chart("trend_month", "按月趋势", "bar", trend_month),
    Chart("heat", "时段分布（小时 × 星期）", "heatmap", heat),
    Chart("towns", "高发区域：镇街", "bar", _area(9, None)),
    Chart("villages", "高发区域：村社区（前 20）", "hbar", _area(12, 20)),
    Chart("grids", "高发区域：网格（前 20）", "hbar", _area(15, 20)),
    Chart("source", "事件来源", "pie", source),
    Chart("handle_time", "各部门平均处置时长（小时）", "hbar", _department("avg_handle_hours", "平均处置时长（小时）")),
    Chart("overdue", "各部门超期待处置", "hbar", _department("overdue", "超期待处置数")),
    Chart("self_handled", "自行处置占比", "pie", self_handled),
    Chart("rework", "各部门返工数", "hbar", _department("reworked", "返工数")),
    Chart("extension", "各部门延期数", "hbar", _department("extended", "延期数")),
    Chart("on_time", "各镇街按期处置率（%）", "bar",
          _department("on_time_handle_rate", "按期处置率（%）", percent=True, subject=Subject.TOWN)),
    Chart("satisfaction", "群众满意度", "pie", satisfaction),
    Chart("ranking", "镇街综合得分", "bar", ranking),
]
BY_KEY = {c.key: c for c in CHARTS}
