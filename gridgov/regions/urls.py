from gridgov.regions.views import browse, checks, manage, transfer

urlpatterns = [*browse.urlpatterns, *transfer.urlpatterns, *checks.urlpatterns, *manage.urlpatterns]
