from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from reports import cache, panels  # noqa: F401

        # Cached figures are invalidated by signals of the activity models of every app.
        cache.connect_signals()
