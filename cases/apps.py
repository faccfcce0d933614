from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Counselling")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cases.demo import seed_counselling
        from cases.selectors import benefits, cases, interpreters, profile
        from cases.services.merge import merge_rules
        from kem.models import CentrePerm, Role
        from kem.registry import (
            register_action_labels,
            register_demo_seeder,
            register_home_part,
            register_merge_rule,
            register_profile_actions,
            register_timeline_source,
        )

        register_action_labels(
            {
                "cases.session.read": _("Read session notes"),
                "api.session.read": _("Read session notes through the API"),
                "cases.interpreter_request.read": _("Read an interpreter request's notes"),
                "api.interpreter_request.read": _("Read an interpreter request's notes through the API"),
            }
        )
        register_home_part(
            benefits.document_reminders_part,
            perm=CentrePerm.HANDLE_DOCUMENT_REMINDERS,
            panels=[Role.FRONT_DESK, Role.COUNSELLOR],
        )
        register_home_part(cases.caseload_part, perm=CentrePerm.KEEP_CASES, panels=[Role.COUNSELLOR])
        register_home_part(
            interpreters.interpreter_home_part,
            perm=CentrePerm.BOOK_INTERPRETERS,
            panels=[Role.FRONT_DESK, Role.COUNSELLOR, Role.MANAGER],
        )
        register_profile_actions(profile.counselling_actions)
        for source in (
            benefits.application_timeline,
            cases.case_timeline,
            interpreters.interpreter_request_timeline,
        ):
            register_timeline_source(source)
        register_demo_seeder(seed_counselling, order=10)
        for label, rule in merge_rules().items():
            register_merge_rule(label, rule)
