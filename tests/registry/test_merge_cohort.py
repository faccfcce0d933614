"""A cohort of 150 duplicate registrations (bare, with identity documents, and with records on both
that clash: a seat in one class with attendance, an open case of one area with sessions), all
merged through the service: every merge goes through, and the headline counts each person once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cases.models import Case, ServiceArea, Session
from courses.models import AttendanceMark, Enrolment
from kem.models import Beneficiary, MergeRecord
from kem.services.people import beneficiary_merge
from reports.report import headline
from reports.types import Scope
from tests.merge_world import START, build_world, enrol, open_case, passport, register

pytestmark = pytest.mark.django_db

P, L, A = AttendanceMark.PRESENT, AttendanceMark.LATE, AttendanceMark.ABSENT
PEOPLE, BARE, WITH_DOCUMENTS, CLASHING = 200, 50, 50, 50


def _figures(world) -> dict[str, int]:
    table = headline(Scope(centre_ids=(world.centre.pk,), start=START, end=timezone.localdate()))[0]
    return dict(zip([code for code, _label in table.rows], table.row_totals, strict=True))


def test_150_duplicate_registrations_merge_and_each_person_counts_once(athens, settings):
    settings.KEM_STATISTICS_OPEN_CACHE_SECONDS = 0
    world = build_world(athens, classes=1)
    course_class = world.classes[0]
    originals = [register(world, given=f"Πρόσωπο{i}", family="Κοόρτη") for i in range(PEOPLE)]
    pairs = []
    for i, person in enumerate(originals[: BARE + WITH_DOCUMENTS + CLASHING]):
        documents = passport(f"P{i:07d}") if BARE <= i < BARE + WITH_DOCUMENTS else None
        duplicate = register(world, given=f"Προσωπο{i}", family="Κοορτη", documents=documents)
        if i >= BARE + WITH_DOCUMENTS:
            # Both records: a seat in the class (the lesson both marked keeps "present") and an
            # open legal case with one session each.
            enrol(world, person, course_class, marks={0: A, 1: P})
            enrol(world, duplicate, course_class, marks={1: L, 2: P})
            open_case(world, person, ServiceArea.LEGAL, sessions=1)
            open_case(world, duplicate, ServiceArea.LEGAL, sessions=1)
        pairs.append((person, duplicate))
    before = _figures(world)

    for person, duplicate in pairs:
        beneficiary_merge(survivor=person, duplicate=duplicate, by=world.manager)

    after = _figures(world)
    assert MergeRecord.objects.count() == 150
    assert Beneficiary.objects.filter(merged_into__isnull=False).count() == 150
    assert (before["registered"], before["served"]) == (350, 350)
    assert (before["session_participants"], before["enrolments"], before["learners"]) == (100, 100, 100)
    assert after == {
        "registered": PEOPLE,
        "served": PEOPLE,
        "session_participants": CLASHING,
        "sessions": 2 * CLASHING,
        "enrolments": CLASHING,
        "learners": CLASHING,
        "interpreter_requests": 0,
        "referrals": 0,
        "graduates": 0,
    }
    assert Enrolment.objects.count() == CLASHING
    assert Case.objects.filter(closed_on__isnull=True).count() == CLASHING
    assert Session.objects.filter(case__closed_on__isnull=True).count() == 2 * CLASHING
    with_documents = Beneficiary.objects.filter(pk__in=[p.pk for p, _ in pairs[BARE : BARE + WITH_DOCUMENTS]])
    assert all(person.documents and person.documents[0]["kind"] == "passport" for person in with_documents)
