from gridgov.mediation.views import cases, figures, manage, meetings

# The fixed paths (new/, figures/, meetings/, manage/) do not collide with cases/<pk>/.
urlpatterns = [*cases.urlpatterns, *figures.urlpatterns, *meetings.urlpatterns, *manage.urlpatterns]
