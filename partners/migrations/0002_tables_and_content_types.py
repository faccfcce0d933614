"""Give the directory's tables their own names and move its content types to this app.

The content types keep their ids, so the permissions and the admin's history that point to them
stay valid.
"""

from django.db import migrations

MODELS = ("organisation", "historicalorganisation", "partnerservice", "historicalpartnerservice")


def move_content_types(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        old = ContentType.objects.using(db).filter(app_label="referrals", model=model).first()
        if old is None:
            continue  # a new database: the content types are made after the migrations
        ContentType.objects.using(db).filter(app_label="partners", model=model).delete()
        old.app_label = "partners"
        old.save(update_fields=["app_label"])


def move_content_types_back(apps, schema_editor) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="partners", model__in=MODELS).update(app_label="referrals")


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("referrals", "0004_directory_to_partners"),
        ("kem", "0008_consent_organisation_partners"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="organisation", table=None),
        migrations.AlterModelTable(name="historicalorganisation", table=None),
        migrations.AlterModelTable(name="partnerservice", table=None),
        migrations.AlterModelTable(name="historicalpartnerservice", table=None),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
