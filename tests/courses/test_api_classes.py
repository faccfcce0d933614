"""The API of the catalogue, classes and enrolments: the same rules as the pages (scoped lists,
404 for another centre's class or a class a teacher does not teach, 403 for those who only look),
refusals as 400s with their codes, and a teacher reading only names and levels (traced)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from courses.api.classes import API_LISTED_ACTION
from courses.models import ClassStatus, Course, CourseClass, Enrolment
from kem.models import AccessEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _as(api, user) -> APIClient:
    api.force_authenticate(user)
    return api


COURSE = {
    "name_el": "Αγγλικά Α1",
    "name_en": "English A1",
    "subject": "english",
    "level": "A1",
    "planned_hours": 60,
}


# --- courses -----------------------------------------------------------------------------------


def test_staff_who_read_the_catalogue_list_it(api, officer, teacher, greek_a1):
    for user in (officer, teacher):
        body = _as(api, user).get(reverse("api:course-list")).json()
        assert [c["id"] for c in body["results"]] == [greek_a1.pk]
        assert body["results"][0]["attendance_threshold"] == 80


def test_a_counsellor_does_not_read_the_catalogue(api, counsellor):
    assert _as(api, counsellor).get(reverse("api:course-list")).status_code == 403


def test_a_manager_adds_a_course_and_others_may_not(api, manager, officer):
    assert _as(api, officer).post(reverse("api:course-list"), COURSE, format="json").status_code == 403

    response = _as(api, manager).post(reverse("api:course-list"), COURSE, format="json")

    assert response.status_code == 201
    assert Course.objects.get(pk=response.json()["id"]).attendance_threshold == 80


def test_a_wrong_level_is_a_400_by_the_field(api, manager):
    response = _as(api, manager).post(reverse("api:course-list"), {**COURSE, "level": "basic"}, format="json")

    assert response.status_code == 400
    assert "level" in response.json()


def test_a_manager_changes_a_course(api, manager, greek_a1):
    response = _as(api, manager).patch(
        reverse("api:course-detail", args=[greek_a1.pk]), {"attendance_threshold": 70}, format="json"
    )

    assert response.status_code == 200
    assert Course.objects.get(pk=greek_a1.pk).attendance_threshold == 70


# --- classes -----------------------------------------------------------------------------------


def _class_payload(course, centre=None, **fields):
    data = {
        "course": course.pk,
        "name": "Α1 – απόγευμα",
        "capacity": 10,
        "start_date": "2027-03-01",
        "end_date": "2027-05-31",
        "slots": [{"weekday": 1, "starts_at": "17:00", "ends_at": "19:00"}],
    }
    if centre is not None:
        data["centre"] = centre.pk
    data.update(fields)
    return data


def test_classes_are_scoped_like_the_pages(api, manager, teacher, course_class, make_class, thessaloniki):
    mine_not_taught = make_class()
    make_class(centre=thessaloniki)

    managed = _as(api, manager).get(reverse("api:class-list")).json()["results"]
    taught = _as(api, teacher).get(reverse("api:class-list")).json()["results"]

    assert {c["id"] for c in managed} == {course_class.pk, mine_not_taught.pk}
    assert [c["id"] for c in taught] == [course_class.pk]
    assert taught[0]["slots"] == [
        {"weekday": 0, "starts_at": "10:00:00", "ends_at": "12:00:00"},
        {"weekday": 2, "starts_at": "10:00:00", "ends_at": "12:00:00"},
    ]
    assert taught[0]["teachers"] == [teacher.pk]


def test_class_access_through_the_api(api, other_manager, other_teacher, counsellor, teacher, course_class):
    url = reverse("api:class-detail", args=[course_class.pk])
    assert _as(api, teacher).get(url).status_code == 200
    assert _as(api, other_teacher).get(url).status_code == 404
    assert _as(api, other_manager).get(url).status_code == 404
    assert _as(api, counsellor).get(url).status_code == 403


def test_a_manager_creates_a_class_with_its_schedule(api, manager, athens, greek_a1):
    response = _as(api, manager).post(
        reverse("api:class-list"), _class_payload(greek_a1, athens), format="json"
    )

    assert response.status_code == 201
    course_class = CourseClass.objects.get(pk=response.json()["id"])
    assert course_class.centre == athens and course_class.status == ClassStatus.PLANNED
    assert response.json()["slots"] == [{"weekday": 1, "starts_at": "17:00:00", "ends_at": "19:00:00"}]


def test_the_front_desk_and_other_centres_do_not_create_classes(
    api, officer, other_manager, athens, greek_a1
):
    assert (
        _as(api, officer)
        .post(reverse("api:class-list"), _class_payload(greek_a1, athens), format="json")
        .status_code
        == 403
    )
    response = _as(api, other_manager).post(
        reverse("api:class-list"), _class_payload(greek_a1, athens), format="json"
    )
    assert response.status_code == 400
    assert response.data["centre"][0].code == "unknown_centre"
    assert not CourseClass.objects.exists()


def test_a_class_without_a_schedule_is_a_400_with_its_code(api, manager, athens, greek_a1):
    response = _as(api, manager).post(
        reverse("api:class-list"), _class_payload(greek_a1, athens, slots=[]), format="json"
    )

    assert response.status_code == 400
    assert "slots" in response.json()


def test_updating_status_teachers_and_lessons(api, manager, course_class, other_teacher):
    client = _as(api, manager)
    url = reverse("api:class-detail", args=[course_class.pk])

    updated = client.put(
        url, _class_payload(course_class.course, capacity=25, name=course_class.name), format="json"
    )
    status = client.post(f"{url}status/", {"status": "running"}, format="json")
    teachers = client.post(f"{url}teachers/", {"teachers": [other_teacher.pk]}, format="json")
    lessons = client.post(f"{url}generate-lessons/")

    assert updated.status_code == 200 and updated.json()["capacity"] == 25
    assert status.json()["status"] == "running"
    assert teachers.json()["teachers"] == [other_teacher.pk]
    assert lessons.status_code == 201 and len(lessons.json()) == course_class.lessons.count() > 0


def test_a_status_jump_is_a_400_with_its_code(api, manager, course_class):
    url = reverse("api:class-detail", args=[course_class.pk])

    response = _as(api, manager).post(f"{url}status/", {"status": "finished"}, format="json")

    assert response.status_code == 400
    assert response.data["non_field_errors"][0].code == "status_transition"
    course_class.refresh_from_db()
    assert course_class.status == ClassStatus.OPEN


def test_a_teacher_may_not_change_their_class(api, teacher, course_class):
    url = reverse("api:class-detail", args=[course_class.pk])

    assert _as(api, teacher).post(f"{url}status/", {"status": "running"}, format="json").status_code == 403
    assert _as(api, teacher).post(f"{url}generate-lessons/").status_code == 403


# --- enrolments --------------------------------------------------------------------------------


def test_the_front_desk_enrols_and_a_full_class_waitlists(api, officer, make_class, make_person, person):
    course_class = make_class(capacity=1)
    client = _as(api, officer)

    first = client.post(
        reverse("api:enrolment-list"),
        {
            "course_class": course_class.pk,
            "beneficiary": str(make_person().pk),
            "placement_level": "A1",
            "placement_source": "test",
        },
        format="json",
    )
    second = client.post(
        reverse("api:enrolment-list"),
        {"course_class": course_class.pk, "beneficiary": str(person.pk)},
        format="json",
    )

    assert first.status_code == second.status_code == 201
    assert (first.json()["status"], first.json()["placement_level"]) == ("enrolled", "A1")
    assert (second.json()["status"], second.json()["waiting_position"]) == ("waitlisted", 1)
    assert "name" not in second.json()


def test_a_refusal_is_a_400_with_its_code(api, officer, make_class, person, enrol):
    enrol(make_class(slots=((0, "08:00", "09:00"),)), person)
    other = make_class(slots=((3, "08:00", "09:00"),))

    response = _as(api, officer).post(
        reverse("api:enrolment-list"),
        {"course_class": other.pk, "beneficiary": str(person.pk)},
        format="json",
    )

    assert response.status_code == 400
    assert response.data["non_field_errors"][0].code == "same_course"


def test_a_teacher_reads_only_names_and_levels_of_their_learners_traced(
    api, teacher, course_class, make_class, make_person, enrol
):
    learner = make_person("Αμίνα", "Γιουσούφ")
    enrol(course_class, learner, placement_level="A2", placement_source="test")
    enrol(make_class(slots=((4, "08:00", "09:00"),)), make_person())  # not their class

    body = _as(api, teacher).get(reverse("api:enrolment-list")).json()

    assert len(body["results"]) == 1
    assert set(body["results"][0]) == {"id", "course_class", "name", "placement_level"}
    assert body["results"][0]["name"] == "Αμίνα Γιουσούφ"
    event = AccessEvent.objects.get(action=API_LISTED_ACTION, user=teacher)
    assert event.subject_id == learner.pk


def test_a_teacher_does_not_see_the_waiting_list_or_enrol(
    api, teacher, make_class, make_person, person, enrol
):
    course_class = make_class(capacity=1, teacher=teacher)
    enrol(course_class, make_person())
    waiting = enrol(course_class, make_person())

    client = _as(api, teacher)
    assert client.get(reverse("api:enrolment-detail", args=[waiting.pk])).status_code == 404
    response = client.post(
        reverse("api:enrolment-list"),
        {"course_class": course_class.pk, "beneficiary": str(person.pk)},
        format="json",
    )
    assert response.status_code == 403


def test_enrolment_access_through_the_api(
    api, officer, other_officer, other_teacher, course_class, person, enrol
):
    enrolment = enrol(course_class, person)
    url = reverse("api:enrolment-detail", args=[enrolment.pk])

    assert _as(api, officer).get(url).json()["beneficiary"] == str(person.pk)
    assert _as(api, other_officer).get(url).status_code == 404
    assert _as(api, other_teacher).get(url).status_code == 404
    assert _as(api, other_officer).post(f"{url}withdraw/", {}, format="json").status_code == 404


def test_withdrawing_through_the_api_promotes_the_next(api, officer, make_class, make_person, enrol):
    course_class = make_class(capacity=1)
    seated = enrol(course_class, make_person())
    waiting = enrol(course_class, make_person())

    response = _as(api, officer).post(
        reverse("api:enrolment-detail", args=[seated.pk]) + "withdraw/", {"dropped": True}, format="json"
    )

    assert response.status_code == 200 and response.json()["status"] == "dropped"
    assert Enrolment.objects.get(pk=waiting.pk).status == "enrolled"


def test_listing_enrolments_costs_the_same_queries_for_few_and_many(
    api, officer, teacher, make_class, make_person, enrol, django_assert_max_num_queries
):
    course_class = make_class(capacity=2, teacher=teacher)
    for _ in range(3):
        enrol(course_class, make_person())
    for user in (officer, teacher):
        client = _as(api, user)
        with django_assert_max_num_queries(30) as few:
            client.get(reverse("api:enrolment-list"))
        for _ in range(6):
            enrol(course_class, make_person())
        Enrolment.objects.filter(course_class=course_class, status="waitlisted").update(status="enrolled")
        with django_assert_max_num_queries(len(few.captured_queries)):
            assert len(client.get(reverse("api:enrolment-list")).json()["results"]) > 3
