"""The administrator's pages for the event taxonomy: classes, deadline rules, routing rules.

Every page is for administrators (403 for anyone else). Classes and deadline rules are one
set for the whole install, so only a district administrator or wider changes them; a
routing rule belongs to a region and is changed by the administrators above it. Each view
reads its form, calls one service of `taxonomy`, and redirects with a message; a refused
form comes back with the service's errors beside the fields.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.accounts import permissions, selectors
from gridgov.accounts.models import Department, User
from gridgov.accounts.permissions import EDIT
from gridgov.events import deadlines, taxonomy
from gridgov.events.models import Category, DeadlineRule, Level, LimitUnit, RoutingRule, Step
from gridgov.lib.forms import add_service_errors

# --- Forms: they read and type the input; the rules live in the services. -----------------


class CategoryForm(forms.Form):
    code = forms.CharField(
        label="分类编码", max_length=10, help_text="大类 2 位数字；小类 4 位，以大类编码开头"
    )
    name = forms.CharField(label="名称", max_length=50)
    keywords = forms.CharField(
        label="检索关键词",
        required=False,
        max_length=400,
        help_text="以空格或逗号分隔，上报时据此推荐分类",
    )
    filing_rule = forms.CharField(
        label="立案条件", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    closing_rule = forms.CharField(
        label="结案条件", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeadlineForm(forms.Form):
    limit = forms.IntegerField(label="时限", min_value=1)
    unit = forms.ChoiceField(label="单位", choices=LimitUnit.choices)
    warning_hours = forms.IntegerField(
        label="预警提前（工作小时）",
        min_value=0,
        required=False,
        initial=0,
        help_text="0 表示按默认：较大及以上提前 24 工作小时，一般事件剩余五分之一时",
    )


def category_choices(*, active_only: bool = False) -> list[tuple[str, str]]:
    rows = []
    for major in taxonomy.category_tree():
        for c in [major, *major.minors]:
            if active_only and not c.is_active:
                continue
            label = f"{c.code} {c.name}" if c.is_major else f"　{c.code} {c.name}"
            rows.append((c.code, label + ("" if c.is_active else "（已停用）")))
    return rows


def department_choices(by: User) -> list[tuple[str, str]]:
    """Active departments whose region holds or lies inside one of `by`'s scopes: a town's
    administrator may route to the district bureau that serves her town."""
    scopes = permissions.scopes(by, EDIT)
    departments = (
        Department.objects.filter(is_active=True)
        .select_related("region")
        .order_by("region__code", "name")
    )
    return [
        (str(d.pk), f"{d.name}（{d.region.name}）")
        for d in departments
        if any(s.startswith(d.region.prefix) or d.region.prefix.startswith(s) for s in scopes)
    ]


class RoutingRuleForm(forms.Form):
    category = forms.ChoiceField(label="事件分类")
    region_prefix = forms.ChoiceField(
        label="适用区域", help_text="区域内（含下级）的该类事件按本规则交办"
    )
    lead = forms.ChoiceField(label="主办部门")
    assisting = forms.MultipleChoiceField(
        label="协办部门",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="可多选（按住 Ctrl 或 ⌘）",
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择")] + category_choices(active_only=True)
        self.fields["region_prefix"].choices = [("", "请选择")] + selectors.region_choices(by)
        departments = department_choices(by)
        self.fields["lead"].choices = [("", "请选择")] + departments
        self.fields["assisting"].choices = departments

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        ids = [int(pk) for pk in data["assisting"]]
        return {
            "category": Category.objects.select_related("parent")
            .filter(code=data["category"])
            .first(),
            "region_prefix": data["region_prefix"],
            "lead": _department(data["lead"]),
            "assisting": list(Department.objects.select_related("region").filter(pk__in=ids)),
            "is_active": data["is_active"],
        }


class PreviewForm(forms.Form):
    category = forms.ChoiceField(label="事件分类")
    place = forms.CharField(label="地点", max_length=15, help_text="15 位网格编码或区划代码")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "请选择")] + category_choices(active_only=True)


def _department(value: str) -> Department | None:
    if not value or not value.isdigit():
        return None
    return Department.objects.select_related("region").filter(pk=int(value)).first()


# --- Access ----------------------------------------------------------------------------------


def require_administrator(request: HttpRequest) -> None:
    permissions.require_scopes(request.user, EDIT)


def require_taxonomy_editor(request: HttpRequest) -> None:
    if not taxonomy.may_edit_taxonomy(request.user):
        raise PermissionDenied("只有区县及以上的系统管理员可以修改事件分类和处置时限")


def get_category(code: str) -> Category:
    return get_object_or_404(Category.objects.select_related("parent"), code=code)


def get_rule_for(by: User, pk: int) -> RoutingRule:
    """A routing rule inside `by`'s scope, or 404."""
    rule = get_object_or_404(RoutingRule.objects.select_related("category", "lead"), pk=pk)
    if not taxonomy.may_edit_routing_rule(by, rule):
        raise Http404("分拨规则不存在或不在您的管辖范围内")
    return rule


# --- Classes ---------------------------------------------------------------------------------


@login_required
@require_GET
def categories(request: HttpRequest) -> HttpResponse:
    require_administrator(request)
    return render(
        request,
        "events/admin_categories.html",
        {"majors": taxonomy.category_tree(), "may_edit": taxonomy.may_edit_taxonomy(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_new(request: HttpRequest) -> HttpResponse:
    require_administrator(request)
    require_taxonomy_editor(request)
    parent_code = request.GET.get("parent", "")
    parent = get_category(parent_code) if parent_code else None
    form = CategoryForm(request.POST or None, initial={"code": parent.code if parent else ""})
    if request.method == "POST" and form.is_valid():
        try:
            category = taxonomy.save_category(by=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"已新增{'小类' if parent else '大类'} {category.code} {category.name}"
            )
            return redirect("manage_categories")
    return render(
        request,
        "events/admin_category_form.html",
        {"form": form, "parent": parent, "category": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, code: str) -> HttpResponse:
    require_administrator(request)
    require_taxonomy_editor(request)
    category = get_category(code)
    initial = {
        f: getattr(category, f) for f in ("code", "name", "keywords", "filing_rule", "closing_rule")
    }
    form = CategoryForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True  # a code is for good once given
    if request.method == "POST" and form.is_valid():
        try:
            taxonomy.save_category(
                by=request.user, category=category, parent=category.parent, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已保存 {category.code} {category.name}")
            return redirect("manage_categories")
    return render(
        request,
        "events/admin_category_form.html",
        {"form": form, "parent": category.parent, "category": category},
    )


@login_required
@require_POST
def category_active(request: HttpRequest, code: str) -> HttpResponse:
    require_administrator(request)
    require_taxonomy_editor(request)
    category = get_category(code)
    active = request.POST.get("active") == "1"
    try:
        changed = taxonomy.set_category_active(by=request.user, category=category, active=active)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        extra = f"（连同 {changed - 1} 个小类）" if changed > 1 else ""
        messages.success(
            request, f"已{'启用' if active else '停用'} {category.code} {category.name}{extra}"
        )
    return redirect("manage_categories")


# --- Deadline rules --------------------------------------------------------------------------


@login_required
@require_GET
def deadline_rules(request: HttpRequest) -> HttpResponse:
    require_administrator(request)
    code = request.GET.get("category", "")
    category = Category.objects.select_related("parent").filter(code=code).first() if code else None
    return render(
        request,
        "events/admin_deadlines.html",
        {
            "choices": category_choices(),
            "category": category,
            "rows": [
                (Level(row[0].level).label, row) for row in taxonomy.effective_limits(category)
            ]
            if category
            else [],
            "steps": Step.choices,
            "may_edit": taxonomy.may_edit_taxonomy(request.user),
        },
    )


def _level_and_step(level: int, step: str) -> tuple[int, str]:
    if level not in Level.values or step not in Step.values:
        raise Http404("没有这个等级或环节")
    return level, step


@login_required
@require_http_methods(["GET", "POST"])
def deadline_edit(request: HttpRequest, code: str, level: int, step: str) -> HttpResponse:
    require_administrator(request)
    require_taxonomy_editor(request)
    category = get_category(code)
    level, step = _level_and_step(level, step)
    current = deadlines.limit_for(category, level, step)
    own = DeadlineRule.objects.filter(category=category, level=level, step=step).first()
    form = DeadlineForm(
        request.POST or None,
        initial={
            "limit": current.limit,
            "unit": current.unit,
            "warning_hours": current.warning_hours or 0,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            taxonomy.save_deadline_rule(
                by=request.user,
                category=category,
                level=level,
                step=step,
                limit=data["limit"],
                unit=data["unit"],
                warning_hours=data["warning_hours"] or 0,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"已保存 {category.code} {category.name} · {Level(level).label} · "
                f"{Step(step).label} 的时限",
            )
            return _back_to_deadlines(category)
    return render(
        request,
        "events/admin_deadline_form.html",
        {"form": form, "category": category, "level": Level(level), "step": Step(step), "own": own},
    )


@login_required
@require_POST
def deadline_delete(request: HttpRequest, code: str, level: int, step: str) -> HttpResponse:
    require_administrator(request)
    require_taxonomy_editor(request)
    category = get_category(code)
    level, step = _level_and_step(level, step)
    if taxonomy.delete_deadline_rule(by=request.user, category=category, level=level, step=step):
        messages.success(request, f"已删除本类规则，{Step(step).label}环节改按上级或默认时限")
    return _back_to_deadlines(category)


def _back_to_deadlines(category: Category) -> HttpResponse:
    response = redirect("manage_deadlines")
    response["Location"] += f"?category={category.code}"
    return response


# --- Routing rules ---------------------------------------------------------------------------


@login_required
@require_GET
def routing_rules(request: HttpRequest) -> HttpResponse:
    require_administrator(request)
    rules = list(taxonomy.visible_routing_rules(request.user))
    for rule in rules:
        rule.editable = taxonomy.may_edit_routing_rule(request.user, rule)
    preview_form = PreviewForm(request.GET if "place" in request.GET else None)
    preview = None
    if preview_form.is_bound and preview_form.is_valid():
        category = (
            Category.objects.select_related("parent")
            .filter(code=preview_form.cleaned_data["category"])
            .first()
        )
        try:
            preview = taxonomy.preview_routing(
                category=category, place=preview_form.cleaned_data["place"]
            )
        except ValidationError as exc:
            add_service_errors(preview_form, exc)
    return render(
        request,
        "events/admin_routing.html",
        {"rules": rules, "preview_form": preview_form, "preview": preview},
    )


@login_required
@require_http_methods(["GET", "POST"])
def routing_new(request: HttpRequest) -> HttpResponse:
    require_administrator(request)
    form = RoutingRuleForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            rule = taxonomy.save_routing_rule(by=request.user, **form.service_arguments())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已新增分拨规则：{rule.category} → {rule.lead.name}")
            return redirect("manage_routing")
    return render(request, "events/admin_routing_form.html", {"form": form, "rule": None})


@login_required
@require_http_methods(["GET", "POST"])
def routing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_administrator(request)
    rule = get_rule_for(request.user, pk)
    initial = {
        "category": rule.category.code,
        "region_prefix": rule.region_prefix,
        "lead": str(rule.lead_id),
        "assisting": [str(pk) for pk in rule.assisting.values_list("pk", flat=True)],
        "is_active": rule.is_active,
    }
    form = RoutingRuleForm(request.POST or None, by=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            taxonomy.save_routing_rule(by=request.user, rule=rule, **form.service_arguments())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已保存分拨规则")
            return redirect("manage_routing")
    return render(request, "events/admin_routing_form.html", {"form": form, "rule": rule})


@login_required
@require_POST
def routing_delete(request: HttpRequest, pk: int) -> HttpResponse:
    require_administrator(request)
    rule = get_rule_for(request.user, pk)
    taxonomy.delete_routing_rule(by=request.user, rule=rule)
    messages.success(request, f"已删除分拨规则：{rule.category} · {rule.region_prefix}")
    return redirect("manage_routing")


urlpatterns = [
    path("manage/categories/", categories, name="manage_categories"),
    path("manage/categories/new/", category_new, name="manage_category_new"),
    path("manage/categories/<str:code>/", category_edit, name="manage_category"),
    path("manage/categories/<str:code>/active/", category_active, name="manage_category_active"),
    path("manage/deadlines/", deadline_rules, name="manage_deadlines"),
    path(
        "manage/deadlines/<str:code>/<int:level>/<str:step>/", deadline_edit, name="manage_deadline"
    ),
    path(
        "manage/deadlines/<str:code>/<int:level>/<str:step>/delete/",
        deadline_delete,
        name="manage_deadline_delete",
    ),
    path("manage/routing/", routing_rules, name="manage_routing"),
    path("manage/routing/new/", routing_new, name="manage_routing_new"),
    path("manage/routing/<int:pk>/", routing_edit, name="manage_routing_rule"),
    path("manage/routing/<int:pk>/delete/", routing_delete, name="manage_routing_delete"),
]
