"""The administrator's pages for people and departments.

Each view signs the user in, asks the permissions module (404 outside the scope, 403 for a
non-administrator), reads the form, calls one service from `people` or `departments`, and
redirects with a message; a refused form comes back with its errors beside the fields.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.accounts import departments as department_services
from gridgov.accounts import people, permissions, selectors
from gridgov.accounts.models import (
    Department,
    DepartmentKind,
    DepartmentLevel,
    Role,
    RoleAssignment,
    User,
)
from gridgov.accounts.permissions import EDIT
from gridgov.lib import codes
from gridgov.lib.forms import add_service_errors
from gridgov.regions.models import Level, Region

USERS_PER_PAGE = 30
DEPARTMENTS_PER_PAGE = 50
ANY = [("", "全部")]


# --- Forms: they read and type the input; the rules live in the services. -----------------


class UserFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    role = forms.ChoiceField(label="角色", required=False, choices=ANY + Role.choices)
    region = forms.ChoiceField(label="区域", required=False)

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = ANY + selectors.region_choices(by)


class PasswordFields(forms.Form):
    # new-password keeps the browser from filling in the administrator's own password.
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="确认密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致")
        return data


class RoleFields(forms.Form):
    """Role, scope and department; the scope is a region from a list or a typed grid code,
    because a district may hold thousands of grids."""

    role = forms.ChoiceField(label="角色", choices=[("", "请选择")] + Role.choices)
    scope = forms.CharField(label="管辖区域", required=False, widget=forms.Select)
    grid = forms.CharField(
        label="或网格编码",
        required=False,
        max_length=15,
        help_text="网格员按网格授权：填写 15 位网格编码，此时忽略上面的区域",
    )
    department = forms.CharField(
        label="所属部门", required=False, widget=forms.Select, help_text="部门处置人员必选"
    )

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scope"].widget.choices = [("", "请选择")] + selectors.region_choices(by)
        self.fields["department"].widget.choices = [("", "无")] + selectors.department_choices(by)

    def role_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "role": data["role"],
            "scope": data["grid"].strip() or data["scope"],
            "department": _department_or_none(data["department"]),
        }

    def error_names(self) -> dict[str, str]:
        """A scope error belongs to the grid field when the scope was typed there."""
        return {"scope": "grid"} if self.cleaned_data.get("grid", "").strip() else {}


class NewUserForm(PasswordFields, RoleFields):
    username = forms.CharField(
        label="用户名", max_length=150, help_text="登录用，字母、数字和 @ . + - _"
    )
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号或电话", required=False, max_length=30)
    field_order = [
        "username",
        "full_name",
        "phone",
        "password",
        "password2",
        "role",
        "scope",
        "grid",
        "department",
    ]

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, by=by, **kwargs)
        # The first role is optional: an account may be opened now and bound later.
        self.fields["role"].required = False
        self.fields["role"].label = "初始角色"


class UserDetailsForm(forms.Form):
    full_name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号或电话", required=False, max_length=30)


class DepartmentFilterForm(forms.Form):
    level = forms.ChoiceField(label="层级", required=False, choices=ANY + DepartmentLevel.choices)
    kind = forms.ChoiceField(label="类别", required=False, choices=ANY + DepartmentKind.choices)
    region = forms.ChoiceField(label="区域", required=False)

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = ANY + selectors.region_choices(by, lowest=Level.TOWN)


class DepartmentForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类别", choices=[("", "请选择")] + DepartmentKind.choices)
    level = forms.ChoiceField(label="层级", choices=[("", "请选择")] + DepartmentLevel.choices)
    region = forms.CharField(
        label="服务区域", widget=forms.Select, help_text="区级部门选区县，镇街级部门选乡镇街道"
    )
    parent = forms.CharField(
        label="上级部门",
        required=False,
        widget=forms.Select,
        help_text="派驻到镇街的机构选择其所属的区级部门",
    )
    phone = forms.CharField(label="联系电话", required=False, max_length=30)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].widget.choices = [("", "请选择")] + selectors.region_choices(
            by, lowest=Level.TOWN
        )
        self.fields["parent"].widget.choices = [("", "无")] + selectors.parent_choices(by)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "level": data["level"],
            "region": _region_or_none(data["region"]),
            "parent": _department_or_none(data["parent"]),
            "phone": data["phone"],
            "is_active": data["is_active"],
        }


class HeadForm(forms.Form):
    user = forms.CharField(label="负责人", required=False, widget=forms.Select)


def _department_or_none(value: str) -> Department | None:
    if not value or not value.isdigit():
        return None
    return Department.objects.select_related("region").filter(pk=int(value)).first()


def _region_or_none(prefix: str) -> Region | None:
    if not prefix or not prefix.isdigit() or len(prefix) > 12:
        return None
    region = Region.objects.filter(code=codes.pad(prefix)).first()
    return region if region is not None and region.prefix == prefix else None


# --- Access ----------------------------------------------------------------------------------


def get_user_for(by: User, pk: int) -> User:
    """A person `by` manages, or 404 (403 for one's own page without administrator rights)."""
    user = get_object_or_404(User, pk=pk)
    permissions.require(by, EDIT, user)
    return user


def get_department_for(by: User, pk: int) -> Department:
    department = get_object_or_404(
        Department.objects.select_related("region", "parent", "head"), pk=pk
    )
    permissions.require(by, EDIT, department)
    return department


# --- Users -----------------------------------------------------------------------------------


@login_required
@require_GET
def users(request: HttpRequest) -> HttpResponse:
    permissions.require_scopes(request.user, EDIT)
    form = UserFilterForm(request.GET, by=request.user)
    form.is_valid()  # an unknown choice is dropped, the other filters still apply
    data = form.cleaned_data
    rows = selectors.managed_users(
        request.user, q=data.get("q", ""), role=data.get("role", ""), region=data.get("region", "")
    )
    page = Paginator(rows, USERS_PER_PAGE).get_page(request.GET.get("page"))
    _name_places([a for user in page for a in user.roles.all()])
    return render(request, "accounts/manage_users.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    permissions.require_scopes(request.user, EDIT)
    form = NewUserForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        role = form.role_arguments() if data["role"] else {}
        try:
            user = people.create_user(
                by=request.user,
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                password=data["password"],
                **role,
            )
        except ValidationError as exc:
            add_service_errors(form, exc, rename=form.error_names())
        else:
            messages.success(request, f"已创建用户 {user.display_name}（{user.username}）")
            return redirect("manage_user", pk=user.pk)
    return render(request, "accounts/manage_user_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def user_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's details (edited here), with forms posting to the views below."""
    user = get_user_for(request.user, pk)
    details = UserDetailsForm(
        request.POST or None, initial={"full_name": user.full_name, "phone": user.phone}
    )
    if request.method == "POST" and details.is_valid():
        try:
            people.update_user(
                by=request.user,
                user=user,
                full_name=details.cleaned_data["full_name"],
                phone=details.cleaned_data["phone"],
            )
        except ValidationError as exc:
            add_service_errors(details, exc)
        else:
            messages.success(request, "已保存基本信息")
            return redirect("manage_user", pk=user.pk)
    return _render_user(request, user, details=details)


@login_required
@require_POST
def user_password(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_user_for(request.user, pk)
    form = PasswordFields(request.POST)
    if form.is_valid():
        try:
            people.reset_password(
                by=request.user, user=user, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已重置 {user.display_name} 的密码")
            return redirect("manage_user", pk=user.pk)
    return _render_user(request, user, password=form)


@login_required
@require_POST
def user_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_user_for(request.user, pk)
    change = people.activate if request.POST.get("active") == "1" else people.deactivate
    try:
        change(by=request.user, user=user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request, f"已{'启用' if user.is_active else '停用'}账号 {user.display_name}"
        )
    return redirect("manage_user", pk=user.pk)


@login_required
@require_POST
def user_grant(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_user_for(request.user, pk)
    form = RoleFields(request.POST, by=request.user)
    if form.is_valid():
        try:
            assignment = people.grant_role(by=request.user, user=user, **form.role_arguments())
        except ValidationError as exc:
            add_service_errors(form, exc, rename=form.error_names())
        else:
            messages.success(request, f"已授予{assignment.get_role_display()}角色")
            return redirect("manage_user", pk=user.pk)
    return _render_user(request, user, grant=form)


@login_required
@require_POST
def user_revoke(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    user = get_user_for(request.user, pk)
    assignment = get_object_or_404(RoleAssignment, pk=assignment_pk, user=user)
    try:
        people.revoke_role(by=request.user, assignment=assignment)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已撤销{assignment.get_role_display()}角色")
    return redirect("manage_user", pk=user.pk)


def _render_user(request: HttpRequest, user: User, **forms_given: forms.Form) -> HttpResponse:
    by = request.user
    context_forms = {
        "details": UserDetailsForm(initial={"full_name": user.full_name, "phone": user.phone}),
        "password": PasswordFields(),
        "grant": RoleFields(by=by),
        **forms_given,
    }
    assignments = list(user.roles.select_related("department").order_by("role", "scope"))
    _name_places(assignments)
    return render(
        request,
        "accounts/manage_user.html",
        {
            "person": user,
            "assignments": assignments,
            "person_departments": list(user.departments.select_related("region")),
            "is_self": user.pk == by.pk,
            **context_forms,
        },
    )


def _name_places(assignments: list[RoleAssignment]) -> None:
    names = selectors.place_names(a.scope for a in assignments)
    for a in assignments:
        a.place = names.get(a.scope, a.scope)


# --- Departments -----------------------------------------------------------------------------


@login_required
@require_GET
def departments(request: HttpRequest) -> HttpResponse:
    permissions.require_scopes(request.user, EDIT)
    form = DepartmentFilterForm(request.GET, by=request.user)
    form.is_valid()
    data = form.cleaned_data
    rows = selectors.managed_departments(
        request.user,
        level=data.get("level", ""),
        kind=data.get("kind", ""),
        region=data.get("region", ""),
    )
    page = Paginator(rows, DEPARTMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/manage_departments.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def department_new(request: HttpRequest) -> HttpResponse:
    permissions.require_scopes(request.user, EDIT)
    form = DepartmentForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            department = department_services.save_department(
                by=request.user, **form.service_arguments()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已创建部门 {department.name}")
            return redirect("manage_department", pk=department.pk)
    return render(
        request, "accounts/manage_department_form.html", {"form": form, "department": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_department_for(request.user, pk)
    initial = {
        "name": department.name,
        "kind": department.kind,
        "level": department.level,
        "region": department.region.prefix,
        "parent": department.parent_id or "",
        "phone": department.phone,
        "is_active": department.is_active,
    }
    form = DepartmentForm(request.POST or None, initial=initial, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            department_services.save_department(
                by=request.user, department=department, **form.service_arguments()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已保存部门 {department.name}")
            return redirect("manage_department", pk=department.pk)
    return render(
        request, "accounts/manage_department_form.html", {"form": form, "department": department}
    )


@login_required
@require_GET
def department_page(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_department_for(request.user, pk)
    return _render_department(request, department)


@login_required
@require_POST
def department_head(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_department_for(request.user, pk)
    form = _head_form(department, request.POST)
    if form.is_valid():
        value = form.cleaned_data["user"]
        head = department.members.filter(pk=int(value)).first() if value.isdigit() else None
        if value and head is None:
            form.add_error("user", "请从本部门成员中选择负责人")
        else:
            try:
                department_services.set_head(by=request.user, department=department, user=head)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, f"负责人已设为 {head.display_name}" if head else "已清除负责人"
                )
                return redirect("manage_department", pk=department.pk)
    return _render_department(request, department, head_form=form)


@login_required
@require_POST
def department_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    department = get_department_for(request.user, pk)
    user = get_user_for(request.user, _int(request.POST.get("user")))
    try:
        department_services.add_member(by=request.user, department=department, user=user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已将 {user.display_name} 加入 {department.name}")
    return redirect("manage_department", pk=department.pk)


@login_required
@require_POST
def department_member_remove(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    department = get_department_for(request.user, pk)
    user = get_user_for(request.user, user_pk)
    try:
        department_services.remove_member(by=request.user, department=department, user=user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已将 {user.display_name} 移出 {department.name}")
    return redirect("manage_department", pk=department.pk)


def _head_form(department: Department, data=None) -> HeadForm:
    form = HeadForm(data, initial={"user": department.head_id or ""})
    form.fields["user"].widget.choices = [("", "无")] + [
        (str(m.pk), f"{m.display_name}（{m.username}）")
        for m in department.members.order_by("full_name", "username")
    ]
    return form


def _render_department(
    request: HttpRequest, department: Department, *, head_form: HeadForm | None = None
) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    return render(
        request,
        "accounts/manage_department.html",
        {
            "department": department,
            "members": selectors.members_of(department),
            "units": list(department.units.select_related("region").order_by("region__code")),
            "head_form": head_form or _head_form(department),
            "q": q,
            "candidates": selectors.member_candidates(request.user, department, q),
        },
    )


def _int(value: str | None) -> int:
    """A posted id; anything else becomes 0, which matches no row (a 404, not a 500)."""
    return int(value) if value and value.isdigit() and len(value) < 18 else 0


urlpatterns = [
    path("manage/users/", users, name="manage_users"),
    path("manage/users/new/", user_new, name="manage_user_new"),
    path("manage/users/<int:pk>/", user_page, name="manage_user"),
    path("manage/users/<int:pk>/password/", user_password, name="manage_user_password"),
    path("manage/users/<int:pk>/active/", user_active, name="manage_user_active"),
    path("manage/users/<int:pk>/roles/", user_grant, name="manage_user_grant"),
    path(
        "manage/users/<int:pk>/roles/<int:assignment_pk>/revoke/",
        user_revoke,
        name="manage_user_revoke",
    ),
    path("manage/departments/", departments, name="manage_departments"),
    path("manage/departments/new/", department_new, name="manage_department_new"),
    path("manage/departments/<int:pk>/", department_page, name="manage_department"),
    path("manage/departments/<int:pk>/edit/", department_edit, name="manage_department_edit"),
    path("manage/departments/<int:pk>/head/", department_head, name="manage_department_head"),
    path(
        "manage/departments/<int:pk>/members/",
        department_member_add,
        name="manage_department_member_add",
    ),
    path(
        "manage/departments/<int:pk>/members/<int:user_pk>/remove/",
        department_member_remove,
        name="manage_department_member_remove",
    ),
]
