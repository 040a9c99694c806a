"""上报事件: the report form, and the two reads it makes while being filled in (which grid
the point is in and which open events nearby look like the same problem; the grids to
draw as its base map)."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.accounts import permissions
from gridgov.accounts.models import Role, User
from gridgov.events import selectors, workflow
from gridgov.events.forms import ReportForm, category_choices
from gridgov.events.models import Category
from gridgov.lib.forms import add_service_errors
from gridgov.regions import locator
from gridgov.regions import selectors as region_selectors
from gridgov.regions.models import Grid, Region
from gridgov.regions.models import Level as RegionLevel
from gridgov.regions.views.browse import map_settings

# Beyond this many grids the report map draws town outlines instead.
MAX_MAP_GRIDS = 300


def _require_reporter(user: User) -> None:
    if not (user.is_superuser or permissions.roles_of(user) & permissions.REPORTING_ROLES):
        raise PermissionDenied("您的角色不能上报事件")


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    _require_reporter(request.user)
    form = ReportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        common = dict(
            by=request.user,
            title=data["title"],
            description=data["description"],
            category=data["category"],
            level=data["level"],
            lon=data["lon"],
            lat=data["lat"],
            address=data["address"],
            idempotency_key=data["idempotency_key"],
        )
        self_handled = bool(data.get("self_handled"))
        try:
            if self_handled:
                # The photos of the scene and those after handling are all evidence of the one step.
                event, created = workflow.self_handle(
                    note=data["note"], photos=data["photos"] + data["after_photos"], **common
                )
            else:
                event, created = workflow.report(
                    source=form.source_value(),
                    contact_name=data.get("contact_name", ""),
                    contact_phone=data.get("contact_phone", ""),
                    photos=data["photos"],
                    **common,
                )
        except ValidationError as exc:
            rename = {"location": "lon"}
            if self_handled:
                rename["photos"] = "after_photos"
            add_service_errors(form, exc, rename=rename)
        else:
            if not created:
                messages.warning(request, f"该事件已上报（{event.code}），重复提交未再次创建")
            elif self_handled:
                messages.success(request, f"已记录自行处置事件 {event.code}")
            else:
                messages.success(request, f"已上报事件 {event.code}，等待受理")
            return redirect(event)
    return render(
        request,
        "events/report.html",
        {
            "form": form,
            "categories": category_choices(),
            "chosen": _chosen_category(form),
            "map": map_settings(),
        },
        status=200,
    )


def _chosen_category(form: ReportForm) -> Category | None:
    value = form["category"].value()
    if not value or not str(value).isdigit():
        return None
    return Category.objects.select_related("parent").filter(pk=int(value), is_active=True).first()


def _coordinate(value: str | None) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@login_required
@require_GET
def report_check(request: HttpRequest) -> JsonResponse:
    """Where the point falls and which open events nearby may be the same problem."""
    _require_reporter(request.user)
    lon, lat = _coordinate(request.GET.get("lon")), _coordinate(request.GET.get("lat"))
    result: dict = {
        "ok": False,
        "grid": None,
        "message": "",
        "duplicates_html": "",
        "duplicates": 0,
    }
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        result["message"] = "位置坐标无效"
        return JsonResponse(result)
    found = locator.locate(lon, lat)
    if found is None:
        result["message"] = "该位置不在本辖区任何网格内，请核对定位"
    else:
        grid = Grid.objects.select_related("village__parent").get(pk=found.id)
        if permissions.may_report_at(request.user, grid):
            result.update(
                ok=True, message=f"{grid.village.parent.name} › {grid.village.name} › {grid.name}"
            )
            result["grid"] = {"code": grid.code, "name": grid.name, "geometry": grid.geometry}
        else:
            result["message"] = f"该位置属于{grid.name}，不在您的上报范围内"
    category = request.GET.get("category", "")
    if category.isdigit():
        text = f"{request.GET.get('title', '')} {request.GET.get('description', '')}"
        nearby = selectors.possible_duplicates(
            user=request.user, category_id=int(category), lon=lon, lat=lat, text=text
        )
        shown = [{"event": e, "distance": d, "similarity": round(s * 100)} for e, d, s in nearby]
        result["duplicates"] = len(shown)
        result["duplicates_html"] = render_to_string(
            "events/_duplicates.html", {"duplicates": shown}, request=request
        )
    return JsonResponse(result)


def _report_prefixes(user: User) -> list[str]:
    """Where the user reports, for drawing only (the workflow decides): a grid worker's
    whole village, anyone else's scopes."""
    if user.is_superuser:
        return [""]
    return sorted(
        {
            a.scope[:12] if a.role == Role.GRID_WORKER else a.scope
            for a in permissions.assignments(user)
            if a.role in permissions.REPORTING_ROLES
        }
    )


@login_required
@require_GET
def report_area(request: HttpRequest) -> JsonResponse:
    """The grids the reporter works in, as the base map to click on."""
    _require_reporter(request.user)
    where = permissions.scope_q(_report_prefixes(request.user), "code")
    grids = Grid.objects.filter(where).order_by("code")
    if grids.count() <= MAX_MAP_GRIDS:
        return JsonResponse(region_selectors.grid_features(grids))
    towns = Region.objects.filter(where, level=RegionLevel.TOWN).order_by("code")
    return JsonResponse(region_selectors.region_features(towns))


urlpatterns = [
    path("events/report/", report, name="event_report"),
    path("events/report/check/", report_check, name="event_report_check"),
    path("events/report/area.geojson", report_area, name="event_report_area"),
]
