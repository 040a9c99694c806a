"""Telling people about dispute cases: a CaseNotice row per person, sent by a background task
through the events' notifiers (events/notifiers.py, settings.NOTIFIERS).

Issuing is idempotent (a unique key per case, kind, deadline and person) and sending happens
only after the transaction that decided it has committed, as in events/notify.py. A case
registered directly has no event, so its notices cannot be events' notices; they are the
case's own, and `envelope` presents one to the notifiers under the names they read.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gridgov.accounts.models import Role, User
from gridgov.lib import once
from gridgov.mediation.models import Case, CaseNotice

# The 矛盾纠纷 major class of the event taxonomy, for a dispute type mapped to no minor class.
DISPUTE_CATEGORY = "01"


def issue(
    case: Case, *, kind: str, recipients: Iterable[User], text: str, due_at: datetime | None = None
) -> list[CaseNotice]:
    """Create one notice per recipient unless it exists already; enqueue the new ones."""
    now = timezone.now()
    people = {r.pk: r for r in recipients if r is not None and r.is_active}.values()
    notices = [
        CaseNotice(case=case, kind=kind, due_at=due_at, recipient=r, text=text, created_at=now) for r in people
    ]
    created = once.insert_new(notices)
    if created:
        ids = [n.pk for n in created]
        transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(ids: list[int]) -> None:
    from gridgov.mediation.tasks import send_case_notices

    send_case_notices.enqueue(ids)


def mediators_of(case: Case) -> list[User]:
    """The case's mediators with an account; before any is assigned, every mediator of its
    organisation (a registered or transferred case waits for one of them to accept it)."""
    people = [m.user for m in case.mediators.select_related("user") if m.user_id and m.is_active]
    if people:
        return people
    return list(User.objects.filter(mediator_posts__organisation_id=case.organisation_id, is_active=True).distinct())


def command_room(case: Case) -> list[User]:
    """Who supervises an overdue case besides its leader: the command room of the town where
    the dispute arose, or the district's operators for a case a district body mediates."""
    if len(case.org_code) <= 6:
        q = Q(roles__role=Role.DISTRICT_OPERATOR, roles__scope=case.org_code[:6])
    else:
        q = Q(roles__role=Role.TOWN_OPERATOR, roles__scope=case.area_code[:9])
    return list(User.objects.filter(q, is_active=True).distinct())


# --- what the notifiers read --------------------------------------------------------------


@dataclass(frozen=True)
class _Category:
    code: str


@dataclass(frozen=True)
class Subject:
    """The case, under the names the notifiers read of an event: `code` is the case number,
    `category` the event class the dispute type is reported under, `step` is "mediation"
    (a webhook receiver tells case notices apart by it, and by the /mediation/ link)."""

    code: str
    title: str
    status: str
    status_label: str
    level: int
    category: _Category
    area_code: str
    address: str
    due_at: datetime | None
    url: str
    step: str = "mediation"

    def get_status_display(self) -> str:
        return self.status_label

    def get_absolute_url(self) -> str:
        return self.url


@dataclass(frozen=True)
class Envelope:
    pk: int
    kind: str
    text: str
    due_at: datetime | None
    created_at: datetime
    recipient: User
    event: Subject


def envelope(notice: CaseNotice) -> Envelope:
    case = notice.case
    return Envelope(
        pk=notice.pk, kind=notice.kind, text=notice.text, due_at=notice.due_at, created_at=notice.created_at,
        recipient=notice.recipient,
        event=Subject(
            code=case.number, title=case.title, status=case.status, status_label=case.get_status_display(),
            level=case.risk, category=_Category(case.dispute_type.category_code or DISPUTE_CATEGORY),
            area_code=case.area_code, address=case.address, due_at=case.due_at, url=case.get_absolute_url(),
        ),
    )
