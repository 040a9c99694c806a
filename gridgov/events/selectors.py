"""Reads of events: the queues each role works from, search, duplicates, the timeline."""

import math
import operator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.events.models import FINAL, Event, EventLog, ExtensionStatus, Source, Status
from gridgov.lib import geo
from gridgov.lib.masking import mask_phone


@dataclass(frozen=True)
class Queue:
    key: str
    label: str


QUEUES = [
    Queue("to_accept", _("待受理")),
    Queue("to_dispatch", _("待交办")),
    Queue("to_sign", _("待签收")),
    Queue("handling", _("处置中")),
    Queue("to_verify", _("待核查")),
    Queue("due_soon", _("即将超期")),
    Queue("overdue", _("已超期")),
    Queue("mine", _("我上报的")),
]
QUEUE_LABELS = {q.key: q.label for q in QUEUES}


def queue_q(user: User, key: str, now: datetime) -> Q:
    """The condition of one queue for one user; an empty Q-set means nothing."""
    commands = permissions.commanded_events_q(user)
    leads = permissions.led_events_q(user)
    if key == "to_accept":
        return commands & Q(status=Status.REPORTED)
    if key == "to_dispatch":
        return commands & Q(status=Status.ACCEPTED)
    if key == "to_sign":
        return leads & Q(status=Status.DISPATCHED)
    if key == "handling":
        return (leads | commands) & Q(status=Status.HANDLING)
    if key == "to_verify":
        return Q(status=Status.HANDLED) & (
            Q(source=Source.GRID_PATROL, reporter=user) | (commands & ~Q(source=Source.GRID_PATROL))
        )
    if key == "due_soon":
        return _owed_q(user) & Q(warn_at__lte=now, due_at__gt=now)
    if key == "overdue":
        return _owed_q(user) & Q(due_at__lte=now)
    if key == "mine":
        return Q(reporter=user)
    raise KeyError(key)


def _owed_q(user: User) -> Q:
    """Open events whose current step this user's room or department owes."""
    commands = permissions.commanded_events_q(user)
    leads = permissions.led_events_q(user)
    return (
        (commands & Q(status__in=[Status.REPORTED, Status.ACCEPTED, Status.HANDLED]))
        | (leads & Q(status__in=[Status.DISPATCHED, Status.HANDLING]))
        | Q(status=Status.HANDLED, source=Source.GRID_PATROL, reporter=user)
    )


def queue(user: User, key: str, *, now: datetime | None = None) -> QuerySet:
    now = now or timezone.now()
    rows = Event.objects.filter(queue_q(user, key, now))
    order = "due_at" if key in {"due_soon", "overdue", "to_accept", "to_dispatch", "to_sign", "to_verify"} else "-reported_at"
    return rows.select_related("category__parent", "grid", "lead").order_by(order, "pk")


def queue_counts(user: User, *, now: datetime | None = None) -> dict[str, int]:
    """Every queue's count in one query: the rows of any queue, each counted in the queues
    whose condition it meets (a round trip per queue cost more than the counting)."""
    now = now or timezone.now()
    conditions = {q.key: queue_q(user, q.key, now) for q in QUEUES}
    # The deadline queues hold events owed by the user; that condition, without the moments,
    # is what the indexes find fast (the moments alone match open events all over the city).
    candidates = [q for key, q in conditions.items() if key not in DEADLINE_QUEUES] + [_owed_q(user)]
    rows = Event.objects.filter(reduce(operator.or_, candidates))
    return rows.aggregate(**{key: Count("pk", filter=q) for key, q in conditions.items()})


DEADLINE_QUEUES = {"due_soon", "overdue"}


@dataclass
class Search:
    text: str = ""
    status: str = ""
    category: int | None = None
    level: int | None = None
    source: str = ""
    area: str = ""
    lead: int | None = None
    light: str = ""
    reported_from: datetime | None = None
    reported_to: datetime | None = None


def search(user: User, criteria: Search, *, now: datetime | None = None) -> QuerySet:
    """The events the user may see that match the criteria, newest first."""
    now = now or timezone.now()
    rows = permissions.visible_events(user, Event.objects.all())
    if criteria.text:
        text = criteria.text.strip()
        rows = rows.filter(Q(code__icontains=text) | Q(title__icontains=text) | Q(address__icontains=text))
    if criteria.status:
        rows = rows.filter(status=criteria.status)
    if criteria.category:
        rows = rows.filter(Q(category_id=criteria.category) | Q(category__parent_id=criteria.category))
    if criteria.level:
        rows = rows.filter(level=criteria.level)
    if criteria.source:
        rows = rows.filter(source=criteria.source)
    if criteria.area:
        rows = rows.filter(area_code__startswith=criteria.area)
    if criteria.lead:
        rows = rows.filter(lead_id=criteria.lead)
    if criteria.light == "red":
        rows = rows.filter(due_at__lte=now)
    elif criteria.light == "yellow":
        rows = rows.filter(warn_at__lte=now, due_at__gt=now)
    elif criteria.light == "green":
        rows = rows.filter(due_at__gt=now).filter(Q(warn_at__gt=now) | Q(warn_at__isnull=True))
    if criteria.reported_from:
        rows = rows.filter(reported_at__gte=criteria.reported_from)
    if criteria.reported_to:
        rows = rows.filter(reported_at__lt=criteria.reported_to)
    return rows.select_related("category__parent", "grid", "lead").order_by("-reported_at", "-pk")


# Possible duplicates of a new report: same category, still open, close by, recent, alike.
DUPLICATE_RADIUS_M = 200
DUPLICATE_DAYS = 7
# How alike the texts must be: a quarter of the shorter text's character pairs at the same
# spot, half of them at the edge of the radius. Same-class reports nearby share a few pairs
# by chance (街口, 小区); the farther apart, the more the words must say the same thing.
DUPLICATE_SIMILARITY_NEAR = 0.25
DUPLICATE_SIMILARITY_FAR = 0.5


def similarity_needed(distance_m: float) -> float:
    """The text similarity an event `distance_m` away needs to be suggested as a duplicate."""
    share = min(1.0, max(0.0, distance_m) / DUPLICATE_RADIUS_M)
    return DUPLICATE_SIMILARITY_NEAR + (DUPLICATE_SIMILARITY_FAR - DUPLICATE_SIMILARITY_NEAR) * share


def possible_duplicates(
    *, user: User, category_id: int, lon: float, lat: float, text: str, now: datetime | None = None,
    exclude: int | None = None, limit: int = 5,
) -> list[tuple[Event, float, float]]:
    """(event, distance in m, text similarity 0–1), best first, among the events `user` may
    see: a report form must not reveal events outside its reporter's scope. Only events
    whose text is alike enough for their distance are suggested (`similarity_needed`), so
    a report with no text yet is suggested nothing."""
    now = now or timezone.now()
    dlat = DUPLICATE_RADIUS_M / 111_000
    dlon = dlat / max(0.1, math.cos(math.radians(lat)))
    candidates = (
        permissions.visible_events(user, Event.objects.all())
        .filter(
            category_id=category_id,
            reported_at__gte=now - timedelta(days=DUPLICATE_DAYS),
            lon__range=(lon - dlon, lon + dlon),
            lat__range=(lat - dlat, lat + dlat),
        )
        .exclude(status__in=FINAL)
        .exclude(pk=exclude)
        .select_related("category__parent", "grid", "lead")
    )
    found = []
    for event in candidates[:200]:
        distance = geo.distance_m(lon, lat, event.lon, event.lat)
        if distance > DUPLICATE_RADIUS_M:
            continue
        similarity = text_similarity(text, f"{event.title} {event.description}")
        if similarity < similarity_needed(distance):
            continue
        found.append((event, round(distance), round(similarity, 2)))
    found.sort(key=lambda item: (-item[2], item[1]))
    return found[:limit]


def text_similarity(a: str, b: str) -> float:
    """Overlap of character bigrams (Chinese has no spaces between words), 0–1."""
    def grams(s: str) -> set[str]:
        s = "".join(ch for ch in s if not ch.isspace())
        return {s[i:i + 2] for i in range(len(s) - 1)} or ({s} if s else set())

    ga, gb = grams(a), grams(b)
    if not ga or not gb:
        return 0.0
    return len(ga & gb) / min(len(ga), len(gb))


def timeline(event: Event) -> list[EventLog]:
    return list(
        event.log.select_related("actor", "department").prefetch_related("attachments").order_by("seq")
    )


# --- what a person may do to an event now ---------------------------------------------------


@dataclass(frozen=True)
class ActionRule:
    permission: str
    statuses: frozenset[str]
    # True: only while an extension request waits; False: only while none does.
    pending_extension: bool | None = None


_OPEN = frozenset(s for s in Status.values if s not in FINAL)

# Every action a page button or API endpoint offers, in the order they are shown.
ACTION_RULES: dict[str, ActionRule] = {
    "accept": ActionRule(permissions.ACCEPT, frozenset({Status.REPORTED})),
    "reject": ActionRule(permissions.REJECT, frozenset({Status.REPORTED})),
    "dispatch": ActionRule(permissions.DISPATCH, frozenset({Status.ACCEPTED})),
    "merge": ActionRule(permissions.MERGE, frozenset({Status.REPORTED, Status.ACCEPTED})),
    "sign": ActionRule(permissions.SIGN, frozenset({Status.DISPATCHED})),
    "send_back": ActionRule(permissions.SEND_BACK, frozenset({Status.DISPATCHED})),
    "feed_back": ActionRule(permissions.FEED_BACK, frozenset({Status.HANDLING})),
    "request_extension": ActionRule(permissions.REQUEST_EXTENSION, frozenset({Status.HANDLING}), False),
    "assist": ActionRule(permissions.ASSIST, frozenset({Status.DISPATCHED, Status.HANDLING})),
    "approve_extension": ActionRule(permissions.DECIDE_EXTENSION, frozenset({Status.HANDLING}), True),
    # A request left waiting when the event moved on can still be turned down.
    "deny_extension": ActionRule(permissions.DECIDE_EXTENSION, _OPEN, True),
    "verify": ActionRule(permissions.VERIFY, frozenset({Status.HANDLED})),
    "rework": ActionRule(permissions.REWORK, frozenset({Status.HANDLED})),
    "escalate": ActionRule(permissions.ESCALATE, _OPEN - {Status.HANDLED}),
    "instruct": ActionRule(permissions.INSTRUCT, _OPEN),
}


def has_pending_extension(event: Event) -> bool:
    return event.extensions.filter(status=ExtensionStatus.PENDING).exists()


def admits(name: str, event: Event, *, pending_extension: bool) -> bool:
    """The event's state admits the action (who may take it is the permissions' call)."""
    rule = ACTION_RULES[name]
    if event.status not in rule.statuses:
        return False
    return rule.pending_extension is None or rule.pending_extension == pending_extension


def allowed_actions(user: User, event: Event) -> list[str]:
    """The actions this user may take on the event as it stands now."""
    if not event.is_open:
        return []
    pending = has_pending_extension(event)
    return [
        name
        for name, rule in ACTION_RULES.items()
        if admits(name, event, pending_extension=pending) and permissions.can_on_event(user, rule.permission, event)
    ]


def contact_phone_for(user: User, event: Event) -> str:
    """A caller's number is for the command room that calls back; others see its ends."""
    return event.contact_phone if permissions.commands(user, event) else mask_phone(event.contact_phone)
