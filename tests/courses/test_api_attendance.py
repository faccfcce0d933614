"""The lessons and attendance API: the same scope and rules as the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from courses.models import Attendance, AttendanceMark
from courses.services.attendance import attendance_record
from kem.models import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def lesson(course_class, lesson_on):
    return lesson_on(course_class, TODAY)


def _sheet_url(lesson) -> str:
    return reverse("api:lesson-attendance", args=[lesson.pk])


# --- lessons -------------------------------------------------------------------------------------


def test_a_teacher_lists_the_lessons_of_their_own_classes_only(
    api, teacher, other_teacher, course_class, make_class, lesson_on, lesson
):
    lesson_on(make_class(teacher=other_teacher), TODAY)
    api.force_authenticate(teacher)

    response = api.get(reverse("api:lesson-list"))

    assert response.status_code == 200
    (only,) = response.json()["results"]
    assert (only["id"], only["course_class"], only["date"], only["hours"], only["status"]) == (
        lesson.pk,
        course_class.pk,
        TODAY.isoformat(),
        "2.00",
        "scheduled",
    )


def test_the_front_desk_lists_the_centres_lessons(api, officer, lesson, make_class, lesson_on):
    other = lesson_on(make_class(), TODAY + DAY)
    api.force_authenticate(officer)

    response = api.get(reverse("api:lesson-list"), {"date": TODAY.isoformat()})

    assert [row["id"] for row in response.json()["results"]] == [lesson.pk]
    assert other.pk not in [
        row["id"]
        for row in api.get(reverse("api:lesson-list"), {"class": lesson.course_class_id}).json()["results"]
    ]


def test_another_centre_sees_no_lesson_and_gets_404(api, other_manager, lesson):
    api.force_authenticate(other_manager)

    assert api.get(reverse("api:lesson-list")).json()["results"] == []
    assert api.get(reverse("api:lesson-detail", args=[lesson.pk])).status_code == 404


def test_a_bad_filter_is_a_400(api, teacher, lesson):
    api.force_authenticate(teacher)

    assert api.get(reverse("api:lesson-list"), {"date": "yesterday"}).status_code == 400


def test_anonymous_callers_are_refused(api, lesson):
    assert api.get(reverse("api:lesson-list")).status_code in (401, 403)


# --- the sheet -----------------------------------------------------------------------------------


def test_the_teacher_reads_the_sheet_present_by_default(api, teacher, lesson, amina, learners, course_class):
    (other,) = learners(course_class, 1)
    attendance_record(lesson=lesson, marks={other.pk: AttendanceMark.LATE}, by=teacher)
    api.force_authenticate(teacher)

    response = api.get(_sheet_url(lesson))

    assert response.status_code == 200
    body = response.json()
    assert (body["lesson"], body["may_edit"], body["lock"]) == (lesson.pk, True, "")
    assert [(m["enrolment"], m["mark"], m["recorded"], m["placement_level"]) for m in body["marks"]] == [
        (amina.pk, "present", False, "A1"),
        (other.pk, "late", True, "A1"),
    ]
    # The sheet carries enrolment ids, never names: the app shows names from its own roster.
    assert {key for mark in body["marks"] for key in mark} == {
        "enrolment",
        "mark",
        "recorded",
        "recorded_at",
        "recorded_by",
        "placement_level",
    }
    text = response.content.decode()
    for enrolment in (amina, other):
        person = enrolment.beneficiary
        assert person.given_name not in text and person.family_name not in text


def test_the_teacher_saves_a_whole_sheet_in_one_request(api, teacher, lesson, amina, learners, course_class):
    (other,) = learners(course_class, 1)
    api.force_authenticate(teacher)

    response = api.put(
        _sheet_url(lesson),
        {"marks": [{"enrolment": amina.pk, "mark": "absent"}, {"enrolment": other.pk, "mark": "present"}]},
        format="json",
    )

    assert response.status_code == 200
    assert dict(Attendance.objects.values_list("enrolment_id", "mark")) == {
        amina.pk: "absent",
        other.pk: "present",
    }
    assert [m["recorded"] for m in response.json()["marks"]] == [True, True]
    assert response.json()["attendance_taken_at"] is not None


def test_the_front_desk_may_look_at_lessons_but_gets_403_on_the_sheet(api, officer, lesson, amina):
    api.force_authenticate(officer)

    assert api.get(reverse("api:lesson-detail", args=[lesson.pk])).status_code == 200
    assert api.get(_sheet_url(lesson)).status_code == 403
    response = api.put(
        _sheet_url(lesson), {"marks": [{"enrolment": amina.pk, "mark": "absent"}]}, format="json"
    )
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_another_centre_and_a_teacher_of_another_class_get_404_on_the_sheet(
    api, other_manager, other_teacher, make_staff, thessaloniki, lesson, amina
):
    for user in (other_manager, other_teacher, make_staff(Role.TEACHER, thessaloniki)):
        api.force_authenticate(user)
        assert api.get(_sheet_url(lesson)).status_code == 404
        assert (
            api.put(
                _sheet_url(lesson), {"marks": [{"enrolment": amina.pk, "mark": "absent"}]}, format="json"
            ).status_code
            == 404
        )


def test_after_a_week_the_teacher_gets_403_and_the_manager_still_saves(
    api, teacher, manager, course_class, lesson_on, amina
):
    old = lesson_on(course_class, TODAY - 8 * DAY)
    payload = {"marks": [{"enrolment": amina.pk, "mark": "excused"}]}

    api.force_authenticate(teacher)
    sheet = api.get(_sheet_url(old)).json()
    refused = api.put(_sheet_url(old), payload, format="json")
    api.force_authenticate(manager)
    saved = api.put(_sheet_url(old), payload, format="json")

    assert (sheet["may_edit"], sheet["lock"]) == (False, "window_passed")
    assert refused.status_code == 403
    assert saved.status_code == 200
    assert Attendance.objects.get().recorded_by == manager


def test_a_learner_of_another_class_is_a_400_with_its_code(
    api, teacher, lesson, make_class, enrol_in, make_person
):
    stranger = enrol_in(make_class(teacher=teacher), make_person("Ομάρ"))
    api.force_authenticate(teacher)

    response = api.put(
        _sheet_url(lesson), {"marks": [{"enrolment": stranger.pk, "mark": "present"}]}, format="json"
    )

    assert response.status_code == 400
    assert response.data["non_field_errors"][0].code == "not_on_roster"


def test_an_unknown_mark_or_a_learner_twice_is_a_400(api, teacher, lesson, amina):
    api.force_authenticate(teacher)

    unknown = api.put(
        _sheet_url(lesson), {"marks": [{"enrolment": amina.pk, "mark": "asleep"}]}, format="json"
    )
    twice = api.put(
        _sheet_url(lesson),
        {"marks": [{"enrolment": amina.pk, "mark": "present"}, {"enrolment": amina.pk, "mark": "absent"}]},
        format="json",
    )

    assert unknown.status_code == 400
    assert twice.status_code == 400
    assert twice.data["marks"][0].code == "duplicate_enrolment"
    assert not Attendance.objects.exists()


def test_the_schema_describes_the_lessons_api(api, manager):
    api.force_authenticate(manager)

    schema = api.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()

    assert "/api/v1/lessons/" in schema["paths"]
    assert set(schema["paths"]["/api/v1/lessons/{id}/attendance/"]) >= {"get", "put"}
