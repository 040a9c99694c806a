from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy

from gridgov.accounts import permissions, signin
from gridgov.accounts.models import Role
from gridgov.events import selectors as event_selectors
from gridgov.lib import codes
from gridgov.regions import selectors
from gridgov.regions.models import Grid, Region


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses to even check the password once an account or address failed too often."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("用户名或密码错误。"),
        "inactive": gettext_lazy("该账号已停用。"),
        "locked": gettext_lazy("登录失败次数过多，请 %(minutes)s 分钟后再试。"),
    }

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        address = signin.client_address(self.request)
        if signin.is_locked(username=username, address=address):
            raise ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_FAILURE_WINDOW_SECONDS // 60},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            signin.record_failure(username=username, address=address)
            raise
        signin.clear_failures(username=username)
        return cleaned


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True


@login_required
def home(request):
    """Each role's home: who I am, where my scope is, and what it holds."""
    user = request.user
    scope_rows = []
    for assignment in permissions.assignments(user):
        scope_rows.append(
            {
                "role": str(assignment.get_role_display()),
                "scope": assignment.scope,
                "department": assignment.department,
                "place": _place_name(assignment.scope),
            }
        )
    prefixes = permissions.scopes(user)
    grid_scopes = [p for p in prefixes if len(p) == 15]
    region_scopes = [p for p in prefixes if len(p) < 15]
    totals = [(p or gettext("全部"), _place_name(p), selectors.totals(p)) for p in region_scopes]
    my_grids = []
    if grid_scopes:
        my_grids = list(Grid.objects.filter(code__in=grid_scopes).select_related("village__parent"))
    counts = event_selectors.queue_counts(user)
    work = [
        (q.key, str(q.label), counts[q.key]) for q in event_selectors.QUEUES if counts[q.key]
    ]
    return render(
        request,
        "web/home.html",
        {
            "work": work,
            "scope_rows": scope_rows,
            "totals": totals,
            "my_grids": my_grids,
            "roots": selectors.roots_for(user),
            "is_admin": Role.ADMINISTRATOR in permissions.roles_of(user) or user.is_superuser,
        },
    )


def _place_name(prefix: str) -> str:
    """'330502001' -> 'XX省 › XX市 › 吴兴区 › 某某街道' as far as the regions exist."""
    if not prefix:
        return gettext("全部辖区")
    if len(prefix) == 15:
        grid = Grid.objects.filter(code=prefix).select_related("village").first()
        return f"{grid.village.name} › {grid.name}" if grid else prefix
    code = codes.pad(prefix)
    names = [r.name for r in selectors.breadcrumbs(code)]
    region = Region.objects.filter(code=code).first()
    if region:
        names.append(region.name)
    return " › ".join(names[-3:]) if names else prefix


def password_changed(request):
    messages.success(request, gettext("密码已修改。"))
    return redirect("home")
