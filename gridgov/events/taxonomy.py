"""The event taxonomy: the default classes (standards-cn.md §3) and their installation, and
the administrator's edits of classes, deadline rules and routing rules.

Codes: two digits for a major class, four for a minor one. Every class is editable by the
administrator afterwards; installing again adds what is missing and changes nothing else.
The editing functions take the acting administrator as `by` and raise ValidationError
keyed by field.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from gridgov.accounts import permissions
from gridgov.accounts.models import Department, User
from gridgov.accounts.permissions import EDIT
from gridgov.events import catalogue, deadlines, workflow
from gridgov.events.models import Category, DeadlineRule, Event, Level, LimitUnit, RoutingRule, Step
from gridgov.lib import codes
from gridgov.regions.models import Grid, Region
from gridgov.worktime.calendar import current_calendar

# (code, name, keywords, [(code, name, keywords), ...])
DEFAULT_TAXONOMY = [
    ("01", "矛盾纠纷", "纠纷 矛盾 调解", [
        ("0101", "婚姻家庭纠纷", "婚姻 家庭 赡养 抚养 继承"),
        ("0102", "邻里纠纷", "邻里 邻居 噪音 漏水"),
        ("0103", "房屋宅基地纠纷", "宅基地 房屋 建房"),
        ("0104", "山林土地纠纷", "土地 承包 山林 地界"),
        ("0105", "劳资纠纷", "工资 欠薪 讨薪 劳资"),
        ("0106", "物业纠纷", "物业 小区 业委会 停车"),
        ("0107", "征地拆迁纠纷", "征地 拆迁 补偿"),
        ("0108", "合同债务纠纷", "合同 借款 欠款 债务"),
        ("0109", "医患纠纷", "医患 医院 医疗"),
    ]),
    ("02", "治安隐患", "治安 安全", [
        ("0201", "可疑人员物品", "可疑 陌生人 包裹"),
        ("0202", "黄赌毒线索", "赌博 吸毒 卖淫"),
        ("0203", "出租房治安隐患", "出租房 群租 租客"),
        ("0204", "寄递物流安全", "快递 物流 寄递"),
        ("0205", "校园周边安全", "学校 校园 学生"),
    ]),
    ("03", "安全生产", "安全生产 事故 隐患", [
        ("0301", "企业安全隐患", "企业 工厂 车间 安全"),
        ("0302", "危化品隐患", "危化品 化学品 油库"),
        ("0303", "建筑施工安全", "工地 施工 脚手架 塔吊"),
        ("0304", "瓶装燃气隐患", "燃气 液化气 煤气 钢瓶"),
        ("0305", "道路交通隐患", "交通 路口 信号灯 护栏"),
    ]),
    ("04", "消防安全", "消防 火灾", [
        ("0401", "消防通道堵塞", "消防通道 堵塞 占用"),
        ("0402", "电动车违规充电", "电动车 充电 飞线"),
        ("0403", "三合一场所", "三合一 住人 仓库 店铺"),
        ("0404", "消防设施损坏", "灭火器 消防栓 喷淋"),
        ("0405", "火情火灾", "着火 冒烟 火情"),
    ]),
    ("05", "市容环境", "市容 环境 卫生", [
        ("0501", "暴露垃圾", "垃圾 暴露 堆放"),
        ("0502", "积存垃圾渣土", "渣土 建筑垃圾 积存"),
        ("0503", "占道经营", "占道 摆摊 经营 流动摊贩"),
        ("0504", "店外经营", "店外 出店 门前"),
        ("0505", "非法小广告", "小广告 牛皮癣 张贴"),
        ("0506", "道路不洁", "道路 保洁 脏"),
        ("0507", "乱停车", "停车 乱停 占道停车 非机动车"),
        ("0508", "井盖缺损", "井盖 窨井 缺失"),
    ]),
    ("06", "违法建设", "违建 违法建设", [
        ("0601", "私搭乱建", "搭建 违章 乱建 棚"),
        ("0602", "违法占地建房", "占地 建房 耕地"),
        ("0603", "擅自改变房屋结构", "拆墙 改建 结构"),
    ]),
    ("07", "生态环境", "环境 污染 生态", [
        ("0701", "水体污染", "河道 水污染 排污 黑臭"),
        ("0702", "大气污染", "废气 烟尘 扬尘 焚烧"),
        ("0703", "噪声扰民", "噪声 噪音 扰民 施工噪声"),
        ("0704", "非法倾倒固废", "倾倒 固废 危废"),
        ("0705", "秸秆焚烧", "秸秆 焚烧 烧荒"),
    ]),
    ("08", "食品药品", "食品 药品", [
        ("0801", "无证食品经营", "无证 食品 小作坊"),
        ("0802", "食品安全隐患", "过期 变质 食品安全"),
        ("0803", "药品医疗器械", "药品 药店 医疗器械"),
    ]),
    ("09", "民生服务", "民生 服务 求助", [
        ("0901", "社会救助", "救助 低保 困难 临时救助"),
        ("0902", "养老服务", "老人 养老 独居"),
        ("0903", "公共设施损坏", "路灯 设施 损坏 破损"),
        ("0904", "供水供电供气", "停水 停电 断气"),
        ("0905", "证件办理咨询", "证件 办理 咨询 户口"),
    ]),
    ("10", "劳动保障", "劳动 社保 就业", [
        ("1001", "拖欠工资", "拖欠 工资 欠薪"),
        ("1002", "社保参保", "社保 医保 参保"),
        ("1003", "就业服务", "就业 招聘 失业"),
    ]),
    ("11", "特殊人群", "特殊人群 关爱", [
        ("1101", "严重精神障碍患者", "精神 肇事 肇祸"),
        ("1102", "社区矫正人员", "社区矫正 脱管"),
        ("1103", "刑满释放人员", "刑满释放 安置帮教"),
        ("1104", "吸毒人员", "吸毒 戒毒"),
        ("1105", "留守人员", "留守 儿童 老人 妇女"),
    ]),
    ("12", "其他", "其他", [
        ("1201", "社情民意", "民意 建议 意见"),
        ("1202", "其他事项", "其他"),
    ]),
]


@transaction.atomic
def install_default_taxonomy(category_model=None) -> int:
    """Add every default class that is missing; return how many were added."""
    if category_model is None:
        from gridgov.events.models import Category

        category_model = Category
    added = 0
    for order, (code, name, keywords, minors) in enumerate(DEFAULT_TAXONOMY, start=1):
        major, created = category_model.objects.get_or_create(
            code=code, defaults={"name": name, "keywords": keywords, "sort_order": order * 100}
        )
        added += created
        for minor_order, (minor_code, minor_name, minor_keywords) in enumerate(minors, start=1):
            _, created = category_model.objects.get_or_create(
                code=minor_code,
                defaults={"name": minor_name, "keywords": minor_keywords, "parent": major,
                          "sort_order": order * 100 + minor_order},
            )
            added += created
    return added


# --- Who edits ------------------------------------------------------------------------------


def may_edit_taxonomy(user: User) -> bool:
    """Classes and deadline rules are one set for the whole install, so, like the holiday
    calendar, they are kept by an administrator of a district or wider."""
    widest = codes.PREFIX_LENGTH[codes.DISTRICT]
    return any(len(scope) <= widest for scope in permissions.scopes(user, EDIT))


def _require_editor(by: User) -> None:
    if not may_edit_taxonomy(by):
        raise PermissionDenied("只有区县及以上的系统管理员可以修改事件分类和处置时限")


# --- Classes --------------------------------------------------------------------------------

MAJOR_CODE = re.compile(r"^(?!00)\d{2}$")
MINOR_CODE = re.compile(r"^\d{2}(?!00)\d{2}$")
KEYWORD_SEPARATORS = re.compile(r"[\s,，、;；]+")


def normalise_keywords(text: str) -> str:
    """'占道, 摆摊，经营' -> '占道 摆摊 经营': one space between words, no repeats."""
    words = [w for w in KEYWORD_SEPARATORS.split(text or "") if w]
    return " ".join(dict.fromkeys(words))


@transaction.atomic
def save_category(
    *,
    by: User,
    category: Category | None = None,
    code: str,
    name: str,
    parent: Category | None = None,
    keywords: str = "",
    filing_rule: str = "",
    closing_rule: str = "",
) -> Category:
    """Add a major class (no parent) or a minor one, or change `category`'s texts.

    A code is for good once given: events, rules and statistics refer to it, so a class
    that was wrong is disabled and a new one added.
    """
    _require_editor(by)
    code, name = (code or "").strip(), (name or "").strip()
    keywords = normalise_keywords(keywords)
    errors: dict[str, str] = {}
    if category is not None:
        if code != category.code:
            errors["code"] = "分类编码创建后不能修改；如需更换，请停用本类后新增"
        if (parent.pk if parent else None) != category.parent_id:
            errors["parent"] = "不能改变所属大类"
    elif parent is not None and not parent.is_major:
        errors["parent"] = f"{parent.name} 是小类，小类只能挂在大类下"
    elif parent is None and not MAJOR_CODE.match(code):
        errors["code"] = "大类编码应为 2 位数字（01–99）"
    elif parent is not None and not (MINOR_CODE.match(code) and code.startswith(parent.code)):
        errors["code"] = (
            f"小类编码应为 4 位数字，以所属大类编码 {parent.code} 开头（如 {parent.code}01）"
        )
    elif Category.objects.filter(code=code).exists():
        taken = Category.objects.get(code=code)
        errors["code"] = f"编码 {code} 已被「{taken.name}」使用"
    if not name:
        errors["name"] = "请填写名称"
    elif len(name) > 50:
        errors["name"] = "名称不能超过 50 个字"
    else:
        siblings = Category.objects.filter(parent=parent, name=name)
        if category is not None:
            siblings = siblings.exclude(pk=category.pk)
        if siblings.exists():
            errors["name"] = (
                f"{'大类' if parent is None else parent.name + ' 下'}已有同名分类「{name}」"
            )
    if len(keywords) > 200:
        errors["keywords"] = "检索关键词合计不能超过 200 个字"
    if errors:
        raise ValidationError(errors)
    if category is None:
        # The default taxonomy orders majors by code × 100 and minors just after their major.
        order = int(code) * 100 if parent is None else parent.sort_order + int(code[2:])
        category = Category(code=code, parent=parent, sort_order=order)
    category.name, category.keywords = name, keywords
    category.filing_rule, category.closing_rule = filing_rule.strip(), closing_rule.strip()
    category.save()
    catalogue.changed()
    return category


@transaction.atomic
def set_category_active(*, by: User, category: Category, active: bool) -> int:
    """Enable or disable a class; disabling a major class disables its minor ones with it.
    Returns how many classes changed. Events already filed keep their class."""
    _require_editor(by)
    if active and category.parent_id and not category.parent.is_active:
        raise ValidationError({"is_active": f"请先启用所属大类「{category.parent.name}」"})
    targets = Category.objects.filter(pk=category.pk)
    if not active and category.is_major:
        targets = Category.objects.filter(Q(pk=category.pk) | Q(parent=category))
    changed = targets.exclude(is_active=active).update(is_active=active)
    category.is_active = active
    catalogue.changed()
    return changed


def category_tree() -> list[Category]:
    """Major classes in order, each with `.minors` (all, enabled or not). Two queries."""
    majors = list(Category.objects.filter(parent=None).order_by("sort_order", "code"))
    by_major: dict[int, list[Category]] = {m.pk: [] for m in majors}
    for minor in Category.objects.exclude(parent=None).order_by("sort_order", "code"):
        by_major.setdefault(minor.parent_id, []).append(minor)
    for major in majors:
        major.minors = by_major[major.pk]
    return majors


# --- Deadline rules -------------------------------------------------------------------------

LIMIT_MAX = {LimitUnit.HOURS: 2000, LimitUnit.DAYS: 365}


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@transaction.atomic
def save_deadline_rule(
    *,
    by: User,
    category: Category,
    level: int,
    step: str,
    limit: int,
    unit: str,
    warning_hours: int = 0,
) -> DeadlineRule:
    """Set how long one step of this class and level may take. `warning_hours` 0 keeps
    the default warning window (24 working hours for 较大 and above, the last fifth of the
    step for an ordinary event, at most half the step either way); a window of its own
    may not exceed half the step either (deadlines.MAX_WARNING_SHARE)."""
    _require_editor(by)
    errors: dict[str, str] = {}
    if level not in Level.values:
        errors["level"] = "请选择有效的事件等级"
    if step not in Step.values:
        errors["step"] = "请选择有效的环节"
    if unit not in LimitUnit.values:
        errors["unit"] = "请选择时限单位"
    if not _whole(limit) or limit < 1:
        errors["limit"] = "时限应为正整数"
    elif unit in LimitUnit.values and limit > LIMIT_MAX[unit]:
        errors["limit"] = f"时限不能超过 {LIMIT_MAX[unit]} {LimitUnit(unit).label}"
    if not _whole(warning_hours) or warning_hours < 0:
        errors["warning_hours"] = "预警提前量应为 0 或正整数（工作小时）"
    elif warning_hours and "limit" not in errors and unit in LimitUnit.values:
        longest = deadlines.longest_window(limit, unit, current_calendar().hours_per_day)
        if warning_hours > longest:
            errors["warning_hours"] = f"预警提前量不能超过时限的一半（{longest:g} 个工作小时）"
    if errors:
        raise ValidationError(errors)
    rule, _ = DeadlineRule.objects.update_or_create(
        category=category,
        level=level,
        step=step,
        defaults={"limit": limit, "unit": unit, "warning_hours": warning_hours},
    )
    catalogue.changed()
    return rule


@transaction.atomic
def delete_deadline_rule(*, by: User, category: Category, level: int, step: str) -> bool:
    """Drop the class's own rule: the step falls back to the major class's or the default."""
    _require_editor(by)
    deleted, _ = DeadlineRule.objects.filter(category=category, level=level, step=step).delete()
    catalogue.changed()
    return bool(deleted)


OWN, MAJOR, DEFAULT = "own", "major", "default"


@dataclass(frozen=True)
class EffectiveLimit:
    level: int
    step: str
    limit: deadlines.Limit
    origin: str  # OWN, MAJOR or DEFAULT

    @property
    def warning_text(self) -> str:
        if self.limit.warning_hours:
            return f"提前 {self.limit.warning_hours} 工作小时预警"
        if self.level >= Level.SERIOUS:
            longest = deadlines.longest_window(
                self.limit.limit, self.limit.unit, current_calendar().hours_per_day
            )
            hours = min(float(deadlines.SERIOUS_WARNING_HOURS), longest)
            return f"提前 {hours:g} 工作小时预警（默认）"
        return f"剩余 {deadlines.ORDINARY_WARNING_SHARE:.0%} 时预警（默认）"


def effective_limits(category: Category) -> list[list[EffectiveLimit]]:
    """For each level, each step's limit as deadlines.limit_for computes it for new events,
    and where it comes from: this class's own rule, its major class's, or the default."""
    own = set(DeadlineRule.objects.filter(category=category).values_list("level", "step"))
    major = (
        set(
            DeadlineRule.objects.filter(category_id=category.parent_id).values_list("level", "step")
        )
        if category.parent_id
        else set()
    )
    rows = []
    for level in Level.values:
        row = []
        for step in Step.values:
            origin = OWN if (level, step) in own else MAJOR if (level, step) in major else DEFAULT
            row.append(
                EffectiveLimit(level, step, deadlines.limit_for(category, level, step), origin)
            )
        rows.append(row)
    return rows


# --- Routing rules --------------------------------------------------------------------------


def _in_scope(prefix: str, scopes: Sequence[str]) -> bool:
    return any(prefix.startswith(scope) for scope in scopes)


def visible_routing_rules(by: User) -> QuerySet[RoutingRule]:
    """Rules an administrator edits (inside their scope) and the ones above it that still
    apply there (a district rule seen by a town's administrator)."""
    scopes = permissions.scopes(by, EDIT)
    above = {scope[:n] for scope in scopes for n in codes.PREFIX_LENGTH.values() if n < len(scope)}
    return (
        RoutingRule.objects.filter(
            permissions.scope_q(scopes, "region_prefix") | Q(region_prefix__in=above)
        )
        .select_related("category", "category__parent", "lead")
        .prefetch_related("assisting")
        .order_by("category__sort_order", "category__code", "region_prefix")
    )


def may_edit_routing_rule(by: User, rule: RoutingRule) -> bool:
    return _in_scope(rule.region_prefix, permissions.scopes(by, EDIT))


def serves(department: Department, region_prefix: str) -> bool:
    """The department's service region holds the rule's region."""
    return region_prefix.startswith(department.region.prefix)


@transaction.atomic
def save_routing_rule(
    *,
    by: User,
    rule: RoutingRule | None = None,
    category: Category | None,
    region_prefix: str,
    lead: Department | None,
    assisting: Sequence[Department] = (),
    is_active: bool = True,
) -> RoutingRule:
    """Create a rule, or change `rule`: events of `category` inside `region_prefix` go to
    `lead` (with `assisting`) as soon as they are accepted."""
    scopes = permissions.require_scopes(by, EDIT)
    if rule is not None and not _in_scope(rule.region_prefix, scopes):
        raise PermissionDenied("该分拨规则不在您的管辖范围内")
    region_prefix = (region_prefix or "").strip()
    errors: dict[str, str] = {}
    if category is None or not category.is_active:
        errors["category"] = "请选择启用中的事件分类"
    region = None
    if not region_prefix.isascii() or not region_prefix.isdigit() or len(region_prefix) > 12:
        errors["region_prefix"] = "请选择区域（区划代码前缀）"
    else:
        region = Region.objects.filter(code=codes.pad(region_prefix)).first()
        if region is None or region.prefix != region_prefix:
            errors["region_prefix"] = f"没有区划代码前缀为 {region_prefix} 的区域"
            region = None
        elif not _in_scope(region_prefix, scopes):
            errors["region_prefix"] = f"{region.name} 不在您的管辖范围内"
    if lead is None or not lead.is_active:
        errors["lead"] = "请选择启用中的主办部门"
    elif region is not None and not serves(lead, region_prefix):
        errors["lead"] = f"{lead.name} 的服务区域不含{region.name}"
    assisting = [d for d in assisting if lead is None or d.pk != lead.pk]
    refused = [
        d.name
        for d in assisting
        if not d.is_active or (region is not None and not serves(d, region_prefix))
    ]
    if refused:
        errors["assisting"] = f"{'、'.join(refused)} 已停用或不服务该区域"
    if "category" not in errors and "region_prefix" not in errors:
        taken = RoutingRule.objects.filter(category=category, region_prefix=region_prefix)
        if rule is not None:
            taken = taken.exclude(pk=rule.pk)
        if taken.exists():
            errors["region_prefix"] = f"「{category}」在{region.name}已有分拨规则，请直接修改那条"
    if errors:
        raise ValidationError(errors)
    rule = rule or RoutingRule()
    rule.category, rule.region_prefix, rule.lead, rule.is_active = (
        category,
        region_prefix,
        lead,
        is_active,
    )
    rule.save()
    rule.assisting.set(assisting)
    return rule


@transaction.atomic
def delete_routing_rule(*, by: User, rule: RoutingRule) -> None:
    if not may_edit_routing_rule(by, rule):
        raise PermissionDenied("该分拨规则不在您的管辖范围内")
    rule.delete()


@dataclass(frozen=True)
class RoutingPreview:
    place: str
    place_name: str
    winner: RoutingRule | None
    candidates: list[RoutingRule]


def preview_routing(*, category: Category | None, place: str) -> RoutingPreview:
    """Which rule an event of `category` at `place` (a grid code or a region code) would be
    dispatched by, and every rule that matched, most specific first."""
    place = (place or "").strip()
    errors: dict[str, str] = {}
    if category is None:
        errors["category"] = "请选择事件分类"
    place_name = ""
    if not place.isascii() or not place.isdigit() or len(place) not in (2, 4, 6, 9, 12, 15):
        errors["place"] = "请输入 15 位网格编码或区划代码"
    elif len(place) == 15:
        grid = Grid.objects.select_related("village").filter(code=place).first()
        if grid is None:
            errors["place"] = f"没有编码为 {place} 的网格"
        else:
            place_name = f"{grid.village.name} › {grid.name}"
    else:
        region = Region.objects.filter(code=codes.pad(place)).first()
        if region is None:
            errors["place"] = f"没有区划代码为 {place} 的区域"
        else:
            place, place_name = region.prefix, region.name
    if errors:
        raise ValidationError(errors)
    # The workflow's own choice, so the preview can never disagree with what dispatching does.
    winner = workflow.route(Event(category=category, area_code=place))
    ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
    candidates = sorted(
        (
            r
            for r in RoutingRule.objects.filter(category_id__in=ids).select_related(
                "category", "lead"
            )
            if place.startswith(r.region_prefix)
        ),
        key=lambda r: (len(r.region_prefix), r.category_id == category.pk),
        reverse=True,
    )
    return RoutingPreview(place, place_name, winner, candidates)
