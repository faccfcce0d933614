"""Validation of identity numbers, phone numbers, dates and names, with translated messages.

python-stdnum knows the Greek check digits (AMKA, AFM) and phonenumbers the numbering plans of
every country, so neither rule is hand-written here.

Names and identity text (:func:`validate_name`, :func:`validate_identity_text`) refuse what a
reader cannot see but a computer compares: control characters (Unicode category Cc), format
characters (Cf: bidi overrides and isolates such as U+202E, left-to-right and right-to-left marks,
zero-width spaces, soft hyphens, the byte-order mark), line and paragraph separators, private-use,
surrogate and unassigned code points. "Maria" with a zero-width space is another string than
"Maria" but looks the same in a list; a right-to-left override makes an export show letters in
another order than they are stored. One exception: the zero-width non-joiner and joiner
(U+200C, U+200D) are part of correct spelling in Persian, Kurdish (Sorani), Urdu and the Indic
scripts ("نیک‌نام"), so they are accepted between two letters of a script that joins letters,
and refused elsewhere (at either end, doubled, or next to a Latin, Greek or Cyrillic letter,
where they change nothing visible).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

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


# Categories no name or identity text needs (see the module's docstring).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
_JOINERS = frozenset({"\u200c", "\u200d"})
# Scripts whose letters do not join: a joiner between them is invisible and meaningless.
_NON_JOINING_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "GEORGIAN")
_TEXT_WHITESPACE = frozenset({"\n", "\r", "\t"})
EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


def _joining_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM" and not unicodedata.name(char, "").startswith(
        _NON_JOINING_SCRIPTS
    )


def _first_invisible(value: str, *, allowed: frozenset[str] = frozenset()) -> tuple[int, str] | None:
    """(position, character) of the first character :func:`validate_name` refuses, or None."""
    for position, char in enumerate(value):
        if char in allowed or unicodedata.category(char) not in _INVISIBLE_CATEGORIES:
            continue
        if (
            char in _JOINERS
            and 0 < position < len(value) - 1
            and _joining_letter(value[position - 1])
            and _joining_letter(value[position + 1])
        ):
            continue
        return position, char
    return None


def _refuse_invisible(value: str, found: tuple[int, str], message: str, code: str) -> None:
    position, char = found
    raise ValidationError(
        message,
        code=code,
        params={
            "character": f"U+{ord(char):04X} {unicodedata.name(char, '')}".strip(),
            "position": position + 1,
        },
    )


def validate_name(value: str) -> None:
    """Refuse control, format (bidi, zero-width) and other invisible characters in a name."""
    found = _first_invisible(value or "")
    if found is not None:
        _refuse_invisible(
            value,
            found,
            _(
                "A name cannot contain invisible or control characters, such as direction "
                "overrides or zero-width spaces: %(character)s at position %(position)s. "
                "Please type the name again."
            ),
            "name_invisible_character",
        )


def validate_identity_text(value: str) -> None:
    """As :func:`validate_name`, for identity text of several lines (an address): line breaks
    and tabs are allowed, nothing else invisible."""
    found = _first_invisible(value or "", allowed=_TEXT_WHITESPACE)
    if found is not None:
        _refuse_invisible(
            value,
            found,
            _(
                "This text cannot contain invisible or control characters, such as direction "
                "overrides or zero-width spaces: %(character)s at position %(position)s."
            ),
            "text_invisible_character",
        )


def validate_date_of_birth(value: dt.date | None) -> None:
    """A plausible date of birth: not in the future, not before 1900."""
    if not value:
        return
    validate_not_future(value)
    if value < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("A date of birth before %(earliest)s is not plausible; please check the year."),
            code="date_of_birth_implausible",
            params={"earliest": EARLIEST_BIRTH_DATE.strftime("%d/%m/%Y")},
        )


def validate_not_future(value: dt.date) -> None:
    if value and value > timezone.localdate():
        raise ValidationError(_("This date is in the future."), code="date_in_future")


def validate_expiry_after_issue(*, issued_on: dt.date | None, expires_on: dt.date | None) -> None:
    if issued_on and expires_on and expires_on <= issued_on:
        raise ValidationError(
            _("The expiry date must come after the issue date."), code="expiry_before_issue"
        )
