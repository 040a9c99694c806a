"""The event pages, one module per topic; each defines its `urlpatterns`."""
