"""Pages of field work: the grid worker's phone app under /m/ (an installable web app that
keeps working without signal, see static/field/phone.js), and the desktop pages of the
town operator (patrol replay, indicators) and the administrator (checklists, check-in)."""

import json
from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.accounts import permissions
from gridgov.events import attachments
from gridgov.events.models import Category
from gridgov.field import attendance, checklists, selectors
from gridgov.field.models import (
    FindingKind,
    Inspection,
    InspectionPhoto,
    Patrol,
    PlaceKind,
    TownAttendance,
)
from gridgov.lib import codes
from gridgov.regions.models import Grid, Level, Region
from gridgov.regions.selectors import grid_features

# A fix every this many seconds while on patrol (setting FIELD_TRACK_INTERVAL_SECONDS).
TRACK_INTERVAL_SECONDS = 10


def _worker(request):
    if not permissions.is_grid_worker(request.user):
        raise PermissionDenied("手机巡查仅供网格员使用")
    request.track_interval = getattr(settings, "FIELD_TRACK_INTERVAL_SECONDS", TRACK_INTERVAL_SECONDS)
    return request.user


def _render(request, template: str, context: dict):
    return render(request, template, {**context, "track_interval": request.track_interval})


def _categories() -> list[dict]:
    rows = Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True).select_related("parent")
    return [
        {"code": c.code, "name": c.name, "major": c.parent.name, "search": f"{c.name} {c.parent.name} {c.keywords}"}
        for c in rows
    ]


def _checklists() -> list[dict]:
    kinds = PlaceKind.objects.filter(is_active=True).prefetch_related("items")
    return [
        {"code": k.code, "name": k.name, "items": [{"id": i.pk, "text": i.text} for i in k.items.all() if i.is_active]}
        for k in kinds
    ]


# --- the phone app ---------------------------------------------------------------------------


@login_required
def today(request):
    user = _worker(request)
    return _render(request, "field/today.html", {
        "today": selectors.today(user), "check_in_required": attendance.required_for(user),
        "grids": selectors.worker_grids(user),
    })


@login_required
def report(request):
    _worker(request)
    return _render(request, "field/report.html", {"categories": _categories()})


@login_required
def visit(request):
    _worker(request)
    return _render(request, "field/visit.html", {"findings": FindingKind.choices})


@login_required
def inspect(request):
    user = _worker(request)
    previous = None
    if request.GET.get("previous", "").isdigit():
        previous = get_object_or_404(Inspection.objects.select_related("kind"), pk=request.GET["previous"])
        if not permissions.may_view_field_record(user, previous):
            raise PermissionDenied("不在您负责的网格范围内")
    return _render(request, "field/inspect.html", {"checklists": _checklists(), "previous": previous})


@login_required
def inspection_detail(request, inspection_id: int):
    """One inspection with each item's answer, note, event and photos: for its worker and
    whoever's scope covers its grid."""
    inspection = _visible_inspection(request.user, inspection_id)
    return render(request, "field/inspection.html", {
        "inspection": inspection, "results": selectors.inspection_results(inspection),
        "may_reinspect": permissions.is_grid_worker(request.user),
    })


@login_required
def inspection_photo(request, inspection_id: int, photo_id: int):
    inspection = _visible_inspection(request.user, inspection_id)
    photo = get_object_or_404(InspectionPhoto, pk=photo_id, result__inspection=inspection)
    return attachments.file_response(photo)


@login_required
def inspection_list(request):
    rows = selectors.visible_inspections(request.user).order_by("-inspected_at")[:200]
    return render(request, "field/inspections.html", {"inspections": rows})


def _visible_inspection(user, inspection_id: int) -> Inspection:
    inspection = get_object_or_404(Inspection.objects.select_related("kind", "worker", "grid"), pk=inspection_id)
    if not permissions.may_view_field_record(user, inspection):
        raise Http404("不存在或不在您的管辖范围内")
    return inspection


@login_required
def history(request):
    user = _worker(request)
    return _render(request, "field/history.html", selectors.history(user))


def manifest(request):
    data = {
        "name": "网格员巡查",
        "short_name": "网格巡查",
        "lang": "zh-CN",
        "start_url": reverse("field_today"),
        "scope": "/m/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#b3261e",
        # PNGs at the two sizes every Android and iOS home screen takes; the SVG for the rest.
        "icons": [
            {"src": static("field/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("field/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("field/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


# The pages and files the phone keeps, so the app opens without signal. The history is
# kept as it was when it last opened with signal, and says so when shown without.
SHELL_PAGES = ["field_today", "field_report", "field_visit", "field_inspect", "field_history"]
SHELL_STATIC = [
    "field/phone.css", "field/phone.js", "field/icon.svg", "vendor/idb/umd.js",
    "vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "gridgov/app.css",
]


@never_cache
def service_worker(request):
    shell = [reverse(name) for name in SHELL_PAGES] + [static(path) for path in SHELL_STATIC]
    shell += ["/api/categories", "/api/checklists"]
    body = render(request, "field/sw.js", {"shell": json.dumps(shell), "version": _shell_version(shell)}).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/m/"
    return response


def _shell_version(shell: list[str]) -> str:
    import hashlib

    return hashlib.sha256("|".join(shell).encode()).hexdigest()[:12]


# --- patrols, for the town operator -------------------------------------------------------------


@login_required
def patrols(request):
    rows = selectors.visible_patrols(request.user).order_by("-started_at")[:200]
    return render(request, "field/patrols.html", {"patrols": rows})


@login_required
def patrol_detail(request, patrol_id: int):
    patrol = get_object_or_404(Patrol.objects.select_related("worker"), pk=patrol_id)
    permissions.require_patrol(request.user, patrol)
    covered = selectors.covered_grids(patrol)
    grids = Grid.objects.filter(code__in=[*covered, patrol.grid_code])
    return render(request, "field/patrol.html", {
        "patrol": patrol, "events": selectors.reported_during(patrol), "covered": covered,
        "grid_features": grid_features(grids, properties=("code", "name")),
    })


@login_required
def indicators(request):
    scopes = permissions.scopes(request.user)
    if not scopes:
        raise PermissionDenied("没有可查看的辖区")
    end = timezone.localdate()
    try:
        end = date.fromisoformat(request.GET.get("end", "")) if request.GET.get("end") else end
    except ValueError:
        messages.error(request, "日期格式应为 YYYY-MM-DD")
    days = 7 if request.GET.get("days") != "30" else 30
    rows = selectors.patrol_indicators(scopes, start=end - timedelta(days=days - 1), end=end)
    return render(request, "field/indicators.html", {"rows": rows, "end": end, "days": days})


# --- administration ------------------------------------------------------------------------------


def _administrator(request):
    if not permissions.may_edit_checklists(request.user):
        raise PermissionDenied("仅系统管理员可以维护检查表")


@login_required
def manage_checklists(request):
    _administrator(request)
    kinds = PlaceKind.objects.prefetch_related("items__category")
    minors = Category.objects.filter(parent__isnull=False, is_active=True).select_related("parent")
    return render(request, "field/manage_checklists.html", {"kinds": kinds, "categories": minors})


@login_required
@require_POST
def manage_checklist_item(request):
    _administrator(request)
    kind = get_object_or_404(PlaceKind, pk=request.POST.get("kind") or 0)
    item = None
    if request.POST.get("item"):
        item = get_object_or_404(kind.items, pk=request.POST["item"])
        if "toggle" in request.POST:
            item.is_active = not item.is_active
            item.save(update_fields=["is_active"])
            return redirect("field_manage_checklists")
    category = Category.objects.filter(pk=request.POST.get("category") or 0).first()
    try:
        checklists.save_item(kind=kind, text=request.POST.get("text", ""), category=category, item=item)
        messages.success(request, f"已保存「{kind.name}」的检查项")
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    return redirect(f"{reverse('field_manage_checklists')}#kind-{kind.pk}")


@login_required
@require_POST
def manage_checklist_kind(request):
    _administrator(request)
    name = request.POST.get("name", "").strip()
    code = request.POST.get("code", "").strip()
    if not name or not code or len(name) > 50 or not code.replace("_", "").isalnum() or len(code) > 30:
        messages.error(request, "请填写场所类型名称（≤50 字）和编码（字母、数字、下划线，≤30 位）")
    elif PlaceKind.objects.filter(code=code).exists():
        messages.error(request, f"编码 {code} 已存在")
    else:
        PlaceKind.objects.create(code=code, name=name, sort_order=PlaceKind.objects.count() + 1)
        messages.success(request, f"已新增场所类型「{name}」")
    return redirect("field_manage_checklists")


@login_required
@require_POST
def manage_checklist_interval(request):
    _administrator(request)
    kind = get_object_or_404(PlaceKind, pk=request.POST.get("kind") or 0)
    try:
        checklists.set_interval(kind=kind, days=request.POST.get("interval_days", ""))
        if kind.interval_days:
            messages.success(request, f"「{kind.name}」每 {kind.interval_days} 天例行排查一次")
        else:
            messages.success(request, f"「{kind.name}」不做例行排查")
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    return redirect(f"{reverse('field_manage_checklists')}#kind-{kind.pk}")


@login_required
def manage_attendance(request):
    scopes = permissions.require_scopes(request.user, permissions.EDIT)
    towns = Region.objects.filter(level=Level.TOWN).filter(
        permissions.scope_q([s[: codes.PREFIX_LENGTH[codes.TOWN]] for s in scopes], "code")
    )
    towns = [t for t in towns if permissions.may_set_attendance(request.user, t)]
    if request.method == "POST":
        required = set(request.POST.getlist("required"))
        for town in towns:
            attendance.set_required(town, by=request.user, required=town.code in required)
        messages.success(request, "打卡设置已保存")
        return redirect("field_manage_attendance")
    on = set(TownAttendance.objects.filter(requires_check_in=True).values_list("town__code", flat=True))
    return render(request, "field/manage_attendance.html", {"towns": [(t, t.code in on) for t in towns]})
