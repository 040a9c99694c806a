"""Reading supervision orders (督办单): who sees which, and the list's filters.

Command rooms see the orders of events in their area, leaders those in their region, and
a department's people the orders addressed to their department.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from gridgov.accounts import permissions
from gridgov.accounts.models import Department, Role, User
from gridgov.events.models import SupervisionOrder

AREA_ROLES = {Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR, Role.LEADER}


def _department_ids(user: User) -> set[int]:
    return set(user.departments.values_list("id", flat=True))


def orders_q(user: User) -> Q | None:
    """The orders `user` may read, or None when they may read none (not even an empty list)."""
    if user.is_superuser:
        return Q()
    area = [a.scope for a in permissions.assignments(user) if a.role in AREA_ROLES]
    departments = _department_ids(user)
    if not area and not departments:
        return None
    q = permissions.scope_q(area, "event__area_code")
    if departments:
        q |= Q(department_id__in=departments)
    return q


def may_read_orders(user: User) -> bool:
    return user.is_authenticated and user.is_active and orders_q(user) is not None


@dataclass(frozen=True)
class OrderFilter:
    department: int | None = None
    step: str = ""
    issued_from: date | None = None
    issued_to: date | None = None


def orders(user: User, criteria: OrderFilter = OrderFilter()) -> QuerySet[SupervisionOrder]:
    """The orders in `user`'s reach matching `criteria`, newest first."""
    q = orders_q(user)
    rows = SupervisionOrder.objects.filter(q) if q is not None else SupervisionOrder.objects.none()
    if criteria.department is not None:
        rows = rows.filter(department_id=criteria.department)
    if criteria.step:
        rows = rows.filter(step=criteria.step)
    if criteria.issued_from is not None:
        rows = rows.filter(issued_at__date__gte=criteria.issued_from)
    if criteria.issued_to is not None:
        rows = rows.filter(issued_at__date__lte=criteria.issued_to)
    return rows.select_related("event", "department").order_by("-issued_at", "-pk")


def department_choices(user: User) -> list[tuple[str, str]]:
    """The departments the user's orders are addressed to, for the filter."""
    q = orders_q(user)
    if q is None:
        return []
    addressed = SupervisionOrder.objects.filter(q).values("department_id")
    return [
        (str(d.pk), d.name)
        for d in Department.objects.filter(pk__in=addressed).order_by("region__code", "name")
    ]
