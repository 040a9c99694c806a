"""Field work on a phone: patrols with their GPS tracks, household visits, hazard
inspections against checklists, and attendance check-ins."""

from datetime import timedelta

from django.db import models
from django.utils import timezone

from gridgov.accounts.models import User
from gridgov.events.models import Category, Event
from gridgov.regions.models import Grid, Region


class Patrol(models.Model):
    """A patrol (巡查): a session of a grid worker on the move, with a GPS track.

    The track is kept in `TrackBatch` rows, one per upload of about a hundred points, never
    one row per point. The columns `last_*` hold the latest good fix, so the command
    centre's map of workers on patrol reads one row per worker.
    """

    worker = models.ForeignKey(User, verbose_name="网格员", on_delete=models.PROTECT, related_name="patrols")
    # Generated on the phone, so a patrol started without signal is created once.
    key = models.CharField("客户端编号", max_length=64)
    # The worker's own grid when the patrol started: the scope the patrol belongs to.
    grid_code = models.CharField("所属网格", max_length=15)
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    distance_m = models.FloatField("里程（米）", default=0)
    point_count = models.PositiveIntegerField("有效轨迹点", default=0)
    dropped_count = models.PositiveIntegerField("剔除轨迹点", default=0)
    last_lon = models.FloatField(null=True, blank=True)
    last_lat = models.FloatField(null=True, blank=True)
    last_fixed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "巡查"
        verbose_name_plural = "巡查"
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["worker", "key"], name="unique_patrol_key")]
        indexes = [
            models.Index(fields=["grid_code", "-started_at"], name="patrol_grid"),
            models.Index(fields=["worker", "-started_at"], name="patrol_worker"),
            models.Index(
                fields=["grid_code"], name="patrol_ongoing", condition=models.Q(ended_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} · {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> timedelta:
        """How long the patrol lasted, or has lasted so far."""
        return (self.ended_at or timezone.now()) - self.started_at

    @property
    def is_ongoing(self) -> bool:
        return self.ended_at is None


class TrackBatch(models.Model):
    """One upload of track points, packed (see field/tracks.py): about 6 bytes a point."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="batches")
    key = models.CharField(max_length=64)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    count = models.PositiveIntegerField()
    points = models.BinaryField()
    distance_m = models.FloatField(default=0)
    # Codes of the grids the points fell in, comma-separated: the patrol's coverage.
    grid_codes = models.TextField(blank=True)
    # What was dropped and why, e.g. {"speed": 2, "accuracy": 1}; answered again on a retry.
    dropped = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patrol", "key"], name="unique_track_batch")]
        indexes = [models.Index(fields=["patrol", "first_at"], name="track_batch_time")]


class FindingKind(models.TextChoices):
    NONE = "none", "无异常"
    NEED = "need", "群众需求"
    DISPUTE = "dispute", "矛盾纠纷"
    RISK = "risk", "安全隐患"


class Visit(models.Model):
    """A household visit (走访)."""

    worker = models.ForeignKey(User, verbose_name="网格员", on_delete=models.PROTECT, related_name="visits")
    key = models.CharField(max_length=64)
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="visits")
    area_code = models.CharField("网格编码", max_length=15)
    household = models.CharField("走访对象", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    visited_at = models.DateTimeField("走访时间")
    finding = models.CharField("发现情况", max_length=10, choices=FindingKind.choices, default=FindingKind.NONE)
    notes = models.TextField("情况记录", blank=True)
    follow_up = models.BooleanField("需要回访", default=False)
    event = models.ForeignKey(
        Event, verbose_name="转为事件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "走访"
        verbose_name_plural = "走访"
        ordering = ["-visited_at"]
        constraints = [models.UniqueConstraint(fields=["worker", "key"], name="unique_visit_key")]
        indexes = [models.Index(fields=["area_code", "-visited_at"], name="visit_area")]

    def __str__(self) -> str:
        return self.household


class PlaceKind(models.Model):
    """A kind of place inspected against its own checklist (出租房, 三合一场所…)."""

    code = models.SlugField("编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    # A place of this kind is due for a routine inspection this many days after its latest
    # one (see selectors.due_inspections); 0 means no routine inspection.
    interval_days = models.PositiveIntegerField("例行排查周期（天）", default=0)

    class Meta:
        verbose_name = "场所类型"
        verbose_name_plural = "场所类型"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """One line of a kind's checklist; a failed line becomes an event of `category`."""

    kind = models.ForeignKey(PlaceKind, on_delete=models.CASCADE, related_name="items")
    text = models.CharField("检查内容", max_length=200)
    category = models.ForeignKey(Category, verbose_name="隐患分类", on_delete=models.PROTECT, related_name="+")
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)
    # The text as the default checklist shipped it, kept when the administrator edits the
    # item, so installing the defaults again knows the item is there; empty for the
    # administrator's own items.
    shipped_text = models.CharField("默认检查内容", max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = "检查项"
        verbose_name_plural = "检查项"
        ordering = ["kind", "sort_order", "id"]

    def __str__(self) -> str:
        return self.text


class Inspection(models.Model):
    """A hazard inspection (隐患排查) of one place; `previous` links a re-inspection."""

    worker = models.ForeignKey(User, verbose_name="网格员", on_delete=models.PROTECT, related_name="inspections")
    key = models.CharField(max_length=64)
    kind = models.ForeignKey(PlaceKind, verbose_name="场所类型", on_delete=models.PROTECT, related_name="+")
    place = models.CharField("场所名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="inspections")
    area_code = models.CharField("网格编码", max_length=15)
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    inspected_at = models.DateTimeField("检查时间")
    previous = models.ForeignKey(
        "self", verbose_name="复查的检查", null=True, blank=True, on_delete=models.PROTECT, related_name="rechecks"
    )
    failed_count = models.PositiveIntegerField("不合格项", default=0)

    class Meta:
        verbose_name = "隐患排查"
        verbose_name_plural = "隐患排查"
        ordering = ["-inspected_at"]
        constraints = [models.UniqueConstraint(fields=["worker", "key"], name="unique_inspection_key")]
        indexes = [
            models.Index(fields=["area_code", "-inspected_at"], name="inspection_area"),
            # A place is its kind, name and address: its latest inspection is looked up by them.
            models.Index(
                fields=["kind", "place", "address", "-inspected_at"], name="inspection_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.place}"


class InspectionResult(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField("合格")
    note = models.CharField("说明", max_length=500, blank=True)
    # The hazard event a failed item opened (or, on a re-inspection, the one it followed up).
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["item__sort_order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="unique_inspection_item")]


class InspectionPhoto(models.Model):
    """A photo of one checked item, passed or failed. A photo handed to a hazard event (the
    one a failed item opened, or the 核查/返工 step of a re-inspection) shares the stored
    file of that event's attachment instead of being kept twice."""

    result = models.ForeignKey(InspectionResult, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="inspections/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField()
    attachment = models.ForeignKey(
        "events.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "检查照片"
        verbose_name_plural = "检查照片"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class TownAttendance(models.Model):
    """A town that requires its grid workers to check in (打卡)."""

    town = models.OneToOneField(Region, on_delete=models.CASCADE, related_name="+")
    requires_check_in = models.BooleanField("要求打卡", default=False)

    class Meta:
        verbose_name = "打卡设置"
        verbose_name_plural = "打卡设置"


class CheckIn(models.Model):
    """An attendance check-in (打卡) with the phone's position."""

    worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="check_ins")
    key = models.CharField(max_length=64)
    at = models.DateTimeField("打卡时间")
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    accuracy_m = models.FloatField("定位精度（米）", default=0)
    grid_code = models.CharField("所在网格", max_length=15, blank=True)

    class Meta:
        verbose_name = "打卡"
        verbose_name_plural = "打卡"
        ordering = ["-at"]
        constraints = [models.UniqueConstraint(fields=["worker", "key"], name="unique_check_in_key")]
        indexes = [models.Index(fields=["worker", "-at"], name="check_in_worker")]
