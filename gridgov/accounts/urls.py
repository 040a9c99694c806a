from gridgov.accounts.views import manage

urlpatterns = [*manage.urlpatterns]
