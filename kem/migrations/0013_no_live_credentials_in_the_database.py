"""Nothing in a dump opens a session or the API.

DRF's plaintext tokens (``rest_framework.authtoken``, replaced by django-rest-knox's hashed ones)
go with their table; sessions stored under their plain key (before ``kem.sessions`` hashed them)
are deleted, so everybody logs in once more.
"""

from django.db import migrations


def delete_plain_sessions(apps, schema_editor):
    apps.get_model("sessions", "Session").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kem", "0012_jobs_heartbeat_and_queue"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(delete_plain_sessions, migrations.RunPython.noop),
    ]
