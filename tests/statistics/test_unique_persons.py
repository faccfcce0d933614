"""Unique persons across services: a person with a registration, sessions, an interpreter
request, a referral and a class in the period is one beneficiary served, not five.

The cohort (Athens, first quarter of 2025), worked out by hand:

| person | in the period at Athens                                   | served |
|--------|-----------------------------------------------------------|--------|
| A      | registered 10/1, session 2/2, interpreter 3/2, referral 1/3 | yes   |
| B      | sessions 5/1 and 20/1 (registered 2024)                    | yes    |
| C      | session only scheduled, interpreter request cancelled      | no     |
| D      | enrolled in a class 15/1                                   | yes    |
| E      | attended a lesson 10/2 (enrolled 2024)                     | yes    |
| F      | registered at Thessaloniki, session at Athens 3/3          | yes    |
| G      | registered 20/1, then merged into B (not a person)         | no     |
| H      | sessions on 31/12/2024 23:30 and 1/4/2025 only             | no     |
| I      | referral sent by Thessaloniki                              | no     |

Served 5 (A B D E F); registered 1 (A); counselling participants 3 (A B F), sessions 4;
interpreter requests 1; referrals 1; enrolments 1 (D); learners 2 (D E); graduates 0.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import RequestStatus, Session, SessionStatus
from courses.models import AttendanceMark
from kem.models import Beneficiary
from reports.engine import breakdown_table
from reports.report import _activities, headline
from reports.types import Scope

pytestmark = pytest.mark.django_db

Q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))


@pytest.fixture
def cohort(
    athens,
    thessaloniki,
    make_person,
    held_session,
    interpreter_request,
    sent_referral,
    make_class,
    enrol,
    lesson_marks,
):
    people = {}
    people["A"] = a = make_person(registered=dt.date(2025, 1, 10))
    held_session(a, dt.date(2025, 2, 2))
    interpreter_request(a, dt.date(2025, 2, 3))
    sent_referral(a, dt.date(2025, 3, 1))
    people["B"] = b = make_person()
    held_session(b, dt.date(2025, 1, 5))
    held_session(b, dt.date(2025, 1, 20))
    people["C"] = c = make_person()
    held_session(c, dt.date(2025, 2, 4), status=SessionStatus.SCHEDULED)
    interpreter_request(c, dt.date(2025, 2, 5), status=RequestStatus.CANCELLED)
    course_class = make_class(start=dt.date(2024, 11, 4), end=dt.date(2025, 5, 30))
    people["D"] = d = make_person()
    enrol(d, course_class, dt.date(2025, 1, 15))
    people["E"] = e = make_person()
    e_seat = enrol(e, course_class, dt.date(2024, 12, 2))
    lesson_marks(course_class, dt.date(2025, 2, 10), {e_seat: AttendanceMark.PRESENT})
    people["F"] = f = make_person(centre=thessaloniki, registered=dt.date(2025, 2, 1))
    held_session(f, dt.date(2025, 3, 3))
    people["G"] = g = make_person(registered=dt.date(2025, 1, 20))
    Beneficiary.objects.filter(pk=g.pk).update(merged_into=b)
    people["H"] = h = make_person()
    late_evening = held_session(h, dt.date(2024, 12, 31))
    Session.objects.filter(pk=late_evening.pk).update(
        starts_at=timezone.make_aware(dt.datetime(2024, 12, 31, 23, 30))
    )
    held_session(h, dt.date(2025, 4, 1))
    people["I"] = i = make_person()
    sent_referral(i, dt.date(2025, 1, 5), centre=thessaloniki)
    return people


def _scope(*centres) -> Scope:
    return Scope(centre_ids=tuple(sorted(c.pk for c in centres)), start=Q1[0], end=Q1[1])


def _figures_of(scope: Scope) -> dict[str, int]:
    table = _activities(scope)[0]
    return {code: row[0] for (code, _label), row in zip(table.rows, table.counts, strict=True)}


def test_each_person_is_served_once_across_every_service(cohort, athens):
    figures = _figures_of(_scope(athens))
    assert figures == {
        "served": 5,
        "registered": 1,
        "session_participants": 3,
        "sessions": 4,
        "interpreter_requests": 1,
        "referrals": 1,
        "enrolments": 1,
        "learners": 2,
        "graduates": 0,
    }


def test_a_breakdown_of_served_counts_the_same_people_as_the_headline(cohort, athens):
    table = breakdown_table(_scope(athens), measure="served", rows="gender")
    assert table.total == 5
    assert sum(table.row_totals) == 5
    assert table.additive


def test_served_by_month_counts_a_person_once_per_month_and_once_in_the_total(cohort, athens):
    table = breakdown_table(_scope(athens), measure="served", rows="month")
    by_month = dict(zip([code for code, _label in table.rows], table.row_totals, strict=True))
    # January: A (registered), B (sessions), D (enrolled); February: A, E; March: A, F.
    assert by_month == {"2025-01": 3, "2025-02": 2, "2025-03": 2}
    assert table.total == 5
    assert not table.additive


def test_activities_count_at_the_centre_where_they_happened(cohort, athens, thessaloniki):
    assert _figures_of(_scope(thessaloniki))["served"] == 2  # F registered, I referred
    both = _figures_of(_scope(athens, thessaloniki))
    assert both["served"] == 6  # F is one person at the two centres
    assert both["registered"] == 2
    table = breakdown_table(_scope(athens, thessaloniki), measure="served", rows="centre")
    assert dict(zip([c for c, _l in table.rows], table.row_totals, strict=True)) == {
        str(athens.pk): 5,
        str(thessaloniki.pk): 2,
    }
    assert table.total == 6


def test_the_headline_costs_the_same_queries_for_more_people(
    cohort, athens, make_person, held_session, sent_referral
):
    scope = _scope(athens)
    with CaptureQueriesContext(connection) as small:
        headline(scope)
    for n in range(5):
        person = make_person(registered=dt.date(2025, 2, 1 + n))
        held_session(person, dt.date(2025, 2, 10 + n))
        sent_referral(person, dt.date(2025, 3, 10 + n))
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as large:
        tables = headline(scope)
    assert len(large) == len(small)
    assert _figures_of(scope)["served"] == 10
    assert tables[0].counts[0][0] == 10
