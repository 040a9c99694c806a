"""The administrator's pages for grids: list, create, edit (attributes and polygon), delete,
and the grid workers assigned to each grid.

Access goes through the browse helpers (404 outside the scope, 403 for a non-administrator
who may only look); the work through `regions.grids` and `accounts.people`.
"""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.accounts import people, permissions
from gridgov.accounts.models import Role, RoleAssignment, User
from gridgov.accounts.permissions import EDIT
from gridgov.accounts.selectors import region_choices
from gridgov.lib.forms import add_service_errors
from gridgov.regions import grids, selectors, territory
from gridgov.regions.models import AreaType, Cluster, DedicatedKind, Grid, GridKind, Level, Region
from gridgov.regions.views.browse import get_grid_for, get_region_for, map_settings

GRIDS_PER_PAGE = 50
# Households and population beyond this are typing mistakes, and beyond the column's range.
MAX_COUNT = 1_000_000
ANY = [("", "全部")]


class GridFilterForm(forms.Form):
    region = forms.ChoiceField(label="乡镇/村社区", required=False)
    kind = forms.ChoiceField(label="网格类型", required=False, choices=ANY + GridKind.choices)
    oversized = forms.BooleanField(label="仅超规模", required=False)

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = ANY + region_choices(by)


class VillagePickForm(forms.Form):
    village = forms.ChoiceField(label="所属村（社区）")

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        villages = permissions.visible(
            by, Region.objects.filter(level=Level.VILLAGE).select_related("parent"), action=EDIT
        ).order_by("code")
        self.fields["village"].choices = [
            (v.code, f"{v.parent.name} › {v.name}（{v.code}）") for v in villages
        ]


class GridForm(forms.Form):
    code = forms.CharField(
        label="网格编码",
        max_length=15,
        help_text="村社区 12 位代码 + 3 位顺序号，已按下一个空号填好",
    )
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="网格类型", choices=GridKind.choices)
    dedicated_kind = forms.ChoiceField(
        label="专属网格类别",
        required=False,
        choices=[("", "—")] + DedicatedKind.choices,
        help_text="仅专属网格需要",
    )
    area_type = forms.ChoiceField(label="城乡属性", choices=AreaType.choices)
    households = forms.IntegerField(label="户数", min_value=0, max_value=MAX_COUNT)
    population = forms.IntegerField(label="人口", min_value=0, max_value=MAX_COUNT)
    cluster = forms.ChoiceField(label="片区", required=False)
    geometry = forms.CharField(
        label="边界（GeoJSON）",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "geojson"}),
        help_text=(
            "Polygon 或 MultiPolygon，经纬度坐标（WGS84/CGCS2000）；"
            "也可粘贴只含一个要素的 Feature/FeatureCollection"
        ),
    )

    def __init__(self, *args, village: Region, with_code: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.village = village
        if not with_code:
            del self.fields["code"]
        self.fields["cluster"].choices = [("", "无")] + grids.cluster_choices(village)

    def clean_geometry(self) -> dict:
        text = self.cleaned_data["geometry"]
        try:
            value = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise ValidationError(f"不是有效的 JSON：{exc}") from exc
        if isinstance(value, dict) and value.get("type") == "FeatureCollection":
            features = value.get("features")
            if not isinstance(features, list) or len(features) != 1:
                raise ValidationError("FeatureCollection 应只包含一个要素")
            value = features[0]
        if isinstance(value, dict) and value.get("type") == "Feature":
            value = value.get("geometry")
        if not isinstance(value, dict):
            raise ValidationError("应为 GeoJSON 几何对象（Polygon 或 MultiPolygon）")
        return value

    def grid_fields(self, code: str) -> territory.GridFields:
        data = self.cleaned_data
        cluster_id = data["cluster"]
        return territory.GridFields(
            code=code,
            name=data["name"],
            village=self.village,
            geometry=data["geometry"],
            kind=data["kind"],
            dedicated_kind=data["dedicated_kind"],
            area_type=data["area_type"],
            households=data["households"],
            population=data["population"],
            cluster=Cluster.objects.filter(pk=cluster_id).first() if cluster_id else None,
        )


class WorkerForm(forms.Form):
    username = forms.CharField(
        label="用户名", max_length=150, help_text="要分配到本网格的网格员的用户名"
    )


def _initial(grid: Grid) -> dict:
    return {
        "name": grid.name,
        "kind": grid.kind,
        "dedicated_kind": grid.dedicated_kind,
        "area_type": grid.area_type,
        "households": grid.households,
        "population": grid.population,
        "cluster": grid.cluster_id or "",
        "geometry": json.dumps(grid.geometry, ensure_ascii=False),
    }


@login_required
@require_GET
def grid_list(request: HttpRequest) -> HttpResponse:
    permissions.require_scopes(request.user, EDIT)
    form = GridFilterForm(request.GET, by=request.user)
    form.is_valid()  # an unknown choice is dropped, the other filters still apply
    data = form.cleaned_data
    rows = grids.managed_grids(
        request.user,
        region=data.get("region", ""),
        kind=data.get("kind", ""),
        oversized=bool(data.get("oversized")),
    )
    page = Paginator(rows, GRIDS_PER_PAGE).get_page(request.GET.get("page"))
    workers = selectors.workers_by_grid([g.code for g in page])
    for grid in page:
        grid.workers = workers.get(grid.code, [])
    return render(request, "regions/manage_grids.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def grid_new(request: HttpRequest) -> HttpResponse:
    """First pick a village (the code depends on it), then fill in the grid."""
    permissions.require_scopes(request.user, EDIT)
    code = request.GET.get("village", "")
    if not code:
        return render(
            request, "regions/manage_grid_new.html", {"pick": VillagePickForm(by=request.user)}
        )
    village = get_region_for(request.user, code, EDIT)
    if village.level != Level.VILLAGE:
        messages.error(request, f"{village.name} 不是村（社区），网格只能建在村社区下")
        return redirect("manage_grid_new")
    suggested = grids.next_code(village)
    form = GridForm(
        request.POST or None,
        village=village,
        with_code=True,
        initial={
            "code": suggested,
            "area_type": AreaType.URBAN if village.is_urban else AreaType.RURAL,
            "households": 0,
            "population": 0,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            grid = grids.create_grid(
                by=request.user, fields=form.grid_fields(form.cleaned_data["code"])
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已创建网格 {grid.name}（{grid.code}）")
            return redirect("manage_grid", code=grid.code)
    return render(
        request,
        "regions/manage_grid_new.html",
        {"form": form, "village": village, "suggested": suggested, "map": map_settings()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def grid_edit(request: HttpRequest, code: str) -> HttpResponse:
    grid = get_grid_for(request.user, code, EDIT)
    form = GridForm(
        request.POST or None, village=grid.village, with_code=False, initial=_initial(grid)
    )
    if request.method == "POST" and form.is_valid():
        try:
            grids.update_grid(by=request.user, grid=grid, fields=form.grid_fields(grid.code))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已保存网格 {grid.name}")
            return redirect("manage_grid", code=grid.code)
    return _render_grid(request, grid, form=form)


@login_required
@require_POST
def worker_add(request: HttpRequest, code: str) -> HttpResponse:
    grid = get_grid_for(request.user, code, EDIT)
    form = WorkerForm(request.POST)
    if form.is_valid():
        username = form.cleaned_data["username"].strip()
        worker = permissions.visible_users(request.user).filter(username__iexact=username).first()
        if worker is None:
            form.add_error("username", f"没有找到您可管理的用户 {username}")
        else:
            try:
                people.grant_role(
                    by=request.user, user=worker, role=Role.GRID_WORKER, scope=grid.code
                )
            except ValidationError as exc:
                add_service_errors(form, exc, rename={"scope": "username", "user": "username"})
            else:
                messages.success(request, f"已将 {worker.display_name} 分配为本网格网格员")
                return redirect("manage_grid", code=grid.code)
    return _render_grid(request, grid, worker_form=form)


@login_required
@require_POST
def worker_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    grid = get_grid_for(request.user, code, EDIT)
    assignment = get_object_or_404(
        RoleAssignment.objects.select_related("user"), pk=pk, role=Role.GRID_WORKER, scope=grid.code
    )
    try:
        people.revoke_role(by=request.user, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已解除 {assignment.user.display_name} 在本网格的分配")
    return redirect("manage_grid", code=grid.code)


@login_required
@require_http_methods(["GET", "POST"])
def grid_delete(request: HttpRequest, code: str) -> HttpResponse:
    grid = get_grid_for(request.user, code, EDIT)
    errors: list[str] = []
    if request.method == "POST":
        village = grid.village
        try:
            grids.delete_grid(by=request.user, grid=grid)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"已删除网格 {grid.name}（{code}）")
            return redirect(f"{reverse('manage_grids')}?region={village.prefix}")
    return render(
        request,
        "regions/manage_grid_delete.html",
        {"grid": grid, "workers": _worker_rows(grid), "errors": errors},
    )


def _render_grid(
    request: HttpRequest,
    grid: Grid,
    *,
    form: GridForm | None = None,
    worker_form: WorkerForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "regions/manage_grid.html",
        {
            "grid": grid,
            "form": form or GridForm(village=grid.village, with_code=False, initial=_initial(grid)),
            "worker_form": worker_form or WorkerForm(),
            "workers": _worker_rows(grid),
            "map": map_settings(),
        },
    )


def _worker_rows(grid: Grid) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, scope=grid.code)
        .select_related("user")
        .order_by("user__full_name")
    )


urlpatterns = [
    path("manage/grids/", grid_list, name="manage_grids"),
    path("manage/grids/new/", grid_new, name="manage_grid_new"),
    path("manage/grids/<str:code>/", grid_edit, name="manage_grid"),
    path("manage/grids/<str:code>/workers/", worker_add, name="manage_grid_worker_add"),
    path(
        "manage/grids/<str:code>/workers/<int:pk>/remove/",
        worker_remove,
        name="manage_grid_worker_remove",
    ),
    path("manage/grids/<str:code>/delete/", grid_delete, name="manage_grid_delete"),
]
