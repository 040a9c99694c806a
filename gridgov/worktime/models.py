from django.conf import settings
from django.db import models


class Source(models.TextChoices):
    OFFICIAL = "official", "国务院办公厅公布"
    ENTERED = "entered", "管理员录入"


class CalendarDay(models.Model):
    """A date that breaks the Monday–Friday rule: a holiday, or a 调休 make-up workday.

    Days from the official seed are replaced when it is run again; days an administrator
    entered (a local holiday such as 壮族三月三, a correction) are kept.
    """

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班")
    name = models.CharField("名称", max_length=50)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.ENTERED)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更新人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = "节假日"
        verbose_name_plural = "节假日"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{'上班' if self.is_workday else '放假'}）"

    @property
    def weekday_label(self) -> str:
        return "星期" + "一二三四五六日"[self.date.weekday()]


class CalendarYear(models.Model):
    """A year whose holiday schedule is known: seeded from the official one, or entered and
    marked complete by an administrator. Other years count Monday to Friday."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="更新人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = "节假日年度"
        verbose_name_plural = "节假日年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} 年（{self.get_source_display()}）"


class CalendarVersion(models.Model):
    """A single row whose stamp changes whenever the calendar does.

    Every process keeps its Calendar in memory and compares stamps to know when to rebuild.
    A random stamp rather than a counter: a change rolled back would return a counter to a
    number a process may already hold with the rolled-back days in it.
    """

    stamp = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "日历版本"

    def __str__(self) -> str:
        return self.stamp
