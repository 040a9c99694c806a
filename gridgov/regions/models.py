from django.conf import settings
from django.db import models

from gridgov.lib import codes


class Level(models.IntegerChoices):
    PROVINCE = codes.PROVINCE, "省"
    CITY = codes.CITY, "市"
    DISTRICT = codes.DISTRICT, "区县"
    TOWN = codes.TOWN, "乡镇街道"
    VILLAGE = codes.VILLAGE, "村社区"


class Region(models.Model):
    """One node of the administrative tree, identified by its 统计用区划代码."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    # 城乡分类代码 (111 主城区 … 220 村庄), for villages and communities.
    urban_rural_code = models.CharField("城乡分类代码", max_length=3, blank=True)
    outline = models.JSONField("边界 (GeoJSON)", null=True, blank=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return codes.prefix(self.code)

    @property
    def is_urban(self) -> bool:
        return self.urban_rural_code.startswith("1")


class Cluster(models.Model):
    """A 片区: neighbouring grids of one town grouped under a station."""

    code = models.CharField("片区编码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    town = models.ForeignKey(
        Region, verbose_name="所属乡镇街道", on_delete=models.PROTECT, related_name="clusters"
    )
    station = models.CharField("片区工作站", max_length=200, blank=True)

    class Meta:
        verbose_name = "片区"
        verbose_name_plural = "片区"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class GridKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", "综合网格"
    DEDICATED = "dedicated", "专属网格"


class DedicatedKind(models.TextChoices):
    MARKET = "market", "专业市场"
    SCHOOL = "school", "学校"
    HOSPITAL = "hospital", "医院"
    ENTERPRISE_PARK = "enterprise_park", "工业园区"
    BUSINESS_DISTRICT = "business_district", "商务楼宇"
    SCENIC_AREA = "scenic_area", "景区"
    OTHER = "other", "其他"


class AreaType(models.TextChoices):
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class Grid(models.Model):
    """The smallest unit of the territory, walked by its grid workers."""

    code = models.CharField("网格编码", max_length=15, unique=True)
    name = models.CharField("名称", max_length=100)
    village = models.ForeignKey(
        Region, verbose_name="所属村社区", on_delete=models.PROTECT, related_name="grids"
    )
    cluster = models.ForeignKey(
        Cluster, verbose_name="片区", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="grids",
    )
    kind = models.CharField(
        "网格类型", max_length=20, choices=GridKind.choices, default=GridKind.COMPREHENSIVE
    )
    dedicated_kind = models.CharField(
        "专属网格类别", max_length=20, choices=DedicatedKind.choices, blank=True
    )
    area_type = models.CharField(
        "城乡属性", max_length=10, choices=AreaType.choices, default=AreaType.RURAL
    )
    households = models.PositiveIntegerField("户数", default=0)
    population = models.PositiveIntegerField("人口", default=0)
    geometry = models.JSONField("边界 (GeoJSON)")
    area_m2 = models.FloatField("面积 (平方米)", default=0)
    # Bounding box and a point inside, kept beside the GeoJSON for indexed map queries.
    min_lon = models.FloatField(default=0)
    min_lat = models.FloatField(default=0)
    max_lon = models.FloatField(default=0)
    max_lat = models.FloatField(default=0)
    label_lon = models.FloatField(default=0)
    label_lat = models.FloatField(default=0)

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["code"]
        indexes = [models.Index(fields=["min_lon", "min_lat"])]

    def __str__(self) -> str:
        return self.name

    @property
    def household_limit(self) -> int:
        return settings.GRID_HOUSEHOLD_LIMIT[self.area_type]

    @property
    def is_oversized(self) -> bool:
        return self.households > self.household_limit


class TerritoryVersion(models.Model):
    """A single row whose number goes up whenever grids change.

    Every process keeps its point→grid index in memory; comparing this number tells it
    when to rebuild, whichever process made the change.
    """

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "网格版本"
