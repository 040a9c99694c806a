from django.db import migrations


def install(apps, schema_editor):
    from gridgov.mediation.types import install_default_types

    install_default_types(apps.get_model("mediation", "DisputeType"))


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
