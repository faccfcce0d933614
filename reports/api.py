"""REST API for the statistics reports: headline figures, a breakdown, the ESF+ indicators.

The same published tables as the pages (``reports.build.report_build``), for managers
and network analysts only: anyone else gets 403, a centre outside the caller's statistics centres
404. A response holds counts and category labels only, one section per centre.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from kem.api.errors import service_errors
from reports.build import Report, ReportRequest, report_build
from reports.forms import FORMS, PeriodForm
from reports.scope import statistics_centres
from reports.types import PublishedTable
from reports.writers import cell_json


class SeesStatistics(BasePermission):
    """Only managers and network analysts (``kem.view_statistics`` on a centre)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return statistics_centres(request.user).exists()


# --- what the API returns ----------------------------------------------------------------------


class CellSerializer(serializers.Serializer):
    value = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("Null when suppressed; a whole percentage for a rate.")
    )
    display = serializers.CharField(allow_blank=True)
    suppressed = serializers.BooleanField()
    rate = serializers.BooleanField()


class CodeLabelSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    row_dim = serializers.CharField()
    col_dim = serializers.CharField(allow_blank=True)
    rows = CodeLabelSerializer(many=True)
    cols = CodeLabelSerializer(many=True)
    cells = serializers.ListField(child=CellSerializer(many=True))
    row_totals = CellSerializer(many=True)
    col_totals = CellSerializer(many=True)
    total = CellSerializer()
    notes = serializers.ListField(child=serializers.CharField())


class SectionSerializer(serializers.Serializer):
    centres = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=gettext_lazy("The centre of these tables (several when broken down by centre)."),
    )
    name = serializers.CharField()
    tables = TableSerializer(many=True)


class ReportSerializer(serializers.Serializer):
    report = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    threshold = serializers.IntegerField()
    suppressed_label = serializers.CharField()
    rounding = serializers.IntegerField(allow_null=True)
    generated_at = serializers.DateTimeField()
    sections = SectionSerializer(many=True)


def _table(table: PublishedTable) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": str(table.title),
        "unit": str(table.unit),
        "row_dim": table.row_dim,
        "col_dim": table.col_dim,
        "rows": [{"code": code, "label": str(label)} for code, label in table.rows],
        "cols": [{"code": code, "label": str(label)} for code, label in table.cols],
        "cells": [[cell_json(c) for c in row] for row in table.cells],
        "row_totals": [cell_json(c) for c in table.row_totals],
        "col_totals": [cell_json(c) for c in table.col_totals],
        "total": cell_json(table.total),
        "notes": [str(n) for n in table.notes],
    }


def report_json(built: Report) -> dict[str, Any]:
    request = built.request
    return {
        "report": request.kind,
        "start": request.start,
        "end": request.end,
        "threshold": built.threshold,
        "suppressed_label": built.label,
        "rounding": request.rounding,
        "generated_at": built.generated_at,
        "sections": [
            {"centres": [c.pk for c in s.centres], "name": s.name, "tables": [_table(t) for t in s.tables]}
            for s in built.sections
        ],
    }


# --- the endpoints -----------------------------------------------------------------------------

PERIOD_PARAMETERS = [
    OpenApiParameter(
        "centre",
        OpenApiTypes.INT,
        description=gettext_lazy("One of your statistics centres; omitted: all of them, one section each."),
    ),
    OpenApiParameter(
        "start", OpenApiTypes.DATE, description=gettext_lazy("First day (default: 1 January this year).")
    ),
    OpenApiParameter(
        "end", OpenApiTypes.DATE, description=gettext_lazy("Last day (default: 31 December this year).")
    ),
    OpenApiParameter("rounding", OpenApiTypes.INT, enum=[5], description=gettext_lazy("Round counts to 5.")),
]
BREAKDOWN_PARAMETERS = [
    OpenApiParameter(
        "measure", OpenApiTypes.STR, required=True, description=gettext_lazy("What is counted.")
    ),
    OpenApiParameter("rows", OpenApiTypes.STR, required=True, description=gettext_lazy("Row dimension.")),
    OpenApiParameter("cols", OpenApiTypes.STR, description=gettext_lazy("Column dimension (optional).")),
    OpenApiParameter("top_n", OpenApiTypes.INT, description=gettext_lazy("Largest groups shown (1–50).")),
]
RESPONSES = {
    200: ReportSerializer,
    400: OpenApiResponse(description=gettext_lazy("Invalid parameters, each with its messages and codes.")),
    403: OpenApiResponse(description=gettext_lazy("Only managers and network analysts see statistics.")),
    404: OpenApiResponse(description=gettext_lazy("Not one of your statistics centres.")),
}


class StatisticsViewSet(viewsets.ViewSet):
    """Published statistics (disclosure control applied); never a person."""

    permission_classes = [IsAuthenticated, SeesStatistics]

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=RESPONSES)
    @action(detail=False, methods=["get"])
    def headline(self, request: Request) -> Response:
        """The headline figures of each centre for the period."""
        return self._report(request, "headline")

    @extend_schema(parameters=PERIOD_PARAMETERS + BREAKDOWN_PARAMETERS, responses=RESPONSES)
    @action(detail=False, methods=["get"])
    def breakdown(self, request: Request) -> Response:
        """One measure by one or two dimensions, for each centre."""
        return self._report(request, "breakdown")

    @extend_schema(parameters=PERIOD_PARAMETERS, responses=RESPONSES)
    @action(detail=False, methods=["get"])
    def esf(self, request: Request) -> Response:
        """The ESF+ participant indicators of each centre for the period."""
        return self._report(request, "esf")

    def _report(self, request: Request, kind: str) -> Response:
        report_request = _report_request(request, kind)
        try:
            built = report_build(user=request.user, request=report_request)
        except DjangoValidationError as invalid:
            raise service_errors(invalid) from None
        return Response(report_json(built))


def _report_request(request: Request, kind: str) -> ReportRequest:
    """Read the query string with the pages' form (a custom period when dates are given)."""
    params: QueryDict = request.query_params.copy()
    unknown = set(params) - {
        "centre",
        "start",
        "end",
        "rounding",
        "measure",
        "rows",
        "cols",
        "top_n",
        "format",
    }
    if unknown:
        raise ValidationError({name: [_("Unknown parameter.")] for name in sorted(unknown)}, code="unknown")
    rounding = params.pop("rounding", [None])[-1]
    if rounding not in (None, "", "5"):
        raise ValidationError({"rounding": [_("Counts can only be rounded to 5.")]}, code="rounding")
    if params.get("start") or params.get("end"):
        # One date alone: the other is the current year's first or last day.
        year = timezone.localdate().year
        params.setdefault("start", f"{year}-01-01")
        params.setdefault("end", f"{year}-12-31")
        params["period"] = "custom"
    else:
        params["period"] = "this_year"
    if kind == "breakdown":
        params.setdefault("top_n", "10")
    form_class: type[PeriodForm] = FORMS[kind]
    centres = list(statistics_centres(request.user))
    centre = params.get("centre")
    if centre and centre not in {str(c.pk) for c in centres}:
        raise Http404
    form = form_class(params, centres=centres)
    if not form.is_valid():
        raise service_errors(DjangoValidationError(form.errors.as_data()))
    return form.report_request(rounding=5 if rounding == "5" else None)


def register(router: DefaultRouter) -> None:
    router.register("statistics", StatisticsViewSet, basename="statistics")
