"""The default hazard checklists (隐患排查) per kind of place, and their administration.

Each item names the minor class its hazard event is filed under, so a failed item is
routed like any other event of that class. The items follow the usual 消防 and 安全生产
self-inspection sheets (电动自行车停放充电, 疏散通道, 燃气报警器…); the administrator
edits them on /field/checklists/.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

# (code, name, [(item, category code)])
DEFAULT_CHECKLISTS = [
    ("rental", "出租房", [
        ("承租人信息已登记，实际居住人数与登记一致", "0203"),
        ("无群租、隔断分租，人均居住面积不低于规定", "0203"),
        ("电动自行车未在楼道、门厅、疏散通道停放或充电", "0402"),
        ("无私拉乱接电线、飞线充电", "0402"),
        ("疏散通道、楼梯间畅通，未堆放杂物", "0401"),
        ("配备灭火器且在有效期内，烟感报警器完好", "0404"),
        ("窗户未设置影响逃生的防盗网，或防盗网可从内开启", "0401"),
        ("使用燃气的房间通风良好，燃气软管无老化", "0304"),
    ]),
    ("three_in_one", "“三合一”场所", [
        ("住宿与生产、经营、储存场所完全分隔（防火分隔、独立疏散）", "0403"),
        ("住宿部分设有独立的安全出口或疏散楼梯", "0403"),
        ("仓储区未存放易燃易爆危险品", "0302"),
        ("配备灭火器、应急照明和疏散指示标志且完好", "0404"),
        ("电气线路穿管敷设，无私拉乱接", "0402"),
        ("消防通道、安全出口未被占用、堵塞或锁闭", "0401"),
    ]),
    ("lpg_outlet", "瓶装燃气销售点", [
        ("持有燃气经营许可证，从业人员经过培训", "0304"),
        ("气瓶实瓶、空瓶分区存放，存量不超过规定", "0304"),
        ("气瓶均在检验有效期内，无过期瓶、报废瓶、改装瓶", "0304"),
        ("安装可燃气体报警器并与排风设施联动，运行正常", "0304"),
        ("使用防爆电器，店内无明火和其他火源", "0304"),
        ("配备干粉灭火器，数量和有效期符合要求", "0404"),
        ("建立气瓶充装、销售、配送台账并可追溯", "0304"),
    ]),
    ("construction_site", "建筑工地", [
        ("施工现场围挡连续、稳固，出入口设置车辆冲洗设施", "0303"),
        ("脚手架搭设规范，安全网、防护栏杆齐全", "0303"),
        ("塔吊、升降机有检测合格证，操作人员持证上岗", "0303"),
        ("临边、洞口防护到位", "0303"),
        ("裸露土方、渣土覆盖，无明显扬尘", "0702"),
        ("夜间施工有许可，未超时施工扰民", "0703"),
        ("施工用电“三级配电、两级保护”，无乱拉电线", "0303"),
        ("工人宿舍未设在在建工程内，无违规使用大功率电器", "0403"),
    ]),
    ("small_restaurant", "小餐饮", [
        ("持有营业执照和食品经营许可证（或登记）", "0801"),
        ("从业人员持有效健康证明", "0802"),
        ("食品原料新鲜，无过期、变质食品", "0802"),
        ("瓶装液化气钢瓶不超过规定数量，安装燃气泄漏报警和自动切断装置", "0304"),
        ("厨房排油烟管道定期清洗，无油污积聚", "0404"),
        ("配备灭火器、灭火毯，员工会使用", "0404"),
        ("未占道经营、店外经营", "0504"),
    ]),
    ("school_surroundings", "学校周边", [
        ("校门口交通标志、标线、减速带和护栏完好", "0305"),
        ("上下学时段有护学岗，周边无车辆乱停乱放", "0507"),
        ("学校周边 200 米内无网吧、歌舞娱乐场所", "0205"),
        ("周边无流动摊贩销售“三无”食品", "0802"),
        ("周边无闲散可疑人员聚集", "0201"),
        ("校园周边视频监控正常运行", "0205"),
    ]),
]


@transaction.atomic
def install_default_checklists(kind_model=None, item_model=None, category_model=None) -> int:
    """Add the default kinds and items that are missing; return how many items were added.
    Items whose class is not in the taxonomy are left out."""
    if kind_model is None:
        from gridgov.events.models import Category
        from gridgov.field.models import ChecklistItem, PlaceKind

        kind_model, item_model, category_model = PlaceKind, ChecklistItem, Category
    categories = {c.code: c for c in category_model.objects.all()}
    added = 0
    for order, (code, name, items) in enumerate(DEFAULT_CHECKLISTS, start=1):
        kind, created = kind_model.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
        if not created:
            continue
        for position, (text, category_code) in enumerate(items, start=1):
            category = categories.get(category_code)
            if category is not None:
                item_model.objects.create(kind=kind, text=text, category=category, sort_order=position * 10)
                added += 1
    return added


def save_item(*, kind, text: str, category, sort_order: int | None = None, item=None):
    """Add an item to a kind's checklist, or change one."""
    from gridgov.field.models import ChecklistItem

    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = "请填写检查内容"
    elif len(text) > 200:
        errors["text"] = "检查内容不能超过 200 字"
    if category is None or category.parent_id is None:
        errors["category"] = "请选择隐患对应的事件小类"
    if errors:
        raise ValidationError(errors)
    if item is None:
        last = kind.items.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0
        item = ChecklistItem(kind=kind, sort_order=last + 10)
    item.text, item.category = text, category
    if sort_order is not None:
        item.sort_order = sort_order
    item.save()
    return item
