"""The access log for the data-protection officer: a filterable page and a CSV export.

Filters travel as GET parameters: they hold ids, usernames, dates and action codes, never a
person's data. Only users who hold ``review_access_log`` on a centre (the DPO) may open either.
"""

from __future__ import annotations

import csv
import re
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kem.models import Role
from kem.registry import action_labels
from kem.selectors.access_log import (
    PAGE_SIZE,
    AccessLogFilters,
    access_events,
    access_log_centres,
    access_log_export_rows,
    access_log_rows,
)
from kem.services.access_log import access_record, role_at

_ACTION_CODE = re.compile(r"^[a-z0-9_.-]+$")


class AccessLogFilterForm(forms.Form):
    person = forms.UUIDField(
        label=gettext_lazy("Person (id)"),
        required=False,
        help_text=gettext_lazy("The id shown on the person's profile."),
    )
    user = forms.CharField(label=gettext_lazy("User (username)"), max_length=150, required=False)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    action = forms.CharField(
        label=gettext_lazy("Action"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"list": "known-actions"}),
    )

    def clean_action(self) -> str:
        value = self.cleaned_data.get("action", "").strip()
        if value and not _ACTION_CODE.match(value):
            raise ValidationError(_("Choose an action from the list."), code="action_invalid")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error(
                "date_to",
                ValidationError(_("The end date comes before the start date."), code="dates_reversed"),
            )
        return data

    def filters(self) -> AccessLogFilters:
        data = self.cleaned_data
        return AccessLogFilters(
            person=data.get("person"),
            username=(data.get("user") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            action=data.get("action") or "",
        )


def _reviewer_only(request: HttpRequest) -> None:
    if not access_log_centres(request.user).exists():
        raise PermissionDenied


@login_required
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    """The log, newest first, 50 a page, within a fixed number of queries per page."""
    _reviewer_only(request)
    form = AccessLogFilterForm(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    filters = form.filters() if form.is_bound and valid else AccessLogFilters()
    events = access_events(user=request.user, filters=filters)
    page = Paginator(events if valid else events.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "kem/access_log/list.html",
        {
            "form": form,
            "page_obj": page,
            "rows": access_log_rows(user=request.user, events=list(page.object_list)),
            "filtered": form.is_bound and valid and filters != AccessLogFilters(),
            "known_actions": sorted(action_labels().items()),
        },
        status=200 if valid else 400,
    )


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def access_log_export(request: HttpRequest) -> HttpResponse:
    """Stream the filtered log as CSV; the export is itself recorded in the log."""
    _reviewer_only(request)
    form = AccessLogFilterForm(request.GET)
    if not form.is_valid():
        return access_log(request)
    filters = form.filters()
    # One centre: the export is that centre's event; several: a no-centre event, which the DPO of
    # each of them sees (see kem/selectors/access_log.py).
    centres = list(access_log_centres(request.user))
    centre = centres[0] if len(centres) == 1 else None
    access_record(
        user=request.user,
        action="kem.access_log.exported",
        centre=centre,
        role=role_at(request.user, centre.pk) if centre else Role.DPO,
        request=request,
    )
    generated = timezone.localtime()
    writer = csv.writer(_Echo())
    header = _("# KEM access log; filters: %(filters)s; generated %(when)s") % {
        "filters": filters.describe(),
        "when": generated.isoformat(timespec="seconds"),
    }
    lines = (
        writer.writerow(row)
        for row in access_log_export_rows(access_events(user=request.user, filters=filters))
    )
    response = StreamingHttpResponse(_prepend(header + "\r\n", lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-log-{generated:%Y%m%d-%H%M}.csv"'
    return response


def _prepend(first: str, rest: Any) -> Any:
    yield first
    yield from rest


urlpatterns = [
    path("access-log/", access_log, name="access-log"),
    path("access-log/export.csv", access_log_export, name="access-log-export"),
]
