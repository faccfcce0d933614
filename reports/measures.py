"""What can be counted (measures), from which activities, in which unit, and by which dimensions.

Re-exported by :mod:`reports.report` (``MEASURES``, ``DIMENSIONS``, ``dimensions_for``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from reports.dims import DIMENSION_LIST
from reports.sources import has_field

PERSONS = "persons"

MEASURES: dict[str, str] = {
    "served": _("Unique beneficiaries served"),
    "registered": _("New registrations"),
    "session_participants": _("Unique participants in counselling"),
    "sessions": _("Counselling sessions held"),
    "interpreter_requests": _("Interpreter requests"),
    "referrals": _("Referrals sent"),
    "enrolments": _("Enrolments in classes"),
    "learners": _("Unique learners in classes"),
    "graduates": _("Unique graduates"),
}

# The activities each measure counts (reports/sources.py says what each one is).
MEASURE_SOURCES: dict[str, tuple[str, ...]] = {
    "served": ("registration", "session", "interpreter", "referral", "enrolment", "attendance"),
    "registered": ("registration",),
    "session_participants": ("session",),
    "sessions": ("session",),
    "interpreter_requests": ("interpreter",),
    "referrals": ("referral",),
    "enrolments": ("enrolment",),
    "learners": ("enrolment", "attendance"),
    "graduates": ("graduation",),
}

# Unique persons, or the activities themselves.
MEASURE_UNITS: dict[str, str] = {
    "served": PERSONS,
    "registered": PERSONS,
    "session_participants": PERSONS,
    "sessions": "sessions",
    "interpreter_requests": "requests",
    "referrals": "referrals",
    "enrolments": "enrolments",
    "learners": PERSONS,
    "graduates": PERSONS,
}

DIMENSIONS: dict[str, str] = {dim.code: dim.label for dim in DIMENSION_LIST}


def dimensions_for(measure: str) -> list[str]:
    """The dimensions ``measure`` can be broken down by, in display order (KeyError if unknown):
    the person's categories, month and centre for every measure, plus what all its activities
    have (a session's service area, a request's language, a referral's working area and how it
    stands, a class's level and subject)."""
    sources = MEASURE_SOURCES[measure]
    return [
        dim.code
        for dim in DIMENSION_LIST
        if dim.person or all(has_field(source, dim.column) for source in sources)
    ]
