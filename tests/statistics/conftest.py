"""Fixtures of the statistics tests: staff, people with known categories, and activities made
directly on the models (so a known cohort's figures can be worked out by hand).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.cache import cache
from django.utils import timezone

# --- people and activities -------------------------------------------------------------------
from cases.models import (
    BenefitService,
    Case,
    EmploymentOutcome,
    InterpreterRequest,
    Language,
    OpenReason,
    OutcomeKind,
    RequestStatus,
    ServiceArea,
    Session,
    SessionStatus,
)
from cases.reference import seed_reference_data
from courses.models import (
    Attendance,
    Certificate,
    ClassStatus,
    Course,
    CourseClass,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    Level,
    Subject,
)
from kem import services
from kem.models import Discipline, Role
from partners.models import Organisation, OrganisationType, PartnerService, ServiceCategory
from referrals.models import Referral, ReferralStatus

_serial = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """An aware local datetime on ``day``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture(autouse=True)
def _empty_statistics_cache():
    """Cached figures of one test must not answer another."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _reference_data(db):
    if not (Language.objects.exists() and BenefitService.objects.exists()):
        seed_reference_data()


@pytest.fixture
def counsellor(make_staff, athens):
    return make_staff(Role.COUNSELLOR, athens, Discipline.EMPLOYMENT)


@pytest.fixture
def other_manager(make_staff, thessaloniki):
    return make_staff(Role.MANAGER, thessaloniki)


@pytest.fixture
def make_person(athens, officer):
    """make_person(centre=athens, **categories) -> a registered beneficiary (birth year 1990,
    registered on 2024-12-01 unless given)."""

    def make(centre=None, registered=dt.date(2024, 12, 1), **data):
        values = {"given_name": "Πρόσωπο", "family_name": f"Δοκιμής{next(_serial)}", "birth_year": 1990}
        values.update(data)
        person = services.beneficiary_register(
            centre=centre or athens, by=officer, data=values, check_duplicates=False
        )
        type(person).objects.filter(pk=person.pk).update(registration_date=registered)
        person.registration_date = registered
        return person

    return make


@pytest.fixture
def held_session(athens, counsellor):
    """held_session(person, day, area=employment, centre=athens, status=held) -> a session."""
    cases: dict = {}

    def make(person, day, area=ServiceArea.EMPLOYMENT, centre=None, status=SessionStatus.HELD):
        centre = centre or athens
        key = (person.pk, centre.pk, area)
        if key not in cases:
            cases[key] = Case.objects.create(
                beneficiary=person,
                centre=centre,
                area=area,
                counsellor=counsellor,
                open_reason=OpenReason.SELF,
                opened_by=counsellor,
                opened_on=day,
            )
        return Session.objects.create(
            case=cases[key],
            counsellor=counsellor,
            starts_at=at(day),
            status=status,
            created_by=counsellor,
        )

    make.cases = cases
    return make


@pytest.fixture
def interpreter_request(athens, officer):
    """interpreter_request(person, day, language="fa", status=booked, centre=athens)."""

    def make(person, day, language="fa", status=RequestStatus.BOOKED, centre=None):
        return InterpreterRequest.objects.create(
            beneficiary=person,
            centre=centre or athens,
            language=Language.objects.get(code=language, dialect=""),
            starts_at=at(day),
            status=status,
            requested_by=officer,
        )

    return make


@pytest.fixture
def shelter(db):
    organisation = Organisation.objects.create(name_el="Στέγη", name_en="Shelter", type=OrganisationType.NGO)
    return PartnerService.objects.create(
        organisation=organisation, name_el="Φιλοξενία", name_en="Shelter", category=ServiceCategory.SHELTER
    )


@pytest.fixture
def job_placement(db):
    organisation = Organisation.objects.create(name_el="ΔΥΠΑ", name_en="DYPA", type=OrganisationType.PUBLIC)
    return PartnerService.objects.create(
        organisation=organisation,
        name_el="Θέσεις εργασίας",
        name_en="Job placement",
        category=ServiceCategory.JOB_PLACEMENT,
    )


@pytest.fixture
def sent_referral(athens, officer, shelter):
    """sent_referral(person, day, status=sent, service=shelter, successful=None, answered=False)."""

    def make(
        person, day, status=ReferralStatus.SENT, service=None, successful=None, answered=None, centre=None
    ):
        if answered is None:
            answered = status not in (ReferralStatus.SENT, ReferralStatus.WITHDRAWN)
        return Referral.objects.create(
            beneficiary=person,
            centre=centre or athens,
            service=service or shelter,
            reason="Λόγος παραπομπής",
            contact_person=officer,
            created_by=officer,
            status=status,
            sent_at=at(day),
            responded_at=at(day, 15) if answered else None,
            outcome_successful=successful,
        )

    return make


@pytest.fixture
def greek_a1(db):
    return Course.objects.create(
        name_el="Ελληνικά Α1", name_en="Greek A1", subject=Subject.GREEK, level=Level.A1, planned_hours=60
    )


@pytest.fixture
def make_class(athens, greek_a1):
    """make_class(course=greek_a1, start, end, status=running, centre=athens) -> a class."""

    def make(
        course=None,
        start=dt.date(2025, 2, 3),
        end=dt.date(2025, 5, 30),
        status=ClassStatus.RUNNING,
        centre=None,
    ):
        return CourseClass.objects.create(
            course=course or greek_a1,
            centre=centre or athens,
            name=f"Τμήμα {next(_serial)}",
            capacity=20,
            start_date=start,
            end_date=end,
            status=status,
        )

    return make


@pytest.fixture
def enrol(officer):
    """enrol(person, course_class, day, status=enrolled, waited_days=None, ended=None)."""

    def make(person, course_class, day, status=EnrolmentStatus.ENROLLED, waited_days=None, ended=None):
        enrolled_at = at(day) if status != EnrolmentStatus.WAITLISTED else None
        waitlisted_at = None
        if waited_days is not None:
            waitlisted_at = at(day - dt.timedelta(days=waited_days))
        return Enrolment.objects.create(
            beneficiary=person,
            course_class=course_class,
            status=status,
            enrolled_at=enrolled_at,
            waitlisted_at=waitlisted_at,
            ended_at=at(ended) if ended else None,
            result_recorded_at=at(ended) if ended and status == EnrolmentStatus.GRADUATED else None,
            created_by=officer,
        )

    return make


@pytest.fixture
def lesson_marks(officer):
    """lesson_marks(course_class, day, {enrolment: mark}) -> the lesson, with its marks."""

    def make(course_class, day, marks):
        lesson = Lesson.objects.create(
            course_class=course_class, date=day, starts_at=dt.time(10), ends_at=dt.time(12)
        )
        for enrolment, mark in marks.items():
            Attendance.objects.create(enrolment=enrolment, lesson=lesson, mark=mark, recorded_by=officer)
        return lesson

    return make


@pytest.fixture
def certificate(officer):
    """certificate(enrolment, day, revoked=False) -> a certificate issued on ``day``."""

    def make(enrolment, day, revoked=False):
        n = next(_serial)
        return Certificate.objects.create(
            enrolment=enrolment,
            number=f"T-{n}",
            code=f"CODE{n:08d}",
            holder_name="Όνομα",
            hours_attended=50,
            attendance_percent=90,
            issued_on=day,
            issued_by=officer,
            revoked_at=at(day) if revoked else None,
        )

    return make


@pytest.fixture
def employment_outcome(counsellor):
    """employment_outcome(case, day, kind=employed)."""

    def make(case, day, kind=OutcomeKind.EMPLOYED):
        return EmploymentOutcome.objects.create(case=case, kind=kind, achieved_on=day, recorded_by=counsellor)

    return make
