"""Django admin for the territory: a fallback for superusers.

Saves go through the territory services, so a region or grid changed here is validated
like an import and the point→grid index is rebuilt; codes are fixed once created.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from gridgov.accounts.admin import SuperuserOnly
from gridgov.lib.forms import add_service_errors
from gridgov.regions import territory
from gridgov.regions.models import Cluster, Grid, Region

GRID_DERIVED = ["area_m2", "min_lon", "min_lat", "max_lon", "max_lat", "label_lon", "label_lat"]


class CodeFixedOnChange:
    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        fixed = ["code"] if obj is not None else []
        return [*fixed, *super().get_readonly_fields(request, obj)]


class RegionForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "urban_rural_code", "outline"]

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            try:
                territory.check_region(
                    code=data.get("code") or self.instance.code,
                    name=data["name"],
                    level=data["level"],
                    parent=data.get("parent"),
                    outline=data.get("outline"),
                )
            except ValidationError as exc:
                add_service_errors(self, exc)
        return data


@admin.register(Region)
class RegionAdmin(SuperuserOnly, CodeFixedOnChange, admin.ModelAdmin):
    form = RegionForm
    list_display = ["code", "name", "level", "parent", "urban_rural_code"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]

    def save_model(self, request, obj: Region, form, change: bool) -> None:
        saved = territory.save_region(
            code=obj.code,
            name=obj.name,
            level=obj.level,
            parent=obj.parent,
            urban_rural_code=obj.urban_rural_code,
            outline=obj.outline,
        )
        obj.pk = saved.pk


class ClusterForm(forms.ModelForm):
    class Meta:
        model = Cluster
        fields = ["code", "name", "town", "station"]


@admin.register(Cluster)
class ClusterAdmin(SuperuserOnly, CodeFixedOnChange, admin.ModelAdmin):
    form = ClusterForm
    list_display = ["code", "name", "town", "station"]
    search_fields = ["code", "name"]
    raw_id_fields = ["town"]

    def save_model(self, request, obj: Cluster, form, change: bool) -> None:
        saved = territory.save_cluster(
            code=obj.code, name=obj.name, town=obj.town, station=obj.station
        )
        obj.pk = saved.pk


class GridForm(forms.ModelForm):
    class Meta:
        model = Grid
        fields = [
            "code",
            "name",
            "village",
            "cluster",
            "kind",
            "dedicated_kind",
            "area_type",
            "households",
            "population",
            "geometry",
        ]

    def fields_for_service(self) -> territory.GridFields:
        data = self.cleaned_data
        return territory.GridFields(
            code=data.get("code") or self.instance.code,
            name=data["name"],
            village=data["village"],
            geometry=data["geometry"],
            kind=data["kind"],
            dedicated_kind=data["dedicated_kind"],
            area_type=data["area_type"],
            households=data["households"],
            population=data["population"],
            cluster=data.get("cluster"),
        )

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            try:
                territory.check_grid(self.fields_for_service())
            except ValidationError as exc:
                add_service_errors(self, exc)
        return data


@admin.register(Grid)
class GridAdmin(SuperuserOnly, CodeFixedOnChange, admin.ModelAdmin):
    form = GridForm
    list_display = ["code", "name", "village", "kind", "area_type", "households", "population"]
    list_filter = ["kind", "area_type"]
    search_fields = ["code", "name", "village__name"]
    raw_id_fields = ["village", "cluster"]
    readonly_fields = ["area_m2"]
    list_select_related = ["village"]

    def save_model(self, request, obj: Grid, form: GridForm, change: bool) -> None:
        obj.pk = territory.save_grid(form.fields_for_service()).pk

    def delete_model(self, request, obj: Grid) -> None:
        territory.delete_grid(obj)

    def delete_queryset(self, request, queryset) -> None:
        for grid in queryset:
            territory.delete_grid(grid)
