"""Results at the end of a class: completed learners who attended at least the course's threshold
(80% by default) and passed the final assessment, if the course has one, graduate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from courses.models import AttendanceMark, ClassStatus, EnrolmentStatus
from courses.selectors.attendance import RESULTS_READ_ACTION
from courses.services.attendance import attendance_record
from courses.services.certificates import certificate_issue
from courses.services.results import results_record
from kem.models import AccessEvent

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
P, A = AttendanceMark.PRESENT, AttendanceMark.ABSENT


@pytest.fixture
def ended_class(make_class, teacher):
    """A class that ended yesterday, with ten lessons over its last ten days."""
    return make_class(teacher=teacher, start_date=TODAY - 60 * DAY, end_date=TODAY - DAY)


@pytest.fixture
def attended(ended_class, lesson_on, manager):
    """attended(enrolment_to_count) -> ten lessons held, each learner present that many times."""

    def hold(counts: dict) -> None:
        for i in range(10):
            lesson = lesson_on(ended_class, TODAY - (10 - i) * DAY)
            attendance_record(
                lesson=lesson, marks={e.pk: P if i < n else A for e, n in counts.items()}, by=manager
            )

    return hold


@pytest.fixture
def three(ended_class, learners):
    return learners(ended_class, 3)


def _statuses(enrolments) -> list[str]:
    for enrolment in enrolments:
        enrolment.refresh_from_db()
    return [e.status for e in enrolments]


def test_completing_with_at_least_80_percent_graduates_less_does_not(ended_class, teacher, three, attended):
    nine, eight, seven = three
    attended({nine: 9, eight: 8, seven: 7})

    results_record(
        course_class=ended_class,
        results={e.pk: {"completed": True, "passed": None} for e in three},
        by=teacher,
    )

    assert _statuses(three) == [
        EnrolmentStatus.GRADUATED,
        EnrolmentStatus.GRADUATED,
        EnrolmentStatus.COMPLETED,
    ]
    assert all(e.completed and e.result_recorded_at and e.ended_at for e in three)
    assert three[0].history.first().history_user == teacher


def test_the_threshold_is_the_courses_own(ended_class, teacher, three, attended, greek_a1):
    greek_a1.attendance_threshold = 90
    greek_a1.save()
    nine, eight, _ = three
    attended({nine: 9, eight: 8})

    results_record(
        course_class=ended_class,
        results={nine.pk: {"completed": True}, eight.pk: {"completed": True}},
        by=teacher,
    )

    assert _statuses([nine, eight]) == [EnrolmentStatus.GRADUATED, EnrolmentStatus.COMPLETED]


def test_a_learner_who_did_not_complete_does_not_graduate_whatever_their_attendance(
    ended_class, teacher, three, attended
):
    full = three[0]
    attended({full: 10})

    results_record(course_class=ended_class, results={full.pk: {"completed": False}}, by=teacher)

    full.refresh_from_db()
    assert (full.status, full.completed) == (EnrolmentStatus.COMPLETED, False)


def test_with_a_final_assessment_only_those_who_passed_graduate(
    ended_class, teacher, three, attended, greek_a1
):
    greek_a1.has_final_assessment = True
    greek_a1.save()
    passed, failed, _ = three
    attended({passed: 10, failed: 10})

    results_record(
        course_class=ended_class,
        results={
            passed.pk: {"completed": True, "passed": True},
            failed.pk: {"completed": True, "passed": False},
        },
        by=teacher,
    )

    assert _statuses([passed, failed]) == [EnrolmentStatus.GRADUATED, EnrolmentStatus.COMPLETED]
    assert (passed.passed_assessment, failed.passed_assessment) == (True, False)


def test_the_assessment_result_is_required_of_those_who_completed(ended_class, teacher, three, greek_a1):
    greek_a1.has_final_assessment = True
    greek_a1.save()

    with pytest.raises(ValidationError) as refused:
        results_record(course_class=ended_class, results={three[0].pk: {"completed": True}}, by=teacher)

    assert refused.value.error_list[0].code == "assessment_missing"


def test_without_a_final_assessment_a_passed_flag_is_ignored(ended_class, teacher, three, attended):
    attended({three[0]: 10})

    results_record(
        course_class=ended_class, results={three[0].pk: {"completed": True, "passed": False}}, by=teacher
    )

    three[0].refresh_from_db()
    assert (three[0].status, three[0].passed_assessment) == (EnrolmentStatus.GRADUATED, None)


def test_results_wait_for_the_end_of_the_class(course_class, teacher, amina):
    course_class.end_date = TODAY
    course_class.save()

    with pytest.raises(ValidationError) as refused:
        results_record(course_class=course_class, results={amina.pk: {"completed": True}}, by=teacher)

    assert refused.value.error_list[0].code == "class_not_ended"


def test_a_finished_class_takes_results_before_its_end_date(course_class, teacher, amina):
    course_class.status = ClassStatus.FINISHED
    course_class.end_date = TODAY + 30 * DAY
    course_class.save()

    results_record(course_class=course_class, results={amina.pk: {"completed": True}}, by=teacher)

    amina.refresh_from_db()
    assert amina.status == EnrolmentStatus.COMPLETED  # no lesson held: 0% attendance


def test_only_the_classs_teacher_or_the_centres_manager_record_results(
    ended_class, manager, other_teacher, officer, other_manager, three
):
    for user in (other_teacher, officer, other_manager):
        with pytest.raises(PermissionDenied):
            results_record(course_class=ended_class, results={three[0].pk: {"completed": True}}, by=user)

    results_record(course_class=ended_class, results={three[0].pk: {"completed": True}}, by=manager)


def test_a_learner_not_on_the_class_is_refused(ended_class, teacher, course_class, amina):
    with pytest.raises(ValidationError) as refused:
        results_record(course_class=ended_class, results={amina.pk: {"completed": True}}, by=teacher)

    assert refused.value.error_list[0].code == "not_on_roster"


def test_a_certificate_holder_cannot_be_turned_back_into_a_non_graduate(
    ended_class, teacher, three, attended
):
    holder = three[0]
    attended({holder: 10})
    results_record(course_class=ended_class, results={holder.pk: {"completed": True}}, by=teacher)
    holder.refresh_from_db()
    certificate_issue(enrolment=holder, by=teacher)

    with pytest.raises(ValidationError) as refused:
        results_record(course_class=ended_class, results={holder.pk: {"completed": False}}, by=teacher)

    assert refused.value.error_list[0].code == "certificate_issued"
    holder.refresh_from_db()
    assert holder.status == EnrolmentStatus.GRADUATED


# --- the results page ----------------------------------------------------------------------------


def test_the_results_page_saves_each_learners_result(client, ended_class, teacher, three, attended):
    nine, eight, seven = three
    attended({nine: 9, eight: 8, seven: 7})
    client.force_login(teacher)

    page = client.get(reverse("class-results", args=[ended_class.pk]))
    assert page.status_code == 200
    # Learners in name order: Μαθητής0, Μαθητής1, Μαθητής2.
    assert [(row.enrolment, row.figures.attended) for row, _, _ in page.context["rows"]] == [
        (nine, 9),
        (eight, 8),
        (seven, 7),
    ]
    response = client.post(
        reverse("class-results", args=[ended_class.pk]),
        {f"completed_{nine.pk}": "on", f"completed_{seven.pk}": "on"},
    )

    assert response.status_code == 302
    assert _statuses(three) == [
        EnrolmentStatus.GRADUATED,
        EnrolmentStatus.COMPLETED,
        EnrolmentStatus.COMPLETED,
    ]
    assert (eight.completed, seven.completed) == (False, True)
    assert AccessEvent.objects.filter(action=RESULTS_READ_ACTION, user=teacher).count() == 3


def test_the_results_page_shows_the_rule_broken_before_the_end(client, course_class, teacher, amina):
    client.force_login(teacher)

    response = client.get(reverse("class-results", args=[course_class.pk]))

    assert response.context["results_open"] is False
    assert "data-results-closed" in response.content.decode()
    assert 'data-action="save-results"' not in response.content.decode()
    response = client.post(reverse("class-results", args=[course_class.pk]), {f"completed_{amina.pk}": "on"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    amina.refresh_from_db()
    assert amina.result_recorded_at is None
