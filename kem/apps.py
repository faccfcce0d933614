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
        from kem.roles import sync_role_groups

        # Role groups and their model permissions follow the code, not hand edits in the admin.
        post_migrate.connect(sync_role_groups, sender=self)
