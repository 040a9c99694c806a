"""Every install starts with the official holiday schedules the chinesecalendar package knows.

Later years arrive with a newer package and `gridgov seed-calendar --commit`, or are entered
by an administrator on the calendar page.
"""

import uuid

from django.db import migrations


def seed(apps, schema_editor):
    from gridgov.worktime import official

    CalendarDay = apps.get_model("worktime", "CalendarDay")
    CalendarYear = apps.get_model("worktime", "CalendarYear")
    CalendarVersion = apps.get_model("worktime", "CalendarVersion")
    present = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        CalendarDay(date=d.date, is_workday=d.is_workday, name=d.name, source="official")
        for d in official.official_days()
        if d.date not in present
    )
    note = f"国务院办公厅节假日安排（chinesecalendar {official.package_version()}）"
    known = set(CalendarYear.objects.values_list("year", flat=True))
    CalendarYear.objects.bulk_create(
        CalendarYear(year=year, source="official", note=note)
        for year in official.official_years()
        if year not in known
    )
    CalendarVersion.objects.update_or_create(pk=1, defaults={"stamp": uuid.uuid4().hex})


def unseed(apps, schema_editor):
    apps.get_model("worktime", "CalendarDay").objects.filter(source="official").delete()
    apps.get_model("worktime", "CalendarYear").objects.filter(source="official").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("worktime", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
