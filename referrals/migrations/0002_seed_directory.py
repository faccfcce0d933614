"""The starting partner directory (managers edit it in the app)."""

from django.db import migrations

from referrals.reference import seed_directory


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_referrals")]

    operations = [migrations.RunPython(seed_directory, migrations.RunPython.noop)]
