from gridgov.events.views import event, queues, report, search

# The fixed paths (queues/, report/, export.xlsx) come before events/<code>/.
urlpatterns = [*queues.urlpatterns, *report.urlpatterns, *search.urlpatterns, *event.urlpatterns]
