"""Forms of incoming referrals: recording or updating one, and the list's filters.

The services validate again (and decide); these keep what was typed and put errors by the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kem.forms.widgets import DateInput
from kem.models import Centre
from partners.models import Organisation, WorkingArea, name_order
from referrals.models import IncomingReferral, IncomingStatus
from referrals.selectors.incoming import IncomingFilters


class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


def _organisations(current: Organisation | None = None) -> QuerySet[Organisation]:
    """Active organisations, plus the one already chosen (it may since have been deactivated)."""
    held = Q(pk=current.pk) if current is not None else Q()
    return Organisation.objects.filter(Q(active=True) | held).order_by(name_order(), "pk")


class IncomingReferralForm(forms.Form):
    organisation = OrganisationChoiceField(
        label=_("Referring organisation"),
        queryset=Organisation.objects.none(),
        help_text=_("Not in the directory? Ask a manager to add it."),
    )
    area = forms.ChoiceField(label=_("What for"), choices=WorkingArea.choices)
    received_on = forms.DateField(label=_("Received on"), initial=timezone.localdate, widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sealed: only those who serve the person at your centre read them."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=IncomingStatus.choices)

    def __init__(self, *args: Any, incoming: IncomingReferral | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = _organisations(incoming.organisation if incoming else None)
        if incoming is None:
            del self.fields["status"]

    @staticmethod
    def initial_from(incoming: IncomingReferral) -> dict[str, Any]:
        return {
            "organisation": incoming.organisation_id,
            "area": incoming.area,
            "received_on": incoming.received_on,
            "notes": incoming.notes,
            "status": incoming.status,
        }


class IncomingFilterForm(forms.Form):
    centre = forms.ModelChoiceField(
        label=_("Centre"), queryset=Centre.objects.none(), required=False, empty_label=_("All my centres")
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *IncomingStatus.choices], required=False
    )
    area = forms.ChoiceField(
        label=_("What for"), choices=[("", _("Any area")), *WorkingArea.choices], required=False
    )
    organisation = OrganisationChoiceField(
        label=_("Referring organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Any organisation"),
    )
    date_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Received until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, centres: QuerySet[Centre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by(name_order(), "pk")
        if len(centres) > 1:
            self.fields["centre"].queryset = centres
        else:
            del self.fields["centre"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period is before its start."))
        return data

    def filters(self) -> IncomingFilters:
        """The filters typed, or none when the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return IncomingFilters()
        data = self.cleaned_data
        return IncomingFilters(
            centre=data.get("centre"),
            status=data["status"],
            area=data["area"],
            organisation=data["organisation"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
