"""The statistics pages' forms: a period and centre, a breakdown's dimensions, an export's format."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kem.models import Centre
from reports import report
from reports.build import ReportRequest

CUSTOM = "custom"
THIS_YEAR = "this_year"
DEFAULT_MEASURE = "served"
DEFAULT_ROWS = "nationality"
MAX_TOP_N = 50
HIDDEN_DIMENSIONS = frozenset({"centre"})


def period_choices(today: dt.date) -> list[tuple[str, str]]:
    """This year, last year, the quarters of both, and custom dates."""
    year = today.year
    choices = [
        (THIS_YEAR, _("This year (%(year)s)") % {"year": year}),
        ("last_year", _("Last year (%(year)s)") % {"year": year - 1}),
    ]
    for y in (year, year - 1):
        for q in range(1, 5):
            if dt.date(y, 3 * q - 2, 1) <= today:
                choices.append((f"{y}-q{q}", _("Quarter %(q)s of %(year)s") % {"q": q, "year": y}))
    choices.append((CUSTOM, _("Custom dates")))
    return choices


def period_dates(code: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day (both included) of a period code other than ``custom``."""
    if code == THIS_YEAR:
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    if code == "last_year":
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    year, quarter = (int(part) for part in code.split("-q"))
    last_month = 3 * quarter
    return dt.date(year, last_month - 2, 1), dt.date(
        year, last_month, calendar.monthrange(year, last_month)[1]
    )


class PeriodForm(forms.Form):
    """Which period and which of the user's statistics centres (blank: all of them, side by side)."""

    kind = "headline"

    period = forms.ChoiceField(label=gettext_lazy("Period"), initial=THIS_YEAR, required=False)
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    centre = forms.TypedChoiceField(
        label=gettext_lazy("Centre"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, centres: list[Centre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.fields["period"].choices = period_choices(self.today)
        all_label = _("All my centres, side by side") if len(centres) > 1 else _("My centre")
        self.fields["centre"].choices = [("", all_label)] + [(c.pk, c.name) for c in centres]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        code = data["period"] = data.get("period") or THIS_YEAR
        if code == CUSTOM:
            if not data.get("start") or not data.get("end"):
                raise ValidationError(_("Give both dates of a custom period."), code="dates_missing")
        else:
            data["start"], data["end"] = period_dates(code, self.today)
        return data

    def report_request(self, *, rounding: int | None = None) -> ReportRequest:
        """The request this (valid, or unbound: this year) form describes."""
        data = self.cleaned_data if self.is_bound else {"centre": None}
        start, end = (data["start"], data["end"]) if self.is_bound else period_dates(THIS_YEAR, self.today)
        return ReportRequest(
            kind=self.kind, start=start, end=end, centre_id=data.get("centre"), rounding=rounding
        )


class EsfForm(PeriodForm):
    kind = "esf"


class BreakdownForm(PeriodForm):
    """A period and centre, plus a measure and one or two of its dimensions."""

    kind = "breakdown"

    # Not required: a link from another tab carries only the period; then the defaults apply.
    measure = forms.ChoiceField(label=gettext_lazy("Count"), initial=DEFAULT_MEASURE, required=False)
    rows = forms.ChoiceField(label=gettext_lazy("Rows"), initial=DEFAULT_ROWS, required=False)
    cols = forms.ChoiceField(label=gettext_lazy("Columns"), required=False)
    top_n = forms.IntegerField(
        label=gettext_lazy("Largest groups shown"),
        min_value=1,
        max_value=MAX_TOP_N,
        initial=10,
        required=False,
        widget=forms.NumberInput(attrs={"placeholder": "10"}),
        help_text=gettext_lazy("For nationality and other long lists: the rest is counted as “other”."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = list(report.MEASURES.items())
        # Not "centre": centres are compared side by side, one table each. A table of the centres
        # together would publish a network total, and total minus the other centres' figures
        # (published on their own pages) would give a suppressed centre's count away.
        dimensions = [
            (code, label) for code, label in report.DIMENSIONS.items() if code not in HIDDEN_DIMENSIONS
        ]
        self.fields["rows"].choices = dimensions
        self.fields["cols"].choices = [("", _("(none)")), *dimensions]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        measure = data["measure"] = data.get("measure") or DEFAULT_MEASURE
        data["rows"] = data.get("rows") or DEFAULT_ROWS
        if "measure" not in self.errors:
            allowed = set(report.dimensions_for(measure))
            for name in ("rows", "cols"):
                if data.get(name) and data[name] not in allowed:
                    self.add_error(
                        name,
                        ValidationError(
                            _("This count cannot be broken down by %(dimension)s."),
                            code="dimension",
                            params={"dimension": report.DIMENSIONS.get(data[name], data[name])},
                        ),
                    )
        if data.get("rows") and data.get("rows") == data.get("cols"):
            self.add_error("cols", ValidationError(_("Choose two different dimensions."), code="same"))
        return data

    def report_request(self, *, rounding: int | None = None) -> ReportRequest:
        base = super().report_request(rounding=rounding)
        data = self.cleaned_data if self.is_bound else {}
        return ReportRequest(
            kind=self.kind,
            start=base.start,
            end=base.end,
            centre_id=base.centre_id,
            measure=data.get("measure") or DEFAULT_MEASURE,
            rows=data.get("rows") or DEFAULT_ROWS,
            cols=data.get("cols") or "",
            top_n=data.get("top_n") or 10,
            rounding=rounding,
        )


FORMS: dict[str, type[PeriodForm]] = {"headline": PeriodForm, "breakdown": BreakdownForm, "esf": EsfForm}


class ExportForm(forms.Form):
    """How to export the report on the page (the report's own fields travel beside it)."""

    report = forms.ChoiceField(choices=[(k, k) for k in FORMS], widget=forms.HiddenInput)
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[("xlsx", "XLSX (Excel)"), ("csv", "CSV"), ("json", "JSON")],
        initial="xlsx",
    )
    round_to_5 = forms.BooleanField(label=gettext_lazy("Round counts to 5"), required=False)

    @property
    def rounding(self) -> int | None:
        return 5 if self.cleaned_data.get("round_to_5") else None
