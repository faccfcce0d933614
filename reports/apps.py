from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        from kem.models import CentrePerm, DownloadKind, Role
        from kem.registry import register_demo_seeder, register_download_builder, register_home_part
        from reports import cache
        from reports.demo import seed_demo_statistics
        from reports.exports import statistics_build_export
        from reports.panels import statistics_part

        # Cached figures are invalidated by signals of the activity models of every app.
        cache.connect_signals()
        register_home_part(
            statistics_part, perm=CentrePerm.VIEW_STATISTICS, panels=[Role.MANAGER, Role.ANALYST]
        )
        register_download_builder(DownloadKind.STATISTICS, statistics_build_export)
        register_demo_seeder(seed_demo_statistics, order=20)
