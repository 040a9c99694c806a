"""The big screen (指挥大屏) and the map's event card: figures, feed and what a click shows."""

from datetime import date, datetime

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.command.layers import light_of
from gridgov.command.models import EarlyWarning
from gridgov.events import selectors
from gridgov.events.models import OPEN, Event
from gridgov.events.views.event import ACTIONS_BY_KEY

FEED_LIMIT = 50


def event_card(user: User, event: Event, *, now: datetime) -> dict:
    """An event on the map: what it is, its light, and the actions this user may take."""
    return {
        "code": event.code,
        "title": event.title,
        "status": event.get_status_display(),
        "light": event.light_at(now),
        "level": event.get_level_display(),
        "category": event.category.name,
        "grid": event.grid.name,
        "address": event.address,
        "reported_at": event.reported_at.isoformat(),
        "due_at": event.due_at.isoformat() if event.due_at else None,
        "url": event.get_absolute_url(),
        "actions": [
            {"key": key, "label": ACTIONS_BY_KEY[key].label}
            for key in selectors.allowed_actions(user, event) if key in ACTIONS_BY_KEY
        ],
        "can_call": event.is_open and permissions.can_on_event(user, permissions.CALL, event),
    }


def feed(prefixes: list[str], *, since: datetime, now: datetime) -> list[dict]:
    """New events, events whose deadline passed, and warnings, since `since`, newest first."""
    scope = permissions.scope_q(prefixes, "area_code")
    columns = ("code", "title", "reported_at", "due_at", "warn_at", "grid__name")
    new = Event.objects.filter(scope, reported_at__gt=since, reported_at__lte=now).order_by("-reported_at")
    overdue = Event.objects.filter(scope, status__in=OPEN, due_at__gt=since, due_at__lte=now).order_by("-due_at")
    items = [
        {"kind": "new", "label": "新事件", "at": reported.isoformat(), "code": code, "title": title,
         "where": grid, "light": light_of(due, warn, now), "url": f"/events/{code}/"}
        for code, title, reported, due, warn, grid in new.values_list(*columns)[:FEED_LIMIT]
    ] + [
        {"kind": "overdue", "label": "已超期", "at": due.isoformat(), "code": code, "title": title,
         "where": grid, "light": "red", "url": f"/events/{code}/"}
        for code, title, _, due, _, grid in overdue.values_list(*columns)[:FEED_LIMIT]
    ] + [
        {"kind": "warning", "label": f"预警·{w.get_kind_display()}", "at": w.detected_at.isoformat(),
         "code": "", "title": w.title, "where": w.area_name, "light": "yellow", "url": "/command/warnings/"}
        for w in EarlyWarning.objects.filter(scope, detected_at__gt=since, detected_at__lte=now)
        .order_by("-detected_at")[:FEED_LIMIT]
    ]
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:FEED_LIMIT]


def figures(prefixes: list[str], day: date) -> dict:
    """Today's figures from the analysis app; `available` is False in a deployment without it."""
    try:
        from gridgov.analysis import dashboard
    except ImportError:
        return {"available": False}
    return {
        "available": True,
        "summary": dashboard.summary(prefixes, day),
        "top_categories": dashboard.top_categories(prefixes, day, day),
        "town_ranking": dashboard.town_ranking(prefixes, day, day),
    }

