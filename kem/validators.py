"""Validation of identity numbers, phone numbers and dates, with translated messages.

python-stdnum knows the Greek check digits (AMKA, AFM) and phonenumbers the numbering plans of
every country, so neither rule is hand-written here.
"""

from __future__ import annotations

import datetime as dt

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.gr import amka as stdnum_amka
from stdnum.gr import vat as stdnum_afm


def validate_amka(value: str, *, date_of_birth: dt.date | None = None) -> str:
    """Return the AMKA's 11 digits; raise if the check digit fails or it contradicts the birth date."""
    try:
        number = stdnum_amka.validate(value)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _("This AMKA's check digit is wrong; please check the number."), code="amka_checksum"
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("An AMKA has 11 digits, starting with the date of birth."), code="amka_format"
        ) from None
    # The AMKA starts with DDMMYY; a two-digit year cannot tell 1905 from 2005, so compare
    # day, month and year modulo 100 rather than trusting the library's century guess.
    if (
        date_of_birth is not None
        and number[:6] != date_of_birth.strftime("%d%m") + f"{date_of_birth.year % 100:02d}"
    ):
        raise ValidationError(
            _("This AMKA begins with another date of birth (%(date)s)."),
            code="amka_birth_date",
            params={"date": f"{number[0:2]}/{number[2:4]}/..{number[4:6]}"},
        )
    return number


def validate_afm(value: str) -> str:
    """Return the AFM's 9 digits; raise if its check digit fails."""
    try:
        return stdnum_afm.validate(value)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _("This AFM's check digit is wrong; please check the number."), code="afm_checksum"
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(_("An AFM has 9 digits."), code="afm_format") from None


def normalise_phone(value: str, *, region: str = "GR") -> str:
    """Return the number in E.164 (+306912345678); raise if it cannot be a real number."""
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("This is not a valid phone number. Give it with the country code, e.g. +30 691 234 5678."),
            code="phone_invalid",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_not_future(value: dt.date) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="date_in_future")


def validate_expiry_after_issue(*, issued_on: dt.date | None, expires_on: dt.date | None) -> None:
    if issued_on and expires_on and expires_on <= issued_on:
        raise ValidationError(
            _("The expiry date must come after the issue date."), code="expiry_before_issue"
        )
