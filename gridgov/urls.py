from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from gridgov.web import views

admin.site.site_header = "基层治理综合信息平台 · 后台"
admin.site.site_title = "gridgov 后台"

urlpatterns = [
    # First: the phones' requests (track batches every few seconds) then match without
    # trying the pages' patterns, none of which starts with api/.
    path("api/", include("gridgov.api.urls")),
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="web/password_change.html", success_url="/password/done/"
        ),
        name="password_change",
    ),
    path("password/done/", views.password_changed, name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("gridgov.regions.urls")),
    path("", include("gridgov.accounts.urls")),
    path("", include("gridgov.events.urls_admin")),
    path("", include("gridgov.events.urls")),
    path("", include("gridgov.worktime.urls")),
    path("", include("gridgov.field.urls")),
    path("", include("gridgov.mediation.urls")),
    path("", include("gridgov.analysis.urls")),
    path("", include("gridgov.command.urls")),
    path("django-admin/", admin.site.urls),
]
