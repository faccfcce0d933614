"""The dimensions a count can be broken down by: what they are, how they are computed, their labels.

Two kinds:

- *person* dimensions are plain categories of the beneficiary (gender, age band, nationality,
  legal status, municipality of residence): a person has one value, so a person-dimension
  breakdown of unique persons adds up to its total;
- *activity* dimensions belong to each activity (its month, its centre, a session's service area,
  a request's language, …): a person with activities in two months is counted once in each month
  and once in the total, so such a breakdown of unique persons does not add up.

The age band is the age *reached in the year of the reporting date* (the period's end): the year
of birth minus nothing finer, because the date of birth is sealed in the vault and statistics
never open it. Someone born in 2007 is 18 in a report ending on any day of 2025.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from kem.choices import Gender, LegalStatus
from kem.models import Beneficiary, Centre
from reports.sources import REFERRAL_STATUS_CODES
from reports.types import Scope

UNKNOWN = "unknown"
OTHER = "other"

AGE_BANDS: list[tuple[str, str]] = [
    ("under_18", _("Below 18")),
    ("18_29", _("18–29")),
    ("30_54", _("30–54")),
    ("55_plus", _("55 and over")),
]

REFERRAL_STATUS_LABELS: dict[str, str] = {
    "awaiting": _("Awaiting an answer"),
    "accepted": _("Accepted, in progress"),
    "successful": _("Completed successfully"),
    "unsuccessful": _("Completed without success"),
    "declined": _("Declined"),
    "withdrawn_after_answer": _("Withdrawn after acceptance"),
    "withdrawn": _("Withdrawn before an answer"),
}
assert tuple(REFERRAL_STATUS_LABELS) == REFERRAL_STATUS_CODES

UNKNOWN_LABEL = _("Not recorded")
OTHER_LABEL = _("Other")


@dataclass(frozen=True)
class Dimension:
    """One way of breaking a count down.

    ``column`` is the beneficiary column (person dimensions) or the source field (activity
    dimensions). ``fixed`` lists every category in order, zeros included; without it the
    categories come from the data, largest first, and ``top`` ones keep the top N plus "other".
    """

    code: str
    label: str
    person: bool
    column: str
    fixed: Callable[[Scope], list[tuple[str, str]]] | None = None
    labels: Callable[[list[str]], dict[str, str]] | None = None
    top: bool = False
    # Categories typed by staff (not chosen from a list): shown by name only when more people
    # than the suppression threshold share them, so no stray free text (a name or an address
    # typed into the wrong box) ever becomes a row label; rarer ones are folded into "other".
    free_text: bool = False

    def sql(self, scope: Scope) -> str:
        """The SQL expression of this dimension over ``b`` (the person) or ``e`` (the activity)."""
        qn = connection.ops.quote_name
        if not self.person:
            return f"e.{qn('s_' + self.column)}"
        if self.code == "age_band":
            year = int(scope.end.year)
            birth = f"b.{qn('birth_year')}"
            return (
                f"CASE WHEN {birth} IS NULL THEN '{UNKNOWN}' "
                f"WHEN {year} - {birth} < 18 THEN 'under_18' "
                f"WHEN {year} - {birth} < 30 THEN '18_29' "
                f"WHEN {year} - {birth} < 55 THEN '30_54' "
                f"ELSE '55_plus' END"
            )
        return f"b.{qn(self.column)}"

    def code_of(self, value: object) -> str:
        """The category code of a value read from the database."""
        if value is None or value == "":
            return UNKNOWN
        if self.code == "month":
            number = int(value)
            return f"{number // 100:04d}-{number % 100:02d}"
        return str(value)


def _choices(choices: list[tuple[str, str]]) -> Callable[[Scope], list[tuple[str, str]]]:
    return lambda scope: [(code, label) for code, label in choices]


def _months(scope: Scope) -> list[tuple[str, str]]:
    months = []
    day = scope.start.replace(day=1)
    while day <= scope.end:
        months.append((f"{day:%Y-%m}", date_format(day, "YEAR_MONTH_FORMAT")))
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _centres(scope: Scope) -> list[tuple[str, str]]:
    centres = Centre.objects.filter(pk__in=scope.centre_ids).order_by("name_el", "pk")
    return [(str(centre.pk), centre.name) for centre in centres]


def _country_labels(codes: list[str]) -> dict[str, str]:
    return {code: str(countries.name(code) or code) for code in codes}


def _language_labels(codes: list[str]) -> dict[str, str]:
    from cases.models import Language

    ids = [int(code) for code in codes if code.isdigit()]
    languages = Language.objects.filter(pk__in=ids)
    # Names carry the dialect already ("Arabic (Levantine)").
    return {str(language.pk): language.name for language in languages}


def _same(codes: list[str]) -> dict[str, str]:
    return {code: code for code in codes}


def _area_choices():
    from cases.models import ServiceArea

    return ServiceArea.choices


def _working_area_choices():
    from partners.models import WorkingArea

    return WorkingArea.choices


def _level_choices():
    from courses.models import Level

    return Level.choices


def _subject_choices():
    from courses.models import Subject

    return Subject.choices


def _lazy_choices(get: Callable[[], list[tuple[str, str]]]) -> Callable[[Scope], list[tuple[str, str]]]:
    return lambda scope: list(get())


_field = Beneficiary._meta.get_field

DIMENSION_LIST: list[Dimension] = [
    Dimension("gender", _("Gender"), True, _field("gender").column, fixed=_choices(Gender.choices)),
    Dimension("age_band", _("Age band"), True, "birth_year", fixed=_choices(AGE_BANDS)),
    Dimension(
        "nationality", _("Nationality"), True, _field("nationality").column, labels=_country_labels, top=True
    ),
    Dimension(
        "legal_status",
        _("Legal status"),
        True,
        _field("legal_status").column,
        fixed=_choices(LegalStatus.choices),
    ),
    Dimension(
        "municipality",
        _("Municipality of residence"),
        True,
        _field("municipality").column,
        labels=_same,
        top=True,
        free_text=True,
    ),
    Dimension("month", _("Month"), False, "month", fixed=_months),
    Dimension("centre", _("Centre"), False, "centre", fixed=_centres),
    Dimension("area", _("Service area"), False, "area", fixed=_lazy_choices(_area_choices)),
    Dimension("language", _("Language"), False, "language", labels=_language_labels, top=True),
    Dimension(
        "working_area", _("Working area"), False, "working_area", fixed=_lazy_choices(_working_area_choices)
    ),
    Dimension(
        "referral_status",
        _("How the referral stands"),
        False,
        "referral_status",
        fixed=_choices(list(REFERRAL_STATUS_LABELS.items())),
    ),
    Dimension("course_level", _("Course level"), False, "course_level", fixed=_lazy_choices(_level_choices)),
    Dimension("subject", _("Course subject"), False, "subject", fixed=_lazy_choices(_subject_choices)),
]

BY_CODE: dict[str, Dimension] = {dim.code: dim for dim in DIMENSION_LIST}
