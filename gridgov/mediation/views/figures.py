"""The mediation figures page and its Excel export, scoped by the user's regions."""

from datetime import date, timedelta
from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Font

from gridgov.accounts import permissions
from gridgov.lib import codes
from gridgov.mediation import figures
from gridgov.mediation.forms import PeriodForm
from gridgov.regions.models import Region

TOTALS = [
    ("registered", "登记数"), ("accepted", "受理数"), ("succeeded", "成功数"), ("failed", "调解不成"),
    ("success_rate", "调解成功率（%）"), ("average_days", "平均办理天数"), ("overdue", "超期数"),
    ("followed_up", "回访数"), ("performed", "已履行"), ("partly", "部分履行"), ("not_performed", "未履行"),
    ("performance_rate", "协议履行率（%）"),
]
BREAKDOWNS = [
    ("by_type", "按纠纷类型"), ("by_source", "按案件来源"), ("by_organisation", "按调解组织"),
    ("by_mediator", "按调解员"), ("by_region", "按镇街"),
]


def _regions(user_scopes: list[str]):
    """The regions a reader may narrow the figures to: the districts and towns in scope, and
    the villages too for a reader of one town or narrower (as the analysis pages offer)."""
    q = Q(pk__in=[])
    for scope in user_scopes:
        deepest = codes.VILLAGE if len(scope) >= codes.PREFIX_LENGTH[codes.TOWN] else codes.TOWN
        q |= Q(code__startswith=scope, level__gte=codes.DISTRICT, level__lte=deepest)
    return Region.objects.filter(q).order_by("code")


def _period(request: HttpRequest) -> tuple[PeriodForm, list[str], date, date]:
    """The period and region asked for; a field that does not validate (a region outside
    the reader's scope, a bad date) falls back to its default, the others still apply."""
    user_scopes = permissions.scopes(request.user)
    if not user_scopes:
        raise PermissionDenied("您没有查看统计的权限")
    form = PeriodForm(request.GET or None)
    form.fields["region"].choices = [("", "全部辖区")] + [(r.prefix, r.name) for r in _regions(user_scopes)]
    today = timezone.localdate()
    start, end, prefixes = today.replace(month=1, day=1), today, user_scopes
    if form.is_bound:
        form.is_valid()
        start = form.cleaned_data.get("start") or start
        end = form.cleaned_data.get("end") or end
        if form.cleaned_data.get("region"):
            prefixes = [form.cleaned_data["region"]]
    if end < start:
        start, end = end, start
    end = min(end, start + timedelta(days=3660))
    return form, prefixes, start, end


def _scope_label(prefixes: list[str]) -> str:
    names = dict(Region.objects.filter(code__in=[p.ljust(12, "0") for p in prefixes]).values_list("code", "name"))
    return "、".join(names.get(p.ljust(12, "0"), p or "全部") for p in prefixes)


@login_required
@require_GET
def figures_page(request: HttpRequest) -> HttpResponse:
    form, prefixes, start, end = _period(request)
    data = figures.summary(prefixes, start, end)
    return render(request, "mediation/figures.html", {
        "form": form, "data": data, "start": start, "end": end, "query": request.GET.urlencode(),
        "scope": _scope_label(prefixes),
        "totals": [(label, data[key]) for key, label in TOTALS],
        "breakdowns": [(label, data[key]) for key, label in BREAKDOWNS],
    })


@login_required
@require_GET
def figures_export(request: HttpRequest) -> HttpResponse:
    """The summary sheet (every total) and one sheet per breakdown."""
    _form, prefixes, start, end = _period(request)
    data = figures.summary(prefixes, start, end)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "汇总"
    bold = Font(bold=True)
    sheet.append([f"矛盾纠纷调解统计 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}"])
    sheet.append(["范围", _scope_label(prefixes)])
    for key, label in TOTALS:
        sheet.append([label, data[key]])
    sheet["A1"].font = bold
    for key, label in BREAKDOWNS:
        part = workbook.create_sheet(label)
        part.append(["名称", "案件数", "成功数"])
        for cell in part[1]:
            cell.font = bold
        for row in data[key]:
            part.append([row["name"], row["count"], row["succeeded"]])
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="mediation-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    return response


urlpatterns = [
    path("mediation/figures/", figures_page, name="mediation_figures"),
    path("mediation/figures.xlsx", figures_export, name="mediation_figures_export"),
]
