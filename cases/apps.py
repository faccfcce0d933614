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
        from cases.demo import seed_counselling
        from kem.registry import register_action_labels, register_demo_seeder

        register_action_labels(
            {
                "cases.session.read": _("Read session notes"),
                "api.session.read": _("Read session notes through the API"),
                "cases.interpreter_request.read": _("Read an interpreter request's notes"),
                "api.interpreter_request.read": _("Read an interpreter request's notes through the API"),
            }
        )
        register_demo_seeder(seed_counselling, order=10)
