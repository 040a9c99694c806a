from django.db import migrations


def install(apps, schema_editor):
    from gridgov.field.checklists import install_default_checklists

    install_default_checklists(
        apps.get_model("field", "PlaceKind"), apps.get_model("field", "ChecklistItem"),
        apps.get_model("events", "Category"),
    )


class Migration(migrations.Migration):
    dependencies = [("field", "0001_initial"), ("events", "0002_default_taxonomy")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
