from gridgov.command.views import urlpatterns  # noqa: F401
