"""Move the vault tables' content types from kem to the vault app (ids kept)."""

from django.db import migrations

MODELS = ("personkey", "indexkey", "blindindexentry")


def move_content_types(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        old = ContentType.objects.using(db).filter(app_label="kem", model=model).first()
        if old is None:
            continue  # a new database: the content types are made after the migrations
        ContentType.objects.using(db).filter(app_label="vault", model=model).delete()
        old.app_label = "vault"
        old.save(update_fields=["app_label"])


def move_content_types_back(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="vault", model__in=MODELS).update(app_label="kem")


class Migration(migrations.Migration):
    dependencies = [
        ("vault", "0001_initial"),
        ("kem", "0011_vault_tables_to_the_vault_app"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(move_content_types, move_content_types_back)]
