"""Published statistics for a request: scoped to the user's statistics centres, protected together.

Every page, API response and export of statistics is built here, so that the same request always
publishes the same numbers: :func:`report_build` scopes the request to the user's statistics
centres, asks the engine for raw tables one centre at a time and passes each centre's tables
through :func:`reports.disclosure.protect` together (so secondary suppression holds across
the tables of that request). Nothing past this point ever sees a raw count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kem.models import Centre
from reports import disclosure, report
from reports.scope import scope_for, statistics_centres
from reports.types import PublishedTable

Progress = Callable[[int], None]

KINDS: dict[str, Any] = {
    "headline": gettext_lazy("Headline figures"),
    "breakdown": gettext_lazy("Breakdown"),
    "esf": gettext_lazy("ESF+ participant indicators"),
}
FORMATS: dict[str, tuple[str, str]] = {
    # format -> (file suffix, content type)
    "csv": ("csv", "text/csv; charset=utf-8"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": ("json", "application/json"),
}
ROUNDINGS = (None, 5)


@dataclass(frozen=True)
class ReportRequest:
    """What to publish: ids, dates and options only (it travels in a download job's params)."""

    kind: str
    start: dt.date
    end: dt.date
    centre_id: int | None = None  # None: every centre where the user may see statistics
    measure: str = ""
    rows: str = ""
    cols: str = ""
    top_n: int = 10
    rounding: int | None = None

    def to_params(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "centre": self.centre_id,
            "measure": self.measure,
            "rows": self.rows,
            "cols": self.cols,
            "top_n": self.top_n,
            "rounding": self.rounding,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ReportRequest:
        return cls(
            kind=params["kind"],
            start=dt.date.fromisoformat(params["start"]),
            end=dt.date.fromisoformat(params["end"]),
            centre_id=params.get("centre"),
            measure=params.get("measure", ""),
            rows=params.get("rows", ""),
            cols=params.get("cols", ""),
            top_n=int(params.get("top_n") or 10),
            rounding=params.get("rounding"),
        )

    @property
    def title(self) -> str:
        if self.kind != "breakdown":
            return str(KINDS[self.kind])
        measure = report.MEASURES.get(self.measure, self.measure)
        by = " × ".join(str(report.DIMENSIONS.get(d, d)) for d in (self.rows, self.cols) if d)
        return _("%(measure)s by %(dimensions)s") % {"measure": measure, "dimensions": by}


@dataclass
class CentreSection:
    """The published tables of one centre (a list, so that a section of several centres counted
    together can be added without changing the shape)."""

    centres: list[Centre]
    tables: list[PublishedTable]

    @property
    def centre(self) -> Centre | None:
        """The centre of a one-centre section (None when centres are counted together)."""
        return self.centres[0] if len(self.centres) == 1 else None

    @property
    def name(self) -> str:
        return ", ".join(c.name for c in self.centres)


@dataclass
class Report:
    """A request's published tables, one section per centre, and what a reader must know."""

    request: ReportRequest
    sections: list[CentreSection]
    threshold: int
    label: str
    generated_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def centres(self) -> list[Centre]:
        return [centre for section in self.sections for centre in section.centres]


def suppression_threshold() -> int:
    return settings.KEM_SUPPRESSION_THRESHOLD


def suppression_label() -> str:
    """What a suppressed cell shows (the same as :func:`reports.disclosure.protect` uses)."""
    return disclosure.suppression_label(suppression_threshold())


def report_centres(user: Any, centre_id: int | None) -> list[Centre]:
    """The centres a request covers: one of the user's statistics centres (404 for any other id, so
    ids confirm nothing), or all of them in name order (403 if the user may see statistics nowhere)."""
    centres = list(statistics_centres(user).order_by("name_el"))
    if not centres:
        raise PermissionDenied
    if centre_id is None:
        return centres
    chosen = [c for c in centres if c.pk == centre_id]
    if not chosen:
        raise Http404
    return chosen


def report_build(*, user: Any, request: ReportRequest) -> Report:
    """Publish ``request`` for ``user``: each centre's tables, disclosure control applied.

    Raises ``PermissionDenied`` for a user without statistics, ``Http404`` for a centre outside
    theirs and ``ValidationError`` (from :func:`scope_for`) for a period it refuses.
    """
    if request.kind not in KINDS:
        raise ValidationError(_("Unknown report."), code="unknown_report")
    if request.rounding not in ROUNDINGS:
        raise ValidationError(_("Counts can only be rounded to 5."), code="rounding")
    centres = report_centres(user, request.centre_id)
    # The period and the user's rights are checked once for all the centres of the request.
    scope = scope_for(user, centre_ids=[c.pk for c in centres], start=request.start, end=request.end)
    sections = []
    for centre in centres:
        try:
            raw = _raw_tables(replace(scope, centre_ids=(centre.pk,)), request)
        except ValueError as error:  # a measure or dimension the engine does not know
            raise ValidationError(_("This report cannot be made."), code="invalid_report") from error
        sections.append(
            CentreSection(centres=[centre], tables=disclosure.protect(raw, rounding=request.rounding))
        )
    return Report(
        request=request, sections=sections, threshold=suppression_threshold(), label=suppression_label()
    )


def _raw_tables(scope: Any, request: ReportRequest) -> list:
    if request.kind == "headline":
        return report.headline(scope)
    if request.kind == "esf":
        return [report.esf_indicators(scope)]
    return [
        report.breakdown(
            scope, measure=request.measure, rows=request.rows, cols=request.cols, top_n=request.top_n
        )
    ]
