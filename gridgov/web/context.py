"""The navigation each role sees, built once per request."""

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from gridgov.accounts import permissions
from gridgov.accounts.models import Role


@dataclass
class Item:
    label: str
    url: str
    active: bool = False


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)


# (section title, label, url name, roles that see it; None = every signed-in user)
MENU = [
    ("", _("首页"), "home", None),
    ("", _("辖区网格"), "territory", None),
    (_("事件"), _("我的待办"), "event_queues", None),
    (_("事件"), _("事件查询"), "events", None),
    (_("事件"), _("上报事件"), "event_report", permissions.REPORTING_ROLES),
    (_("事件"), _("督办单"), "supervision_orders",
     {Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR, Role.DEPARTMENT_HANDLER, Role.LEADER}),
    (_("外业巡查"), _("手机巡查"), "field_today", {Role.GRID_WORKER}),
    (_("外业巡查"), _("巡查记录"), "field_patrols",
     {Role.GRID_WORKER, Role.VILLAGE_STATION, Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR, Role.LEADER}),
    (_("外业巡查"), _("巡查指标"), "field_indicators",
     {Role.VILLAGE_STATION, Role.TOWN_OPERATOR, Role.DISTRICT_OPERATOR, Role.LEADER}),
    (_("指挥中心"), _("一张图"), "command_map", permissions.COMMAND_CENTRE_ROLES[permissions.MAP]),
    (_("指挥中心"), _("指挥大屏"), "command_screen", permissions.COMMAND_CENTRE_ROLES[permissions.SCREEN]),
    (_("指挥中心"), _("预警"), "command_warnings",
     permissions.COMMAND_CENTRE_ROLES[permissions.WARNINGS]),
    (_("指挥中心"), _("每日通报"), "command_bulletins",
     permissions.COMMAND_CENTRE_ROLES[permissions.BULLETINS]),
    (_("矛盾调解"), _("调解案件"), "mediation_cases", {Role.MEDIATOR} | permissions.CASE_WATCHERS),
    (_("矛盾调解"), _("登记案件"), "mediation_new", {Role.MEDIATOR}),
    (_("矛盾调解"), _("研判例会"), "mediation_meetings", permissions.REVIEWERS),
    (_("矛盾调解"), _("调解统计"), "mediation_figures", {Role.MEDIATOR} | permissions.CASE_WATCHERS),
    (_("统计分析"), _("领导驾驶舱"), "analysis_dashboard", permissions.DASHBOARD_ROLES),
    (_("统计分析"), _("统计分析"), "analysis", permissions.ANALYSIS_ROLES),
    (_("统计分析"), _("考核评价"), "analysis_assessment", permissions.ASSESSMENT_ROLES),
    (_("系统管理"), _("用户管理"), "manage_users", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("调解组织与人员"), "mediation_manage_home", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("部门管理"), "manage_departments", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("网格管理"), "manage_grids", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("导入导出"), "territory_transfer", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("网格质检"), "territory_check", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("事件分类"), "manage_categories", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("处置时限"), "manage_deadlines", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("分拨规则"), "manage_routing", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("节假日日历"), "manage_calendar", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("考核权重"), "analysis_weights", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("隐患检查表"), "field_manage_checklists", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("打卡设置"), "field_manage_attendance", {Role.ADMINISTRATOR}),
    (_("系统管理"), _("兴趣点"), "command_pois", {Role.ADMINISTRATOR}),
    (_("个人"), _("修改密码"), "password_change", None),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = permissions.roles_of(user)
    if user.is_superuser:
        roles |= set(Role.values)
    sections: dict[str, Section] = {}
    for title, label, url_name, allowed in MENU:
        if allowed is not None and not roles & allowed:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # a page whose app is not installed in this deployment
        active = request.path == url if url == "/" else request.path.startswith(url)
        heading = str(title)
        sections.setdefault(heading, Section(heading)).items.append(Item(str(label), url, active))
    # Only the most specific match stays lit: /events/ is not current on /events/queues/.
    lit = [item for section in sections.values() for item in section.items if item.active]
    for item in lit:
        item.active = len(item.url) == max(len(i.url) for i in lit)
    return {
        "nav": {
            "sections": list(sections.values()),
            "role_labels": sorted({str(Role(r).label) for r in permissions.roles_of(user)}),
        }
    }
