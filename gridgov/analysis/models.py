"""What the analysis reads instead of the events table: one fact row per event, daily rollups
per region and category, the administrator's indicator weights and the published monthly
assessments.

The facts are derived from an event and its log (analysis/rollup.py); the rollups are sums of
the facts, so both can always be rebuilt from the events (`gridgov rollup --rebuild`).
"""

from django.db import models

from gridgov.accounts.models import Department, User
from gridgov.events.models import Category, Event


class EventFact(models.Model):
    """One event as the indicators count it. Each measure falls on one day: reported on the
    day of the report, handled on the day of the (last) feedback, closed on the day of the
    closure (or of the rejection/merge, counted as invalid)."""

    event = models.OneToOneField(Event, primary_key=True, on_delete=models.CASCADE, related_name="+")
    area_code = models.CharField(max_length=15)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    major = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=20)
    level = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20)
    lead = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reporter = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    reported_at = models.DateTimeField()
    reported_on = models.DateField()
    handled_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    handled_on_time = models.BooleanField(default=False)
    handle_seconds = models.BigIntegerField(default=0)
    reworks = models.PositiveSmallIntegerField(default=0)
    extensions = models.PositiveSmallIntegerField(default=0)
    closed_on_time = models.BooleanField(default=False)
    close_seconds = models.BigIntegerField(default=0)
    self_handled = models.BooleanField(default=False)
    rated = models.BooleanField(default=False)
    satisfied = models.BooleanField(default=False)
    # The deadline of an open event that has not been handled yet: past it, the event is
    # 超期待处置. Evaluated against the clock when read, never stored as a flag.
    pending_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "事件统计"
        verbose_name_plural = "事件统计"
        indexes = [
            models.Index(fields=["area_code", "reported_on"], name="fact_area_reported",
                         opclasses=["varchar_pattern_ops", "date_ops"]),
            models.Index(fields=["area_code", "handled_on"], name="fact_area_handled",
                         opclasses=["varchar_pattern_ops", "date_ops"]),
            models.Index(fields=["area_code", "closed_on"], name="fact_area_closed",
                         opclasses=["varchar_pattern_ops", "date_ops"]),
        ]


class DailyRollup(models.Model):
    """Sums of the facts of one day, one region and one minor class.

    `region` is the significant prefix of a province (2 digits), city (4), district (6) or
    town (9), or "" for everything: a dashboard scoped to a region reads only its own rows.
    Narrower scopes (villages, grids) are answered from the facts.
    """

    day = models.DateField()
    region = models.CharField(max_length=9, blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")

    reported = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    handled_on_time = models.IntegerField(default=0)
    handle_seconds = models.BigIntegerField(default=0)
    reworked = models.IntegerField(default=0)
    rework_times = models.IntegerField(default=0)
    extended = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    close_seconds = models.BigIntegerField(default=0)
    self_handled = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    invalid = models.IntegerField(default=0)

    class Meta:
        verbose_name = "每日汇总"
        verbose_name_plural = "每日汇总"
        constraints = [
            models.UniqueConstraint(fields=["region", "day", "category"], name="unique_daily_rollup"),
        ]
        indexes = [
            # The measures ride in the index (PostgreSQL), so a dashboard's sums are read from
            # it alone, without visiting the table.
            models.Index(fields=["region", "day"], name="rollup_region_day_sums",
                         opclasses=["varchar_pattern_ops", "date_ops"],
                         include=["category", "reported", "handled", "handled_on_time", "handle_seconds", "reworked",
                                  "rework_times", "extended", "closed", "closed_on_time", "close_seconds",
                                  "self_handled", "rated", "satisfied", "invalid"]),
        ]


class RollupState(models.Model):
    """How far the incremental job has read the event log (a single row)."""

    last_log_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)


class IndicatorWeight(models.Model):
    """The weight of one indicator in the composite score, set by an administrator."""

    indicator = models.CharField("指标", max_length=30, unique=True)
    weight = models.PositiveSmallIntegerField("权重")
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "考核权重"
        verbose_name_plural = "考核权重"


class Subject(models.TextChoices):
    GRID_WORKER = "grid_worker", "网格员"
    GRID = "grid", "网格"
    VILLAGE = "village", "村（社区）"
    TOWN = "town", "镇街"
    DEPARTMENT = "department", "部门"
    CATEGORY = "category", "事件类别"


class Assessment(models.Model):
    """A published monthly assessment: its rows are stored and never recomputed."""

    month = models.DateField("考核月份")
    scope = models.CharField("范围", max_length=15)
    subject = models.CharField("考核对象", max_length=20, choices=Subject.choices)
    weights = models.JSONField(default=dict)
    published_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        verbose_name = "月度考核"
        verbose_name_plural = "月度考核"
        ordering = ["-month", "scope", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["month", "scope", "subject"], name="one_assessment_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.get_subject_display()} {self.scope}"


class AssessmentRow(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="rows")
    rank = models.PositiveIntegerField()
    key = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    figures = models.JSONField(default=dict)
    score = models.FloatField(null=True)
    grade = models.CharField(max_length=1, blank=True)

    class Meta:
        ordering = ["assessment", "rank"]
