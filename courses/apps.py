from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Classes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from courses.api import classes as classes_api
        from courses.demo import seed_demo_classes
        from courses.selectors import attendance, certificates, classes, enrolment
        from courses.services import certificates as certificate_services
        from courses.services.merge import merge_rules
        from kem.models import CentrePerm, DownloadKind, Role
        from kem.registry import (
            register_action_labels,
            register_demo_seeder,
            register_download_builder,
            register_home_part,
            register_merge_rule,
            register_person_files,
            register_profile_actions,
            register_timeline_source,
        )

        register_action_labels(
            {
                attendance.SHEET_READ_ACTION: _("Opened a lesson's attendance sheet"),
                attendance.ROSTER_READ_ACTION: _("Opened a class's attendance"),
                attendance.RESULTS_READ_ACTION: _("Opened a class's results"),
                attendance.FOLLOWUP_READ_ACTION: _("Saw learners to follow up"),
                classes.LISTED_ACTION: _("Listed the learners of a class"),
                classes_api.API_LISTED_ACTION: _("Read the learners of a class through the API"),
                certificates.VERIFIED_ACTION: _("A certificate was checked on the public page"),
                certificate_services.PRINT_ACTION: _("Printed certificates of attendance"),
            }
        )
        register_home_part(
            enrolment.waiting_list_news_part, perm=CentrePerm.ENROL, panels=[Role.FRONT_DESK, Role.MANAGER]
        )
        register_home_part(attendance.teaching_part, perm=CentrePerm.TEACH, panels=[Role.TEACHER])
        register_profile_actions(enrolment.enrolment_actions)
        register_timeline_source(enrolment.enrolment_timeline)
        register_download_builder(DownloadKind.CERTIFICATES, certificate_services.certificates_build_batch)
        register_person_files(certificate_services.certificate_batches_holding)
        register_demo_seeder(seed_demo_classes, order=30)
        for label, rule in merge_rules().items():
            register_merge_rule(label, rule)
