from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Counselling")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # These modules register timeline sources and home-panel parts when imported.
        import cases.selectors.benefits
        import cases.selectors.cases
        import cases.selectors.interpreters
        import cases.selectors.profile  # noqa: F401
