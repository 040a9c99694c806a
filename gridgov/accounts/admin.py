"""Django admin for accounts: a fallback for superusers, not the administrators' tool.

Administrators work in the scoped pages under /manage/, which check region scopes; this
admin does not, so it is closed to everyone but superusers.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from gridgov.accounts.models import ApiToken, Department, LoginFailure, RoleAssignment, User


class SuperuserOnly:
    """Every admin permission answered by one question: is this a superuser?"""

    def _superuser(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._superuser(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._superuser(request)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return self._superuser(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._superuser(request)


class RoleInline(SuperuserOnly, admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    raw_id_fields = ["department"]


@admin.register(User)
class UserAdmin(SuperuserOnly, DjangoUserAdmin):
    list_display = ["username", "full_name", "phone", "is_active", "is_superuser", "last_login"]
    list_filter = ["is_active", "is_superuser", "roles__role"]
    search_fields = ["username", "full_name", "phone"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("个人信息", {"fields": ["full_name", "phone", "email"]}),
        ("权限", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("重要日期", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "phone", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [RoleInline]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Events and logs point at people; an account that leaves is deactivated instead.
        return False


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["user", "role", "scope", "department"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__full_name", "scope"]
    raw_id_fields = ["user", "department"]
    list_select_related = ["user", "department"]


@admin.register(Department)
class DepartmentAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["name", "kind", "level", "region", "parent", "head", "is_active"]
    list_filter = ["level", "kind", "is_active"]
    search_fields = ["name", "region__name", "region__code"]
    raw_id_fields = ["region", "parent", "head"]
    filter_horizontal = ["members"]
    list_select_related = ["region", "parent", "head"]


@admin.register(ApiToken)
class ApiTokenAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["user", "name", "created_at", "last_used_at"]
    search_fields = ["user__username", "name"]
    readonly_fields = ["user", "name", "digest", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        # A token is only useful with its key, which exists once, when it is issued.
        return False


@admin.register(LoginFailure)
class LoginFailureAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["username", "address", "at"]
    search_fields = ["username", "address"]
    readonly_fields = ["username", "address", "at"]

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
