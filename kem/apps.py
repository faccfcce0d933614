from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KemConfig(AppConfig):
    name = "kem"
    verbose_name = _("Migrant Integration Centre")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Timeline sources register themselves on import; load them before any profile renders.
        import kem.selectors.people  # noqa: F401
        from kem.registry import register_action_labels
        from kem.roles import sync_role_groups

        register_action_labels(
            {
                "kem.beneficiary.viewed": _("Opened a profile"),
                "kem.beneficiary.revealed": _("Revealed hidden details"),
                "kem.beneficiary.edit_opened": _("Opened a profile for editing"),
                "kem.beneficiary.searched": _("Searched for people"),
                "kem.beneficiary.merged": _("Merged two records of a person"),
                "kem.access_log.exported": _("Exported the access log"),
                "api.beneficiary.read": _("Read a person's data through the API"),
            }
        )
        # Role groups and their model permissions follow the code, not hand edits in the admin.
        post_migrate.connect(sync_role_groups, sender=self)
