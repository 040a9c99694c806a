"""Every change of a dispute case's state, read top to bottom as its lifecycle.

registered ─accept─▶ accepted ─session─▶ mediating ─succeed─▶ succeeded ─follow up─▶ followed_up ─archive─▶ archived
   │  └ refuse ─▶ refused ─archive─┐          │  ▲ sessions        └ fail (referral) ─▶ failed ─archive──┘
   └ transfer (to another organisation, registered there again, from any open state)

As in events/workflow.py: each public function checks the actor's permission through the
permissions module, moves the state with a conditional UPDATE (of two people acting at once
exactly one wins), and appends a row to the case's hash-chained log in the same transaction.
A case that came from an event carries it along (events/workflow.py, "mediation").
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gridgov.accounts import permissions
from gridgov.accounts.models import User
from gridgov.events import workflow as event_workflow
from gridgov.events.models import Category, Event, NoticeKind
from gridgov.lib import codes, encryption, masking, workdays
from gridgov.mediation import notify
from gridgov.mediation.models import (
    CONCLUDED,
    OPEN,
    WARNING_DAYS,
    Agreement,
    Case,
    CaseLog,
    CaseSequence,
    DisputeType,
    Expert,
    FollowUp,
    JudicialConfirmation,
    LogAction,
    Mediator,
    Organisation,
    Party,
    PartyKind,
    PartyRole,
    Performance,
    Referral,
    Risk,
    Ruling,
    Session,
    Source,
    Status,
)
from gridgov.regions.models import Grid, Region
from gridgov.worktime.calendar import current_calendar

# Working days a registered case may wait for acceptance (受理).
ACCEPT_DAYS = 3


class TransitionError(event_workflow.TransitionError):
    """The case is no longer in a state that allows this (someone else acted first)."""


# --- helpers ------------------------------------------------------------------------------


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _text(value: str, field: str, label: str, *, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: f"请填写{label}"})
    if len(value) > max_length:
        raise ValidationError({field: f"{label}不能超过 {max_length} 字"})
    return value


def _row(case: Case, *, action: str, by: User | None, at: datetime, new: str, note: str, data: dict | None) -> CaseLog:
    row = CaseLog(case=case, seq=case.log_length + 1, action=action, old_status=case.status, new_status=new,
                  actor=by, note=note, data=data or {}, at=at, prev_hash=case.log_head)
    row.hash = row.compute_hash()
    return row


def _move(case: Case, *, frm: set[str], to: str, action: str, by: User | None, at: datetime, note: str = "",
          data: dict | None = None, **fields) -> CaseLog:
    """Move `case` from one of `frm` to `to` unless someone moved it first, and log it."""
    if case.status not in frm:
        raise TransitionError(
            f"案件 {case.number} 当前为「{Status(case.status).label}」，不能{LogAction(action).label}"
        )
    row = _row(case, action=action, by=by, at=at, new=to, note=note, data=data)
    updated = Case.objects.filter(pk=case.pk, status=case.status, log_length=case.log_length).update(
        status=to, log_length=row.seq, log_head=row.hash, **fields
    )
    if updated != 1:
        # Nothing got updated: another person acted on this case a moment ago.
        raise TransitionError(f"案件 {case.number} 刚被他人处理，请刷新后查看最新状态")
    row.save()
    case.status, case.log_length, case.log_head = to, row.seq, row.hash
    for name, value in fields.items():
        setattr(case, name, value)
    return row


def _note(case: Case, *, action: str, by: User | None, at: datetime, note: str = "", data: dict | None = None,
          **fields) -> CaseLog:
    """Log something that leaves the state as it is, still guarded against a concurrent writer."""
    return _move(case, frm={case.status}, to=case.status, action=action, by=by, at=at, note=note, data=data,
                 **fields)


def _require(user: User, action: str, case: Case) -> None:
    permissions.require_case(user, action, case)


def _deadline(start: datetime, days: int) -> dict:
    calendar = current_calendar()
    due = workdays.add_working_days(start, days, calendar)
    warn = workdays.add_working_days(start, max(0, days - WARNING_DAYS), calendar) if days > WARNING_DAYS else start
    return {"due_at": due, "warn_at": warn, "reminded_for": None, "supervised_for": None}


def _stop_deadline(case: Case, at: datetime) -> dict:
    overdue = case.due_at is not None and at > case.due_at
    return {"due_at": None, "warn_at": None, "was_overdue": case.was_overdue or overdue}


def _next_number(organisation: Organisation, at: datetime) -> str:
    """The organisation's next number in the year of `at`: (2026)吴兴人调字第 17 号.

    One statement creates the counter row or moves it on and reads it back; the row stays
    locked until the registering transaction commits, so numbers have neither gaps nor
    duplicates."""
    year = timezone.localtime(at).year
    table = connection.ops.quote_name(CaseSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organisation_id, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (organisation_id, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [organisation.pk, year],
        )
        (last,) = cursor.fetchone()
    return f"({year}){organisation.short_name}{organisation.word}字第 {last} 号"


def _responsible(case: Case) -> list[User]:
    """The case's mediators and its 包案领导."""
    return notify.mediators_of(case) + ([case.leader] if case.leader_id else [])


def _tell(case: Case, *, people: Sequence[User], text: str, kind: str = NoticeKind.ASSIGNED) -> None:
    """Notices about the case, sent once the transaction commits (mediation/notify.py)."""
    notify.issue(case, kind=kind, recipients=people, text=text, due_at=case.due_at)


# --- register -----------------------------------------------------------------------------


@dataclass
class PartyInput:
    role: str
    name: str
    kind: str = PartyKind.PERSON
    id_number: str = ""
    phone: str = ""
    address: str = ""


def check_parties(parties: Sequence[PartyInput]) -> list[PartyInput]:
    errors = {}
    roles = set()
    for index, p in enumerate(parties):
        key = f"parties[{index}]"
        if p.role not in PartyRole.values:
            errors[f"{key}.role"] = f"当事人身份 {p.role!r} 无效"
        if p.kind not in PartyKind.values:
            errors[f"{key}.kind"] = f"当事人类型 {p.kind!r} 无效"
        if not (p.name or "").strip():
            errors[f"{key}.name"] = "请填写当事人姓名或名称"
        elif len(p.name.strip()) > 100:
            errors[f"{key}.name"] = "当事人姓名不能超过 100 字"
        number = (p.id_number or "").strip().upper()
        if number and (len(number) not in (15, 18) or not number[:-1].isalnum()):
            errors[f"{key}.id_number"] = "证件号码应为 18 位身份证号或统一社会信用代码"
        if len((p.phone or "").strip()) > 20:
            errors[f"{key}.phone"] = "联系电话不能超过 20 位"
        if len((p.address or "").strip()) > 200:
            errors[f"{key}.address"] = "住址不能超过 200 字"
        roles.add(p.role)
    if PartyRole.APPLICANT not in roles:
        errors.setdefault("parties", "至少须有一名申请人")
    if PartyRole.RESPONDENT not in roles:
        errors.setdefault("parties", "至少须有一名被申请人")
    if errors:
        raise ValidationError(errors)
    return list(parties)


def _save_parties(case: Case, parties: Sequence[PartyInput]) -> None:
    Party.objects.bulk_create([
        Party(case=case, role=p.role, kind=p.kind, name=p.name.strip(),
              id_number_sealed=encryption.seal((p.id_number or "").strip().upper()),
              id_tail=masking.mask_id_number((p.id_number or "").strip().upper()),
              phone=(p.phone or "").strip(), address=(p.address or "").strip())
        for p in parties
    ])


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({"amount": "涉及金额应为数字"}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise ValidationError({"amount": "涉及金额应为 0 到 1 万亿之间的数"})
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def register(
    *,
    by: User,
    organisation: Organisation | None,
    title: str,
    dispute_type: DisputeType | None,
    source: str,
    facts: str,
    region: Region | None,
    parties: Sequence[PartyInput],
    claims: str = "",
    amount=None,
    people_involved: int = 2,
    risk: int = Risk.LOW,
    is_major: bool = False,
    leader: User | None = None,
    address: str = "",
    event: Event | None = None,
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> tuple[Case, bool]:
    """登记 a case with its parties. Returns (case, created); a repeated idempotency key
    returns the case the first request made. Every bad field is named at once."""
    at = _now(at)
    if idempotency_key:
        existing = Case.objects.filter(registered_by=by, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    errors: dict[str, str] = {}

    def check(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            errors.update({k: v[0].message for k, v in exc.error_dict.items()})

    title = check(_text, title, "title", "案由", max_length=100)
    facts = check(_text, facts, "facts", "纠纷事实", max_length=4000)
    claims = check(_text, claims, "claims", "当事人请求", max_length=2000, required=False)
    address = check(_text, address, "address", "发生地点", max_length=200, required=False)
    amount = check(_amount, amount)
    check(check_parties, parties)
    if organisation is None or not organisation.is_active:
        errors["organisation"] = "请选择有效的调解组织"
    elif not permissions.mediates_at(by, organisation.area_code):
        errors["organisation"] = f"您不是{organisation.name}的调解员，不能以其名义登记"
    if dispute_type is None or not dispute_type.is_active:
        errors["dispute_type"] = "请选择有效的纠纷类型"
    if source not in Source.values:
        errors["source"] = f"案件来源 {source!r} 无效"
    if risk not in Risk.values:
        errors["risk"] = f"风险等级 {risk!r} 无效"
    if not isinstance(people_involved, int) or isinstance(people_involved, bool) or not 1 <= people_involved <= 100000:
        errors["people_involved"] = "涉及人数应为 1 到 100000 的整数"
    if region is None:
        errors["region"] = "请选择纠纷发生地"
    elif organisation is not None and "organisation" not in errors:
        region_code = codes.prefix(region.code)
        # A case is mediated where it arose or above: a village committee takes its village's.
        if not (region_code.startswith(organisation.area_code) or organisation.area_code.startswith(region_code)):
            errors["region"] = f"纠纷发生地{region.name}不在{organisation.name}的服务区域内"
    if leader is not None and region is not None and not permissions.can(leader, permissions.VIEW, region):
        errors["leader"] = "包案领导须为该区域的工作人员"
    if "organisation" not in errors and "dispute_type" not in errors:
        takes = set(organisation.dispute_types.values_list("pk", flat=True))
        if takes and dispute_type.pk not in takes:
            errors["dispute_type"] = f"{organisation.name}不受理{dispute_type.name}"
    if errors:
        raise ValidationError(errors)
    case = Case(
        organisation=organisation, org_code=organisation.area_code, title=title, dispute_type=dispute_type,
        source=source, facts=facts, claims=claims, amount=amount, people_involved=people_involved, risk=risk,
        is_major=is_major, leader=leader, region=region, area_code=codes.prefix(region.code), address=address,
        event=event, registered_by=by, registered_at=at, idempotency_key=idempotency_key or None,
        **_deadline(at, ACCEPT_DAYS),
    )
    case.number = _next_number(organisation, at)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        # The same key arrived twice at the same moment: the other request created it.
        existing = Case.objects.filter(registered_by=by, idempotency_key=idempotency_key).first()
        if existing is None or not idempotency_key:
            raise
        return existing, False
    _save_parties(case, parties)
    row = _row(case, action=LogAction.REGISTER, by=by, at=at, new=Status.REGISTERED, note="",
               data={"number": case.number, "organisation": organisation.pk, "event": event.code if event else None})
    row.old_status = ""
    row.hash = row.compute_hash()
    row.save()
    case.log_length, case.log_head = row.seq, row.hash
    Case.objects.filter(pk=case.pk).update(log_length=row.seq, log_head=row.hash)
    return case, True


# --- events and cases ---------------------------------------------------------------------

DISPUTE_CATEGORY = "01"  # 矛盾纠纷 in the default taxonomy


def is_dispute(event: Event) -> bool:
    category = event.category
    return category.code == DISPUTE_CATEGORY or (category.parent_id is not None and category.parent.code == DISPUTE_CATEGORY)


@transaction.atomic
def from_event(event: Event, *, by: User, organisation: Organisation | None = None, at: datetime | None = None) -> Case:
    """An event of the 矛盾纠纷 class becomes a case in one action; the event follows it."""
    at = _now(at)
    if not permissions.may_convert_event(by, event):
        permissions.require(by, permissions.VIEW, event)
        raise PermissionDenied("您不能将该事件转为调解案件")
    if not is_dispute(event):
        raise ValidationError({"event": f"事件 {event.code} 不属于矛盾纠纷类，不能转为调解案件"})
    if Case.objects.filter(event=event).exists():
        raise TransitionError(f"事件 {event.code} 已转为调解案件")
    grid = event.grid
    if organisation is None:
        organisation = organisation_for(grid.code, by=by)
    if organisation is None:
        raise ValidationError({"organisation": "事件所在地没有可受理的调解组织，请先设置调解组织"})
    dispute_type = (
        DisputeType.objects.filter(category_code=event.category.code, is_active=True).first()
        or DisputeType.objects.filter(is_active=True).order_by("-order").first()
    )
    parties = [
        PartyInput(role=PartyRole.APPLICANT, name=event.contact_name or "反映人（待核实）", phone=event.contact_phone),
        PartyInput(role=PartyRole.RESPONDENT, name="被申请人（待核实）"),
    ]
    case = _register_unchecked(
        by=by, organisation=organisation, title=event.title[:100], dispute_type=dispute_type,
        facts=event.description, region=grid.village, parties=parties, address=event.address, event=event,
        risk=Risk.HIGH if event.level >= 3 else Risk.MEDIUM if event.level == 2 else Risk.LOW,
        is_major=event.level >= 3, at=at,
    )
    event_workflow.hand_to_mediation(event, by=by, case_number=case.number, at=at)
    _tell(case, people=notify.mediators_of(case), text=f"事件 {event.code} 转为调解案件 {case.number}，待受理")
    return case


def _register_unchecked(*, by, organisation, title, dispute_type, facts, region, parties, address, event, risk,
                        is_major, at) -> Case:
    case = Case(
        organisation=organisation, org_code=organisation.area_code, title=title, dispute_type=dispute_type,
        source=Source.EVENT, facts=facts, region=region, area_code=codes.prefix(region.code), address=address[:200],
        event=event, registered_by=by, registered_at=at, risk=risk, is_major=is_major, **_deadline(at, ACCEPT_DAYS),
    )
    case.number = _next_number(organisation, at)
    case.save()
    _save_parties(case, parties)
    row = _row(case, action=LogAction.REGISTER, by=by, at=at, new=Status.REGISTERED, note=f"由事件 {event.code} 转入",
               data={"number": case.number, "organisation": organisation.pk, "event": event.code})
    row.old_status = ""
    row.hash = row.compute_hash()
    row.save()
    Case.objects.filter(pk=case.pk).update(log_length=row.seq, log_head=row.hash)
    case.log_length, case.log_head = row.seq, row.hash
    return case


def organisation_for(code: str, *, by: User | None = None) -> Organisation | None:
    """The nearest active organisation above a place: the village committee, else the town's,
    else the district's — preferring one the acting mediator works for."""
    candidates = [
        o for o in Organisation.objects.filter(is_active=True, area_code__in=[code[:n] for n in (12, 9, 6)])
        if o.kind not in ("industry", "police", "court")
    ]
    if by is not None:
        own = [o for o in candidates if permissions.mediates_at(by, o.area_code)]
        candidates = own or candidates
    return max(candidates, key=lambda o: (len(o.area_code), -o.pk), default=None)


@transaction.atomic
def open_event(case: Case, *, by: User, at: datetime | None = None) -> Event:
    """A case discovered directly is put on the events' record (备案): an event of the matching
    矛盾纠纷 class, reported at the case's place, which then follows the case."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    if case.event_id:
        raise TransitionError(f"案件已关联事件 {case.event.code}")
    grid = Grid.objects.defer("geometry").filter(code__startswith=case.area_code).order_by("code").first()
    if grid is None:
        raise ValidationError({"region": "纠纷发生地没有网格，无法生成事件"})
    category = (
        Category.objects.filter(code=case.dispute_type.category_code, is_active=True).first()
        or Category.objects.filter(parent__code=DISPUTE_CATEGORY, is_active=True).order_by("code").last()
    )
    if category is None:
        raise ValidationError({"dispute_type": "事件分类中没有矛盾纠纷类"})
    event, _ = event_workflow.report(
        by=by, title=case.title, description=case.facts, category=category, source="department",
        lon=grid.label_lon, lat=grid.label_lat, address=case.address, at=at,
    )
    event_workflow.hand_to_mediation(event, by=by, case_number=case.number, at=at)
    _note(case, action=LogAction.OPEN_EVENT, by=by, at=at, note=f"生成事件 {event.code}", data={"event": event.code},
          event=event)
    if case.status in CONCLUDED:
        event_workflow.close_by_mediation(event, by=by, case_number=case.number, outcome=case.get_status_display(),
                                          at=at)
    return event


# --- acceptance ---------------------------------------------------------------------------


def _check_mediators(case: Case, mediators: Sequence[Mediator], field: str = "mediators") -> list[Mediator]:
    for m in mediators:
        if not m.is_active or not m.organisation.area_code.startswith(case.org_code[:6]):
            raise ValidationError({field: f"调解员 {m.name} 不在本辖区或已不在岗"})
    return list(mediators)


@transaction.atomic
def accept(case: Case, *, by: User, mediators: Sequence[Mediator] = (), at: datetime | None = None) -> Case:
    """受理: the organisation takes the case on; the mediation deadline (about a month) starts."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    mediators = _check_mediators(case, mediators)
    if not mediators:
        mediators = list(Mediator.objects.filter(user=by, organisation=case.organisation, is_active=True)[:1])
    _move(case, frm={Status.REGISTERED}, to=Status.ACCEPTED, action=LogAction.ACCEPT, by=by, at=at,
          data={"mediators": [m.pk for m in mediators]}, accepted_at=at,
          **_deadline(at, case.dispute_type.limit_days))
    case.mediators.set(mediators)
    return case


@transaction.atomic
def refuse(case: Case, *, by: User, reason: str, at: datetime | None = None) -> Case:
    """不予受理, with the reason; an event it came from goes back to its command room."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    reason = _text(reason, "reason", "不予受理的理由", max_length=1000)
    _move(case, frm={Status.REGISTERED}, to=Status.REFUSED, action=LogAction.REFUSE, by=by, at=at, note=reason,
          concluded_at=at, **_stop_deadline(case, at))
    if case.event_id:
        event_workflow.return_from_mediation(case.event, by=by, case_number=case.number, reason=reason, at=at)
    return case


@transaction.atomic
def transfer(case: Case, *, to: Organisation | None, by: User, reason: str, at: datetime | None = None) -> Case:
    """移交 to another organisation (up to the town centre, across to an industry committee…),
    which registers it again and decides on acceptance."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    reason = _text(reason, "reason", "移交理由", max_length=1000)
    if to is None or not to.is_active:
        raise ValidationError({"to": "请选择有效的调解组织"})
    if to.pk == case.organisation_id:
        raise ValidationError({"to": "不能移交给本组织"})
    if not to.area_code.startswith(case.org_code[:6]):
        raise ValidationError({"to": f"{to.name} 不在本区县，不能移交"})
    takes = set(to.dispute_types.values_list("pk", flat=True))
    if takes and case.dispute_type_id not in takes:
        raise ValidationError({"to": f"{to.name}不受理{case.dispute_type.name}"})
    previous = case.organisation
    _move(case, frm=set(OPEN), to=Status.REGISTERED, action=LogAction.TRANSFER, by=by, at=at, note=reason,
          data={"from": previous.pk, "to": to.pk, "to_name": to.name}, organisation=to, org_code=to.area_code,
          accepted_at=None, **_deadline(at, ACCEPT_DAYS))
    case.mediators.clear()
    _tell(case, people=notify.mediators_of(case), text=f"{previous.name} 移交调解案件 {case.number}：{reason}")
    return case


@transaction.atomic
def assign(case: Case, *, by: User, mediators: Sequence[Mediator] = (), experts: Sequence[Expert] = (),
           at: datetime | None = None) -> Case:
    """指派 the case's mediators and the experts it draws on (律师, 退休法官, 乡贤…)."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    mediators = _check_mediators(case, mediators)
    if not mediators:
        raise ValidationError({"mediators": "请至少指派一名调解员"})
    for e in experts:
        if not e.is_active or not e.area_code.startswith(case.org_code[:6]):
            raise ValidationError({"experts": f"专家 {e.name} 不在本辖区专家库"})
    if case.status not in OPEN:
        raise TransitionError("案件已结案，不能再指派")
    _note(case, action=LogAction.ASSIGN, by=by, at=at,
          note="、".join([m.name for m in mediators] + [e.name for e in experts]),
          data={"mediators": [m.pk for m in mediators], "experts": [e.pk for e in experts]})
    case.mediators.set(mediators)
    case.experts.set(experts)
    return case


# --- mediation ----------------------------------------------------------------------------


@transaction.atomic
def record_session(case: Case, *, by: User, held_at: datetime | None, place: str, participants: str, said: str,
                   agreed: str = "", at: datetime | None = None) -> Session:
    """调解记录: the first sitting starts the mediation; later ones add to it."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    errors = {}
    for field, label, value, limit in (("place", "调解地点", place, 200), ("participants", "参加人员", participants, 500),
                                       ("said", "调解情况", said, 4000)):
        try:
            _text(value, field, label, max_length=limit)
        except ValidationError as exc:
            errors.update({k: v[0].message for k, v in exc.error_dict.items()})
    if held_at is None:
        errors["held_at"] = "请填写调解时间"
    elif held_at > at + timedelta(hours=1):
        errors["held_at"] = "调解时间不能晚于现在"
    if len((agreed or "").strip()) > 4000:
        errors["agreed"] = "达成事项不能超过 4000 字"
    if errors:
        raise ValidationError(errors)
    session = Session(case=case, held_at=held_at, place=place.strip(), participants=participants.strip(),
                      said=said.strip(), agreed=(agreed or "").strip(), recorded_by=by)
    _move(case, frm={Status.ACCEPTED, Status.MEDIATING}, to=Status.MEDIATING, action=LogAction.SESSION, by=by,
          at=at, note=session.said, data={"held_at": held_at.isoformat(), "place": session.place})
    session.save()
    return session


@transaction.atomic
def succeed(case: Case, *, by: User, terms: str, performance_manner: str, performance_place: str,
            performance_deadline: date | None, responsibility: str = "", is_oral: bool = False,
            at: datetime | None = None) -> Agreement:
    """调解成功 with an agreement (written, or oral and recorded); a linked event closes."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    errors = {}
    for field, label, value, limit in (("terms", "协议内容", terms, 4000),
                                       ("performance_manner", "履行方式", performance_manner, 200),
                                       ("performance_place", "履行地点", performance_place, 200)):
        try:
            _text(value, field, label, max_length=limit)
        except ValidationError as exc:
            errors.update({k: v[0].message for k, v in exc.error_dict.items()})
    if performance_deadline is None:
        errors["performance_deadline"] = "请填写履行期限"
    elif performance_deadline < timezone.localdate(at) - timedelta(days=1):
        errors["performance_deadline"] = "履行期限不能早于签订日期"
    if len((responsibility or "").strip()) > 2000:
        errors["responsibility"] = "争议事项及责任不能超过 2000 字"
    if errors:
        raise ValidationError(errors)
    _move(case, frm={Status.MEDIATING}, to=Status.SUCCEEDED, action=LogAction.SUCCEED, by=by, at=at,
          note=terms.strip(), data={"oral": is_oral, "deadline": performance_deadline.isoformat()},
          concluded_at=at, **_stop_deadline(case, at))
    agreement = Agreement.objects.create(
        case=case, is_oral=is_oral, terms=terms.strip(), responsibility=(responsibility or "").strip(),
        performance_manner=performance_manner.strip(), performance_place=performance_place.strip(),
        performance_deadline=performance_deadline, signed_at=at,
    )
    _close_event(case, by=by, at=at)
    return agreement


@transaction.atomic
def fail(case: Case, *, by: User, referral: str, reason: str, at: datetime | None = None) -> Case:
    """调解不成: the parties are told where to turn (诉讼, 仲裁, 行政处理, 信访); a linked event closes."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    reason = _text(reason, "reason", "调解不成的情况", max_length=2000)
    if referral not in Referral.values:
        raise ValidationError({"referral": "请选择分流去向"})
    _move(case, frm={Status.MEDIATING}, to=Status.FAILED, action=LogAction.FAIL, by=by, at=at, note=reason,
          data={"referral": referral}, referral=referral, concluded_at=at, **_stop_deadline(case, at))
    _close_event(case, by=by, at=at)
    if case.is_major and case.leader_id:
        _tell(case, people=[case.leader], text=f"重大矛盾纠纷 {case.number} 调解不成，已{Referral(referral).label}")
    return case


def _close_event(case: Case, *, by: User, at: datetime) -> None:
    if case.event_id and case.event.is_open:
        event_workflow.close_by_mediation(case.event, by=by, case_number=case.number,
                                          outcome=case.get_status_display(), at=at)


@transaction.atomic
def record_confirmation(case: Case, *, by: User, court: str, requested_on: date | None, ruling: str = Ruling.PENDING,
                        ruling_number: str = "", at: datetime | None = None) -> JudicialConfirmation:
    """司法确认: the parties asked a court to confirm the agreement (and, later, what it ruled)."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    agreement = Agreement.objects.filter(case=case).first()
    if agreement is None or agreement.is_oral:
        raise ValidationError({"court": "只有书面调解协议可以申请司法确认"})
    court = _text(court, "court", "受理法院", max_length=100)
    if requested_on is None:
        raise ValidationError({"requested_on": "请填写申请日期"})
    if ruling not in Ruling.values:
        raise ValidationError({"ruling": "结果无效"})
    confirmation = JudicialConfirmation.objects.create(
        agreement=agreement, court=court, requested_at=requested_on, ruling=ruling,
        ruling_number=_text(ruling_number, "ruling_number", "裁定书文号", max_length=100, required=False),
    )
    _note(case, action=LogAction.CONFIRMATION, by=by, at=at, note=f"{court} {Ruling(ruling).label}",
          data={"court": court, "requested_on": requested_on.isoformat(), "ruling": ruling})
    return confirmation


# --- after mediation ----------------------------------------------------------------------


@transaction.atomic
def follow_up(case: Case, *, by: User, performance: str, satisfaction: str = "", note: str = "",
              at: datetime | None = None) -> FollowUp:
    """回访: whether the agreement was performed."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    if performance not in Performance.values:
        raise ValidationError({"performance": "请选择履行情况：已履行 / 部分履行 / 未履行"})
    satisfaction = _text(satisfaction, "satisfaction", "满意度", max_length=20, required=False)
    note = _text(note, "note", "回访情况", max_length=2000, required=False)
    _move(case, frm={Status.SUCCEEDED}, to=Status.FOLLOWED_UP, action=LogAction.FOLLOW_UP, by=by, at=at, note=note,
          data={"performance": performance, "satisfaction": satisfaction})
    return FollowUp.objects.create(case=case, visited_at=at, performance=performance, satisfaction=satisfaction,
                                   note=note, by=by)


@transaction.atomic
def archive(case: Case, *, by: User, at: datetime | None = None) -> Case:
    """归档: the file is complete."""
    at = _now(at)
    _require(by, permissions.MEDIATE, case)
    _move(case, frm={Status.FOLLOWED_UP, Status.FAILED, Status.REFUSED}, to=Status.ARCHIVED,
          action=LogAction.ARCHIVE, by=by, at=at, archived_at=at)
    return case


# --- review meetings and the sweeper ------------------------------------------------------


def record_review(case: Case, *, by: User, meeting_title: str, decision: str, at: datetime) -> CaseLog:
    """A review meeting's decision on the case (meetings.py holds the meeting)."""
    return _note(case, action=LogAction.REVIEW, by=by, at=at, note=decision, data={"meeting": meeting_title})


def record_reminder(case: Case, *, at: datetime) -> CaseLog:
    """临期提醒 to the case's mediators and leader."""
    row = _note(case, action=LogAction.REMIND, by=None, at=at, data={"due_at": case.due_at.isoformat()})
    _tell(case, people=_responsible(case), kind=NoticeKind.REMINDER,
          text=f"调解案件 {case.number} 将于 {timezone.localtime(case.due_at):%m-%d %H:%M} 到期")
    return row


def record_supervision(case: Case, *, at: datetime) -> CaseLog:
    """超期督办 to the case's mediators and leader and to the command room above them."""
    row = _note(case, action=LogAction.SUPERVISE, by=None, at=at, data={"due_at": case.due_at.isoformat()},
                was_overdue=True)
    _tell(case, people=_responsible(case) + notify.command_room(case), kind=NoticeKind.SUPERVISION,
          text=f"调解案件 {case.number} 已超期，请尽快办理")
    return row
