"""Forms for consent, households and merges. The services validate again; these keep what was typed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kem.forms.widgets import DateInput
from kem.models import ConsentMethod, ConsentPurpose, Relationship
from partners.models import Organisation


class _OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    organisation = _OrganisationChoice(
        label=_("Partner organisation (directory)"),
        queryset=None,
        required=False,
        empty_label=_("Not in the directory"),
        help_text=_(
            "For a referral consent: the directory's organisation the person agreed to be referred to."
        ),
    )
    partner = forms.CharField(
        label=_("Partner organisation (other)"),
        max_length=200,
        required=False,
        help_text=_("For a referral consent to a partner not in the directory: its name."),
    )
    given_on = forms.DateField(label=_("Given on"), initial=timezone.localdate, widget=DateInput())
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DateInput())
    method = forms.ChoiceField(label=_("How it was given"), choices=ConsentMethod.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Ordered by name in the language of the request, so set here rather than at import.
        self.fields["organisation"].queryset = Organisation.objects.active_by_name()


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), initial=timezone.localdate, widget=DateInput())


class PersonSearchForm(forms.Form):
    """Search text for picking a person; it travels in the POST body only."""

    query = forms.CharField(
        label=_("Find the person"),
        min_length=2,
        max_length=100,
        help_text=_("A name in any script, a phone number or an ID number."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )


class HouseholdLinkForm(forms.Form):
    member = forms.UUIDField(
        label=_("Person"),
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose a person from the search results.")},
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to the head of household"),
        choices=[c for c in Relationship.choices if c[0] != Relationship.HEAD],
    )


class MergeForm(forms.Form):
    duplicate = forms.UUIDField(
        widget=forms.HiddenInput, error_messages={"required": _("Choose the duplicate record first.")}
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
