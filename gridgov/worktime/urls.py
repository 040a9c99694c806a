from gridgov.worktime import views

urlpatterns = [*views.urlpatterns]
