"""Names and identity text refuse invisible characters; dates of birth are plausible. The same rule
on the registration page, in the API and in imports (all three validate through BeneficiaryForm),
and on the other names the product keeps (staff, interpreters, partners' contacts)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from bench.imports.sheets import HEADERS, MAPPING, person_row
from cases.forms.interpreters import InterpreterForm
from kem.forms.beneficiaries import BeneficiaryForm
from kem.forms.imports import RowValidator
from kem.forms.staff import MembershipGrantForm
from kem.models import Beneficiary, Centre
from kem.validators import validate_date_of_birth, validate_identity_text, validate_name
from referrals.forms.directory import OrganisationForm

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
ZWSP = "\u200b"  # ZERO WIDTH SPACE
ZWNJ = "\u200c"  # ZERO WIDTH NON-JOINER
ZWJ = "\u200d"  # ZERO WIDTH JOINER

REFUSED = [
    ("Maria" + RLO + "anirak", "U+202E"),
    ("Ma" + ZWSP + "ria", "U+200B"),
    ("Μαρία\u2066", "U+2066"),  # LEFT-TO-RIGHT ISOLATE
    ("\u200fAli", "U+200F"),  # RIGHT-TO-LEFT MARK
    ("\u061cعلي", "U+061C"),  # ARABIC LETTER MARK
    ("Mari\u00ada", "U+00AD"),  # SOFT HYPHEN
    ("\ufeffMaria", "U+FEFF"),  # BYTE ORDER MARK
    ("Maria\x00", "U+0000"),
    ("Maria\nPapadopoulou", "U+000A"),
    ("Maria\tP", "U+0009"),
    ("Maria\x1b[31m", "U+001B"),
    ("Maria\u2028", "U+2028"),  # LINE SEPARATOR
    ("Maria\ue000", "U+E000"),  # private use
    ("Ma" + ZWNJ + "ria", "U+200C"),  # a joiner between Latin letters changes nothing visible
    ("Μα" + ZWJ + "ρία", "U+200D"),
    ("نیک" + ZWNJ + ZWNJ + "نام", "U+200C"),  # doubled
    (ZWNJ + "نیک", "U+200C"),  # at the start
    ("نیک" + ZWNJ, "U+200C"),  # at the end
]

ACCEPTED = [
    "Μαρία-Ελένη Παπαδοπούλου",
    "Ντ'Αλεσάντρο",
    "Anaïs Lefèvre",
    "Mohammed Ali",
    "محمد علي",
    "Сергей Иванов",
    "نیک" + ZWNJ + "نام",  # Persian: the ZWNJ is part of the spelling
    "می" + ZWNJ + "خواهم",
    "क्" + ZWJ + "ष",  # Devanagari conjunct with a joiner
    "José María O'Neil",
    "Nguyễn Thị Minh Khai",
    "李小龍",
]


@pytest.mark.parametrize(("value", "code"), REFUSED)
def test_names_with_invisible_characters_are_refused_naming_the_character(value, code):
    with pytest.raises(ValidationError) as refused:
        validate_name(value)

    error = refused.value.error_list[0]
    assert error.code == "name_invisible_character"
    assert error.params["character"].startswith(code)
    assert error.params["position"] == value.index(chr(int(code[2:], 16))) + 1


@pytest.mark.parametrize("value", ACCEPTED)
def test_names_in_every_script_are_accepted(value):
    validate_name(value)


def test_identity_text_allows_line_breaks_but_nothing_else_invisible():
    validate_identity_text("Οδός Πατησίων 12\r\nΑθήνα 104 34\tΓ' όροφος")

    with pytest.raises(ValidationError) as refused:
        validate_identity_text("Οδός Πατησίων 12" + RLO)
    assert refused.value.error_list[0].code == "text_invisible_character"


@pytest.mark.parametrize(
    ("born", "code"),
    [
        (dt.date(1850, 3, 1), "date_of_birth_implausible"),
        (dt.date(1899, 12, 31), "date_of_birth_implausible"),
    ],
)
def test_a_date_of_birth_before_1900_is_refused(born, code):
    with pytest.raises(ValidationError) as refused:
        validate_date_of_birth(born)

    assert refused.value.error_list[0].code == code


def test_a_date_of_birth_in_the_future_is_refused_and_1900_is_accepted():
    with pytest.raises(ValidationError) as refused:
        validate_date_of_birth(dt.date.today() + dt.timedelta(days=2))
    assert refused.value.error_list[0].code == "date_in_future"

    validate_date_of_birth(dt.date(1900, 1, 1))
    validate_date_of_birth(None)


# --- where the rule applies -------------------------------------------------------------------


def form_data(**fields) -> dict:
    data = {
        "given_name": "Μαρία",
        "family_name": "Παπαδοπούλου",
        "gender": "female",
        "housing": "not_stated",
        "employment": "not_stated",
        "education": "not_stated",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize(
    "field",
    [
        "given_name",
        "family_name",
        "given_name_latin",
        "family_name_latin",
        "father_name",
        "mother_name",
        "municipality",
        "address",
        "passport_number",
    ],
)
def test_the_beneficiary_form_refuses_invisible_characters_in_every_identity_field(field):
    form = BeneficiaryForm(form_data(**{field: "Maria" + RLO + "X"}))

    assert not form.is_valid()
    assert form.errors.as_data()[field][0].code in ("name_invisible_character", "text_invisible_character")


@pytest.mark.django_db
def test_the_registration_page_refuses_a_bidi_override_with_a_clear_message(client, officer):
    client.force_login(officer)
    client.cookies["django_language"] = "en"

    response = client.post(reverse("beneficiary-register"), form_data(family_name="Παπα" + RLO + "δοπούλου"))

    assert response.status_code in (200, 400)
    assert "invisible or control characters" in response.content.decode()
    assert not Beneficiary.objects.exists()


@pytest.mark.django_db
def test_the_registration_page_refuses_a_date_of_birth_of_1850(client, officer):
    client.force_login(officer)
    client.cookies["django_language"] = "en"

    response = client.post(reverse("beneficiary-register"), form_data(date_of_birth="1850-05-01"))

    assert "is not plausible" in response.content.decode()
    assert not Beneficiary.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_zero_width_space_naming_the_field(officer):
    api = APIClient()
    api.force_authenticate(officer)

    response = api.post(
        reverse("api:beneficiary-list"),
        {"given_name": "Ma" + ZWSP + "ria", "family_name": "Β", "date_of_birth": "1850-01-01"},
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert "given_name" in str(body) and "date_of_birth" in str(body)
    assert not Beneficiary.objects.exists()


def test_an_import_row_with_a_bidi_override_is_a_cell_error():
    row = person_row(3)
    row[0] = "Μαρία" + RLO

    _form, errors = RowValidator(MAPPING).validate(HEADERS, row)

    assert [(e["column"], e["code"]) for e in errors] == [("Όνομα", "name_invisible_character")]


@pytest.mark.django_db
def test_staff_interpreter_and_partner_contact_names_refuse_them_too(athens):
    staff = MembershipGrantForm(
        {"username": "new.person", "role": "front_desk", "first_name": "Ann" + ZWSP + "a"}
    )
    interpreter = InterpreterForm({"name": "Ali" + RLO}, centres=Centre.objects.all())
    organisation = OrganisationForm({"contact_name": "intake" + ZWSP})

    staff.is_valid()
    interpreter.is_valid()
    organisation.is_valid()
    assert staff.errors.as_data()["first_name"][0].code == "name_invisible_character"
    assert interpreter.errors.as_data()["name"][0].code == "name_invisible_character"
    assert organisation.errors.as_data()["contact_name"][0].code == "name_invisible_character"
