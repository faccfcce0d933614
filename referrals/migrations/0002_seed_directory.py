"""The starting partner directory (managers edit it in the app)."""

from django.db import migrations

from partners.reference import seed_directory


def seed_referrals_directory(apps, schema_editor) -> None:
    # The directory's models belonged to this app until partners.0001.
    seed_directory(apps, schema_editor, app_label="referrals")


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_referrals")]

    operations = [migrations.RunPython(seed_referrals_directory, migrations.RunPython.noop)]
