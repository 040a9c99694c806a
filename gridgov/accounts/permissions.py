"""May this user do this to that? The one place that answers.

A user holds roles over scopes (region or grid code prefixes). An object belongs to the
territory through a code; a role reaches an object when the object's code starts with the
role's scope. Every view and API endpoint asks `can` / `require`, and every list narrows
its rows with `visible`.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from gridgov.accounts.models import Department, Role, RoleAssignment, User
from gridgov.events.models import Event
from gridgov.lib import codes
from gridgov.regions.models import Cluster, Grid, Region

VIEW = "view"
EDIT = "edit"

# Which roles may take which action on objects inside their scope.
ALLOWED = {
    VIEW: set(Role.values),
    EDIT: {Role.ADMINISTRATOR},
}


def assignments(user: User) -> list[RoleAssignment]:
    """The user's role assignments, read once per request object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_role_assignments", None)
    if cached is None:
        cached = list(user.roles.select_related("department"))
        user._role_assignments = cached
    return cached


def roles_of(user: User) -> set[str]:
    return {a.role for a in assignments(user)}


def scopes(user: User, action: str = VIEW) -> list[str]:
    """The code prefixes within which `user` may take `action`."""
    if user.is_authenticated and user.is_superuser:
        return [""]
    allowed = ALLOWED[action]
    return sorted({a.scope for a in assignments(user) if a.role in allowed})


def code_of(obj: object) -> str:
    """The territory code an object belongs to."""
    if isinstance(obj, Region):
        return codes.prefix(obj.code)
    if isinstance(obj, Grid):
        return obj.code
    if isinstance(obj, Cluster):
        return obj.town.prefix
    if isinstance(obj, Department):
        return obj.region.prefix
    raise TypeError(f"no territory code for {type(obj).__name__}")


def covers(scope: str, code: str) -> bool:
    return code.startswith(scope)


def can(user: User, action: str, obj: object) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if isinstance(obj, Event):
        return can_on_event(user, action, obj)
    if user.is_superuser:
        return True
    if isinstance(obj, User):
        return _can_on_user(user, action, obj)
    if isinstance(obj, Department) and action == VIEW and user.departments.filter(pk=obj.pk).exists():
        return True
    code = code_of(obj)
    return any(covers(scope, code) for scope in scopes(user, action))


def _can_on_user(user: User, action: str, other: User) -> bool:
    if action == VIEW and other.pk == user.pk:
        return True
    if other.is_superuser:
        # A superuser holds no roles, so the rule below would hand them to any administrator.
        return False
    # An administrator manages a person only if every scope that person holds is inside
    # one of the administrator's own; a person with no role yet is anyone's to set up.
    admin_scopes = scopes(user, EDIT)
    if not admin_scopes:
        return False
    return all(any(covers(s, a.scope) for s in admin_scopes) for a in assignments(other))


def require(user: User, action: str, obj: object) -> None:
    """Raise Http404 when the object is outside every scope of the user (its existence is
    not revealed), PermissionDenied when the user sees it but may not do this."""
    if can(user, action, obj):
        return
    if action != VIEW and can(user, VIEW, obj):
        raise PermissionDenied("您没有执行此操作的权限")
    raise Http404("不存在或不在您的管辖范围内")


def require_scopes(user: User, action: str) -> list[str]:
    """The user's scopes for `action`, or PermissionDenied when there are none: the gate of
    pages that list what an administrator manages rather than one object."""
    found = scopes(user, action)
    if not found:
        raise PermissionDenied("您没有执行此操作的权限")
    return found


def scope_q(prefixes: Iterable[str], field: str) -> Q:
    """Q matching rows whose `field` starts with any of `prefixes` (nothing if none)."""
    q = Q(pk__in=[])
    for prefix in prefixes:
        if prefix == "":
            return Q()
        q |= Q(**{f"{field}__startswith": prefix})
    return q


def visible(user: User, queryset: QuerySet, *, field: str = "code", action: str = VIEW) -> QuerySet:
    """Narrow `queryset` to the rows the user may see, by the code in `field`."""
    return queryset.filter(scope_q(scopes(user, action), field))


def visible_users(user: User, queryset: QuerySet | None = None) -> QuerySet:
    """Users an administrator may manage: those whose every role lies inside their scopes."""
    queryset = User.objects.all() if queryset is None else queryset
    admin_scopes = scopes(user, EDIT)
    if admin_scopes == [""]:
        return queryset
    if not admin_scopes:
        return queryset.filter(pk=user.pk)
    outside = RoleAssignment.objects.exclude(scope_q(admin_scopes, "scope"))
    return queryset.exclude(pk__in=outside.values("user_id")).exclude(is_superuser=True)


def is_administrator(user: User) -> bool:
    """Holds the administrator role over some scope (or is a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or Role.ADMINISTRATOR in roles_of(user)


def may_edit_calendar(user: User) -> bool:
    """The holiday calendar is one for the whole install, so it is kept by an administrator
    of a district or wider; a town's administrator sees it like everyone else."""
    if not is_administrator(user):
        return False
    widest = codes.PREFIX_LENGTH[codes.DISTRICT]
    return user.is_superuser or any(len(scope) <= widest for scope in scopes(user, EDIT))


# --- Events -----------------------------------------------------------------------------
#
# Who may do what to an event depends on where it is (its grid code), who owes the current
# step (the command room of its coordination level, or its lead department), and who
# reported it (the grid worker verifies what they reported).

REPORT = "report"
ACCEPT = "accept"
REJECT = "reject"
MERGE = "merge"
DISPATCH = "dispatch"
SEND_BACK = "send_back"
SIGN = "sign"
FEED_BACK = "feed_back"
ASSIST = "assist"
REQUEST_EXTENSION = "request_extension"
DECIDE_EXTENSION = "decide_extension"
VERIFY = "verify"
REWORK = "rework"
ESCALATE = "escalate"
INSTRUCT = "instruct"
CALL = "call"

COMMAND_ROLES = {Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR}
REPORTING_ROLES = {
    Role.GRID_WORKER, Role.VILLAGE_STATION, Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR,
    Role.DEPARTMENT_HANDLER, Role.LEADER, Role.MEDIATOR,
}


def _holds(user: User, roles: set[str], code: str) -> bool:
    return any(a.role in roles and covers(a.scope, code) for a in assignments(user))


def may_report_at(user: User, grid: Grid) -> bool:
    """A grid worker reports in any grid of their village (problems sit on borders); other
    staff anywhere in their scope."""
    if user.is_superuser:
        return True
    for a in assignments(user):
        if a.role == Role.GRID_WORKER and covers(a.scope[:12], grid.code):
            return True
        if a.role in REPORTING_ROLES - {Role.GRID_WORKER} and covers(a.scope, grid.code):
            return True
    return False


def commands(user: User, event) -> bool:
    """The user sits in the command room that coordinates this event."""
    if user.is_superuser:
        return True
    if event.coordination == "district":
        return _holds(user, {Role.DISTRICT_OPERATOR}, event.area_code)
    return _holds(user, COMMAND_ROLES, event.area_code)


def _member_ids(user: User) -> set[int]:
    cached = getattr(user, "_department_ids", None)
    if cached is None:
        cached = set(user.departments.values_list("id", flat=True))
        user._department_ids = cached
    return cached


def leads(user: User, event) -> bool:
    return event.lead_id is not None and event.lead_id in _member_ids(user)


def assists(user: User, event) -> bool:
    return bool(_member_ids(user) & {d.pk for d in event.assisting.all()})


def verifies(user: User, event) -> bool:
    """Grid patrol events are verified by their reporter; others by the command room."""
    if event.source == "grid_patrol":
        return event.reporter_id == user.pk or user.is_superuser
    return commands(user, event)


EVENT_RULES = {
    VIEW: lambda u, e: (
        any(covers(s, e.area_code) for s in scopes(u))
        or e.reporter_id == u.pk
        or leads(u, e)
        or assists(u, e)
    ),
    ACCEPT: commands,
    REJECT: commands,
    MERGE: commands,
    DISPATCH: commands,
    ESCALATE: lambda u, e: commands(u, e) and e.coordination == "town",
    DECIDE_EXTENSION: commands,
    CALL: commands,
    SEND_BACK: leads,
    SIGN: leads,
    FEED_BACK: leads,
    REQUEST_EXTENSION: leads,
    ASSIST: assists,
    VERIFY: verifies,
    REWORK: verifies,
    INSTRUCT: lambda u, e: u.is_superuser or _holds(u, {Role.LEADER}, e.area_code),
}


def can_on_event(user: User, action: str, event) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return EVENT_RULES[action](user, event)


def visible_events(user: User, queryset: QuerySet) -> QuerySet:
    """Events in the user's scopes, plus those their departments handle or they reported."""
    if user.is_superuser:
        return queryset
    q = scope_q(scopes(user), "area_code") | Q(reporter=user)
    departments = _member_ids(user)
    if departments:
        q |= Q(lead_id__in=departments) | Q(assisting__in=departments)
    return queryset.filter(q).distinct() if departments else queryset.filter(q)


def commanded_events_q(user: User) -> Q:
    """Events whose command room the user sits in (see `commands`)."""
    if user.is_superuser:
        return Q()
    q = Q(pk__in=[])
    for a in assignments(user):
        if a.role == Role.DISTRICT_OPERATOR:
            q |= Q(area_code__startswith=a.scope)
        elif a.role == Role.TOWN_OPERATOR:
            q |= Q(area_code__startswith=a.scope, coordination="town")
    return q


def led_events_q(user: User) -> Q:
    """Events led by one of the user's departments."""
    return Q(lead_id__in=_member_ids(user)) if _member_ids(user) else Q(pk__in=[])


# --- The command centre -------------------------------------------------------------------
#
# The map, the big screen, early warnings and the daily bulletin are read by region: a user
# reaches what lies under the scopes of the roles listed for the page.

MAP = "map"
SCREEN = "screen"
WARNINGS = "warnings"
DECIDE_WARNING = "decide_warning"
BULLETINS = "bulletins"

COMMAND_CENTRE_ROLES = {
    MAP: {Role.VILLAGE_STATION, Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR, Role.LEADER, Role.ADMINISTRATOR},
    SCREEN: {Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR, Role.LEADER},
    WARNINGS: {Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR, Role.LEADER},
    DECIDE_WARNING: COMMAND_ROLES,
    BULLETINS: {Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR, Role.LEADER},
}


def command_scopes(user: User, action: str) -> list[str]:
    """The code prefixes under which `user` may use this command-centre page."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return [""]
    allowed = COMMAND_CENTRE_ROLES[action]
    return sorted({a.scope for a in assignments(user) if a.role in allowed})


def require_command_scopes(user: User, action: str) -> list[str]:
    found = command_scopes(user, action)
    if not found:
        raise PermissionDenied("您没有使用此功能的权限")
    return found


def may_at(user: User, action: str, code: str) -> bool:
    """`user` may use this command-centre action on something with this territory code."""
    return any(covers(scope, code) for scope in command_scopes(user, action))


# --- Mediation ----------------------------------------------------------------------------
#
# A mediator works for the organisations inside their scope: a village committee's mediator
# sees and handles that committee's cases, the district centre's every case of the district.
# Leaders, command rooms, village stations and administrators see (masked) the cases of
# disputes that arose inside their scope. Only a mediator of the case's organisation reads a
# party's ID number in clear, and each such view is logged.

MEDIATE = "mediate"
UNMASK = "unmask"
REVIEW = "review"

CASE_WATCHERS = {Role.LEADER, Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR, Role.VILLAGE_STATION, Role.ADMINISTRATOR}
REVIEWERS = {Role.LEADER, Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR, Role.MEDIATOR}


def mediates_at(user: User, org_code: str) -> bool:
    """The user is a mediator over an organisation with this code (or a superuser)."""
    return user.is_superuser or _holds(user, {Role.MEDIATOR}, org_code)


def can_on_case(user: User, action: str, case) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if action == VIEW:
        return mediates_at(user, case.org_code) or _holds(user, CASE_WATCHERS, case.area_code)
    if action in (MEDIATE, UNMASK):
        return mediates_at(user, case.org_code)
    if action == REVIEW:
        return user.is_superuser or _holds(user, REVIEWERS, case.area_code)
    return False


def require_case(user: User, action: str, case) -> None:
    if can_on_case(user, action, case):
        return
    if action != VIEW and can_on_case(user, VIEW, case):
        raise PermissionDenied("您不能对该案件执行此操作")
    raise Http404("案件不存在或不在您的管辖范围内")


def visible_cases(user: User, queryset: QuerySet) -> QuerySet:
    if user.is_superuser:
        return queryset
    q = Q(pk__in=[])
    for a in assignments(user):
        if a.role == Role.MEDIATOR:
            q |= Q(org_code__startswith=a.scope)
        elif a.role in CASE_WATCHERS:
            q |= Q(area_code__startswith=a.scope)
    return queryset.filter(q)


def mediation_scopes(user: User) -> list[str]:
    """Where the user may register cases and hold review meetings: their mediator scopes."""
    if user.is_superuser:
        return [""]
    return sorted({a.scope for a in assignments(user) if a.role == Role.MEDIATOR})


def may_convert_event(user: User, event) -> bool:
    """An event of a dispute becomes a case at the hands of its command room or of a
    mediator whose scope covers where it happened."""
    return can_on_event(user, VIEW, event) and (commands(user, event) or mediates_at(user, event.area_code))


def review_scopes(user: User) -> list[str]:
    if user.is_superuser:
        return [""]
    return sorted({a.scope for a in assignments(user) if a.role in REVIEWERS})


def may_edit_dispute_types(user: User) -> bool:
    """Dispute types are one list for the install, kept by a district-or-wider administrator."""
    return may_edit_calendar(user)


# --- Field work ---------------------------------------------------------------------------
#
# A grid worker patrols, visits and inspects in the grids of their own village (as they
# report there); their patrols are seen by whoever's scope covers the worker's grid — the
# town operator replays them — and by the worker.


def is_grid_worker(user: User) -> bool:
    return user.is_authenticated and user.is_active and Role.GRID_WORKER in roles_of(user)


def may_work_in(user: User, grid: Grid) -> bool:
    """Visits, inspections: in any grid of the worker's village."""
    return any(a.role == Role.GRID_WORKER and covers(a.scope[:12], grid.code) for a in assignments(user))


def may_view_patrol(user: User, patrol) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return patrol.worker_id == user.pk or any(covers(s, patrol.grid_code) for s in scopes(user))


def require_patrol(user: User, patrol) -> None:
    if not may_view_patrol(user, patrol):
        raise Http404("不存在或不在您的管辖范围内")


def may_view_field_record(user: User, record) -> bool:
    """A visit or an inspection: its worker, and whoever's scope covers its grid."""
    if not user.is_authenticated or not user.is_active:
        return False
    return record.worker_id == user.pk or any(covers(s, record.area_code) for s in scopes(user))


def may_edit_checklists(user: User) -> bool:
    return is_administrator(user)


def may_set_attendance(user: User, town: Region) -> bool:
    return can(user, EDIT, town)


# --- Analysis (统计分析, 领导驾驶舱, 考核评价) --------------------------------------------------
#
# Charts, dashboards and rankings cover the regions the reader's roles are held over; a
# reader may narrow them to one region inside, never widen them.

ANALYSIS_ROLES = {
    Role.LEADER, Role.DISTRICT_OPERATOR, Role.TOWN_OPERATOR, Role.ADMINISTRATOR, Role.VILLAGE_STATION,
}
DASHBOARD_ROLES = {Role.LEADER, Role.DISTRICT_OPERATOR, Role.TOWN_OPERATOR, Role.ADMINISTRATOR}
ASSESSMENT_ROLES = {Role.LEADER, Role.DISTRICT_OPERATOR, Role.TOWN_OPERATOR, Role.ADMINISTRATOR}


def analysis_scopes(user: User, roles: set[str], region: str = "") -> list[str]:
    """The prefixes `user` reads figures of through `roles`, narrowed to `region` (a code
    prefix) when given. PermissionDenied without such a role; Http404 for a region outside."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied("请先登录")
    if user.is_superuser:
        held = [""]
    else:
        held = sorted({a.scope for a in assignments(user) if a.role in roles})
    if not held:
        raise PermissionDenied("您没有查看统计分析的权限")
    if not region:
        return held
    if not any(covers(scope, region) for scope in held):
        raise Http404("该区域不在您的管辖范围内")
    return [region]


def may_set_indicator_weights(user: User) -> bool:
    """The weights are one set for the install, kept by a district-or-wider administrator."""
    return may_edit_calendar(user)


def may_publish_assessment(user: User, scope: str) -> bool:
    """An administrator whose scope covers the assessed region publishes its assessment."""
    return any(covers(s, scope) for s in scopes(user, EDIT))
