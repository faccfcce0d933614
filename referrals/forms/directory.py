"""Forms of the partner directory: the search and filters, an organisation, a service.

The services validate again (and decide); these keep what was typed and put errors by the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kem.choices import LANGUAGES
from kem.validators import validate_name
from partners.models import Organisation, OrganisationType, PartnerService, ServiceCategory, WorkingArea
from referrals.selectors.directory import DirectoryFilters
from referrals.services.directory import ORGANISATION_FIELDS


def _any(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        help_text=_("A partner's or a service's name, in Greek or English."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    area = forms.ChoiceField(
        label=_("Working area"), choices=_any(_("Any area")) + WorkingArea.choices, required=False
    )
    category = forms.ChoiceField(
        label=_("Service"), choices=_any(_("Any service")) + ServiceCategory.choices, required=False
    )
    type = forms.ChoiceField(
        label=_("Type"), choices=_any(_("Any type")) + OrganisationType.choices, required=False
    )
    language = forms.ChoiceField(
        label=_("Language spoken"), choices=_any(_("Any language")) + LANGUAGES, required=False
    )
    inactive = forms.BooleanField(label=_("Include inactive partners"), required=False)

    def filters(self) -> DirectoryFilters:
        """The filters typed, or none when the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return DirectoryFilters()
        data = self.cleaned_data
        return DirectoryFilters(
            query=data["q"].strip(),
            area=data["area"],
            category=data["category"],
            type=data["type"],
            language=data["language"],
            include_inactive=data["inactive"],
        )


class OrganisationForm(forms.Form):
    name_el = forms.CharField(label=_("Name (Greek)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    type = forms.ChoiceField(label=_("Type"), choices=OrganisationType.choices)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    area_served = forms.CharField(
        label=_("Area served"),
        max_length=200,
        required=False,
        help_text=_("For example: Attica, the municipality's residents, nationwide."),
    )
    contact_name = forms.CharField(
        label=_("Contact person"),
        max_length=150,
        required=False,
        help_text=_("A role is enough, such as “intake desk”."),
        validators=[validate_name],
    )
    email = forms.EmailField(
        label=_("Contact e-mail"),
        required=False,
        help_text=_("Referrals are sent to this address, with the link the partner answers through."),
    )
    phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, help_text=_("Offered for new referrals.")
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["active"]

    @staticmethod
    def initial_from(organisation: Organisation) -> dict[str, Any]:
        names = [*ORGANISATION_FIELDS, "languages", "active"]
        return {name: getattr(organisation, name) for name in names}


class PartnerServiceForm(forms.Form):
    name_el = forms.CharField(label=_("Name (Greek)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=ServiceCategory.choices,
        help_text=_("The working area follows from the category."),
    )
    active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, help_text=_("Offered for new referrals.")
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["active"]

    @staticmethod
    def initial_from(service: PartnerService) -> dict[str, Any]:
        return {
            "name_el": service.name_el,
            "name_en": service.name_en,
            "category": service.category,
            "active": service.active,
        }
