"""Every change of an event's state, read top to bottom as its lifecycle (DESIGN §3).

reported ─accept─▶ accepted ─dispatch─▶ dispatched ─sign─▶ handling ─feed back─▶ handled ─verify─▶ closed
   │ reject/merge      ▲  └──── send back ───┘                 ▲  └──────── rework ───────┘
   └ (self-handled events are reported closed)                 └ extension requested / approved

Each public function checks the actor's permission through the permissions module, moves
the state with a conditional UPDATE (so of two people clicking at once exactly one wins),
and appends a row to the event's hash-chained log in the same transaction. Notices are
sent after the transaction commits.
"""

import math
from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from gridgov.accounts import permissions
from gridgov.accounts.models import Department, User
from gridgov.events import deadlines, notify
from gridgov.events.attachments import Upload, attach, check_uploads
from gridgov.events.models import (
    Category,
    Closure,
    Coordination,
    Event,
    EventLog,
    EventSequence,
    Extension,
    ExtensionStatus,
    Level,
    LogAction,
    NoticeKind,
    RoutingRule,
    Source,
    Status,
    Step,
    SupervisionOrder,
)
from gridgov.regions import locator
from gridgov.regions.models import Grid


class TransitionError(Exception):
    """The event is no longer in a state that allows this (someone else acted first)."""


# --- helpers ------------------------------------------------------------------------------


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _require(user: User, action: str, event: Event) -> None:
    if not permissions.can_on_event(user, action, event):
        if permissions.can_on_event(user, permissions.VIEW, event):
            raise PermissionDenied("您不能对该事件执行此操作")
        raise Http404("事件不存在或不在您的管辖范围内")


def _text(value: str, field: str, label: str, *, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}"})
    if max_length and len(value) > max_length:
        raise ValidationError({field: f"{label}不能超过 {max_length} 字"})
    return value


def _append_log(
    event: Event,
    *,
    action: str,
    by: User | None,
    at: datetime,
    old: str = "",
    new: str = "",
    note: str = "",
    data: dict | None = None,
    department: Department | None = None,
) -> EventLog:
    row = _next_log_row(
        event, action=action, by=by, at=at, old=old, new=new, note=note, data=data, department=department
    )
    row.save()
    return row


def _next_log_row(
    event: Event, *, action: str, by: User | None, at: datetime, old: str = "", new: str = "", note: str = "",
    data: dict | None = None, department: Department | None = None,
) -> EventLog:
    """The event's next log row, hashed onto its chain and made its head, not yet saved."""
    row = EventLog(
        event=event, seq=event.log_length + 1, action=action, old_status=old, new_status=new,
        actor=by, department=department, note=note, data=data or {}, at=at, prev_hash=event.log_head,
    )
    row.hash = row.compute_hash()
    event.log_length, event.log_head = row.seq, row.hash
    return row


def _move(
    event: Event,
    *,
    frm: set[str],
    to: str,
    action: str,
    by: User | None,
    at: datetime,
    note: str = "",
    data: dict | None = None,
    department: Department | None = None,
    **fields,
) -> EventLog:
    """Move `event` from one of `frm` to `to` if nobody else moved it first, and log it."""
    old = event.status
    if old not in frm:
        raise TransitionError(f"事件 {event.code} 当前为「{Status(old).label}」，不能{LogAction(action).label}")
    row = EventLog(
        event=event, seq=event.log_length + 1, action=action, old_status=old, new_status=to, actor=by,
        department=department, note=note, data=data or {}, at=at, prev_hash=event.log_head,
    )
    row.hash = row.compute_hash()
    updated = Event.objects.filter(pk=event.pk, status=old, log_length=event.log_length).update(
        status=to, log_length=row.seq, log_head=row.hash, **fields
    )
    if updated != 1:
        # Nothing got updated: another person acted on this event a moment ago.
        raise TransitionError(f"事件 {event.code} 刚被他人处理，请刷新后查看最新状态")
    row.save()
    event.status, event.log_length, event.log_head = to, row.seq, row.hash
    for name, value in fields.items():
        setattr(event, name, value)
    return row


def _note_only(
    event: Event, *, action: str, by: User | None, at: datetime, note: str = "", data: dict | None = None,
    department: Department | None = None, **fields,
) -> EventLog:
    """Log something that does not change the state (instruction, assisting feedback…),
    still guarded against a concurrent writer of the same event's log."""
    row = EventLog(
        event=event, seq=event.log_length + 1, action=action, old_status=event.status,
        new_status=event.status, actor=by, department=department, note=note, data=data or {}, at=at,
        prev_hash=event.log_head,
    )
    row.hash = row.compute_hash()
    updated = Event.objects.filter(pk=event.pk, log_length=event.log_length, status=event.status).update(
        log_length=row.seq, log_head=row.hash, **fields
    )
    if updated != 1:
        raise TransitionError(f"事件 {event.code} 刚被他人处理，请刷新后重试")
    row.save()
    event.log_length, event.log_head = row.seq, row.hash
    for name, value in fields.items():
        setattr(event, name, value)
    return row


def _step_fields(event: Event, step: str, start: datetime) -> dict:
    due, warn = deadlines.step_deadline(start, category=event.category, level=event.level, step=step)
    return {"due_at": due, "warn_at": warn, "reminded_for": None, "supervised_for": None}


FINAL_FIELDS = {"due_at": None, "warn_at": None}


def _next_code(grid: Grid, at: datetime) -> tuple[str, int | None]:
    """The next number of the grid's district in the year of `at`; on PostgreSQL also the
    id the new event will have, from the table's sequence.

    One statement, which creates the counter or moves it on and reads it back. Every
    report of the district waits on this row until the reporting transaction commits, so
    the report takes its number as late as it can. Call it in the savepoint that saves the
    event: a report rolled back gives its number back, and the numbers have no gaps.

    Knowing the id before the insert lets the report's first log row, whose hash covers
    the id, be hashed first, so the event is written once with its log head."""
    district, year = grid.code[:6], timezone.localtime(at).year
    table = connection.ops.quote_name(EventSequence._meta.db_table)
    reserve = ""
    if connection.vendor == "postgresql":
        reserve = f", nextval(pg_get_serial_sequence('{Event._meta.db_table}', 'id'))"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (district, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (district, year) DO UPDATE SET last = {table}.last + 1 RETURNING last{reserve}",
            [district, year],
        )
        last, *event_id = cursor.fetchone()
    return f"SJ-{district}-{year}-{last:06d}", event_id[0] if event_id else None


# --- report -------------------------------------------------------------------------------


def check_report(
    *, by: User, title: str, description: str, category: Category | None, level: int, source: str,
    lon: float, lat: float,
) -> Grid:
    """Validate a report; return the grid it falls in. Every bad field is named at once."""
    errors: dict[str, str] = {}
    for field, label, value, limit in (("title", "标题", title, 100), ("description", "描述", description, 4000)):
        try:
            _text(value, field, label, max_length=limit)
        except ValidationError as exc:
            errors.update({k: v[0].message for k, v in exc.error_dict.items()})
    if category is None or not category.is_active:
        errors["category"] = "请选择有效的事件分类"
    if level not in Level.values:
        errors["level"] = f"事件等级 {level!r} 无效"
    if source not in Source.values:
        errors["source"] = f"事件来源 {source!r} 无效"
    grid = None
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in (lon, lat)):
        errors["location"] = "位置坐标无效"
    elif not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors["location"] = "位置坐标超出经纬度范围"
    else:
        found = locator.locate(lon, lat)
        if found is None:
            errors["location"] = "该位置不在本辖区任何网格内，请核对定位"
        else:
            # The locator's own snapshot of the row: its id, code and name, the rest read
            # only if someone asks for it.
            grid = Grid.from_db(DEFAULT_DB_ALIAS, ["id", "code", "name"], [found.id, found.code, found.name])
            if not permissions.may_report_at(by, grid):
                errors["location"] = f"该位置属于{grid.name}，不在您的上报范围内"
    if errors:
        raise ValidationError(errors)
    return grid


def _create_report(
    *,
    by: User,
    title: str,
    description: str,
    category: Category,
    level: int = Level.ORDINARY,
    source: str = Source.GRID_PATROL,
    lon: float,
    lat: float,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    photos: Sequence[Upload] = (),
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> tuple[Event, bool]:
    at = _now(at)
    # A repeated idempotency key is rare and every report would pay for looking it up
    # first: the unique key on (reporter, idempotency_key) finds it at the insert instead.
    grid = check_report(
        by=by, title=title, description=description, category=category, level=level, source=source,
        lon=lon, lat=lat,
    )
    check_uploads(photos)
    event = Event(
        title=title.strip(), description=description.strip(), category=category,
        level=level, source=source, reporter=by, contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(), lon=lon, lat=lat, address=address.strip(), grid=grid,
        area_code=grid.code, reported_at=at, idempotency_key=idempotency_key or None,
    )
    for name, value in _step_fields(event, Step.ACCEPT, at).items():
        setattr(event, name, value)
    row = None
    try:
        with transaction.atomic():
            event.code, event.pk = _next_code(grid, at)
            if event.pk is not None:
                row = _next_log_row(event, action=LogAction.REPORT, by=by, at=at, new=Status.REPORTED)
            event.save(force_insert=True)
    except IntegrityError:
        # The key was used before, or arrived twice at the same moment: the savepoint gives
        # the number back, and the answer is the event the first request created.
        event.pk = None
        existing = Event.objects.filter(reporter=by, idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing, False
    if row is not None:
        row.save(force_insert=True)
    else:
        # No id before the insert: log, then write the head onto the event.
        row = _append_log(event, action=LogAction.REPORT, by=by, at=at, new=Status.REPORTED)
        Event.objects.filter(pk=event.pk).update(log_length=event.log_length, log_head=event.log_head)
    attach(event, row, photos, by=by, at=at)
    return event, True


@transaction.atomic
def report(
    *,
    by: User,
    title: str,
    description: str,
    category: Category,
    level: int = Level.ORDINARY,
    source: str = Source.GRID_PATROL,
    lon: float,
    lat: float,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    photos: Sequence[Upload] = (),
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> tuple[Event, bool]:
    """Report a new event. Returns (event, created); a repeated idempotency key returns the
    event the first request created, so a retried submission never makes a second one."""
    event, created = _create_report(
        by=by, title=title, description=description, category=category, level=level, source=source,
        lon=lon, lat=lat, address=address, contact_name=contact_name, contact_phone=contact_phone,
        photos=photos, idempotency_key=idempotency_key, at=at,
    )
    if created:
        notify.issue(
            event, kind=NoticeKind.ASSIGNED, recipients=notify.command_room_holders(event),
            text=f"新事件待受理：{event.code} {event.title}", due_at=event.due_at,
        )
    return event, created


@transaction.atomic
def self_handle(
    *,
    by: User,
    title: str,
    description: str,
    category: Category,
    lon: float,
    lat: float,
    note: str,
    photos: Sequence[Upload],
    level: int = Level.ORDINARY,
    address: str = "",
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> tuple[Event, bool]:
    """A problem the grid worker solved on the spot (自行处置): recorded with its evidence
    and closed at once, so it is counted."""
    at = _now(at)
    errors = {}
    if not (note or "").strip():
        errors["note"] = "请说明现场处置情况"
    if not photos:
        errors["photos"] = "自行处置须上传处置后的照片"
    if errors:
        raise ValidationError(errors)
    check_uploads(photos)
    event, created = _create_report(
        by=by, title=title, description=description, category=category, level=level,
        source=Source.GRID_PATROL, lon=lon, lat=lat, address=address, idempotency_key=idempotency_key, at=at,
    )
    if not created:
        return event, False
    row = _move(
        event, frm={Status.REPORTED}, to=Status.CLOSED, action=LogAction.SELF_HANDLE, by=by, at=at,
        note=note.strip(), closure=Closure.SELF_HANDLED, closed_at=at, handled_at=at, **FINAL_FIELDS,
    )
    attach(event, row, photos, by=by, at=at)
    return event, True


# --- the command room -------------------------------------------------------------------


@transaction.atomic
def accept(event: Event, *, by: User, note: str = "", at: datetime | None = None) -> Event:
    """受理. The accept step's deadline runs on until the event is dispatched; where a
    routing rule matches, it is dispatched automatically."""
    at = _now(at)
    _require(by, permissions.ACCEPT, event)
    _move(event, frm={Status.REPORTED}, to=Status.ACCEPTED, action=LogAction.ACCEPT, by=by, at=at,
          note=note.strip(), accepted_at=at)
    rule = route(event)
    if rule is not None:
        auto_dispatch(event, rule=rule, at=at)
    return event


@transaction.atomic
def reject(event: Event, *, by: User, reason: str, at: datetime | None = None) -> Event:
    """不予受理, with the reason the reporter will read."""
    at = _now(at)
    _require(by, permissions.REJECT, event)
    reason = _text(reason, "reason", "不予受理的理由", max_length=1000)
    _move(event, frm={Status.REPORTED}, to=Status.REJECTED, action=LogAction.REJECT, by=by, at=at,
          note=reason, closed_at=at, **FINAL_FIELDS)
    notify.issue(event, kind=NoticeKind.ASSIGNED, recipients=[event.reporter],
                 text=f"事件 {event.code} 不予受理：{reason}", due_at=None)
    return event


@transaction.atomic
def merge(event: Event, *, into: Event, by: User, note: str = "", at: datetime | None = None) -> Event:
    """Merge a duplicate report into the event that already tracks the same problem."""
    at = _now(at)
    _require(by, permissions.MERGE, event)
    if into.pk == event.pk:
        raise ValidationError({"into": "不能合并到事件自身"})
    if not into.is_open or into.merged_into_id:
        raise ValidationError({"into": f"事件 {into.code} 已办结，不能作为合并目标"})
    if not permissions.can_on_event(by, permissions.VIEW, into):
        raise ValidationError({"into": "目标事件不在您的管辖范围内"})
    _move(event, frm={Status.REPORTED, Status.ACCEPTED}, to=Status.MERGED, action=LogAction.MERGE, by=by,
          at=at, note=note.strip(), data={"into": into.code}, merged_into=into, closed_at=at, **FINAL_FIELDS)
    return event


def route(event: Event) -> RoutingRule | None:
    """The most specific active routing rule for the event's category and place."""
    categories = [event.category_id] + ([event.category.parent_id] if event.category.parent_id else [])
    rules = [
        r for r in RoutingRule.objects.filter(category_id__in=categories, is_active=True).select_related("lead")
        if event.area_code.startswith(r.region_prefix) and r.lead.is_active
    ]
    if not rules:
        return None
    # Longer prefix first; at equal prefix, the minor class (first in `categories`) first.
    return max(rules, key=lambda r: (len(r.region_prefix), r.category_id == event.category_id))


def serves(department: Department, event: Event) -> bool:
    """The department is active and its region covers the event's place."""
    return department.is_active and event.area_code.startswith(department.region.prefix)


def check_department(event: Event, department: Department | None, field: str = "lead") -> Department:
    if department is None or not department.is_active:
        raise ValidationError({field: "请选择有效的部门"})
    if not serves(department, event):
        raise ValidationError({field: f"{department.name} 不负责事件所在区域"})
    return department


@transaction.atomic
def dispatch(
    event: Event, *, lead: Department, by: User, assisting: Sequence[Department] = (), note: str = "",
    at: datetime | None = None,
) -> Event:
    """交办 to a lead department (and assisting ones, 联办)."""
    at = _now(at)
    _require(by, permissions.DISPATCH, event)
    check_department(event, lead)
    assisting = [check_department(event, d, "assisting") for d in assisting if d.pk != lead.pk]
    _dispatch(event, lead=lead, assisting=assisting, by=by, at=at, note=note.strip(), action=LogAction.DISPATCH)
    return event


def auto_dispatch(event: Event, *, rule: RoutingRule, at: datetime | None = None) -> Event:
    """Dispatch by a routing rule, with no person acting. An assisting department of the
    rule that has been closed, or does not serve the event's place (a rule for a whole
    district may name a town's unit), is left out, and the log's note names it."""
    at = _now(at)
    assisting, skipped = [], []
    for department in rule.assisting.select_related("region").order_by("pk"):
        if department.pk == rule.lead_id:
            continue
        (assisting if serves(department, event) else skipped).append(department)
    note = f"按分拨规则自动交办（{rule.region_prefix}）"
    if skipped:
        names = "、".join(d.name for d in skipped)
        note += f"；未列入协办（已停用或不负责事件所在区域）：{names}"
    _dispatch(event, lead=rule.lead, assisting=assisting, by=None, at=at, note=note,
              action=LogAction.AUTO_DISPATCH)
    return event


def _dispatch(event, *, lead, assisting, by, at, note, action) -> None:
    _move(event, frm={Status.ACCEPTED}, to=Status.DISPATCHED, action=action, by=by, at=at, note=note,
          data={"lead": lead.pk, "assisting": [d.pk for d in assisting]}, department=lead, lead=lead,
          dispatched_at=at, **_step_fields(event, Step.SIGN, at))
    event.assisting.set(assisting)
    notify.issue(event, kind=NoticeKind.ASSIGNED, recipients=notify.department_people(lead),
                 text=f"新交办事件待签收：{event.code} {event.title}", due_at=event.due_at)


@transaction.atomic
def escalate(event: Event, *, by: User, reason: str, at: datetime | None = None) -> Event:
    """提级: the town cannot solve it; the district centre coordinates from now on."""
    at = _now(at)
    _require(by, permissions.ESCALATE, event)
    reason = _text(reason, "reason", "提级理由", max_length=1000)
    if not event.is_open:
        raise TransitionError(f"事件 {event.code} 当前为「{event.get_status_display()}」，不能提级")
    if event.status == Status.HANDLED:
        raise TransitionError("事件已处置待核查，无需提级")
    _note_only(event, action=LogAction.ESCALATE, by=by, at=at, note=reason,
               data={"from": Coordination.TOWN, "to": Coordination.DISTRICT}, coordination=Coordination.DISTRICT)
    notify.issue(event, kind=NoticeKind.ASSIGNED, recipients=notify.command_room_holders(event),
                 text=f"镇街提级事件：{event.code} {event.title}", due_at=event.due_at)
    return event


@transaction.atomic
def instruct(event: Event, *, by: User, note: str, at: datetime | None = None) -> Event:
    """领导批示: a leader's instruction, on the record and sent to whoever owes the step."""
    at = _now(at)
    _require(by, permissions.INSTRUCT, event)
    note = _text(note, "note", "批示内容", max_length=2000)
    _note_only(event, action=LogAction.INSTRUCT, by=by, at=at, note=note)
    owners = notify.department_people(event.lead) if event.lead_id else notify.command_room(event)
    notify.issue(event, kind=NoticeKind.ASSIGNED, recipients=owners,
                 text=f"领导批示 {event.code}：{note}", due_at=at)
    return event


# --- the department ---------------------------------------------------------------------


@transaction.atomic
def send_back(event: Event, *, by: User, reason: str, at: datetime | None = None) -> Event:
    """退回: not ours to handle; the command room dispatches again."""
    at = _now(at)
    _require(by, permissions.SEND_BACK, event)
    reason = _text(reason, "reason", "退回理由", max_length=1000)
    department = event.lead
    _move(event, frm={Status.DISPATCHED}, to=Status.ACCEPTED, action=LogAction.SEND_BACK, by=by, at=at,
          note=reason, department=department, lead=None, dispatched_at=None, **_step_fields(event, Step.ACCEPT, at))
    event.assisting.clear()
    notify.issue(event, kind=NoticeKind.ASSIGNED, recipients=notify.command_room_holders(event),
                 text=f"{department.name} 退回事件 {event.code}：{reason}", due_at=event.due_at)
    return event


@transaction.atomic
def sign(event: Event, *, by: User, at: datetime | None = None) -> Event:
    """签收: the lead department takes the event on; the handling deadline starts."""
    at = _now(at)
    _require(by, permissions.SIGN, event)
    fields = _step_fields(event, Step.HANDLE, at)
    _move(event, frm={Status.DISPATCHED}, to=Status.HANDLING, action=LogAction.SIGN, by=by, at=at,
          department=event.lead, signed_at=at, handle_due_at=fields["due_at"], **fields)
    return event


@transaction.atomic
def feed_back(
    event: Event, *, by: User, note: str, photos: Sequence[Upload] = (), at: datetime | None = None
) -> Event:
    """反馈: the lead department reports what it did, with evidence; the reporter verifies."""
    at = _now(at)
    _require(by, permissions.FEED_BACK, event)
    note = _text(note, "note", "处置情况", max_length=4000)
    if not photos:
        raise ValidationError({"photos": "请上传处置后的照片或证明材料"})
    check_uploads(photos)
    row = _move(event, frm={Status.HANDLING}, to=Status.HANDLED, action=LogAction.FEED_BACK, by=by, at=at,
                note=note, department=event.lead, handled_at=at, **_step_fields(event, Step.VERIFY, at))
    attach(event, row, photos, by=by, at=at)
    verifiers = [event.reporter] if event.source == Source.GRID_PATROL else notify.command_room(event)
    notify.issue(event, kind=NoticeKind.ASSIGNED, recipients=verifiers,
                 text=f"事件已处置待核查：{event.code} {event.title}", due_at=event.due_at)
    return event


@transaction.atomic
def assist(
    event: Event, *, by: User, note: str, photos: Sequence[Upload] = (), at: datetime | None = None
) -> Event:
    """协办反馈: an assisting department records its part; the lead still owns the step."""
    at = _now(at)
    _require(by, permissions.ASSIST, event)
    note = _text(note, "note", "协办情况", max_length=4000)
    check_uploads(photos)
    if event.status not in (Status.DISPATCHED, Status.HANDLING):
        raise TransitionError(f"事件当前为「{event.get_status_display()}」，不能协办反馈")
    department = next(d for d in event.assisting.all() if d.pk in permissions._member_ids(by))
    row = _note_only(event, action=LogAction.ASSIST, by=by, at=at, note=note, department=department)
    attach(event, row, photos, by=by, at=at)
    return event


@transaction.atomic
def request_extension(
    event: Event, *, by: User, days: int, reason: str, at: datetime | None = None
) -> Extension:
    """延期申请 while handling; the command room decides."""
    at = _now(at)
    _require(by, permissions.REQUEST_EXTENSION, event)
    reason = _text(reason, "reason", "延期理由", max_length=1000)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 30:
        raise ValidationError({"days": "延期天数应为 1 到 30 个工作日"})
    if event.status != Status.HANDLING:
        raise TransitionError("只有处置中的事件可以申请延期")
    if event.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise ValidationError({"days": "已有待审核的延期申请"})
    extension = Extension.objects.create(event=event, requested_by=by, days=days, reason=reason, requested_at=at)
    _note_only(event, action=LogAction.REQUEST_EXTENSION, by=by, at=at, note=reason,
               data={"extension": extension.pk, "days": days}, department=event.lead)
    notify.issue(event, kind=NoticeKind.ASSIGNED, recipients=notify.command_room_holders(event),
                 text=f"{event.lead.name} 申请延期 {days} 个工作日：{event.code}", due_at=event.due_at)
    return extension


def _decide(extension: Extension, *, by: User, approve: bool, note: str, at: datetime) -> Extension:
    event = extension.event
    _require(by, permissions.DECIDE_EXTENSION, event)
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.DENIED
    decided = Extension.objects.filter(pk=extension.pk, status=ExtensionStatus.PENDING).update(
        status=status, decided_by=by, decided_at=at, decision_note=note
    )
    if decided != 1:
        raise TransitionError("该延期申请已被处理")
    extension.status = status
    fields = {}
    if approve:
        if event.status != Status.HANDLING:
            raise TransitionError("事件已不在处置中，无需延期")
        due = deadlines.extend(event.handle_due_at or event.due_at, extension.days)
        fields = {
            "handle_due_at": due, "due_at": due, "warn_at": deadlines.warning_time(at, due, level=event.level),
            "reminded_for": None, "supervised_for": None, "extension_count": F("extension_count") + 1,
        }
    _note_only(event, action=LogAction.APPROVE_EXTENSION if approve else LogAction.DENY_EXTENSION, by=by, at=at,
               note=note, data={"extension": extension.pk, "days": extension.days}, **fields)
    event.refresh_from_db()
    notify.issue(event, kind=NoticeKind.ASSIGNED, recipients=[extension.requested_by],
                 text=f"事件 {event.code} 延期申请{'已批准' if approve else '被驳回'}", due_at=event.due_at)
    return extension


@transaction.atomic
def approve_extension(extension: Extension, *, by: User, note: str = "", at: datetime | None = None) -> Extension:
    return _decide(extension, by=by, approve=True, note=note.strip(), at=_now(at))


@transaction.atomic
def deny_extension(extension: Extension, *, by: User, note: str, at: datetime | None = None) -> Extension:
    note = _text(note, "note", "驳回理由", max_length=1000)
    return _decide(extension, by=by, approve=False, note=note, at=_now(at))


# --- verification -----------------------------------------------------------------------


@transaction.atomic
def verify(event: Event, *, by: User, note: str = "", satisfaction: str = "", at: datetime | None = None) -> Event:
    """核查结案: the reporter (or, for a resident's event, the command room) confirms on site."""
    at = _now(at)
    _require(by, permissions.VERIFY, event)
    if satisfaction and satisfaction not in SATISFACTION:
        raise ValidationError({"satisfaction": "满意度应为 满意 / 基本满意 / 不满意"})
    _move(event, frm={Status.HANDLED}, to=Status.CLOSED, action=LogAction.VERIFY, by=by, at=at,
          note=note.strip(), data={"satisfaction": satisfaction} if satisfaction else {},
          closure=Closure.VERIFIED, closed_at=at, **FINAL_FIELDS)
    return event


SATISFACTION = {"satisfied": "满意", "basically": "基本满意", "unsatisfied": "不满意"}


@transaction.atomic
def rework(event: Event, *, by: User, reason: str, at: datetime | None = None) -> Event:
    """返工: not solved on site; back to the department with a new handling deadline."""
    at = _now(at)
    _require(by, permissions.REWORK, event)
    reason = _text(reason, "reason", "返工原因", max_length=1000)
    fields = _step_fields(event, Step.HANDLE, at)
    _move(event, frm={Status.HANDLED}, to=Status.HANDLING, action=LogAction.REWORK, by=by, at=at, note=reason,
          handled_at=None, handle_due_at=fields["due_at"], rework_count=F("rework_count") + 1, **fields)
    event.refresh_from_db(fields=["rework_count"])
    notify.issue(event, kind=NoticeKind.ASSIGNED, recipients=notify.department_people(event.lead),
                 text=f"事件 {event.code} 核查未通过，需返工：{reason}", due_at=event.due_at)
    return event


# --- the sweeper ------------------------------------------------------------------------
#
# The sweeper (events/sweep.py) claims a reminder or a supervision order with its own
# conditional UPDATE; these put what it did on the event's record, in the hash chain.


def record_reminder(event: Event, *, at: datetime, note: str) -> EventLog:
    """临期提醒 went out for the current step."""
    return _note_only(event, action=LogAction.REMIND, by=None, at=at, note=note,
                      data={"step": event.step, "due_at": event.due_at.isoformat()})


def record_supervision(event: Event, *, order: SupervisionOrder, at: datetime) -> EventLog:
    """超期督办: a supervision order was issued for the current step."""
    return _note_only(event, action=LogAction.SUPERVISE, by=None, at=at, note=order.note,
                      department=order.department,
                      data={"order": order.number, "step": order.step, "due_at": order.due_at.isoformat()})


# --- the command room calls -----------------------------------------------------------------


@transaction.atomic
def call(event: Event, *, by: User, recipients: Sequence[User], note: str = "", at: datetime | None = None) -> EventLog:
    """一键呼叫: the command room reaches the people who can be on the spot now (who they are
    is the caller's choice: gridgov.command.calls); one log row, one notice per person."""
    at = _now(at)
    _require(by, permissions.CALL, event)
    if not event.is_open:
        raise TransitionError(f"事件 {event.code} 已「{event.get_status_display()}」，无需呼叫")
    people = list({p.pk: p for p in recipients if p is not None and p.is_active}.values())
    if not people:
        raise ValidationError({"recipients": "没有可呼叫的人员：该网格无网格员，附近也无在岗巡查人员"})
    row = _note_only(event, action=LogAction.CALL, by=by, at=at, note=note,
                     data={"recipients": [p.pk for p in people], "names": [p.display_name for p in people]})
    text = f"一键呼叫 {event.code} {event.title}：请立即前往{event.address or '现场'}。{note}".strip()
    notify.issue(event, kind=NoticeKind.CALL, recipients=people, text=text, due_at=at)
    return row


# --- mediation ----------------------------------------------------------------------------
#
# A dispute reported as an event is handled as a mediation case (mediation/workflow.py,
# which checks who may do it); the event waits, without a deadline of its own, and follows
# the case: back to the command room if the case is refused, closed when the case concludes.


def hand_to_mediation(event: Event, *, by: User, case_number: str, at: datetime) -> EventLog:
    return _move(event, frm={Status.REPORTED, Status.ACCEPTED}, to=Status.ACCEPTED, action=LogAction.ACCEPT,
                 by=by, at=at, note=f"转为矛盾纠纷调解案件 {case_number}", data={"mediation_case": case_number},
                 accepted_at=event.accepted_at or at, reminded_for=None, supervised_for=None, **FINAL_FIELDS)


def return_from_mediation(event: Event, *, by: User, case_number: str, reason: str, at: datetime) -> EventLog:
    row = _move(event, frm={Status.ACCEPTED}, to=Status.ACCEPTED, action=LogAction.SEND_BACK, by=by, at=at,
                note=f"调解案件 {case_number} 不予受理：{reason}", data={"mediation_case": case_number},
                **_step_fields(event, Step.ACCEPT, at))
    notify.issue(event, kind=NoticeKind.ASSIGNED, recipients=notify.command_room_holders(event),
                 text=f"调解组织退回事件 {event.code}：{reason}", due_at=event.due_at)
    return row


def close_by_mediation(event: Event, *, by: User, case_number: str, outcome: str, at: datetime) -> EventLog:
    return _move(event, frm={Status.ACCEPTED}, to=Status.CLOSED, action=LogAction.VERIFY, by=by, at=at,
                 note=f"调解案件 {case_number} 已结案：{outcome}", data={"mediation_case": case_number},
                 closure=Closure.VERIFIED, closed_at=at, **FINAL_FIELDS)
