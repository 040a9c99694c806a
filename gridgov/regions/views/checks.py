"""The territory quality check page, for administrators."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path

from gridgov.accounts import permissions
from gridgov.accounts.permissions import EDIT
from gridgov.regions import checks
from gridgov.regions.models import Region
from gridgov.regions.views.browse import get_region_for, map_settings
from gridgov.regions.views.transfer import get_administered_regions


@login_required
def territory_check(request):
    roots = get_administered_regions(request.user)
    code = request.GET.get("code", "").strip() or roots[0].code
    region = get_region_for(request.user, code, EDIT)
    choices = permissions.visible(
        request.user,
        Region.objects.all(),
        action=EDIT,
    ).order_by("code")
    return render(
        request,
        "regions/check.html",
        {
            "region": region,
            "choices": choices,
            "report": checks.check(region.prefix),
            "map": map_settings(),
        },
    )


@login_required
def territory_check_map(request, code: str):
    region = get_region_for(request.user, code, EDIT)
    return JsonResponse(checks.map_features(region.prefix))


urlpatterns = [
    path("manage/territory/check/", territory_check, name="territory_check"),
    path(
        "manage/territory/check/<str:code>/map.geojson",
        territory_check_map,
        name="territory_check_map",
    ),
]
