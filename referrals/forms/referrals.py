"""Forms for outgoing referrals: drafting, sending, the partner's answer and outcome by phone,
and the list's filters.

The services validate again (and decide); these keep what was typed and put errors by the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kem.forms.widgets import DateInput
from kem.models import Centre
from partners.models import Organisation, PartnerService, WorkingArea
from referrals.models import ReferralStatus, Urgency
from referrals.selectors.referrals import ReferralFilters, contact_people, service_choices

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def grouped_service_choices(query: str = "") -> list[tuple[str, Any]]:
    """The select's options: services grouped by working area, labelled "partner · service"."""
    return [
        (area, [(str(s.pk), f"{s.organisation.name} · {s.name}") for s in services])
        for area, services in service_choices(query=query)
    ]


class ReferralForm(forms.Form):
    service = forms.ChoiceField(
        label=_("Partner and service"),
        help_text=_("Grouped by working area. Type in the search box above to narrow the list."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Sealed: only staff who refer people at your centre read it; the partner does not see it."
        ),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE)
    follow_up_on = forms.DateField(
        label=_("Follow up on"),
        required=False,
        widget=DateInput(),
        help_text=_("If the partner has not answered by then, the referral is marked overdue."),
    )
    contact_person = forms.ModelChoiceField(
        label=_("Contact person at the centre"),
        queryset=None,
        help_text=_("Who the partner calls back."),
    )

    def __init__(self, *args: Any, centre: Centre, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "---------"), *grouped_service_choices()]
        self.fields["contact_person"].queryset = contact_people(centre=centre)
        self.fields["contact_person"].label_from_instance = lambda u: u.get_full_name() or u.get_username()

    def clean_service(self) -> PartnerService:
        service = PartnerService.objects.select_related("organisation").filter(
            pk=self.cleaned_data["service"]
        )
        if not service:
            raise ValidationError(_("Choose a service from the list."), code="unknown_service")
        return service[0]

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class SendForm(forms.Form):
    """Only the manager's page shows the override reason; others cannot send without consent."""

    override_reason = forms.CharField(
        label=_("Why send it without the person's consent"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sealed and logged. Only when the person cannot consent and the referral cannot wait."),
    )

    def __init__(self, *args: Any, may_override: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_override:
            del self.fields["override_reason"]


class AnswerForm(forms.Form):
    accepted = forms.ChoiceField(
        label=_("Did the partner accept the referral?"), choices=YES_NO, widget=forms.RadioSelect
    )
    decline_reason = forms.CharField(
        label=_("Why the partner declined"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the partner declined. Sealed."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("accepted") == "no" and not (data.get("decline_reason") or "").strip():
            self.add_error("decline_reason", _("Write why the partner declined."))
        return data


class OutcomeForm(forms.Form):
    successful = forms.ChoiceField(label=_("Was it successful?"), choices=YES_NO, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("How it went"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("As the partner told it. Sealed."),
    )


class ReferralFilterForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Centre.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *ReferralStatus.choices], required=False
    )
    area = forms.ChoiceField(
        label=_("Working area"), choices=[("", _("Any")), *WorkingArea.choices], required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("Partner"), queryset=Organisation.objects.none(), required=False, empty_label=_("Any")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, centres: QuerySet[Centre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by("name_el")
        if len(centres) > 1:
            self.fields["centre"].queryset = centres
            self.fields["centre"].empty_label = _("All my centres")
        else:
            del self.fields["centre"]

    def filters(self) -> ReferralFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return ReferralFilters(
            centre=data.get("centre"),
            status=data.get("status", ""),
            area=data.get("area", ""),
            organisation=data.get("organisation"),
            overdue=bool(data.get("overdue")),
        )
