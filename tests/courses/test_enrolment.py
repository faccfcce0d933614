"""Enrolling: a seat if there is one, the waiting list if not; refused (with a clear message and a
stable code) when the class takes no enrolments, the person is already on it, in another class of
the same course, or enrolled in a class meeting at the same time. Ending a place."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from courses.models import ClassStatus, Enrolment, EnrolmentStatus, Level, PlacementSource
from courses.services.enrolment import enrolment_create, enrolment_withdraw, waitlist_leave
from kem.services.people import beneficiary_merge

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are worded when raised: these tests read them in English."""
    with translation.override("en"):
        yield


def _refusal(invalid: ValidationError) -> tuple[str, str]:
    error = invalid.error_list[0]
    return error.code, str(error.message % error.params if error.params else error.message)


def test_a_person_gets_a_seat_with_their_placement_level(officer, course_class, person):
    enrolment = enrolment_create(
        course_class=course_class,
        beneficiary=person,
        by=officer,
        placement_level=Level.A2,
        placement_source=PlacementSource.TEST,
    )

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert enrolment.enrolled_at is not None and enrolment.waitlisted_at is None
    assert (enrolment.placement_level, enrolment.placement_source) == ("A2", "test")
    assert enrolment.created_by == officer
    assert enrolment.history.first().history_user == officer


def test_a_full_class_puts_the_person_on_its_waiting_list(officer, make_class, make_person, enrol):
    course_class = make_class(capacity=1)
    enrol(course_class, make_person())

    waiting = enrolment_create(course_class=course_class, beneficiary=make_person(), by=officer)

    assert waiting.status == EnrolmentStatus.WAITLISTED
    assert waiting.waitlisted_at is not None and waiting.enrolled_at is None
    assert course_class.enrolments.enrolled().count() == 1


def test_the_manager_enrols_too(manager, course_class, person):
    assert enrolment_create(course_class=course_class, beneficiary=person, by=manager).status == "enrolled"


@pytest.mark.parametrize("status", [ClassStatus.FINISHED, ClassStatus.CANCELLED])
def test_a_finished_or_cancelled_class_takes_no_enrolments(officer, make_class, person, status):
    with pytest.raises(ValidationError) as refused:
        enrolment_create(course_class=make_class(status=status), beneficiary=person, by=officer)

    code, message = _refusal(refused.value)
    assert code == "class_not_enrolling"
    assert "not taking enrolments" in message
    assert not Enrolment.objects.exists()


def test_a_planned_or_running_class_takes_enrolments(officer, make_class, make_person):
    for status in (ClassStatus.PLANNED, ClassStatus.RUNNING):
        enrolment = enrolment_create(
            course_class=make_class(status=status), beneficiary=make_person(), by=officer
        )
        assert enrolment.status == "enrolled"


def test_a_person_is_on_a_class_once(officer, course_class, person, enrol):
    enrol(course_class, person)

    with pytest.raises(ValidationError) as refused:
        enrolment_create(course_class=course_class, beneficiary=person, by=officer)

    assert _refusal(refused.value)[0] == "already_on_class"


def test_not_in_two_classes_of_the_same_course(officer, make_class, person, enrol):
    morning = make_class(name="Α1 – πρωί", slots=((0, "09:00", "11:00"),))
    evening = make_class(name="Α1 – απόγευμα", slots=((1, "18:00", "20:00"),))
    enrol(morning, person)

    with pytest.raises(ValidationError) as refused:
        enrolment_create(course_class=evening, beneficiary=person, by=officer)

    code, message = _refusal(refused.value)
    assert code == "same_course"
    assert "another class of this course (Α1 – πρωί)" in message
    assert "Αμίνα" not in message


def test_waiting_for_a_class_of_the_course_also_counts(officer, make_class, make_person, person, enrol):
    full = make_class(capacity=1, slots=((0, "09:00", "11:00"),))
    enrol(full, make_person())
    assert enrol(full, person).status == "waitlisted"

    with pytest.raises(ValidationError) as refused:
        enrolment_create(
            course_class=make_class(slots=((4, "09:00", "11:00"),)), beneficiary=person, by=officer
        )

    assert _refusal(refused.value)[0] == "same_course"


def test_after_leaving_a_class_the_person_may_join_another_of_the_course(officer, make_class, person, enrol):
    first = enrol(make_class(slots=((0, "09:00", "11:00"),)), person)
    enrolment_withdraw(enrolment=first, by=officer)

    again = enrolment_create(
        course_class=make_class(slots=((1, "09:00", "11:00"),)), beneficiary=person, by=officer
    )

    assert again.status == "enrolled"


def test_not_in_classes_whose_lessons_overlap(officer, make_class, make_course, person, enrol):
    english = make_course()
    enrol(make_class(course=english, name="Αγγλικά", slots=((2, "11:00", "13:00"),)), person)

    with pytest.raises(ValidationError) as refused:
        enrolment_create(course_class=make_class(), beneficiary=person, by=officer)  # Mon & Wed 10–12

    code, message = _refusal(refused.value)
    assert code == "schedule_clash"
    assert "Αγγλικά" in message and "overlap" in message


def test_classes_on_the_same_day_at_other_times_do_not_clash(officer, make_class, make_course, person, enrol):
    enrol(make_class(course=make_course(), slots=((0, "12:00", "14:00"),)), person)

    assert enrol(make_class(), person).status == "enrolled"  # Mon & Wed 10–12


def test_classes_in_different_periods_do_not_clash(officer, make_class, make_course, person, enrol):
    enrol(
        make_class(course=make_course(), start_date=dt.date(2026, 10, 1), end_date=dt.date(2027, 2, 26)),
        person,
    )

    assert enrol(make_class(), person).status == "enrolled"  # from 1 March 2027


def test_a_short_overlap_without_that_weekday_does_not_clash(officer, make_class, make_course, person, enrol):
    # The other class ends on Friday 5 March; the two weeks overlap only from Monday 1 to Friday 5
    # March, and that class meets on Saturdays.
    enrol(
        make_class(
            course=make_course(),
            slots=((5, "10:00", "12:00"),),
            start_date=dt.date(2027, 1, 1),
            end_date=dt.date(2027, 3, 5),
        ),
        person,
    )
    saturday_class = make_class(slots=((5, "11:00", "13:00"),))

    assert enrol(saturday_class, person).status == "enrolled"


def test_waiting_for_an_overlapping_class_does_not_clash(
    officer, make_class, make_course, make_person, person, enrol
):
    other = make_class(course=make_course(), capacity=1)
    enrol(other, make_person())
    assert enrol(other, person).status == "waitlisted"

    assert enrol(make_class(), person).status == "enrolled"


def test_a_person_of_another_centre_is_unknown(
    officer, course_class, make_person, thessaloniki, other_officer
):
    theirs = make_person(centre=thessaloniki)

    with pytest.raises(ValidationError) as refused:
        enrolment_create(course_class=course_class, beneficiary=theirs, by=officer)

    assert refused.value.error_dict["beneficiary"][0].code == "unknown_person"


@pytest.mark.parametrize(
    "role_fixture", ["teacher", "counsellor", "analyst", "other_officer", "other_manager"]
)
def test_only_the_front_desk_and_manager_of_the_centre_enrol(request, course_class, person, role_fixture):
    with pytest.raises(PermissionDenied):
        enrolment_create(
            course_class=course_class, beneficiary=person, by=request.getfixturevalue(role_fixture)
        )


def test_a_placement_level_says_how_it_was_found(officer, course_class, person):
    with pytest.raises(ValidationError) as refused:
        enrolment_create(course_class=course_class, beneficiary=person, by=officer, placement_level=Level.A1)
    assert refused.value.error_dict["placement_source"][0].code == "placement_source_required"

    with pytest.raises(ValidationError) as refused:
        enrolment_create(
            course_class=course_class,
            beneficiary=person,
            by=officer,
            placement_source=PlacementSource.TEACHER,
        )
    assert refused.value.error_dict["placement_level"][0].code == "placement_level_required"


# --- ending a place ----------------------------------------------------------------------------


def test_withdrawing_ends_the_place_with_the_time(officer, course_class, person, enrol):
    enrolment = enrol(course_class, person)

    enrolment_withdraw(enrolment=enrolment, by=officer)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert enrolment.ended_at is not None
    assert enrolment.history.first().history_user == officer


def test_an_enrolled_learner_drops_out(officer, course_class, person, enrol):
    enrolment = enrol(course_class, person)

    enrolment_withdraw(enrolment=enrolment, by=officer, dropped=True)

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.DROPPED


def test_a_waiting_person_does_not_drop_out_but_leaves_the_list(
    officer, make_class, make_person, person, enrol
):
    course_class = make_class(capacity=1)
    enrol(course_class, make_person())
    waiting = enrol(course_class, person)

    with pytest.raises(ValidationError) as refused:
        enrolment_withdraw(enrolment=waiting, by=officer, dropped=True)
    assert _refusal(refused.value)[0] == "not_enrolled"

    waitlist_leave(enrolment=waiting, by=officer)
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.WITHDRAWN


def test_a_place_ends_once(officer, course_class, person, enrol):
    enrolment = enrol(course_class, person)
    enrolment_withdraw(enrolment=enrolment, by=officer)

    with pytest.raises(ValidationError) as refused:
        enrolment_withdraw(enrolment=enrolment, by=officer)
    assert _refusal(refused.value)[0] == "not_active"
    with pytest.raises(ValidationError) as refused:
        waitlist_leave(enrolment=enrolment, by=officer)
    assert _refusal(refused.value)[0] == "not_waiting"


def test_a_teacher_may_not_end_a_place(teacher, course_class, person, enrol):
    enrolment = enrol(course_class, person)

    with pytest.raises(PermissionDenied):
        enrolment_withdraw(enrolment=enrolment, by=teacher)


def test_two_records_of_one_person_in_the_same_class_become_one_enrolment(
    manager, course_class, make_person, enrol
):
    # Both records hold a seat in the class: the merge keeps one (the survivor's when they are
    # equal), never two active places of one person in one class.
    survivor, duplicate = make_person("Σαμίρ"), make_person("Σαμιρ")
    kept = enrol(course_class, survivor)
    enrol(course_class, duplicate)

    record = beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)

    assert list(Enrolment.objects.filter(course_class=course_class).values_list("pk", "beneficiary")) == [
        (kept.pk, survivor.pk)
    ]
    assert record.moved == {"combined.courses.enrolment": 1}
