"""Identity-number and phone validation: check digits, birth-date agreement, E.164."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from bench.imports.sheets import amka
from kem.validators import normalise_phone, validate_amka, validate_expiry_after_issue


@pytest.mark.parametrize(
    "born", [dt.date(1950, 3, 4), dt.date(1999, 12, 31), dt.date(2004, 7, 15), dt.date(2019, 1, 2)]
)
def test_an_amka_agrees_with_a_birth_date_in_either_century(born):
    number = amka(born, 3)
    assert validate_amka(number, date_of_birth=born) == number


def test_an_amka_of_another_birth_date_is_refused_with_the_date_it_holds():
    with pytest.raises(ValidationError) as caught:
        validate_amka(amka(dt.date(2004, 7, 15), 3), date_of_birth=dt.date(2004, 7, 16))
    assert caught.value.code == "amka_birth_date"
    assert "15/07/..04" in caught.value.messages[0]


def test_an_amka_with_a_wrong_check_digit_is_refused():
    number = amka(dt.date(2004, 7, 15), 3)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as caught:
        validate_amka(wrong)
    assert caught.value.code == "amka_checksum"


def test_phone_numbers_are_stored_in_e164_and_nonsense_is_refused():
    assert normalise_phone("691 234 5678") == "+306912345678"
    assert normalise_phone("+44 20 7946 0958") == "+442079460958"
    with pytest.raises(ValidationError):
        normalise_phone("12")


def test_an_expiry_date_must_follow_the_issue_date():
    validate_expiry_after_issue(issued_on=dt.date(2024, 1, 1), expires_on=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError):
        validate_expiry_after_issue(issued_on=dt.date(2024, 1, 1), expires_on=dt.date(2024, 1, 1))
