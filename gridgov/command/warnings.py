"""预警: early warnings found in the incoming events, and what the command room does with them.

Three detectors, each over a window that ends now:

- spike (类别突增): a category in a town over the last 24 hours against its own daily mean
  over the 28 days before;
- repeat (同地重复): events of one category at the same place (a cell of about 100 m) in
  the last 7 days;
- words (稳定风险词): an event of the last 24 hours whose text holds a stability-risk word
  (the editable RiskWord list).

Each warning has a key naming what it found; the key is unique, so the worker may detect on
every pass, two workers may detect at once, and each thing is recorded and pushed once.
"""

import logging
import math
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, FloatField, Q
from django.db.models.functions import Cast, Floor, Substr
from django.utils import timezone

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.command.models import EarlyWarning, RiskWord, WarningKind, WarningStatus
from gridgov.events import notify, workflow
from gridgov.events.models import Category, Event, NoticeKind, Source, Status
from gridgov.events.workflow import TransitionError
from gridgov.lib import codes
from gridgov.regions.models import Region

log = logging.getLogger("gridgov.warnings")

SPIKE_HOURS = 24
SPIKE_BASELINE_DAYS = 28
SPIKE_MIN = 5        # fewer events than this in a day is never a spike, whatever the baseline
SPIKE_FACTOR = 3.0   # …and it must be this many times the daily mean
REPEAT_DAYS = 7
REPEAT_MIN = 3
REPEAT_CELL_DEG = 0.001  # about 100 m north–south, 95 m east–west at 30°N
WORDS_HOURS = 24
DEFAULT_RISK_WORDS = ["集访", "讨薪", "群体", "上访", "聚集", "维权", "堵路", "静坐", "欠薪", "拉横幅"]


# --- detection --------------------------------------------------------------------------


def _reported_between(start: datetime, end: datetime):
    """Events reported in [start, end]. Naming every status lets the database read the
    (status, reported_at) index instead of the whole table: there is no index on the moment
    alone, and the detectors run every minute over millions of events."""
    return Event.objects.filter(status__in=Status.values, reported_at__gte=start, reported_at__lte=end)


def detect(*, now: datetime | None = None) -> list[EarlyWarning]:
    """Run every detector; returns the warnings new this time (already pushed)."""
    now = now or timezone.now()
    found = [*_spikes(now), *_repeats(now), *_words(now)]
    if found:
        log.info("%d new early warnings", len(found))
    return found


def _record(*, key: str, events: list[Event], now: datetime, **fields) -> EarlyWarning | None:
    """Save the warning unless its key exists; push it to the command room on commit."""
    try:
        with transaction.atomic():
            warning = EarlyWarning.objects.create(key=key, detected_at=now, **fields)
            warning.events.set(events)
            latest = max(events, key=lambda e: e.reported_at)
            # The command room of the latest event hears of it; the big screen shows it anyway.
            notify.issue(latest, kind=NoticeKind.ASSIGNED, recipients=notify.command_room(latest),
                         text=f"预警（{warning.get_kind_display()}）：{warning.title}", due_at=now)
    except IntegrityError:
        return None  # found before, by this worker or another
    return warning


def _region_names(area_codes: set[str]) -> dict[str, str]:
    wanted = {codes.pad(c) if len(c) < 12 else c[:12]: c for c in area_codes}
    return {wanted[r.code]: r.name for r in Region.objects.filter(code__in=wanted)}


def _spikes(now: datetime) -> list[EarlyWarning]:
    since = now - timedelta(hours=SPIKE_HOURS)
    recent = (
        _reported_between(since, now)
        .annotate(town=Substr("area_code", 1, 9))
        .values("town", "category")
        .annotate(n=Count("pk"))
        .filter(n__gte=SPIKE_MIN)
        .order_by()
    )
    candidates = {(r["town"], r["category"]): r["n"] for r in recent}
    if not candidates:
        return []
    start = since - timedelta(days=SPIKE_BASELINE_DAYS)
    condition = Q(pk__in=[])
    for town, category in candidates:
        condition |= Q(area_code__startswith=town, category_id=category)
    before = {
        (r["town"], r["category"]): r["n"]
        for r in _reported_between(start, since).filter(condition, reported_at__lt=since)
        .annotate(town=Substr("area_code", 1, 9))
        .values("town", "category")
        .annotate(n=Count("pk"))
        .order_by()
    }
    names = _region_names({town for town, _ in candidates})
    categories = Category.objects.in_bulk({c for _, c in candidates})
    created = []
    for (town, category_id), count in sorted(candidates.items()):
        baseline = before.get((town, category_id), 0) / SPIKE_BASELINE_DAYS
        if count < max(SPIKE_MIN, math.ceil(SPIKE_FACTOR * baseline)):
            continue
        events = list(_reported_between(since, now).filter(area_code__startswith=town, category_id=category_id))
        category = categories[category_id]
        where = names.get(town, town)
        centre = _centre(events)
        warning = _record(
            key=f"spike:{town}:{category_id}:{now.date():%Y%m%d}", events=events, now=now,
            kind=WarningKind.SPIKE, area_code=town, area_name=where, category=category,
            title=f"{where}「{category.name}」24 小时内 {count} 件，日均 {baseline:.1f} 件",
            detail=f"近 {SPIKE_HOURS} 小时上报 {count} 件，此前 {SPIKE_BASELINE_DAYS} 天日均 {baseline:.1f} 件。",
            count=count, baseline=round(baseline, 2), **centre,
        )
        if warning:
            created.append(warning)
    return created


def _centre(events: list[Event]) -> dict:
    return {"lon": sum(e.lon for e in events) / len(events), "lat": sum(e.lat for e in events) / len(events)}


def _repeats(now: datetime) -> list[EarlyWarning]:
    since = now - timedelta(days=REPEAT_DAYS)
    window = _reported_between(since, now)
    cell = {
        "cx": Floor(Cast(F("lon") / REPEAT_CELL_DEG, FloatField())),
        "cy": Floor(Cast(F("lat") / REPEAT_CELL_DEG, FloatField())),
    }
    groups = (
        window.annotate(**cell)
        .values("category", "cx", "cy")
        .annotate(n=Count("pk"), clon=Avg("lon"), clat=Avg("lat"))
        .filter(n__gte=REPEAT_MIN)
        .order_by()
    )
    created = []
    year, week, _ = now.isocalendar()
    for group in groups:
        events = list(
            window.annotate(**cell).filter(category_id=group["category"], cx=group["cx"], cy=group["cy"])
            .select_related("category", "grid")
        )
        latest = max(events, key=lambda e: e.reported_at)
        place = latest.address or latest.grid.name
        warning = _record(
            key=f"repeat:{group['category']}:{int(group['cx'])}:{int(group['cy'])}:{year}W{week:02d}",
            events=events, now=now, kind=WarningKind.REPEAT, area_code=latest.area_code,
            area_name=latest.grid.name, category=latest.category,
            title=f"{place}附近 {REPEAT_DAYS} 天内重复发生「{latest.category.name}」{len(events)} 次",
            detail="、".join(e.code for e in events), count=len(events), lon=group["clon"], lat=group["clat"],
        )
        if warning:
            created.append(warning)
    return created


def risk_words() -> list[str]:
    return list(RiskWord.objects.values_list("word", flat=True))


def _words(now: datetime) -> list[EarlyWarning]:
    words = risk_words()
    if not words:
        return []
    condition = Q(pk__in=[])
    for word in words:
        condition |= Q(title__contains=word) | Q(description__contains=word)
    events = _reported_between(now - timedelta(hours=WORDS_HOURS), now).filter(condition).select_related(
        "category", "grid"
    )
    created = []
    for event in events:
        text = f"{event.title} {event.description}"
        hits = [w for w in words if w in text]
        warning = _record(
            key=f"words:{event.code}", events=[event], now=now, kind=WarningKind.WORDS,
            area_code=event.area_code, area_name=event.grid.name, category=event.category,
            title=f"{event.title}（含“{'、'.join(hits)}”）", detail=event.description[:500], count=1,
            lon=event.lon, lat=event.lat,
        )
        if warning:
            created.append(warning)
    return created


# --- the editable word list -------------------------------------------------------------


def set_risk_words(text: str, *, by: User) -> list[str]:
    """Replace the list with the words in `text` (separated by spaces, commas or 、)."""
    if not permissions.command_scopes(by, permissions.DECIDE_WARNING):
        raise PermissionDenied("您不能修改稳定风险词")
    for sep in "，,、;；\n\t":
        text = text.replace(sep, " ")
    words = sorted({w.strip() for w in text.split(" ") if w.strip()})
    too_long = [w for w in words if len(w) > 20]
    if too_long:
        raise ValidationError({"words": f"风险词不能超过 20 字：{'、'.join(too_long)}"})
    with transaction.atomic():
        RiskWord.objects.exclude(word__in=words).delete()
        for word in words:
            RiskWord.objects.get_or_create(word=word)
    return words


# --- reading and deciding ---------------------------------------------------------------


def visible(user: User):
    scopes = permissions.command_scopes(user, permissions.WARNINGS)
    return EarlyWarning.objects.filter(permissions.scope_q(scopes, "area_code"))


def get_for(user: User, pk: int) -> EarlyWarning:
    from django.http import Http404

    warning = visible(user).select_related("category").filter(pk=pk).first() if 0 < pk < 2**31 else None
    if warning is None:
        raise Http404("预警不存在或不在您的管辖范围内")
    return warning


def _require_decide(user: User, warning: EarlyWarning) -> None:
    if not permissions.may_at(user, permissions.DECIDE_WARNING, warning.area_code):
        raise PermissionDenied("您不能处理该预警")


def _close(warning: EarlyWarning, *, by: User, at: datetime, status: str, **fields) -> None:
    updated = EarlyWarning.objects.filter(pk=warning.pk, status=WarningStatus.OPEN).update(
        status=status, decided_by=by, decided_at=at, **fields
    )
    if updated != 1:
        raise TransitionError("该预警已被他人处理，请刷新后查看")
    warning.status, warning.decided_by, warning.decided_at = status, by, at
    for name, value in fields.items():
        setattr(warning, name, value)


@transaction.atomic
def dismiss(warning: EarlyWarning, *, by: User, reason: str, at: datetime | None = None) -> EarlyWarning:
    """排除: not a problem, with the reason on record."""
    _require_decide(by, warning)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写排除理由"})
    if len(reason) > 1000:
        raise ValidationError({"reason": "排除理由不能超过 1000 字"})
    _close(warning, by=by, at=at or timezone.now(), status=WarningStatus.DISMISSED, reason=reason)
    return warning


@transaction.atomic
def convert(warning: EarlyWarning, *, by: User, at: datetime | None = None) -> Event:
    """转事件: the command room reports it as an event of its own, which then runs the loop."""
    _require_decide(by, warning)
    if warning.status != WarningStatus.OPEN:
        raise TransitionError("该预警已处理")
    related = list(warning.events.order_by("-reported_at")[:1])
    category = warning.category or (related[0].category if related else None)
    # The latest event's own position lies in a grid for sure; a cluster's centre may not.
    lon, lat = (related[0].lon, related[0].lat) if related else (warning.lon, warning.lat)
    if category is None or lon is None or lat is None:
        raise ValidationError({"warning": "该预警缺少分类或位置，无法转为事件"})
    event, _ = workflow.report(
        by=by, title=warning.title[:100], category=category, source=Source.DEPARTMENT, lon=lon, lat=lat,
        description=f"由预警转入：{warning.title}。{warning.detail}"[:2000], at=at,
    )
    _close(warning, by=by, at=event.reported_at, status=WarningStatus.CONVERTED, event=event)
    return event
