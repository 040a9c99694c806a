"""Import and export of the territory, for administrators."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET

from gridgov.accounts.permissions import EDIT
from gridgov.regions import transfer
from gridgov.regions.models import Region
from gridgov.regions.views.browse import get_region_for


def get_administered_regions(user) -> list[Region]:
    """The regions a user administers; PermissionDenied for anyone who administers none."""
    regions = transfer.administered_regions(user)
    if not regions:
        raise PermissionDenied("仅系统管理员可以导入导出辖区数据")
    return regions


class ImportForm(forms.Form):
    file = forms.FileField(
        label="文件",
        help_text="GeoJSON（.geojson）、Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）",
        error_messages={"required": "请选择要导入的文件", "empty": "文件为空"},
    )
    mode = forms.ChoiceField(
        label="操作",
        choices=[("check", "仅检查，不写入"), ("import", "检查并导入")],
        initial="check",
        widget=forms.RadioSelect,
        error_messages={"required": "请选择操作", "invalid_choice": "请选择操作"},
    )


@login_required
def territory_transfer(request):
    regions = get_administered_regions(request.user)
    result = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            commit = form.cleaned_data["mode"] == "import"
            result = transfer.import_territory(
                upload, filename=upload.name, by=request.user, commit=commit
            )
            if result.committed:
                messages.success(request, f"已导入 {upload.name}：{result.summary()}")
                return redirect("territory_transfer")
    else:
        form = ImportForm()
    return render(
        request,
        "regions/transfer.html",
        {
            "form": form,
            "result": result,
            "regions": regions,
            "max_size": transfer.upload_limit_text(),
        },
    )


def _download(data: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def export_geojson(request, code: str):
    region = get_region_for(request.user, code, EDIT)
    collection = transfer.export_geojson(prefix=region.prefix, by=request.user)
    return _download(
        json.dumps(collection, ensure_ascii=False).encode(),
        content_type="application/geo+json; charset=utf-8",
        filename=f"territory-{region.code}.geojson",
    )


@login_required
@require_GET
def export_xlsx(request, code: str):
    region = get_region_for(request.user, code, EDIT)
    return _download(
        transfer.export_xlsx(prefix=region.prefix, by=request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename=f"territory-{region.code}.xlsx",
    )


urlpatterns = [
    path("manage/territory/", territory_transfer, name="territory_transfer"),
    path(
        "manage/territory/<str:code>/export.geojson",
        export_geojson,
        name="territory_export_geojson",
    ),
    path("manage/territory/<str:code>/export.xlsx", export_xlsx, name="territory_export_xlsx"),
]
