"""The command centre's pages: the map, the big screen, warnings, bulletins, points of
interest, and the one-click call button of the event page."""

import json
from datetime import timedelta
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_POST

from gridgov.accounts import permissions
from gridgov.command import bulletins, calls, layers, pois, warnings
from gridgov.command.models import PoiKind, WarningKind, WarningStatus
from gridgov.events.views.event import get_event_for
from gridgov.events.workflow import TransitionError
from gridgov.regions.views.browse import map_settings


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@login_required
@require_GET
def map_page(request):
    scopes = permissions.require_command_scopes(request.user, permissions.MAP)
    return render(request, "command/map.html", {
        "map": map_settings(),
        "extent": json.dumps(layers.extent(scopes)),
        "poi_kinds": PoiKind.choices,
    })


@login_required
@require_GET
def screen_page(request):
    scopes = permissions.require_command_scopes(request.user, permissions.SCREEN)
    return render(request, "command/screen.html", {
        "map": map_settings(),
        "extent": json.dumps(layers.extent(scopes)),
        "title": "、".join(bulletins.scope_name(s) for s in scopes[:3]),
    })


@login_required
@require_POST
def call(request, code: str):
    """一键呼叫 from the event page."""
    event = get_event_for(request.user, code)
    try:
        row = calls.call(event, by=request.user, note=request.POST.get("note", "")[:500])
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已呼叫：{'、'.join(row.data['names'])}")
    return redirect("event", code=event.code)


# --- warnings -------------------------------------------------------------------------------


@login_required
def warning_list(request):
    permissions.require_command_scopes(request.user, permissions.WARNINGS)
    status = request.GET.get("status", WarningStatus.OPEN)
    if status not in WarningStatus.values:
        status = WarningStatus.OPEN
    rows = (
        warnings.visible(request.user).filter(status=status)
        .select_related("category", "event", "decided_by").prefetch_related("events")[:200]
    )
    may_decide = bool(permissions.command_scopes(request.user, permissions.DECIDE_WARNING))
    return render(request, "command/warnings.html", {
        "rows": rows,
        "status": status,
        "statuses": WarningStatus.choices,
        "kinds": WarningKind.choices,
        "may_decide": may_decide,
        "words": "、".join(warnings.risk_words()),
    })


@login_required
@require_POST
def warning_act(request, pk: int, action: str):
    warning = warnings.get_for(request.user, pk)
    try:
        if action == "dismiss":
            warnings.dismiss(warning, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "预警已排除")
        elif action == "convert":
            event = warnings.convert(warning, by=request.user)
            messages.success(request, f"已转为事件 {event.code}")
        else:
            raise Http404("没有这个操作")
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except TransitionError as exc:
        messages.error(request, str(exc))
    return redirect("command_warnings")


@login_required
@require_POST
def warning_detect(request):
    if not permissions.command_scopes(request.user, permissions.DECIDE_WARNING):
        raise PermissionDenied("您不能发起预警检测")
    found = warnings.detect()
    mine = [w for w in found if permissions.may_at(request.user, permissions.WARNINGS, w.area_code)]
    messages.success(request, f"检测完成：新增预警 {len(mine)} 条")
    return redirect("command_warnings")


@login_required
@require_POST
def risk_words(request):
    try:
        words = warnings.set_risk_words(request.POST.get("words", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, f"稳定风险词已保存（{len(words)} 个）")
    return redirect("command_warnings")


# --- bulletins ------------------------------------------------------------------------------


@login_required
def bulletin_list(request):
    scopes = permissions.require_command_scopes(request.user, permissions.BULLETINS)
    if request.method == "POST":
        scope = request.POST.get("scope", "")
        day = parse_date(request.POST.get("day", "") or "")
        try:
            if day is None:
                raise ValidationError({"day": "请填写有效的通报日期"})
            bulletin = bulletins.generate_for(request.user, scope, day)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, f"已生成 {bulletin}")
        return redirect("command_bulletins")
    return render(request, "command/bulletins.html", {
        "rows": bulletins.visible(request.user).defer("pdf", "xlsx")[:200],
        "areas": [(s, bulletins.scope_name(s)) for s in scopes],
        "yesterday": timezone.localdate() - timedelta(days=1),
    })


@login_required
@require_GET
def bulletin_file(request, pk: int, kind: str):
    bulletin = get_object_or_404(bulletins.visible(request.user), pk=pk)
    name = f"{bulletin.scope_name}每日通报-{bulletin.day:%Y%m%d}"
    if kind == "pdf":
        response = HttpResponse(bytes(bulletin.pdf), content_type="application/pdf")
    elif kind == "xlsx":
        response = HttpResponse(
            bytes(bulletin.xlsx), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        raise Http404("没有这种格式")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.{kind}"
    return response


# --- points of interest ---------------------------------------------------------------------


@login_required
def poi_admin(request):
    permissions.require_scopes(request.user, permissions.EDIT)
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = ["请选择要导入的文件（GeoJSON 或 Excel）"]
        else:
            try:
                count = pois.import_file(filename=upload.name, content=upload.read(), by=request.user)
            except pois.ImportFailed as exc:
                errors = exc.errors
            else:
                messages.success(request, f"已导入 {count} 个兴趣点")
                return redirect("command_pois")
    rows = pois.manageable(request.user)
    by_kind = dict(rows.values_list("kind").annotate(n=Count("pk")).order_by())
    return render(request, "command/pois.html", {
        "errors": errors[:200],
        "error_count": len(errors),
        "counts": [(label, by_kind.get(value, 0)) for value, label in PoiKind.choices],
        "rows": rows.order_by("-imported_at", "pk")[:100],
        "total": rows.count(),
    }, status=422 if errors else 200)


@login_required
@require_POST
def poi_delete(request, pk: int):
    point = get_object_or_404(pois.manageable(request.user), pk=pk)
    point.delete()
    messages.success(request, f"已删除兴趣点 {point.name}")
    return redirect("command_pois")


urlpatterns = [
    path("map/", map_page, name="command_map"),
    path("command/", screen_page, name="command_screen"),
    path("command/warnings/", warning_list, name="command_warnings"),
    path("command/warnings/detect/", warning_detect, name="command_warning_detect"),
    path("command/warnings/words/", risk_words, name="command_risk_words"),
    path("command/warnings/<int:pk>/<str:action>/", warning_act, name="command_warning_act"),
    path("command/bulletins/", bulletin_list, name="command_bulletins"),
    path("command/bulletins/<int:pk>.<str:kind>", bulletin_file, name="command_bulletin_file"),
    path("command/pois/", poi_admin, name="command_pois"),
    path("command/pois/<int:pk>/delete/", poi_delete, name="command_poi_delete"),
    path("command/events/<str:code>/call/", call, name="command_call"),
]
