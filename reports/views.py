"""Statistics pages: the dashboard of headline figures, breakdowns, the ESF+ indicators, exports.

Only managers and network analysts see these pages (``kem.view_statistics`` on a centre); anyone
else gets 403, and a centre outside the user's statistics centres is a 404. Every table shown is a
published table (``reports.build.report_build``): suppressed cells are marked, and the
charts are drawn from the published values only. An export is a background download: the form
posts here, the job is queued, and the browser goes to the download's page with its progress bar;
fetching the file is recorded in the access log there (``kem.download.statistics``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kem.forms.errors import add_service_errors
from kem.models import Centre
from kem.views.jobs import tell_if_not_queued
from reports import (
    panels,  # noqa: F401  (registers the home panel part)
    report,
)
from reports.build import (
    ReportRequest,
    report_build,
    report_centres,
    suppression_label,
    suppression_threshold,
)
from reports.exports import statistics_export_start
from reports.forms import DEFAULT_ROWS, FORMS, BreakdownForm, EsfForm, ExportForm, PeriodForm
from reports.layout import (
    TableLayout,
    chart_data,
    common_notes,
    legend,
    own_notes,
    side_by_side,
    table_layout,
)

PAGES = {"headline": "statistics-dashboard", "breakdown": "statistics-breakdown", "esf": "statistics-esf"}


def _centres(request: HttpRequest, data: QueryDict) -> list[Centre]:
    """The user's statistics centres (403 without any); 404 if ``data`` names another centre."""
    centres = report_centres(request.user, None)
    chosen = data.get("centre")
    if chosen and chosen not in {str(c.pk) for c in centres}:
        raise Http404
    return centres


def _report_fields(report_request: ReportRequest) -> list[tuple[str, str]]:
    """The report on the page as form fields (carried by the export form, and by the tabs)."""
    fields = [
        ("period", "custom"),
        ("start", report_request.start.isoformat()),
        ("end", report_request.end.isoformat()),
        ("centre", "" if report_request.centre_id is None else str(report_request.centre_id)),
    ]
    if report_request.kind == "breakdown":
        fields += [
            ("measure", report_request.measure),
            ("rows", report_request.rows),
            ("cols", report_request.cols),
            ("top_n", str(report_request.top_n)),
        ]
    return fields


def _with_drill_links(layout: TableLayout, fields: list[tuple[str, str]]) -> TableLayout:
    """Link each row that is a measure (the headline figures) to its breakdown by nationality,
    for the same period and centre."""
    if layout.table.row_dim != "measure":
        return layout
    keep = [(k, v) for k, v in fields if k in ("period", "start", "end", "centre")]
    for line in layout.lines:
        if line.code in report.MEASURES:
            query = urlencode([*keep, ("measure", line.code), ("rows", DEFAULT_ROWS)])
            line.href = f"{reverse('statistics-breakdown')}?{query}"
    return layout


def _page(request: HttpRequest, form_class: type[PeriodForm], template: str) -> HttpResponse:
    centres = _centres(request, request.GET)
    form = form_class(request.GET or None, centres=centres)
    tables, built, common = [], None, []
    if not form.is_bound or form.is_valid():
        try:
            built = report_build(user=request.user, request=form.report_request())
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            tables = side_by_side(built)
            common = common_notes(built, tables)
    hidden = _report_fields(built.request) if built is not None else []
    tab_query = urlencode([(k, v) for k, v in hidden if k in ("period", "start", "end", "centre")])
    context: dict[str, Any] = {
        "form": form,
        "report": built,
        "tables": [
            {
                "layout": _with_drill_links(table_layout(t), hidden),
                "chart": chart_data(t),
                "dom_id": f"stat-{n}",
                "notes": own_notes(t, common, built),
            }
            for n, t in enumerate(tables, start=1)
        ],
        "legend": legend(built) if built is not None else [],
        "notes": common,
        "side_by_side": built is not None and len(built.sections) > 1,
        "export_form": ExportForm(initial={"report": form_class.kind}),
        "export_hidden": hidden,
        "tab_query": f"?{tab_query}" if tab_query else "",
        "threshold": suppression_threshold(),
        "label": suppression_label(),
        "page": PAGES[form_class.kind],
    }
    return render(request, template, context)


@login_required
@never_cache
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline figures for the chosen period and centre(s), as charts and as tables."""
    return _page(request, PeriodForm, "reports/dashboard.html")


@login_required
@never_cache
@require_GET
def breakdown(request: HttpRequest) -> HttpResponse:
    """One measure broken down by one or two dimensions (e.g. nationality × gender)."""
    return _page(request, BreakdownForm, "reports/breakdown.html")


@login_required
@never_cache
@require_GET
def esf(request: HttpRequest) -> HttpResponse:
    """The ESF+ participant indicators for the period."""
    return _page(request, EsfForm, "reports/esf.html")


@login_required
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    """Queue an export of the report on the page and go to its download page (progress bar)."""
    centres = _centres(request, request.POST)
    export_form = ExportForm(request.POST)
    kind = request.POST.get("report", "headline")
    form = FORMS.get(kind, PeriodForm)(request.POST, centres=centres)
    back = reverse(PAGES.get(kind, "statistics-dashboard"))
    query = request.POST.copy()
    for name in ("csrfmiddlewaretoken", "report", "format", "round_to_5"):
        query.pop(name, None)
    back = f"{back}?{query.urlencode()}" if query else back
    if not (export_form.is_valid() and form.is_valid()):
        for message in [*export_form.non_field_errors(), *form.non_field_errors()]:
            messages.error(request, message)
        for bound in (*export_form, *form):
            for message in bound.errors:
                messages.error(request, f"{bound.label}: {message}")
        return redirect(back)
    try:
        job = statistics_export_start(
            request=form.report_request(rounding=export_form.rounding),
            fmt=export_form.cleaned_data["format"],
            by=request.user,
        )
    except ValidationError as invalid:
        for message in invalid.messages:
            messages.error(request, message)
        return redirect(back)
    if not tell_if_not_queued(request, job):
        messages.success(request, _("The export is being made; it will be ready to download here."))
    return redirect(job)


urlpatterns = [
    path("statistics/", dashboard, name="statistics-dashboard"),
    path("statistics/breakdown/", breakdown, name="statistics-breakdown"),
    path("statistics/esf/", esf, name="statistics-esf"),
    path("statistics/export/", export, name="statistics-export"),
]
