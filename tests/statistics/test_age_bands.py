"""Age bands at the reporting date: the age reached in the year the period ends, from the year of
birth only (the date of birth is sealed and statistics never open it).

Cohort registered at Athens on 15/12/2024, years of birth 2008, 2007 (date of birth 31/12/2007),
1996, 1995, 1971, 1970 and one not recorded. For a report ending 31/3/2025 they reach 17, 18, 29,
30, 54, 55: bands <18: 1, 18-29: 2, 30-54: 2, 55+: 1, not recorded: 1. For a report ending
31/12/2024, each is a year younger (16, 17, 28, 29, 53, 54): <18: 2, 18-29: 2, 30-54: 2, 55+: 0.
"""

from __future__ import annotations

import datetime as dt

import pytest

from reports.dims import UNKNOWN
from reports.engine import breakdown_table
from reports.types import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort(make_person):
    people = [
        make_person(birth_year=year, registered=dt.date(2024, 12, 15))
        for year in (2008, 2007, 1996, 1995, 1971, 1970)
    ]
    people.append(make_person(birth_year=None, registered=dt.date(2024, 12, 15)))
    return people


def _bands(athens, start: dt.date, end: dt.date) -> dict[str, int]:
    table = breakdown_table(
        Scope(centre_ids=(athens.pk,), start=start, end=end), measure="registered", rows="age_band"
    )
    return dict(zip([code for code, _label in table.rows], table.row_totals, strict=True))


def test_age_bands_count_the_age_reached_in_the_year_of_the_reporting_date(cohort, athens):
    assert _bands(athens, dt.date(2024, 12, 1), dt.date(2025, 3, 31)) == {
        "under_18": 1,
        "18_29": 2,
        "30_54": 2,
        "55_plus": 1,
        UNKNOWN: 1,
    }


def test_a_report_ending_a_year_earlier_makes_everyone_a_year_younger(cohort, athens):
    assert _bands(athens, dt.date(2024, 12, 1), dt.date(2024, 12, 31)) == {
        "under_18": 2,
        "18_29": 2,
        "30_54": 2,
        "55_plus": 0,
        UNKNOWN: 1,
    }


def test_the_sealed_date_of_birth_is_not_what_decides(make_person, athens):
    # Born on the last day of 2007: 17 on 31/3/2025 by the date, 18 by the year, as documented.
    make_person(birth_year=2007, date_of_birth=dt.date(2007, 12, 31), registered=dt.date(2025, 1, 2))
    bands = _bands(athens, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert bands["18_29"] == 1
    assert bands["under_18"] == 0


def test_bands_are_listed_in_order_with_zeros_and_no_unknown_row_when_every_year_is_known(
    make_person, athens
):
    make_person(birth_year=1990, registered=dt.date(2025, 1, 2))
    table = breakdown_table(
        Scope(centre_ids=(athens.pk,), start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31)),
        measure="registered",
        rows="age_band",
    )
    assert [code for code, _label in table.rows] == ["under_18", "18_29", "30_54", "55_plus"]
    assert table.row_totals == [0, 0, 1, 0]
