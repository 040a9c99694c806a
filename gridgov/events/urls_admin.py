"""The taxonomy administration and the supervision orders page.

Included before the event pages, whose events/<code>/ would otherwise take events/supervision/.
"""

from gridgov.events import admin_views, supervision_views

urlpatterns = [*supervision_views.urlpatterns, *admin_views.urlpatterns]
