"""On PostgreSQL, the database itself refuses to change or delete access events."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION kem_access_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'kem_accessevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER kem_access_event_append_only
    BEFORE UPDATE OR DELETE ON kem_accessevent
    FOR EACH ROW EXECUTE FUNCTION kem_access_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS kem_access_event_append_only ON kem_accessevent;
DROP FUNCTION IF EXISTS kem_access_event_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("kem", "0003_registry")]

    operations = [migrations.RunPython(create, drop)]
