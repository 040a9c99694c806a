"""领导驾驶舱, 统计分析 (charts and their Excel exports) and 考核评价 (indicator tables, weights,
the monthly assessment). Each view takes its scope from permissions.analysis_scopes."""

import io
from datetime import date, timedelta
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.accounts import permissions
from gridgov.analysis import assessment, charts, dashboard, indicators
from gridgov.analysis.models import Subject
from gridgov.analysis.params import period, region_param
from gridgov.lib import codes
from gridgov.regions.models import Region

def _scope(request: HttpRequest, roles: set[str]) -> tuple[list[str], str]:
    region = region_param(request.GET)
    return permissions.analysis_scopes(request.user, roles, region), region


def _scope_and_period(request: HttpRequest, roles: set[str]) -> tuple[list[str], str, date, date, list[str]]:
    """The scope and period asked for; on bad input, the whole scope and the default period
    with the errors to show."""
    try:
        prefixes, region = _scope(request, roles)
        start, end = period(request.GET)
        return prefixes, region, start, end, []
    except ValidationError as exc:
        return permissions.analysis_scopes(request.user, roles), "", *period({}), _errors(exc)


def _regions_to_choose(user, roles) -> list[dict]:
    """The regions a reader may narrow to: each scope and the towns below it (the villages
    too, for a reader of one town or narrower)."""
    found = []
    for prefix in permissions.analysis_scopes(user, roles):
        deepest = codes.VILLAGE if len(prefix) >= codes.PREFIX_LENGTH[codes.TOWN] else codes.TOWN
        rows = Region.objects.filter(code__startswith=prefix, level__lte=deepest).order_by("code")
        for code, name, level in rows.values_list("code", "name", "level")[:500]:
            length = codes.PREFIX_LENGTH[level]
            found.append({"prefix": code[:length], "name": name, "depth": length})
    return found


def _errors(exc: ValidationError) -> list[str]:
    return [m for messages_ in exc.message_dict.values() for m in messages_]


# --- 领导驾驶舱 ------------------------------------------------------------------------------


@login_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    prefixes, region, start, end, errors = _scope_and_period(request, permissions.DASHBOARD_ROLES)
    today = timezone.localdate()
    context = {
        "errors": errors,
        "region": region,
        "start": start,
        "end": end,
        "regions": _regions_to_choose(request.user, permissions.DASHBOARD_ROLES),
        "summary": dashboard.summary(prefixes, today),
        "top": dashboard.top_categories(prefixes, start, end),
        "towns": dashboard.town_ranking(prefixes, start, end),
        "trend": [
            {"day": d["day"].isoformat(), "reported": d["reported"], "closed": d["closed"]}
            for d in dashboard.trend(prefixes, start, end)
        ],
    }
    return render(request, "analysis/dashboard.html", context, status=400 if errors else 200)


# --- 统计分析 --------------------------------------------------------------------------------


def _mediation(prefixes: list[str], start: date, end: date) -> dict:
    """The mediation totals of the card; its breakdowns are on the figures page it links to."""
    from gridgov.mediation import figures

    return figures.summary(prefixes, start, end)


@login_required
@require_GET
def analysis_page(request: HttpRequest) -> HttpResponse:
    prefixes, region, start, end, errors = _scope_and_period(request, permissions.ANALYSIS_ROLES)
    now = timezone.now()
    drawn = []
    for chart in charts.CHARTS:
        table = chart.compute(prefixes, start, end, now)
        drawn.append({"key": chart.key, "title": chart.title, "kind": chart.kind,
                      "columns": table.columns, "rows": table.rows})
    context = {
        "errors": errors,
        "region": region,
        "start": start,
        "end": end,
        "regions": _regions_to_choose(request.user, permissions.ANALYSIS_ROLES),
        "charts": drawn,
        "figures": indicators.totals(prefixes, start, end, now=now),
        "indicators": indicators.INDICATORS,
        "mediation": _mediation(prefixes, start, end),
    }
    return render(request, "analysis/analysis.html", context, status=400 if errors else 200)


def xlsx_response(title: str, subtitle: str, columns: list[str], rows: list[list], filename: str) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31].replace("/", "-").replace("（", "(").replace("）", ")")
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([subtitle])
    sheet.append(columns)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, _ in enumerate(columns, 1):
        sheet.column_dimensions[sheet.cell(row=3, column=index).column_letter].width = 18 if index > 1 else 28
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename=\"{filename.encode('ascii', 'ignore').decode() or 'export.xlsx'}\"; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@require_GET
def analysis_export(request: HttpRequest, key: str) -> HttpResponse:
    chart = charts.BY_KEY.get(key)
    if chart is None:
        raise Http404("没有这个图表")
    try:
        prefixes, region = _scope(request, permissions.ANALYSIS_ROLES)
        start, end = period(request.GET)
    except ValidationError as exc:
        return HttpResponse("；".join(_errors(exc)), status=400, content_type="text/plain; charset=utf-8")
    table = chart.compute(prefixes, start, end, timezone.now())
    scope = region or "、".join(p or "全部" for p in prefixes)
    return xlsx_response(chart.title, f"范围：{scope}　期间：{start} 至 {end}", table.columns, table.rows,
                         f"{chart.title}-{start}-{end}.xlsx")


# --- 考核评价 --------------------------------------------------------------------------------


def _month(value: str) -> date:
    today = timezone.localdate()
    if not value:
        first = today.replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)  # last month: the one to assess
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValidationError({"month": "考核月份应为 YYYY-MM 格式"}) from None


def _subject(value: str) -> str:
    value = value or Subject.TOWN
    if value not in Subject.values:
        raise ValidationError({"subject": f"考核对象 {value!r} 无效"})
    return value


@login_required
@require_GET
def assessment_page(request: HttpRequest) -> HttpResponse:
    errors = []
    try:
        prefixes, region = _scope(request, permissions.ASSESSMENT_ROLES)
        month = _month(request.GET.get("month", ""))
        subject = _subject(request.GET.get("subject", ""))
    except ValidationError as exc:
        errors = _errors(exc)
        prefixes, region = permissions.analysis_scopes(request.user, permissions.ASSESSMENT_ROLES), ""
        month, subject = _month(""), Subject.TOWN
    scope = region or (prefixes[0] if len(prefixes) == 1 else "")
    sheet = assessment.sheet(prefixes, month, subject, scope=scope)
    context = {
        "errors": errors,
        "region": region,
        "regions": _regions_to_choose(request.user, permissions.ASSESSMENT_ROLES),
        "month": month,
        "subject": subject,
        "subjects": Subject.choices,
        "sheet": sheet,
        "columns": [indicators.BY_KEY[k] for k in assessment.COLUMNS],
        "may_publish": bool(scope) and sheet["published"] is None
        and permissions.may_publish_assessment(request.user, scope) and month < timezone.localdate().replace(day=1),
        "may_set_weights": permissions.may_set_indicator_weights(request.user),
        "scope": scope,
    }
    if request.GET.get("format") == "xlsx":
        rows = [[r["rank"], r["name"], *[assessment.shown(r["figures"].get(c.key), c) for c in context["columns"]],
                 r["score"], r["grade"]] for r in sheet["rows"]]
        columns = ["名次", Subject(subject).label, *[c.label for c in context["columns"]], "综合得分", "等级"]
        title = f"{month:%Y年%m月}{Subject(subject).label}考核"
        state = "已发布" if sheet["published"] else "草稿（未发布）"
        return xlsx_response(title, f"范围：{scope or '全部'}　{state}", columns, rows, f"{title}.xlsx")
    return render(request, "analysis/assessment.html", context, status=400 if errors else 200)


@login_required
@require_POST
def assessment_publish(request: HttpRequest) -> HttpResponse:
    try:
        month = _month(request.POST.get("month", ""))
        subject = _subject(request.POST.get("subject", ""))
        scope = region_param(request.POST)
        permissions.analysis_scopes(request.user, permissions.ASSESSMENT_ROLES, scope)
        if not scope or not permissions.may_publish_assessment(request.user, scope):
            raise PermissionDenied("只有该区域的系统管理员可以发布考核结果")
        published = assessment.publish(month=month, subject=subject, scope=scope, by=request.user)
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return redirect(f"/assessment/?region={request.POST.get('region', '')}")
    messages.success(request, f"{published} 已发布，结果已固定")
    return redirect(f"/assessment/?region={scope}&month={month:%Y-%m}&subject={subject}")


@login_required
@require_http_methods(["GET", "POST"])
def weights_page(request: HttpRequest) -> HttpResponse:
    if not permissions.may_set_indicator_weights(request.user):
        raise PermissionDenied("只有区级以上系统管理员可以设置考核权重")
    errors: dict[str, str] = {}
    current = indicators.weights()
    if request.method == "POST":
        try:
            assessment.set_weights(request.POST, by=request.user)
        except ValidationError as exc:
            errors = {k: v[0] for k, v in exc.message_dict.items()}
            current = {k: request.POST.get(k, "") for k in assessment.WEIGHABLE}
        else:
            messages.success(request, "考核权重已保存")
            return redirect("analysis_weights")
    rows = [{"indicator": indicators.BY_KEY[k], "weight": current.get(k, 0), "error": errors.get(k, "")}
            for k in assessment.WEIGHABLE]
    return render(request, "analysis/weights.html", {"rows": rows, "errors": errors}, status=400 if errors else 200)
