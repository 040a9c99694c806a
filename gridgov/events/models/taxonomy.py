"""What kind of event it is, how long each step may take, and who handles it where."""

from django.db import models


class Category(models.Model):
    """A major class (no parent) or a minor class under one, e.g. 05 街面秩序 › 0503 占道经营."""

    code = models.CharField("分类编码", max_length=10, unique=True)
    name = models.CharField("名称", max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name="大类", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    keywords = models.CharField("检索关键词", max_length=200, blank=True)
    filing_rule = models.TextField("立案条件", blank=True)
    closing_rule = models.TextField("结案条件", blank=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "事件分类"
        verbose_name_plural = "事件分类"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    @property
    def is_major(self) -> bool:
        return self.parent_id is None


class LimitUnit(models.TextChoices):
    HOURS = "hours", "工作小时"
    DAYS = "days", "工作日"


class DeadlineRule(models.Model):
    """The time one step of an event of this category and level may take, in working time.

    A minor class without its own rule uses its major class's; a major class without one
    uses the defaults in events/deadlines.py.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="deadline_rules")
    level = models.PositiveSmallIntegerField("事件等级")
    step = models.CharField("环节", max_length=10)
    limit = models.PositiveIntegerField("时限")
    unit = models.CharField("单位", max_length=10, choices=LimitUnit.choices)
    warning_hours = models.PositiveIntegerField("预警提前（工作小时）", default=0)

    class Meta:
        verbose_name = "处置时限"
        verbose_name_plural = "处置时限"
        constraints = [
            models.UniqueConstraint(fields=["category", "level", "step"], name="unique_deadline_rule")
        ]


class RoutingRule(models.Model):
    """Events of this category inside this region go to this lead department.

    The most specific rule wins: a longer region prefix beats a shorter one, a minor class
    beats its major class. No rule: the command room dispatches by hand.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routing_rules")
    region_prefix = models.CharField("区域代码前缀", max_length=12)
    lead = models.ForeignKey(
        "accounts.Department", verbose_name="主办部门", on_delete=models.CASCADE, related_name="+"
    )
    assisting = models.ManyToManyField(
        "accounts.Department", verbose_name="协办部门", blank=True, related_name="+"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "分拨规则"
        verbose_name_plural = "分拨规则"
        constraints = [
            models.UniqueConstraint(fields=["category", "region_prefix"], name="unique_routing_rule")
        ]


class TaxonomyVersion(models.Model):
    """One row whose stamp changes with every change to the classes or their deadline
    rules, so that every process knows to read them again (events/catalogue.py)."""

    stamp = models.CharField(max_length=32, blank=True)
