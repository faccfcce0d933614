"""Forms of the spreadsheet import, and the translation of a sheet's cells into what
``BeneficiaryForm`` takes, so that every imported row meets the registration page's rules.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from kem.choices import LANGUAGES, Education, Employment, Gender, Housing, LegalStatus, Vulnerability
from kem.forms.beneficiaries import BeneficiaryForm
from kem.models import ImportMode
from kem.sheets import FileFormat, check_size, check_workbook, sniff_format
from kem.vault.normalise import fold

IGNORE = ""
# Parameters of a validation message that never hold a cell's value; any other is blanked.
SAFE_PARAMS = frozenset({"limit_value", "show_value", "max", "min", "max_digits", "max_decimal_places"})
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y")
YES = frozenset({"yes", "y", "true", "1", "x", "ναι", "ν"})
NO = frozenset({"no", "n", "false", "0", "όχι", "οχι", "ο", "-"})
GENDER_ALIASES = {
    "f": Gender.FEMALE,
    "w": Gender.FEMALE,
    "g": Gender.FEMALE,  # Γ(υναίκα)
    "th": Gender.FEMALE,  # Θ(ήλυ)
    "thily": Gender.FEMALE,
    "m": Gender.MALE,
    "a": Gender.MALE,  # Α(νδρας)
    "arren": Gender.MALE,
}


class CellError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code, self.message = code, message


# --- the forms ----------------------------------------------------------------------------------
class ImportUploadForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=None, empty_label=None)
    file = forms.FileField(
        label=_("Spreadsheet"), help_text=_("An Excel file (.xlsx) or a CSV file (UTF-8, “,” or “;”).")
    )

    def __init__(self, *args: Any, centres: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres
        self.only_centre = centres[0] if len(centres) == 1 else None
        if self.only_centre is not None:
            del self.fields["centre"]

    def chosen_centre(self) -> Any:
        return self.only_centre or self.cleaned_data["centre"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        check_size(upload.size)  # before a byte of it is read
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        head = upload.read(4096)
        upload.seek(0)
        found = sniff_format(head)
        if extension not in ("xlsx", "csv") or found != extension:
            raise ValidationError(
                _t("Upload an Excel workbook (.xlsx) or a CSV file in UTF-8."), code="file_format"
            )
        if found == FileFormat.XLSX:
            # The zip's directory only (sizes, ratio, declared dimensions): a bomb is refused here,
            # in milliseconds; the sheet itself is read by the worker.
            try:
                check_workbook(upload.file)
            finally:
                upload.seek(0)
        upload.file_format = found
        return upload


def importable_fields() -> list[tuple[str, str]]:
    """(field name, label) of every field of the registration form, in its order."""
    form = BeneficiaryForm()
    return [(name, str(field.label)) for name, field in form.fields.items()]


class ImportMappingForm(forms.Form):
    """One select per column: the field it fills, or nothing."""

    def __init__(self, *args: Any, headers: list[str], initial_mapping: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.headers = headers
        choices = [(IGNORE, _("— ignore this column —")), *importable_fields()]
        for position, header in enumerate(headers):
            self.fields[f"col_{position}"] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=initial_mapping.get(header, IGNORE)
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        used: dict[str, str] = {}
        for position, header in enumerate(self.headers):
            field = data.get(f"col_{position}") or IGNORE
            if field == IGNORE:
                continue
            if field in used:
                self.add_error(
                    f"col_{position}",
                    ValidationError(
                        _t("This field is already filled from the column “%(column)s”."),
                        code="field_mapped_twice",
                        params={"column": used[field]},
                    ),
                )
            used[field] = header
        missing = [name for name in ("given_name", "family_name") if name not in used]
        if missing:
            labels = dict(importable_fields())
            raise ValidationError(
                _t("Choose the columns of the given name and of the family name (missing: %(fields)s)."),
                code="required_fields_unmapped",
                params={"fields": ", ".join(labels[name] for name in missing)},
            )
        return data

    def mapping(self) -> dict[str, str]:
        return {
            header: self.cleaned_data[f"col_{position}"]
            for position, header in enumerate(self.headers)
            if self.cleaned_data.get(f"col_{position}")
        }


class ImportRunForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("What to import"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """A first mapping for headers never seen before: a header named like a field (in Greek or English)."""
    names: dict[str, str] = {}
    for language in ("en", "el"):
        with translation.override(language):
            for name, label in importable_fields():
                names.setdefault(fold(label), name)
                names.setdefault(fold(name.replace("_", " ")), name)
    guessed: dict[str, str] = {}
    for header in headers:
        field = names.get(fold(header))
        if field and field not in guessed.values():
            guessed[header] = field
    return guessed


# --- cells to form data ------------------------------------------------------------------------
class RowValidator:
    """Turns a sheet row into a bound ``BeneficiaryForm``, with errors named by column.

    The form's fields are built once and shared by every row's form: building them (with the
    translated names of every country) costs more than validating a row, and validating does
    not change them. Every rule of the registration page still applies, unchanged.
    """

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping
        self.column_of = {field: header for header, field in mapping.items()}
        self._prototype = BeneficiaryForm()
        self._defaults = {
            name: field.initial
            for name, field in self._prototype.fields.items()
            if field.initial not in (None, "") and name not in self.column_of
        }
        self._converters = _converters()

    def form(self, data: dict[str, Any]) -> BeneficiaryForm:
        form = copy.copy(self._prototype)
        form.data, form.files, form.is_bound = data, {}, True
        form._errors = None
        form._bound_fields_cache = {}
        for attribute in ("cleaned_data", "changed_data"):
            form.__dict__.pop(attribute, None)
        return form

    def validate(self, headers: list[str], cells: list[Any]) -> tuple[BeneficiaryForm, list[dict[str, str]]]:
        """The bound form of a row and its errors: [{"column", "field", "code", "message"}]."""
        data: dict[str, Any] = dict(self._defaults)
        errors: list[dict[str, str]] = []
        for position, header in enumerate(headers):
            field = self.mapping.get(header)
            value = cells[position] if position < len(cells) else None
            if not field or value is None or (isinstance(value, str) and not value.strip()):
                continue
            try:
                data[field] = self._converters.get(field, _to_text)(value)
            except CellError as exc:
                errors.append({"column": header, "field": field, "code": exc.code, "message": exc.message})
        for field in {e["field"] for e in errors}:
            data.pop(field, None)
        for field, form_field in self._prototype.fields.items():
            # An empty cell of a field with a default (gender, housing...) means "not stated".
            if field not in data and field in self.column_of and form_field.initial not in (None, ""):
                data[field] = form_field.initial
        form = self.form(data)
        if not form.is_valid():
            reported = {e["field"] for e in errors}
            for field, field_errors in form.errors.as_data().items():
                if field in reported:
                    continue
                errors += [self.error(field, error) for error in field_errors]
        return form, errors

    def error(self, field: str, error: ValidationError) -> dict[str, str]:
        column = self.column_of.get(field, "") if field != "__all__" else ""
        return {
            "column": column,
            "field": field,
            "code": error.code or "invalid",
            "message": safe_message(error),
        }


def safe_message(error: ValidationError) -> str:
    """The error's message with every parameter that could repeat a cell's value blanked out."""
    message = error.message
    if error.params:
        message = message % {k: (v if k in SAFE_PARAMS else "…") for k, v in error.params.items()}
    return str(message)


def _converters() -> dict[str, Callable[[Any], Any]]:
    converters: dict[str, Callable[[Any], Any]] = {
        "date_of_birth": _to_date,
        "birth_year": _to_year,
        "arrival_year": _to_year,
        "amka_number": _id_number(11),
        "afm_number": _id_number(9),
        "nationality": _country_converter(),
        "languages": _codes_converter(LANGUAGES, "unknown_language", _t("Unknown language code.")),
        "vulnerabilities": _codes_converter(
            Vulnerability.choices, "unknown_vulnerability", _t("Unknown vulnerability.")
        ),
        "needs_interpreter": _to_bool,
        "disability": _to_bool,
        "gender": _choice_converter(Gender.choices, GENDER_ALIASES),
        "legal_status": _choice_converter(LegalStatus.choices),
        "housing": _choice_converter(Housing.choices),
        "employment": _choice_converter(Employment.choices),
        "education": _choice_converter(Education.choices),
    }
    for kind in ("asylum_card", "residence_permit", "passport"):
        converters[f"{kind}_issued_on"] = _to_date
        converters[f"{kind}_expires_on"] = _to_date
    return converters


def _to_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return str(value).strip()


def _id_number(digits: int) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        # A spreadsheet that stored the number as a number lost its leading zeros.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _to_text(value).zfill(digits)
        return _to_text(value)

    return convert


def _to_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for pattern in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError("invalid_date", _t("Enter a date as DD/MM/YYYY."))


def _to_year(value: Any) -> int:
    if isinstance(value, dt.date):
        return value.year
    text = _to_text(value)
    if not text.isdigit():
        raise CellError("invalid_year", _t("Enter a year, e.g. 1990."))
    return int(text)


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = _plain(_to_text(value))
    if word in YES:
        return True
    if word in NO:
        return False
    raise CellError("invalid_yes_no", _t("Write yes or no (ναι or όχι)."))


def _plain(text: str) -> str:
    """Lower case without accents, in its own script ("ΌΧΙ" -> "οχι")."""
    decomposed = unicodedata.normalize("NFD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _labels(choices: list[tuple[str, Any]]) -> dict[str, str]:
    """folded code and label (English and Greek) -> code."""
    found: dict[str, str] = {}
    for language in ("en", "el"):
        with translation.override(language):
            for code, label in choices:
                found.setdefault(fold(str(label)), code)
    found.update({fold(code.replace("_", " ")): code for code, _label in choices})
    found.update({code.lower(): code for code, _label in choices})
    return found


def _choice_converter(choices: list[tuple[str, Any]], aliases: dict[str, str] | None = None) -> Callable:
    known = {**(aliases or {}), **_labels(choices)}

    def convert(value: Any) -> str:
        text = _to_text(value)
        code = known.get(text.lower()) or known.get(fold(text))
        if code is None:
            raise CellError("invalid_choice", _t("Not one of the choices of this field."))
        return code

    return convert


def _codes_converter(choices: list[tuple[str, Any]], code: str, message: str) -> Callable:
    known = _labels(choices)

    def convert(value: Any) -> list[str]:
        found = []
        for part in re.split(r"[,;/|]", _to_text(value)):
            if not part.strip():
                continue
            value_code = known.get(part.strip().lower()) or known.get(fold(part))
            if value_code is None:
                raise CellError(code, message)
            found.append(value_code)
        return list(dict.fromkeys(found))

    return convert


def _country_converter() -> Callable[[Any], str]:
    known: dict[str, str] = {}
    for language in ("en", "el"):
        with translation.override(language):
            for code, name in countries:
                known.setdefault(fold(str(name)), code)
    for code, _name in countries:
        known[code.lower()] = code
        known[countries.alpha3(code).lower()] = code

    def convert(value: Any) -> str:
        text = _to_text(value)
        code = known.get(text.lower()) or known.get(fold(text))
        if code is None:
            raise CellError("unknown_country", _t("Unknown country: give an ISO code or the name."))
        return code

    return convert
