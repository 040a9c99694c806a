"""Reads for the administrator's pages: people, departments and the places they cover."""

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from gridgov.accounts import permissions
from gridgov.accounts.models import Department, DepartmentLevel, RoleAssignment, User
from gridgov.accounts.permissions import EDIT
from gridgov.lib import codes
from gridgov.regions.models import Grid, Level, Region


def place_names(scopes: Iterable[str]) -> dict[str, str]:
    """Readable names for scope prefixes: '330502001' -> '月河街道', a grid code -> its
    village › its name. Two queries whatever the number of scopes."""
    scopes = set(scopes)
    names = {"": "全部辖区"} if "" in scopes else {}
    region_codes = {codes.pad(s): s for s in scopes if s and len(s) <= 12}
    for region in Region.objects.filter(code__in=region_codes).select_related("parent"):
        if region.level == Level.VILLAGE and region.parent:
            names[region_codes[region.code]] = f"{region.parent.name} › {region.name}"
        else:
            names[region_codes[region.code]] = region.name
    grid_codes = [s for s in scopes if len(s) == 15]
    for grid in Grid.objects.filter(code__in=grid_codes).select_related("village"):
        names[grid.code] = f"{grid.village.name} › {grid.name}"
    return names


def managed_users(by: User, *, q: str = "", role: str = "", region: str = "") -> QuerySet:
    """The people `by` may manage, matching a search text, a role and a region prefix.

    Role and region apply to the same assignment: "grid workers in town A", not "someone
    who is a grid worker somewhere and holds some role in town A".
    """
    users = permissions.visible_users(by, User.objects.all())
    q = q.strip()
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(full_name__icontains=q) | Q(phone__icontains=q)
        )
    if role or region:
        held = RoleAssignment.objects.filter(user=OuterRef("pk"))
        if role:
            held = held.filter(role=role)
        if region:
            held = held.filter(scope__startswith=region)
        users = users.filter(Exists(held))
    return users.prefetch_related(
        Prefetch(
            "roles",
            queryset=RoleAssignment.objects.select_related("department").order_by("role", "scope"),
        )
    ).order_by("username")


def region_choices(by: User, *, lowest: int = Level.VILLAGE) -> list[tuple[str, str]]:
    """Regions inside `by`'s EDIT scope down to `lowest`, as (prefix, indented label)."""
    regions = permissions.visible(
        by, Region.objects.filter(level__lte=lowest), action=EDIT
    ).order_by("code")
    return [
        (r.prefix, "　" * max(r.level - Level.DISTRICT, 0) + f"{r.name}（{r.prefix}）")
        for r in regions
    ]


def department_choices(by: User) -> list[tuple[str, str]]:
    """Active departments `by` may assign people to, as (id, label)."""
    departments = permissions.visible(
        by,
        Department.objects.filter(is_active=True).select_related("region"),
        field="region__code",
        action=EDIT,
    ).order_by("region__code", "name")
    return [(str(d.pk), f"{d.name}（{d.region.name}）") for d in departments]


def managed_departments(by: User, *, level: str = "", kind: str = "", region: str = "") -> QuerySet:
    departments = permissions.visible(
        by, Department.objects.all(), field="region__code", action=EDIT
    )
    if level:
        departments = departments.filter(level=level)
    if kind:
        departments = departments.filter(kind=kind)
    if region:
        departments = departments.filter(region__code__startswith=region)
    return (
        departments.select_related("region", "parent", "head")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("region__code", "level", "name")
    )


def parent_choices(by: User) -> list[tuple[str, str]]:
    """District-level departments a town unit of `by`'s may hang under: those whose region
    holds or lies inside one of `by`'s scopes (a town administrator's units belong to
    bureaus of the district above her)."""
    scopes = permissions.scopes(by, EDIT)
    departments = Department.objects.filter(level=DepartmentLevel.DISTRICT).select_related("region")
    return [
        (str(d.pk), f"{d.name}（{d.region.name}）")
        for d in departments.order_by("region__code", "name")
        if any(s.startswith(d.region.prefix) or d.region.prefix.startswith(s) for s in scopes)
    ]


def member_candidates(by: User, department: Department, q: str, *, limit: int = 20) -> list[User]:
    """People `by` manages, matching `q`, who are not yet members of `department`."""
    q = q.strip()
    if not q:
        return []
    users = managed_users(by, q=q).filter(is_active=True).exclude(departments=department)
    return list(users[:limit])


def members_of(department: Department) -> list[User]:
    return list(
        department.members.prefetch_related(
            Prefetch(
                "roles",
                queryset=RoleAssignment.objects.filter(department=department),
                to_attr="roles_here",
            )
        ).order_by("full_name", "username")
    )
