"""Statistics pages: the dashboard, breakdowns, the ESF+ indicators and exports (see views)."""

from reports.views import urlpatterns

__all__ = ["urlpatterns"]
