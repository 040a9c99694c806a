"""The command centre's own records: points of interest on the map, early warnings, the
editable list of stability-risk words and the daily bulletins."""

from django.db import models

from gridgov.accounts.models import User
from gridgov.events.models import Category, Event


class PoiKind(models.TextChoices):
    HOSPITAL = "hospital", "医院"
    SCHOOL = "school", "学校"
    SUPPLIES = "supplies", "应急物资"
    CAMERA = "camera", "视频监控"
    SHELTER = "shelter", "应急避难场所"
    OTHER = "other", "其他"


class PointOfInterest(models.Model):
    """A place the command room wants on its map (hospital, school, supplies, camera…)."""

    kind = models.CharField("类型", max_length=20, choices=PoiKind.choices)
    name = models.CharField("名称", max_length=100)
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    # The code of the grid the point lies in (or of the widest region holding it): scope.
    area_code = models.CharField("所在区域编码", max_length=15)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("电话", max_length=30, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    imported_at = models.DateTimeField("导入时间")

    class Meta:
        verbose_name = "兴趣点"
        verbose_name_plural = "兴趣点"
        ordering = ["kind", "name"]
        indexes = [
            models.Index(fields=["lon", "lat"], name="poi_position"),
            models.Index(fields=["area_code"], name="poi_area"),
        ]

    def __str__(self) -> str:
        return self.name


class WarningKind(models.TextChoices):
    SPIKE = "spike", "类别突增"
    REPEAT = "repeat", "同地重复"
    WORDS = "words", "稳定风险词"


class WarningStatus(models.TextChoices):
    OPEN = "open", "待研判"
    CONVERTED = "converted", "已转事件"
    DISMISSED = "dismissed", "已排除"


class EarlyWarning(models.Model):
    """A 预警: something in the incoming events the command room should look at now.

    `key` names what was detected (kind, area, category, window) so that detection run by
    two workers, or again a minute later, records it once.
    """

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField("类型", max_length=10, choices=WarningKind.choices)
    status = models.CharField("状态", max_length=10, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    area_code = models.CharField("区域编码", max_length=15)
    area_name = models.CharField("区域", max_length=100, blank=True)
    category = models.ForeignKey(Category, verbose_name="分类", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    title = models.CharField("预警内容", max_length=200)
    detail = models.TextField("说明", blank=True)
    count = models.PositiveIntegerField("事件数", default=0)
    baseline = models.FloatField("基线（日均）", null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    events = models.ManyToManyField(Event, verbose_name="相关事件", related_name="+", blank=True)
    detected_at = models.DateTimeField("发现时间")
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    reason = models.TextField("排除理由", blank=True)
    event = models.ForeignKey(Event, verbose_name="转成的事件", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-detected_at"]
        indexes = [models.Index(fields=["status", "area_code"], name="warning_status_area")]

    def __str__(self) -> str:
        return self.title


class RiskWord(models.Model):
    """A word that signals a stability risk when it appears in an event's text."""

    word = models.CharField("风险词", max_length=20, unique=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "稳定风险词"
        verbose_name_plural = "稳定风险词"
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word


class Bulletin(models.Model):
    """每日通报 of one region for one day, kept as generated (PDF and Excel)."""

    scope = models.CharField("区域编码前缀", max_length=15)
    scope_name = models.CharField("区域", max_length=100)
    day = models.DateField("通报日期")
    generated_at = models.DateTimeField("生成时间")
    generated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    summary = models.JSONField("摘要", default=dict)
    pdf = models.BinaryField()
    xlsx = models.BinaryField()

    class Meta:
        verbose_name = "每日通报"
        verbose_name_plural = "每日通报"
        ordering = ["-day", "scope"]
        constraints = [models.UniqueConstraint(fields=["scope", "day"], name="one_bulletin_per_day")]

    def __str__(self) -> str:
        return f"{self.scope_name} {self.day:%Y-%m-%d} 每日通报"
