from django.db import migrations


def install(apps, schema_editor):
    from gridgov.field.checklists import DEFAULT_CHECKLISTS, install_default_checklists

    kinds = apps.get_model("field", "PlaceKind")
    # The interval is a new column: 0 there is its default, not an administrator's choice.
    for code, _, interval_days, _ in DEFAULT_CHECKLISTS:
        kinds.objects.filter(code=code, interval_days=0).update(interval_days=interval_days)
    install_default_checklists(
        kinds, apps.get_model("field", "ChecklistItem"), apps.get_model("events", "Category")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("field", "0003_inspection_photos_and_schedule"),
        ("events", "0002_default_taxonomy"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
