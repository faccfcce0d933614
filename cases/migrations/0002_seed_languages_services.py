"""The starting lists of interpreting languages and administrative services (managers edit them)."""

from django.db import migrations

from cases.reference import seed_reference_data


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_cases")]

    operations = [migrations.RunPython(seed_reference_data, migrations.RunPython.noop)]
