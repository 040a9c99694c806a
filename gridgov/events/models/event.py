"""An event (事件/案卷) and its append-only, hash-chained log."""

import hashlib
import json
import re
from datetime import UTC

from django.db import models
from django.db.models import Q

from gridgov.accounts.models import Department, User
from gridgov.events.models.taxonomy import Category
from gridgov.regions.models import Grid


class Status(models.TextChoices):
    REPORTED = "reported", "已上报"
    ACCEPTED = "accepted", "已受理"
    DISPATCHED = "dispatched", "已交办"
    HANDLING = "handling", "处置中"
    HANDLED = "handled", "已处置待核查"
    CLOSED = "closed", "已结案"
    REJECTED = "rejected", "不予受理"
    MERGED = "merged", "已合并"


# Statuses an event never leaves.
FINAL = {Status.CLOSED, Status.REJECTED, Status.MERGED}
OPEN = [s for s in Status.values if s not in FINAL]


class Step(models.TextChoices):
    """The steps that carry a deadline."""

    ACCEPT = "accept", "受理交办"
    SIGN = "sign", "签收"
    HANDLE = "handle", "处置"
    VERIFY = "verify", "核查"


STEP_OF_STATUS = {
    Status.REPORTED: Step.ACCEPT,
    Status.ACCEPTED: Step.ACCEPT,
    Status.DISPATCHED: Step.SIGN,
    Status.HANDLING: Step.HANDLE,
    Status.HANDLED: Step.VERIFY,
}


class Level(models.IntegerChoices):
    ORDINARY = 1, "一般"
    SERIOUS = 2, "较大"
    MAJOR = 3, "重大"
    CRITICAL = 4, "特别重大"


class Source(models.TextChoices):
    GRID_PATROL = "grid_patrol", "网格员巡查"
    RESIDENT = "resident", "群众反映"
    HOTLINE = "hotline", "12345热线"
    SENSOR = "sensor", "视频/物联感知"
    DEPARTMENT = "department", "部门报送"
    LEADER = "leader", "领导交办"


class Coordination(models.TextChoices):
    TOWN = "town", "镇街协调"
    DISTRICT = "district", "区级协调"


class Closure(models.TextChoices):
    VERIFIED = "verified", "核查结案"
    SELF_HANDLED = "self_handled", "自行处置"


class EventSequence(models.Model):
    """The last number handed out for events of one district in one year."""

    district = models.CharField(max_length=6)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="unique_event_sequence")]


# What an event code can look like (SJ-330502-2026-000123). A code from a URL or a request is
# matched against it before any lookup, so a string the database refuses (a NUL, say) is
# "no such event" and not a server error.
EVENT_CODE = re.compile(r"[A-Za-z0-9-]{1,32}")


class Event(models.Model):
    code = models.CharField("事件编号", max_length=32, unique=True)
    title = models.CharField("标题", max_length=100)
    description = models.TextField("描述")
    category = models.ForeignKey(Category, verbose_name="分类", on_delete=models.PROTECT, related_name="events")
    level = models.PositiveSmallIntegerField("等级", choices=Level.choices, default=Level.ORDINARY)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.REPORTED)
    closure = models.CharField("结案方式", max_length=20, choices=Closure.choices, blank=True)
    coordination = models.CharField(
        "协调层级", max_length=10, choices=Coordination.choices, default=Coordination.TOWN
    )

    reporter = models.ForeignKey(User, verbose_name="上报人", on_delete=models.PROTECT, related_name="reported_events")
    contact_name = models.CharField("反映人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)

    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    address = models.CharField("地址", max_length=200, blank=True)
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="events")
    # The grid's 15-digit code: "everything in town X" is a prefix query on this column.
    area_code = models.CharField("网格编码", max_length=15)

    lead = models.ForeignKey(
        Department, verbose_name="主办部门", null=True, blank=True, on_delete=models.PROTECT,
        related_name="led_events",
    )
    assisting = models.ManyToManyField(Department, verbose_name="协办部门", blank=True, related_name="assisted_events")
    merged_into = models.ForeignKey(
        "self", verbose_name="合并至", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )

    # The deadline of the current step, and when it turns yellow; empty once final.
    due_at = models.DateTimeField("当前环节时限", null=True, blank=True)
    warn_at = models.DateTimeField("预警时间", null=True, blank=True)
    # The due_at a reminder / a supervision order was issued for: each goes out once per step.
    reminded_for = models.DateTimeField(null=True, blank=True)
    supervised_for = models.DateTimeField(null=True, blank=True)

    reported_at = models.DateTimeField("上报时间")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    dispatched_at = models.DateTimeField("交办时间", null=True, blank=True)
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    handled_at = models.DateTimeField("处置时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    handle_due_at = models.DateTimeField("处置时限", null=True, blank=True)

    rework_count = models.PositiveSmallIntegerField("返工次数", default=0)
    extension_count = models.PositiveSmallIntegerField("延期次数", default=0)

    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    # The log's head: its length and the hash of its last row, so a deleted tail is detected.
    log_length = models.PositiveIntegerField(default=0)
    log_head = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "事件"
        verbose_name_plural = "事件"
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["area_code", "status", "-reported_at"], name="event_area_status"),
            models.Index(fields=["status", "-reported_at"], name="event_status"),
            models.Index(fields=["lead", "status"], name="event_lead_status"),
            models.Index(fields=["reporter", "-reported_at"], name="event_reporter"),
            models.Index(fields=["category", "-reported_at"], name="event_category"),
            models.Index(fields=["lon", "lat"], name="event_position"),
            models.Index(fields=["due_at"], name="event_open_due", condition=Q(due_at__isnull=False)),
            models.Index(fields=["warn_at"], name="event_open_warn", condition=Q(warn_at__isnull=False)),
            # The queues: open events of one state under a region prefix. Open events are a few
            # percent of the table; the pattern operator class lets PostgreSQL turn the prefix
            # test (LIKE '330502001%') into a range of the index; the moments let it answer the
            # deadline queues without reading every open event of the city past its deadline.
            models.Index(
                fields=["status", "area_code", "due_at", "warn_at"], name="event_open_area",
                condition=Q(status__in=OPEN),
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "timestamptz_ops", "timestamptz_ops"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "idempotency_key"], name="unique_report_idempotency",
                condition=Q(idempotency_key__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def get_absolute_url(self) -> str:
        return f"/events/{self.code}/"

    @property
    def step(self) -> str | None:
        return STEP_OF_STATUS.get(self.status)

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL

    def light_at(self, now) -> str:
        """green / yellow / red for the current step; '' once the event is final."""
        if self.due_at is None:
            return ""
        if now >= self.due_at:
            return "red"
        if self.warn_at is not None and now >= self.warn_at:
            return "yellow"
        return "green"


class LogAction(models.TextChoices):
    REPORT = "report", "上报"
    SELF_HANDLE = "self_handle", "自行处置"
    ACCEPT = "accept", "受理"
    REJECT = "reject", "不予受理"
    MERGE = "merge", "合并"
    DISPATCH = "dispatch", "交办"
    AUTO_DISPATCH = "auto_dispatch", "自动分拨"
    SEND_BACK = "send_back", "退回"
    SIGN = "sign", "签收"
    FEED_BACK = "feed_back", "反馈"
    ASSIST = "assist", "协办反馈"
    REQUEST_EXTENSION = "request_extension", "申请延期"
    APPROVE_EXTENSION = "approve_extension", "批准延期"
    DENY_EXTENSION = "deny_extension", "驳回延期"
    VERIFY = "verify", "核查结案"
    REWORK = "rework", "返工"
    ESCALATE = "escalate", "提级"
    INSTRUCT = "instruct", "领导批示"
    REMIND = "remind", "临期提醒"
    SUPERVISE = "supervise", "超期督办"
    CALL = "call", "呼叫"


class EventLog(models.Model):
    """One row per thing that happened to an event. Rows are never updated or deleted.

    Each row carries the hash of the previous row of its event, so `gridgov verify-log`
    detects an edited, inserted or deleted row.
    """

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="log")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=30, choices=LogAction.choices)
    old_status = models.CharField(max_length=20, blank=True)
    new_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "事件日志"
        verbose_name_plural = "事件日志"
        ordering = ["event", "seq"]
        constraints = [models.UniqueConstraint(fields=["event", "seq"], name="unique_event_log_seq")]

    def __str__(self) -> str:
        return f"{self.event_id}#{self.seq} {self.action}"

    def compute_hash(self) -> str:
        payload = {
            "event": self.event_id,
            "seq": self.seq,
            "action": self.action,
            "old": self.old_status,
            "new": self.new_status,
            "actor": self.actor_id,
            "department": self.department_id,
            "note": self.note,
            "data": self.data,
            # In UTC: the database hands the moment back in UTC whatever zone it was written in.
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "prev": self.prev_hash,
        }
        canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "审核中"
    APPROVED = "approved", "已批准"
    DENIED = "denied", "已驳回"


class Extension(models.Model):
    """A handling department's request for more time (延期申请)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField("延长工作日")
    reason = models.TextField("理由")
    status = models.CharField(max_length=10, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    requested_at = models.DateTimeField()

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        constraints = [
            models.UniqueConstraint(
                fields=["event"], condition=Q(status="pending"), name="one_pending_extension"
            )
        ]


class Attachment(models.Model):
    """A photo or file attached to an event, usually to one of its log rows."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="attachments")
    log = models.ForeignKey(EventLog, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="events/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
