"""Statistics pages: the dashboard, breakdowns, the ESF+ indicators and exports (see views)."""

from kem.statistics.views import urlpatterns

__all__ = ["urlpatterns"]
