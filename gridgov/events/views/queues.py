"""我的待办: the queues a person works from, one tab each, with counts."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET

from gridgov.accounts import permissions
from gridgov.accounts.models import Role, User
from gridgov.events import selectors

PER_PAGE = 20

_COMMAND = {"to_accept", "to_dispatch", "handling", "to_verify", "due_soon", "overdue", "mine"}
# The tabs that belong to each role's work; any other tab shows up only when it holds events.
TABS_BY_ROLE = {
    Role.TOWN_OPERATOR: _COMMAND,
    Role.DISTRICT_OPERATOR: _COMMAND,
    Role.DEPARTMENT_HANDLER: {"to_sign", "handling", "due_soon", "overdue", "mine"},
    Role.GRID_WORKER: {"to_verify", "due_soon", "overdue", "mine"},
    Role.VILLAGE_STATION: {"mine"},
    Role.LEADER: {"mine"},
}


def tabs_for(user: User, counts: dict[str, int]) -> list[selectors.Queue]:
    roles = set(Role.values) if user.is_superuser else permissions.roles_of(user)
    relevant = set().union(*(TABS_BY_ROLE.get(r, set()) for r in roles)) if roles else set()
    return [q for q in selectors.QUEUES if q.key in relevant or counts.get(q.key)]


@login_required
@require_GET
def queues(request: HttpRequest, key: str | None = None) -> HttpResponse:
    if key is not None and key not in selectors.QUEUE_LABELS:
        raise Http404("没有这个待办列表")
    now = timezone.now()
    counts = selectors.queue_counts(request.user, now=now)
    tabs = tabs_for(request.user, counts)
    if key is None:
        # Open on the first tab that has work in it.
        key = next((q.key for q in tabs if counts[q.key]), tabs[0].key if tabs else None)
    page = None
    if key is not None:
        paginator = Paginator(selectors.queue(request.user, key, now=now), PER_PAGE)
        # The tab's count is the queue's length: no second COUNT over the same rows.
        paginator.count = counts[key]
        page = paginator.get_page(request.GET.get("page"))
        for event in page:
            event.light = event.light_at(now)
    return render(
        request,
        "events/queues.html",
        {
            "tabs": [{"key": q.key, "label": q.label, "count": counts[q.key]} for q in tabs],
            "current": key,
            "current_label": selectors.QUEUE_LABELS.get(key, ""),
            "page": page,
        },
    )


urlpatterns = [
    path("events/queues/", queues, name="event_queues"),
    path("events/queues/<str:key>/", queues, name="event_queue"),
]
