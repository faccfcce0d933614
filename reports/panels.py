"""The statistics block of the manager's and the network analyst's home panels.

Shows the centre's headline figures for the current year, published (suppressed cells marked),
with a link to the dashboard. Imported by ``reports.views`` (hence by the URL map), which
registers it before any home page renders.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kem.models import Centre
from kem.selectors.staff import PanelPart
from reports.build import ReportRequest, report_build, suppression_label
from reports.layout import table_layout

HEADLINE_KEY = "headline.figures"


def statistics_part(*, centre: Centre, user: Any) -> PanelPart | None:
    """This year's published headline figures of ``centre`` (registered for ``view_statistics``)."""
    today = timezone.localdate()
    built = report_build(
        user=user,
        request=ReportRequest(
            kind="headline", start=dt.date(today.year, 1, 1), end=today, centre_id=centre.pk
        ),
    )
    tables = built.sections[0].tables
    figures = next((t for t in tables if t.key == HEADLINE_KEY), tables[0] if tables else None)
    return PanelPart(
        template="reports/_panel.html",
        context={
            "figures": table_layout(figures) if figures is not None else None,
            "year": today.year,
            "label": suppression_label(),
        },
    )
