from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Classes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # These modules register home-panel parts, profile buttons and timeline sources on import.
        from courses.selectors import attendance, enrolment  # noqa: F401
