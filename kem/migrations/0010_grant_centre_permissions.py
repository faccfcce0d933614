"""Grant the centre permissions that now carry each rule to the people whose roles had them.

Until now cases, courses and referrals decided by the roles of a membership; they now ask for a
centre permission, like kem always did. Every active membership gets the permissions its role
gains here (as the roles were defined at this migration), so nobody loses or gains access.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SERVING = ["see_cases", "book_interpreters", "help_with_applications", "refer_to_partners"]
ADDED = {
    "front_desk": [*SERVING, "handle_document_reminders", "see_classes", "enrol_learners"],
    "counsellor": [*SERVING, "handle_document_reminders", "read_session_summaries", "open_cases"],
    "manager": [
        *SERVING,
        "read_session_summaries",
        "open_cases",
        "see_classes",
        "enrol_learners",
        "keep_network_lists",
    ],
}


def grant(apps, schema_editor) -> None:
    db = schema_editor.connection.alias
    Membership = apps.get_model("kem", "Membership")
    if not Membership.objects.using(db).filter(active=True).exists():
        return  # a new database: nobody to grant anything to yet
    # The new permissions are normally made after all migrations; they are needed now.
    app_config = apps.get_app_config("kem")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0, using=db)
    app_config.models_module = None
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    CentreUserObjectPermission = apps.get_model("kem", "CentreUserObjectPermission")
    centre_type = ContentType.objects.db_manager(db).get_for_model(apps.get_model("kem", "Centre"))
    perms = {p.codename: p for p in Permission.objects.using(db).filter(content_type=centre_type)}
    for membership in Membership.objects.using(db).filter(active=True):
        codenames = list(ADDED.get(membership.role, []))
        if membership.role == "counsellor" and membership.discipline:
            codenames.append(f"keep_{membership.discipline}_cases")
        for codename in codenames:
            CentreUserObjectPermission.objects.using(db).get_or_create(
                user_id=membership.user_id, content_object_id=membership.centre_id, permission=perms[codename]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("kem", "0009_centre_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
