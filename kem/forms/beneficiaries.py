"""The registration and edit form: the essentials first, documents, then everything optional.

Every error is a translated message next to its field; the form re-renders with everything typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from kem.choices import (
    LANGUAGES,
    DocumentKind,
    DocumentStatus,
    Education,
    Employment,
    Gender,
    Housing,
    LegalStatus,
    Vulnerability,
)
from kem.forms.widgets import DateInput
from kem.models.beneficiaries import SITUATION_FIELDS
from kem.validators import (
    normalise_phone,
    validate_afm,
    validate_amka,
    validate_date_of_birth,
    validate_expiry_after_issue,
    validate_identity_text,
    validate_name,
    validate_not_future,
)

# Document kinds with only a number, and those with issue and expiry dates.
NUMBER_ONLY = (DocumentKind.AMKA, DocumentKind.AFM, DocumentKind.PAAYPA)
DATED = (DocumentKind.ASYLUM_CARD, DocumentKind.RESIDENCE_PERMIT, DocumentKind.PASSPORT)

ESSENTIAL_FIELDS = (
    "given_name",
    "family_name",
    "given_name_latin",
    "family_name_latin",
    "gender",
    "date_of_birth",
    "birth_year",
    "nationality",
    "phone",
    "languages",
    "needs_interpreter",
    "legal_status",
)
OPTIONAL_FIELDS = ("father_name", "mother_name", "email", "address", *SITUATION_FIELDS, "notes")


# Names and identity text refuse invisible characters (kem/validators.py).
NAME_FIELDS = (
    "given_name",
    "family_name",
    "given_name_latin",
    "family_name_latin",
    "father_name",
    "mother_name",
    "municipality",
)
IDENTITY_TEXT_FIELDS = ("address",)


def _year_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=1900, max_value=2100)


class BeneficiaryForm(forms.Form):
    given_name = forms.CharField(
        label=_("Given name"), max_length=150, help_text=_("As the person writes it, in any script.")
    )
    family_name = forms.CharField(label=_("Family name"), max_length=150)
    given_name_latin = forms.CharField(label=_("Given name (Latin script)"), max_length=150, required=False)
    family_name_latin = forms.CharField(label=_("Family name (Latin script)"), max_length=150, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.NOT_STATED)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    birth_year = _year_field(_("Year of birth (if the date is unknown)"))
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    languages = forms.MultipleChoiceField(label=_("Languages spoken"), choices=LANGUAGES, required=False)
    needs_interpreter = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    legal_status = forms.ChoiceField(
        label=_("Legal status"), choices=[("", "—"), *LegalStatus.choices], required=False
    )

    father_name = forms.CharField(label=_("Father's name"), max_length=150, required=False)
    mother_name = forms.CharField(label=_("Mother's name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    arrival_year = _year_field(_("Year of arrival in Greece"))
    municipality = forms.CharField(label=_("Municipality of residence"), max_length=120, required=False)
    housing = forms.ChoiceField(
        label=_("Housing situation"), choices=Housing.choices, initial=Housing.NOT_STATED
    )
    employment = forms.ChoiceField(
        label=_("Employment status"), choices=Employment.choices, initial=Employment.NOT_STATED
    )
    education = forms.ChoiceField(
        label=_("Education level (ISCED)"), choices=Education.choices, initial=Education.NOT_STATED
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        choices=Vulnerability.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    disability = forms.BooleanField(label=_("Has a disability"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = [("", "—"), *countries]
        # The page, the API and imports all validate through this form: no invisible characters.
        for name in NAME_FIELDS:
            self.fields[name].validators.append(validate_name)
        for name in IDENTITY_TEXT_FIELDS:
            self.fields[name].validators.append(validate_identity_text)
        for kind in NUMBER_ONLY + DATED:
            label = DocumentKind(kind).label
            self.fields[f"{kind}_number"] = forms.CharField(
                label=label, max_length=40, required=False, validators=[validate_identity_text]
            )
        for kind in DATED:
            label = DocumentKind(kind).label
            self.fields[f"{kind}_issued_on"] = forms.DateField(
                label=_("%(document)s: issued on") % {"document": label}, required=False, widget=DateInput()
            )
            self.fields[f"{kind}_expires_on"] = forms.DateField(
                label=_("%(document)s: expires on") % {"document": label},
                required=False,
                widget=DateInput(),
            )

    # --- layout helpers for the template ---------------------------------------------------
    def essential(self) -> list[forms.BoundField]:
        return [self[name] for name in ESSENTIAL_FIELDS]

    def documents_number_only(self) -> list[forms.BoundField]:
        return [self[f"{kind}_number"] for kind in NUMBER_ONLY]

    def documents_dated(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"{kind}_number"], self[f"{kind}_issued_on"], self[f"{kind}_expires_on"]) for kind in DATED
        ]

    def optional(self) -> list[forms.BoundField]:
        return [self[name] for name in OPTIONAL_FIELDS]

    # --- validation ------------------------------------------------------------------------
    def clean_date_of_birth(self) -> dt.date | None:
        value = self.cleaned_data.get("date_of_birth")
        validate_date_of_birth(value)
        return value

    def clean_birth_year(self) -> int | None:
        return _not_future_year(self.cleaned_data.get("birth_year"))

    def clean_arrival_year(self) -> int | None:
        return _not_future_year(self.cleaned_data.get("arrival_year"))

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "").strip()
        return normalise_phone(value) if value else ""

    def clean_afm_number(self) -> str:
        value = self.cleaned_data.get("afm_number", "").strip()
        return validate_afm(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        amka = (data.get("amka_number") or "").strip()
        if amka:
            try:
                data["amka_number"] = validate_amka(amka, date_of_birth=data.get("date_of_birth"))
            except ValidationError as exc:
                self.add_error("amka_number", exc)
        for kind in DATED:
            self._clean_dated_document(kind, data)
        return data

    def _clean_dated_document(self, kind: str, data: dict[str, Any]) -> None:
        issued, expires = data.get(f"{kind}_issued_on"), data.get(f"{kind}_expires_on")
        if issued:
            try:
                validate_not_future(issued)
            except ValidationError as exc:
                self.add_error(f"{kind}_issued_on", exc)
        try:
            validate_expiry_after_issue(issued_on=issued, expires_on=expires)
        except ValidationError as exc:
            self.add_error(f"{kind}_expires_on", exc)
        if (issued or expires) and not (data.get(f"{kind}_number") or "").strip():
            self.add_error(
                f"{kind}_number",
                ValidationError(_("Give the document's number too."), code="document_number_required"),
            )

    # --- to and from the service -----------------------------------------------------------
    def service_data(self) -> dict[str, Any]:
        """The cleaned values in the shape ``beneficiary_register`` and ``beneficiary_update`` take."""
        data = {name: self.cleaned_data[name] for name in ESSENTIAL_FIELDS + OPTIONAL_FIELDS}
        data["documents"] = self._documents()
        return data

    def _documents(self) -> list[dict[str, Any]]:
        documents = []
        today = timezone.localdate()
        for kind in NUMBER_ONLY + DATED:
            number = (self.cleaned_data.get(f"{kind}_number") or "").strip()
            if not number:
                continue
            doc: dict[str, Any] = {"kind": kind, "number": number, "status": DocumentStatus.VALID}
            if kind in DATED:
                issued, expires = (
                    self.cleaned_data.get(f"{kind}_issued_on"),
                    self.cleaned_data.get(f"{kind}_expires_on"),
                )
                doc["issued_on"] = issued.isoformat() if issued else None
                doc["expires_on"] = expires.isoformat() if expires else None
                if expires and expires < today:
                    doc["status"] = DocumentStatus.EXPIRED
            documents.append(doc)
        return documents

    @classmethod
    def initial_from(cls, beneficiary: Any) -> dict[str, Any]:
        """Initial values for editing an existing person (opens their sealed fields)."""
        initial = {name: getattr(beneficiary, name) for name in ESSENTIAL_FIELDS + OPTIONAL_FIELDS}
        initial["nationality"] = str(beneficiary.nationality or "")
        for doc in beneficiary.documents or []:
            kind = doc.get("kind")
            if kind in NUMBER_ONLY + DATED:
                initial[f"{kind}_number"] = doc.get("number", "")
                initial[f"{kind}_issued_on"] = doc.get("issued_on")
                initial[f"{kind}_expires_on"] = doc.get("expires_on")
        return initial


def _not_future_year(value: int | None) -> int | None:
    if value and value > timezone.localdate().year:
        raise ValidationError(_("This year is in the future."), code="year_in_future")
    return value
