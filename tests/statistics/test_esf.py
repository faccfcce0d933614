"""ESF+ participant indicators for a small known cohort (Athens, 2025).

| who | entry at Athens | gender | employment | born | ISCED | other | results |
|-----|-----------------|--------|------------|------|-------|-------|---------|
| P1 | registered 1/2/2025 | female | unemployed | 2000 (25) | 3 | disability; Afghan asylum seeker; reception facility | certificate 30/6 |
| P2 | registered 1/5/2024 | male | long-term unemployed | 1965 | 1 | entered in 2024: not a 2025 participant | certificate, employed |
| P3 | first session 10/3/2025 (registered at Thessaloniki in 2023) | male | employed | 2009 (16) | 0 | Ukrainian, temporary protection; hosted | employed 1/9 |
| P4 | registered 1/11/2025 | non-binary | inactive | 1990 (35) | 5-8 | French EU citizen; homeless | |
| P5 | registered 15/1/2025 | not stated | in education | ? | not stated | nationality and status unrecorded | certificate revoked |
| P6 | registered 31/12/2025 | female | self-employed | 1985 (40) | 4 | Greek national, arrived 2010 | |
| P7 | registered 5/1/2026 | female | | | | after the period | |
| P8 | registered 1/3/2025, merged into P1 | female | | | | not a person | |

Participants 5 (P1 P3 P4 P5 P6). Women 2, men 1, non-binary 1, gender not stated 1. Unemployed 1
(long-term 0), inactive 2, employed 2. Below 18: 1, 18-29: 1, 30-54: 2, 55+: 0, year unknown: 1.
ISCED 0-2: 1, 3-4: 2, 5-8: 1, not stated: 1. Disability 1. Third-country nationals 2 (P1 P3).
Foreign background 4 (P1 P3 P4 P6). Housing exclusion 3 (P1 P3 P4). Qualification 1 (P1).
In employment 1 (P3).
"""

from __future__ import annotations

import datetime as dt

import pytest

from cases.models import ServiceArea
from courses.models import EnrolmentStatus
from kem.choices import Education, Employment, Gender, Housing, LegalStatus
from kem.models import Beneficiary
from reports.disclosure import protect
from reports.esf import esf_indicators
from reports.report import esf_indicators as cached_esf_indicators
from reports.types import Scope

pytestmark = pytest.mark.django_db

YEAR_2025 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.fixture
def cohort(
    athens, thessaloniki, make_person, held_session, make_class, enrol, certificate, employment_outcome
):
    course_class = make_class(start=dt.date(2025, 2, 3), end=dt.date(2025, 6, 27))
    p1 = make_person(
        registered=dt.date(2025, 2, 1),
        gender=Gender.FEMALE,
        employment=Employment.UNEMPLOYED,
        birth_year=2000,
        education=Education.ISCED_3,
        disability=True,
        nationality="AF",
        legal_status=LegalStatus.ASYLUM_SEEKER,
        housing=Housing.RECEPTION_FACILITY,
    )
    seat = enrol(
        p1, course_class, dt.date(2025, 2, 3), status=EnrolmentStatus.GRADUATED, ended=dt.date(2025, 6, 27)
    )
    certificate(seat, dt.date(2025, 6, 30))

    p2 = make_person(
        registered=dt.date(2024, 5, 1),
        gender=Gender.MALE,
        employment=Employment.LONG_TERM_UNEMPLOYED,
        birth_year=1965,
        education=Education.ISCED_1,
        nationality="SY",
        legal_status=LegalStatus.REFUGEE,
        arrival_year=2016,
    )
    held_session(p2, dt.date(2025, 4, 1))
    other_seat = enrol(p2, course_class, dt.date(2025, 2, 3), status=EnrolmentStatus.GRADUATED)
    certificate(other_seat, dt.date(2025, 6, 30))
    employment_outcome(held_session.cases[(p2.pk, athens.pk, ServiceArea.EMPLOYMENT)], dt.date(2025, 5, 1))

    p3 = make_person(
        centre=thessaloniki,
        registered=dt.date(2023, 9, 1),
        gender=Gender.MALE,
        employment=Employment.EMPLOYED,
        birth_year=2009,
        education=Education.ISCED_0,
        nationality="UA",
        legal_status=LegalStatus.TEMPORARY_PROTECTION,
        housing=Housing.HOSTED,
    )
    held_session(p3, dt.date(2025, 3, 10))
    employment_outcome(held_session.cases[(p3.pk, athens.pk, ServiceArea.EMPLOYMENT)], dt.date(2025, 9, 1))

    make_person(
        registered=dt.date(2025, 11, 1),
        gender=Gender.NON_BINARY,
        employment=Employment.INACTIVE,
        birth_year=1990,
        education=Education.ISCED_5_8,
        nationality="FR",
        legal_status=LegalStatus.EU_CITIZEN,
        housing=Housing.HOMELESS,
    )
    p5 = make_person(registered=dt.date(2025, 1, 15), employment=Employment.IN_EDUCATION, birth_year=None)
    p5_seat = enrol(p5, course_class, dt.date(2025, 2, 3), status=EnrolmentStatus.GRADUATED)
    certificate(p5_seat, dt.date(2025, 6, 30), revoked=True)
    make_person(
        registered=dt.date(2025, 12, 31),
        gender=Gender.FEMALE,
        employment=Employment.SELF_EMPLOYED,
        birth_year=1985,
        education=Education.ISCED_4,
        nationality="GR",
        arrival_year=2010,
    )
    make_person(registered=dt.date(2026, 1, 5), gender=Gender.FEMALE)
    p8 = make_person(registered=dt.date(2025, 3, 1), gender=Gender.FEMALE)
    Beneficiary.objects.filter(pk=p8.pk).update(merged_into=p1)


def _indicators(centres, start, end) -> dict[str, int]:
    table = esf_indicators(Scope(centre_ids=tuple(c.pk for c in centres), start=start, end=end))
    return {code: row[0] for (code, _label), row in zip(table.rows, table.counts, strict=True)}


def test_the_esf_indicators_of_a_known_cohort(cohort, athens):
    assert _indicators([athens], *YEAR_2025) == {
        "participants": 5,
        "women": 2,
        "men": 1,
        "non_binary": 1,
        "gender_not_stated": 1,
        "unemployed": 1,
        "long_term_unemployed": 0,
        "inactive": 2,
        "employed": 2,
        "employment_not_stated": 0,
        "under_18": 1,
        "18_29": 1,
        "30_54": 2,
        "55_plus": 0,
        "age_unknown": 1,
        "isced_0_2": 1,
        "isced_3_4": 2,
        "isced_5_8": 1,
        "education_not_stated": 1,
        "disability": 1,
        "third_country_nationals": 2,
        "foreign_background": 4,
        "housing_exclusion": 3,
        "gained_qualification": 1,
        "in_employment": 1,
    }


def test_each_person_counts_once_per_operation_in_the_period_of_first_entry(cohort, athens):
    """P2 entered in 2024; over 2024 and 2025 together they are one more participant, and the
    two years add up to the whole without counting anyone twice."""
    year_2024 = _indicators([athens], dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    both = _indicators([athens], dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    assert year_2024["participants"] == 1
    assert both["participants"] == 6 == year_2024["participants"] + 5
    assert both["men"] == 2
    assert both["long_term_unemployed"] == 1
    assert both["in_employment"] == 2  # P2's employment counts with P2
    assert both["gained_qualification"] == 2


def test_the_age_is_the_age_reached_in_the_year_of_entry(make_person, athens):
    make_person(registered=dt.date(2024, 6, 1), birth_year=2007)
    over_two_years = _indicators([athens], dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    assert over_two_years["under_18"] == 1  # 17 at entry in 2024, though 18 by the end of 2025
    assert over_two_years["18_29"] == 0


def test_the_first_entry_is_at_the_scoped_centres(cohort, athens, thessaloniki):
    """P3 registered at Thessaloniki in 2023: a 2025 participant of Athens, not of both."""
    both = _indicators([athens, thessaloniki], *YEAR_2025)
    assert both["participants"] == 4
    assert both["men"] == 0


def test_published_esf_indicators_hide_small_counts_and_their_complements(cohort, athens):
    table = cached_esf_indicators(Scope(centre_ids=(athens.pk,), start=YEAR_2025[0], end=YEAR_2025[1]))
    assert table.key == "esf.participants"
    [published] = protect([table])
    shown = {code: row[0] for (code, _label), row in zip(published.rows, published.cells, strict=True)}
    assert shown["participants"].suppressed and shown["participants"].primary
    assert shown["long_term_unemployed"].display == "0"
    assert all(cell.value is None for cell in shown.values() if cell.display != "0")
    assert not published.show_totals
