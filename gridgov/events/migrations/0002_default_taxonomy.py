from django.db import migrations


def install(apps, schema_editor):
    from gridgov.events.taxonomy import install_default_taxonomy

    install_default_taxonomy(apps.get_model("events", "Category"))


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
