"""The dispute types of the mediation statistics (standards-cn §7), installed by a migration
and kept by the administrator afterwards."""

# (code, name, minor class of the event taxonomy a dispute of this type is reported under)
DEFAULT_TYPES = [
    ("01", "婚姻家庭继承纠纷", "0101"),
    ("02", "邻里纠纷", "0102"),
    ("03", "房屋宅基地纠纷", "0103"),
    ("04", "损害赔偿纠纷", ""),
    ("05", "合同纠纷", "0108"),
    ("06", "山林土地承包纠纷", "0104"),
    ("07", "征地拆迁纠纷", "0107"),
    ("08", "劳动争议纠纷", "0105"),
    ("09", "计划生育纠纷", ""),
    ("10", "村务管理纠纷", ""),
    ("11", "环境保护纠纷", ""),
    ("12", "交通事故纠纷", ""),
    ("13", "医患纠纷", "0109"),
    ("14", "物业纠纷", "0106"),
    ("99", "其他纠纷", ""),
]


def install_default_types(model=None) -> int:
    """Create the types that are missing (by code); return how many were created."""
    if model is None:
        from gridgov.mediation.models import DisputeType as model
    existing = set(model.objects.values_list("code", flat=True))
    created = [
        model(code=code, name=name, order=index, category_code=category)
        for index, (code, name, category) in enumerate(DEFAULT_TYPES, start=1)
        if code not in existing
    ]
    model.objects.bulk_create(created)
    return len(created)
