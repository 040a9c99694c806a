"""Reminders and supervision orders: what the sweeper issues, each exactly once."""

from django.db import models

from gridgov.accounts.models import Department, User
from gridgov.events.models.event import Event


class SupervisionOrder(models.Model):
    """A 督办单: issued when a step runs past its deadline, to the department that owes the
    step (or the command room, for accept and verify) and to the command room above it."""

    number = models.CharField("督办单号", max_length=40, unique=True)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="supervision_orders")
    step = models.CharField("超期环节", max_length=10)
    due_at = models.DateTimeField("原时限")
    department = models.ForeignKey(
        Department, verbose_name="被督办单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("督办时间")
    note = models.TextField("督办意见", blank=True)

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["event", "due_at"], name="one_order_per_deadline")]


class NoticeKind(models.TextChoices):
    REMINDER = "reminder", "临期提醒"
    SUPERVISION = "supervision", "督办通知"
    ASSIGNED = "assigned", "待办通知"
    CALL = "call", "呼叫"


class Notice(models.Model):
    """One message to one person about one event; sent through the notifiers by a task.

    The unique key makes issuing idempotent: two sweepers that both decide to remind
    create one row, and only the creator enqueues the sending.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    due_at = models.DateTimeField(null=True, blank=True)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    text = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    channels = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "kind", "due_at", "recipient"], name="one_notice_per_deadline")
        ]
