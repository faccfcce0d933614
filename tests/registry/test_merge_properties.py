"""Property tests of the merge: two records of one person with random related records (cases of
random areas with sessions, enrolments in the same classes with attendance, referrals, interpreter
requests, documents, consents, a household on at most one) always merge, nothing is lost, every
sealed value and history row still opens, the record says what the plan said, and the statistics
count the person once."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Case, InterpreterRequest, ServiceArea, Session
from courses.models import Attendance, AttendanceMark, Enrolment, EnrolmentStatus
from courses.services.merge import MARK_ORDER
from kem.models import Beneficiary, Consent, HouseholdMember, Relationship
from kem.selectors.merge import merge_facts, merge_plan
from kem.services.people import beneficiary_merge, consent_record, household_link
from referrals.models import Referral
from reports.report import headline
from reports.types import Scope
from tests.merge_world import START, ask_interpreter, build_world, enrol, open_case, passport, refer, register

pytestmark = pytest.mark.django_db

AREAS = [ServiceArea.PSYCHOSOCIAL, ServiceArea.LEGAL, ServiceArea.EMPLOYMENT]
MARKS = list(AttendanceMark.values)

marks = st.dictionaries(st.integers(0, 3), st.sampled_from(MARKS), max_size=4)
enrolment = st.tuples(st.sampled_from([EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED]), marks)
side = st.fixed_dictionaries(
    {
        "cases": st.dictionaries(st.sampled_from(AREAS), st.integers(0, 3), max_size=3),
        "enrolments": st.dictionaries(st.integers(0, 1), enrolment, max_size=2),
        "referrals": st.integers(0, 2),
        "interpreters": st.integers(0, 1),
        "consents": st.integers(0, 2),
        "passport": st.sampled_from([None, "P1111111", "P2222222"]),
    }
)


@pytest.fixture
def world(athens, settings):
    settings.KEM_STATISTICS_OPEN_CACHE_SECONDS = 0
    settings.KEM_STATISTICS_CACHE_SECONDS = 0
    return build_world(athens)


def _fill(world, person, spec) -> None:
    for area, sessions in spec["cases"].items():
        open_case(world, person, area, sessions=sessions)
    for index, (status, lesson_marks) in spec["enrolments"].items():
        enrol(
            world,
            person,
            world.classes[index],
            status=status,
            marks=lesson_marks if status == "enrolled" else {},
        )
    for _ in range(spec["referrals"]):
        refer(world, person)
    for _ in range(spec["interpreters"]):
        ask_interpreter(world, person)
    for i in range(spec["consents"]):
        consent_record(
            beneficiary=person,
            purpose=["data_processing", "sms_contact"][i],
            given_on=timezone.localdate(),
            method="signed_form",
            by=world.officer,
        )


def _sealed_history_opens() -> int:
    opened = 0
    for model, names in (
        (Session, ("summary", "confidential_note")),
        (Referral, ("reason",)),
        (InterpreterRequest, ("notes",)),
    ):
        for row in model.history.all():
            for name in names:
                getattr(row.instance, name)
                opened += 1
    return opened


@given(first=side, second=side, household=st.sampled_from([None, "survivor", "duplicate"]))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_two_records_merge_and_nothing_is_lost(world, first, second, household):
    with transaction.atomic():
        survivor = register(
            world, given="Μοχάμεντ", documents=passport(first["passport"]) if first["passport"] else None
        )
        duplicate = register(
            world, given="Μουχάμαντ", documents=passport(second["passport"]) if second["passport"] else None
        )
        _fill(world, survivor, first)
        _fill(world, duplicate, second)
        relative = None
        if household:
            relative = register(world, given="Σαμίρ", family="Άλλος")
            head = survivor if household == "survivor" else duplicate
            household_link(head=head, member=relative, relationship=Relationship.CHILD, by=world.officer)
        sessions = set(Session.objects.values_list("pk", flat=True))
        referrals = set(Referral.objects.values_list("pk", flat=True))
        requests = set(InterpreterRequest.objects.values_list("pk", flat=True))
        consents = set(Consent.objects.values_list("pk", flat=True))
        best: dict[tuple[int, int], str] = {}  # (class, lesson) -> the best mark either had
        for row in Attendance.objects.select_related("enrolment"):
            key = (row.enrolment.course_class_id, row.lesson_id)
            if key not in best or MARK_ORDER.index(row.mark) > MARK_ORDER.index(best[key]):
                best[key] = row.mark
        classes = set(Enrolment.objects.values_list("course_class", flat=True))
        areas = set(first["cases"]) | set(second["cases"])
        plan = merge_plan(merge_facts(survivor=survivor, duplicate=duplicate))

        record = beneficiary_merge(survivor=survivor, duplicate=duplicate, by=world.manager)

        # Nothing lost: every session, referral, request, consent and attendance mark is the survivor's.
        assert (
            set(Session.objects.filter(case__beneficiary=survivor).values_list("pk", flat=True)) == sessions
        )
        assert set(Referral.objects.filter(beneficiary=survivor).values_list("pk", flat=True)) == referrals
        assert (
            set(InterpreterRequest.objects.filter(beneficiary=survivor).values_list("pk", flat=True))
            == requests
        )
        assert set(Consent.objects.filter(beneficiary=survivor).values_list("pk", flat=True)) == consents
        after = {
            (row.enrolment.course_class_id, row.lesson_id): row.mark
            for row in Attendance.objects.select_related("enrolment").filter(enrolment__beneficiary=survivor)
        }
        assert after == best
        # One record of what a person may hold once: one enrolment per class, one open case per area.
        assert sorted(
            Enrolment.objects.filter(beneficiary=survivor).values_list("course_class", flat=True)
        ) == sorted(classes)
        open_areas = list(
            Case.objects.filter(beneficiary=survivor, closed_on__isnull=True).values_list("area", flat=True)
        )
        assert sorted(open_areas) == sorted(areas)
        assert not Case.objects.filter(beneficiary=duplicate).exists()
        if household:
            assert (
                HouseholdMember.objects.get(beneficiary=relative)
                .household.members.filter(beneficiary=survivor)
                .exists()
            )
        # Every sealed value and every history row still opens.
        for session in Session.objects.all():
            assert session.summary.startswith("Συνάντηση")
        _sealed_history_opens()
        # The record says what the page showed.
        moved = {k: v for k, v in record.moved.items() if k not in ("history_resealed", "documents")}
        assert moved == plan.counts()
        # Statistics count the person once (and the relative, if any).
        served = dict(
            zip(
                [code for code, _ in headline(_scope(world))[0].rows],
                headline(_scope(world))[0].row_totals,
                strict=True,
            )
        )
        assert served["served"] == 1 + (relative is not None)
        assert served["registered"] == 1 + (relative is not None)
        assert Beneficiary.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk
        transaction.set_rollback(True)


def _scope(world) -> Scope:
    return Scope(centre_ids=(world.centre.pk,), start=START, end=timezone.localdate())
