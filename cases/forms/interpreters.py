"""Forms for languages, the interpreter pool and interpreter requests.

The services validate again (and decide); these keep what was typed and put errors by the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cases.models import (
    GenderPreference,
    Interpreter,
    InterpreterGender,
    InterpretingMode,
    Language,
    RequestStatus,
)
from cases.selectors.interpreters import RequestFilters, language_order
from cases.services.interpreters import MAX_DURATION, MIN_DURATION, iso639_check
from kem.forms.widgets import DateInput
from kem.models import Centre
from kem.validators import validate_name

# --- languages ---------------------------------------------------------------------------------


class LanguageForm(forms.Form):
    code = forms.CharField(
        label=_("ISO 639 code"),
        max_length=8,
        help_text=_("Two or three lowercase letters: “ar”, “fa”, “prs”, “kmr”."),
        widget=forms.TextInput(attrs={"list": "iso639-codes", "autocomplete": "off"}),
    )
    dialect = forms.CharField(
        label=_("Dialect"),
        max_length=60,
        required=False,
        help_text=_("Only where interpreters differ, such as Levantine or Iraqi Arabic."),
    )
    name_el = forms.CharField(label=_("Name (Greek)"), max_length=100)
    name_en = forms.CharField(label=_("Name (English)"), max_length=100)
    active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, help_text=_("Offered for new requests.")
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["active"]

    def clean_code(self) -> str:
        try:
            return iso639_check(self.cleaned_data["code"])
        except ValidationError as invalid:
            raise ValidationError(invalid.error_dict["code"]) from None

    @staticmethod
    def initial_from(language: Language) -> dict[str, Any]:
        return {
            "code": language.code,
            "dialect": language.dialect,
            "name_el": language.name_el,
            "name_en": language.name_en,
            "active": language.active,
        }


# --- the interpreter pool ----------------------------------------------------------------------


class InterpreterForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Centre.objects.none())
    name = forms.CharField(label=_("Name"), max_length=150, validators=[validate_name])
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", _("Not stated")), *InterpreterGender.choices], required=False
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        help_text=_("The mediator pool or partner they come from, if any."),
    )
    languages = forms.ModelMultipleChoiceField(
        label=_("Languages"), queryset=Language.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    modes = forms.MultipleChoiceField(
        label=_("Works"), choices=InterpretingMode.choices, widget=forms.CheckboxSelectMultiple
    )
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("Reminders of bookings go to this address.")
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    availability = forms.CharField(
        label=_("Availability"),
        max_length=200,
        required=False,
        help_text=_("For example: weekday mornings, not on Fridays."),
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(
        self, *args: Any, centres: QuerySet[Centre], interpreter: Interpreter | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if interpreter is None:
            del self.fields["active"]
            self.fields["centre"].queryset = centres
            if len(centres) == 1:
                self.fields["centre"].initial = centres[0].pk
                self.fields["centre"].widget = forms.HiddenInput()
        else:
            # An interpreter stays in their centre's pool.
            del self.fields["centre"]
        held = Q(pk__in=interpreter.languages.values("pk")) if interpreter is not None else Q()
        self.fields["languages"].queryset = Language.objects.filter(Q(active=True) | held).order_by(
            *language_order()
        )

    @staticmethod
    def initial_from(interpreter: Interpreter) -> dict[str, Any]:
        return {
            "name": interpreter.name,
            "gender": interpreter.gender,
            "organisation": interpreter.organisation,
            "languages": list(interpreter.languages.all()),
            "modes": interpreter.modes,
            "email": interpreter.email,
            "phone": interpreter.phone,
            "availability": interpreter.availability,
            "active": interpreter.active,
        }

    def service_data(self) -> dict[str, Any]:
        """The cleaned fields as the services take them (without the centre)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "centre"}


# --- requests ----------------------------------------------------------------------------------


class InterpreterRequestForm(forms.Form):
    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.none())
    mode = forms.ChoiceField(
        label=_("Mode"), choices=InterpretingMode.choices, initial=InterpretingMode.ON_SITE
    )
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=MIN_DURATION, max_value=MAX_DURATION, initial=60
    )
    gender_preference = forms.ChoiceField(
        label=_("Interpreter's gender"),
        choices=GenderPreference.choices,
        initial=GenderPreference.ANY,
        widget=forms.RadioSelect,
    )
    gender_reason = forms.CharField(
        label=_("Why this gender"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept sealed; shown only to the front desk, counsellors and manager of the centre."),
    )
    notes = forms.CharField(
        label=_("Notes for the booking"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept sealed. Never sent to the interpreter by e-mail."),
    )
    session = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].queryset = Language.objects.filter(active=True).order_by(*language_order())

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "session"}


class BookForm(forms.Form):
    interpreter = forms.ModelChoiceField(
        label=_("Interpreter"),
        queryset=Interpreter.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an interpreter.")},
    )

    def __init__(self, *args: Any, centre_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any interpreter of the pool: the service says why one of them cannot take the request.
        self.fields["interpreter"].queryset = Interpreter.objects.filter(centre_id=centre_id)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=200,
        error_messages={"required": _("Say why the request is cancelled.")},
        help_text=_(
            "For example: the person cancelled the appointment. Do not write sensitive details here."
        ),
    )


class RequestFilterForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Centre.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *RequestStatus.choices], required=False
    )
    language = forms.ModelChoiceField(
        label=_("Language"), queryset=Language.objects.none(), required=False, empty_label=_("Any")
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, centres: QuerySet[Centre], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].queryset = Language.objects.order_by("-active", *language_order())
        if len(centres) > 1:
            self.fields["centre"].queryset = centres
            self.fields["centre"].empty_label = _("All my centres")
        else:
            del self.fields["centre"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end comes before the start."))
        return data

    def filters(self) -> RequestFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return RequestFilters(
            centre=data.get("centre"),
            status=data.get("status", ""),
            language=data.get("language"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
