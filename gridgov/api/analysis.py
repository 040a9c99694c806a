"""Analysis figures: the dashboard's summary, every chart's table and the indicator tables,
scoped like the pages (permissions.analysis_scopes) and computed by the same functions."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from gridgov.accounts import permissions
from gridgov.analysis import charts, dashboard, indicators
from gridgov.analysis.models import Subject
from gridgov.analysis.params import parse_date, period, region_param

router = Router(tags=["统计分析"])


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class TableOut(Schema):
    key: str
    title: str
    kind: str
    columns: list[str]
    rows: list[list]


def _scope(request: HttpRequest, roles: set[str], region: str) -> list[str]:
    return permissions.analysis_scopes(request.user, roles, region_param({"region": region}))


@router.get("/analysis/summary", response={200: dict, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def summary(request: HttpRequest, region: str = "", day: str = "") -> dict:
    """Today's (or `day`'s) intake and closures, and the open events now by light."""
    prefixes = _scope(request, permissions.DASHBOARD_ROLES, region)
    figures = dashboard.summary(prefixes, parse_date(day, "day", "日期") or timezone.localdate())
    return {**figures, "day": figures["day"].isoformat()}


@router.get("/analysis/charts/{key}", response={200: TableOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def chart(request: HttpRequest, key: str, region: str = "", start: str = "", end: str = "") -> dict:
    found = charts.BY_KEY.get(key)
    if found is None:
        raise Http404("没有这个图表")
    prefixes = _scope(request, permissions.ANALYSIS_ROLES, region)
    first, last = period({"start": start, "end": end})
    table = found.compute(prefixes, first, last, timezone.now())
    return {"key": found.key, "title": found.title, "kind": found.kind, "columns": table.columns, "rows": table.rows}


@router.get("/analysis/indicators", response={200: list[dict], 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def indicator_table(
    request: HttpRequest, subject: str = Subject.TOWN, region: str = "", start: str = "", end: str = ""
) -> list[dict]:
    """The indicators of every grid worker, grid, village, town, department or category."""
    if subject not in Subject.values:
        raise ValidationError({"subject": f"统计对象 {subject!r} 无效，应为 {'/'.join(Subject.values)}"})
    prefixes = _scope(request, permissions.ASSESSMENT_ROLES, region)
    first, last = period({"start": start, "end": end})
    rows = indicators.table(prefixes, first, last, subject)
    return [{**row, "key": str(row["key"])} for row in rows]
