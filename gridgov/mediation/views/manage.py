"""Administrator pages: mediation organisations, mediators, the expert pool, dispute types.

Each administrator keeps what lies inside their scopes (an organisation by its region, a
mediator by their organisation, an expert by region); dispute types are one list for the
install, kept at district level or wider.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from gridgov.accounts import permissions
from gridgov.accounts.models import Role, User
from gridgov.mediation import forms as f
from gridgov.mediation.models import Expert, Organisation
from gridgov.regions.models import Region


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    form: type
    scope_field: str | None  # None: the install-wide list
    columns: tuple[str, ...]


KINDS = {
    k.key: k for k in (
        Kind("organisations", "调解组织", f.OrganisationForm, "area_code", ("name", "kind", "region", "is_active")),
        Kind("mediators", "调解员", f.MediatorForm, "organisation__area_code", ("name", "organisation", "user", "is_active")),
        Kind("experts", "专家库", f.ExpertForm, "area_code", ("name", "kind", "region", "is_active")),
        Kind("types", "纠纷类型", f.DisputeTypeForm, None, ("code", "name", "limit_days", "is_active")),
    )
}


def _kind(user: User, key: str) -> tuple[Kind, list[str]]:
    kind = KINDS.get(key)
    if kind is None:
        raise Http404("没有这个页面")
    if kind.scope_field is None:
        if not permissions.may_edit_dispute_types(user):
            raise PermissionDenied("纠纷类型由区县及以上管理员维护")
        return kind, [""]
    return kind, permissions.require_scopes(user, permissions.EDIT)


def _rows(kind: Kind, scopes: list[str]):
    model = kind.form._meta.model
    rows = model.objects.all()
    return rows.filter(permissions.scope_q(scopes, kind.scope_field)) if kind.scope_field else rows


def _narrow(form, scopes: list[str]) -> None:
    """Offer only the regions, organisations and accounts inside the administrator's scopes."""
    if "region" in form.fields:
        form.fields["region"].queryset = Region.objects.filter(permissions.scope_q(scopes, "code"))
    if "organisation" in form.fields:
        form.fields["organisation"].queryset = Organisation.objects.filter(permissions.scope_q(scopes, "area_code"))
    if "user" in form.fields:
        form.fields["user"].queryset = User.objects.filter(
            Q(roles__role=Role.MEDIATOR) & permissions.scope_q(scopes, "roles__scope")
        ).distinct()


@login_required
def manage_list(request: HttpRequest, key: str) -> HttpResponse:
    kind, scopes = _kind(request.user, key)
    rows = _rows(kind, scopes)[:500]
    model = kind.form._meta.model
    headers = [model._meta.get_field(c).verbose_name for c in kind.columns]
    table = [(r, [getattr(r, f"get_{c}_display", lambda c=c, r=r: getattr(r, c))() for c in kind.columns]) for r in rows]
    return render(request, "mediation/manage_list.html", {
        "kind": kind, "kinds": KINDS.values(), "headers": headers, "table": table,
    })


@login_required
def manage_edit(request: HttpRequest, key: str, pk: int | None = None) -> HttpResponse:
    kind, scopes = _kind(request.user, key)
    instance = get_object_or_404(_rows(kind, scopes), pk=pk) if pk else None
    form = kind.form(request.POST or None, instance=instance)
    _narrow(form, scopes)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if isinstance(obj, Organisation | Expert):
            obj.area_code = obj.region.prefix
        obj.save()
        form.save_m2m()
        messages.success(request, f"已保存：{obj}")
        return redirect("mediation_manage", key)
    return render(request, "mediation/manage_form.html", {"kind": kind, "form": form, "instance": instance})


@login_required
def manage_home(request: HttpRequest) -> HttpResponse:
    return redirect("mediation_manage", "organisations")


urlpatterns = [
    path("mediation/manage/", manage_home, name="mediation_manage_home"),
    path("mediation/manage/<slug:key>/", manage_list, name="mediation_manage"),
    path("mediation/manage/<slug:key>/new/", manage_edit, name="mediation_manage_new"),
    path("mediation/manage/<slug:key>/<int:pk>/", manage_edit, name="mediation_manage_edit"),
]

