import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.regions.models import Region


class User(AbstractUser):
    """A person who signs in: staff of every kind. Names are Chinese full names."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    VILLAGE_STATION = "village_station", _("村（社区）工作室")
    TOWN_OPERATOR = "town_operator", _("镇街指挥室")
    DISTRICT_OPERATOR = "district_operator", _("区指挥中心")
    DEPARTMENT_HANDLER = "department_handler", _("部门处置人员")
    MEDIATOR = "mediator", _("调解员")
    LEADER = "leader", _("领导")
    ADMINISTRATOR = "administrator", _("系统管理员")


class RoleAssignment(models.Model):
    """A role held over a part of the territory: the scope is a region or grid code prefix.

    A grid worker holds one assignment per grid (scope = the 15-digit grid code); a town
    operator holds the town's 9 digits; a district administrator the district's 6.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    scope = models.CharField("范围（区划代码前缀）", max_length=15)
    department = models.ForeignKey(
        "Department", verbose_name="所属部门", null=True, blank=True, on_delete=models.CASCADE,
        related_name="role_assignments",
    )

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "scope"], name="unique_role_scope")
        ]
        indexes = [models.Index(fields=["role", "scope"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope}"


class DepartmentKind(models.TextChoices):
    COMMAND_ROOM = "command_room", "综合信息指挥室"
    LAW_ENFORCEMENT = "law_enforcement", "综合行政执法"
    MARKET_REGULATION = "market_regulation", "市场监管"
    EMERGENCY = "emergency", "应急管理"
    POLICE = "police", "公安"
    FIRE = "fire", "消防救援"
    ECOLOGY = "ecology", "生态环境"
    HOUSING = "housing", "住房和城乡建设"
    HUMAN_RESOURCES = "human_resources", "人力资源和社会保障"
    CIVIL_AFFAIRS = "civil_affairs", "民政"
    NATURAL_RESOURCES = "natural_resources", "自然资源和规划"
    TRANSPORT = "transport", "交通运输"
    HEALTH = "health", "卫生健康"
    WATER = "water", "水利"
    JUSTICE = "justice", "司法行政"
    PETITION = "petition", "信访"
    OTHER = "other", "其他"


class DepartmentLevel(models.TextChoices):
    DISTRICT = "district", "区级"
    TOWN = "town", "镇街级"


class Department(models.Model):
    """A body that acts on events: a district bureau, its unit sunk into a town, a command room."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=30, choices=DepartmentKind.choices)
    level = models.CharField("层级", max_length=10, choices=DepartmentLevel.choices)
    region = models.ForeignKey(
        Region, verbose_name="服务区域", on_delete=models.PROTECT, related_name="departments"
    )
    parent = models.ForeignKey(
        "self", verbose_name="上级部门", null=True, blank=True, on_delete=models.PROTECT,
        related_name="units",
    )
    head = models.ForeignKey(
        User, verbose_name="负责人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    members = models.ManyToManyField(
        User, verbose_name="成员", blank=True, related_name="departments"
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unique_department_name")
        ]

    def __str__(self) -> str:
        return self.name


class LoginFailure(models.Model):
    """One failed sign-in, kept for the throttling window."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)


class ApiToken(models.Model):
    """A bearer token for the API (the mobile app). Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=100, default="mobile")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    @staticmethod
    def digest_of(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
