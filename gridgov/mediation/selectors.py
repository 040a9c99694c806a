"""Reads: the cases a user sees, filtered; parties shown masked or, with the right, in clear."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from gridgov.accounts import permissions
from gridgov.accounts.models import Role, User
from gridgov.lib import encryption, masking
from gridgov.mediation.models import Case, Disclosure, Organisation, Party, Status


@dataclass
class CaseFilter:
    q: str = ""
    status: str = ""
    dispute_type: int | None = None
    organisation: int | None = None
    major: bool = False
    overdue: bool = False
    start: date | None = None
    end: date | None = None


def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    tz = timezone.get_current_timezone()
    low = datetime.combine(start, time.min, tz) if start else None
    high = datetime.combine(end + timedelta(days=1), time.min, tz) if end else None
    return low, high


def cases_for(user: User, f: CaseFilter | None = None, *, now: datetime | None = None) -> QuerySet[Case]:
    f = f or CaseFilter()
    rows = permissions.visible_cases(user, Case.objects.all()).select_related(
        "organisation", "dispute_type", "region"
    )
    if f.q:
        rows = rows.filter(Q(number__icontains=f.q) | Q(title__icontains=f.q) | Q(parties__name=f.q)).distinct()
    if f.status:
        rows = rows.filter(status=f.status)
    if f.dispute_type:
        rows = rows.filter(dispute_type_id=f.dispute_type)
    if f.organisation:
        rows = rows.filter(organisation_id=f.organisation)
    if f.major:
        rows = rows.filter(is_major=True)
    if f.overdue:
        rows = rows.filter(due_at__lt=now or timezone.now())
    low, high = day_bounds(f.start, f.end)
    if low:
        rows = rows.filter(registered_at__gte=low)
    if high:
        rows = rows.filter(registered_at__lt=high)
    return rows.order_by("-registered_at")


def organisations_for(user: User) -> QuerySet[Organisation]:
    """The organisations a mediator may register cases for."""
    return Organisation.objects.filter(
        permissions.scope_q(permissions.mediation_scopes(user), "area_code"), is_active=True
    )


def leaders_for(user: User) -> QuerySet[User]:
    """Leaders who may take responsibility (包案) for cases the user registers: those whose
    region covers the user's mediation scope, or lies inside it."""
    q = Q(pk__in=[])
    for scope in permissions.mediation_scopes(user):
        q |= Q(roles__scope__startswith=scope) | Q(roles__scope__in=[scope[:n] for n in (2, 4, 6, 9, 12)])
    return User.objects.filter(q, roles__role=Role.LEADER, is_active=True).distinct().order_by("username")


@dataclass
class PartyView:
    party: Party
    id_number: str
    phone: str
    revealed: bool


def _personal_data(party: Party) -> str:
    """What of the party a clear view shows that a masked one hides."""
    return ",".join(name for name, value in (("id_number", party.id_number_sealed), ("phone", party.phone)) if value)


def parties_for(user: User, case: Case, *, reveal: bool = False, address: str | None = None) -> list[PartyView]:
    """The case's parties, ID numbers and phones masked unless `reveal` is asked by someone
    with the right; then each party whose ID number or phone is shown in clear is logged
    (who, when, which case and party, what was shown)."""
    parties = list(case.parties.all())
    clear = reveal and permissions.can_on_case(user, permissions.UNMASK, case)
    if clear:
        now = timezone.now()
        Disclosure.objects.bulk_create([
            Disclosure(user=user, case=case, party=p, shown=_personal_data(p), at=now, address=address)
            for p in parties
            if _personal_data(p)
        ])
    return [
        PartyView(
            party=p,
            id_number=encryption.unseal(p.id_number_sealed) if clear else p.id_tail,
            phone=p.phone if clear else masking.mask_phone(p.phone),
            revealed=clear,
        )
        for p in parties
    ]


def major_cases(prefix: str) -> QuerySet[Case]:
    """Open major disputes under a town or district, for its review meeting."""
    return (
        Case.objects.filter(area_code__startswith=prefix, is_major=True)
        .exclude(status__in=[Status.ARCHIVED, Status.REFUSED])
        .select_related("organisation", "dispute_type", "leader")
        .order_by("registered_at")
    )
