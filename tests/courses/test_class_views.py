"""Pages of the catalogue, classes, lessons and closed days: who may open and change them (the
three access tests of each family), what the class page shows to whom, and forms that keep what
was typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from courses.models import ClassStatus, ClosedDay, Course, CourseClass, Lesson, LessonStatus
from courses.selectors.classes import LISTED_ACTION
from kem.models import AccessEvent

pytestmark = pytest.mark.django_db

D = dt.date


def _in_english(client):
    # Greek is the default; the page speaks the language the staff member chose.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def _post(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data or {})


def _class_form(course, **fields):
    data = {
        "course": str(course.pk),
        "name": "Α1 – βράδυ",
        "cycle": "2027 Β",
        "room": "3",
        "capacity": "12",
        "start_date": "2027-03-01",
        "end_date": "2027-05-31",
        "slots-TOTAL_FORMS": "3",
        "slots-INITIAL_FORMS": "0",
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "14",
        "slots-0-weekday": "1",
        "slots-0-starts_at": "18:00",
        "slots-0-ends_at": "20:00",
        "slots-1-weekday": "3",
        "slots-1-starts_at": "18:00",
        "slots-1-ends_at": "20:00",
        "slots-2-weekday": "",
        "slots-2-starts_at": "",
        "slots-2-ends_at": "",
    }
    data.update(fields)
    return data


# --- the catalogue -----------------------------------------------------------------------------


def test_the_front_desk_and_teachers_read_the_catalogue(client, officer, teacher, greek_a1):
    for user in (officer, teacher):
        response = _get(client, user, reverse("course-list"))
        assert response.status_code == 200
        assert f'data-course="{greek_a1.pk}"' in response.content.decode()
        assert 'data-action="course-create"' not in response.content.decode()


def test_a_counsellor_does_not_read_the_catalogue(client, counsellor):
    assert _get(client, counsellor, reverse("course-list")).status_code == 403


def test_a_manager_adds_a_course(client, manager):
    response = _post(
        client,
        manager,
        reverse("course-create"),
        {
            "name_el": "Υπολογιστές – βασικό",
            "name_en": "Computers – basic",
            "subject": "computers",
            "level": "basic",
            "planned_hours": "40",
            "attendance_threshold": "80",
            "active": "on",
        },
    )

    course = Course.objects.get(name_en="Computers – basic")
    assert response.status_code == 302 and response.url == course.get_absolute_url()


def test_the_front_desk_may_look_at_a_course_but_not_change_it(client, officer, greek_a1):
    assert _get(client, officer, reverse("course-detail", args=[greek_a1.pk])).status_code == 200
    assert _get(client, officer, reverse("course-edit", args=[greek_a1.pk])).status_code == 403
    assert _get(client, officer, reverse("course-create")).status_code == 403


def test_the_catalogue_is_the_networks_so_another_centres_manager_edits_it_too(
    client, other_manager, greek_a1
):
    response = _post(
        client,
        other_manager,
        reverse("course-edit", args=[greek_a1.pk]),
        {
            "name_el": greek_a1.name_el,
            "name_en": greek_a1.name_en,
            "subject": "greek",
            "level": "A1",
            "planned_hours": "70",
            "attendance_threshold": "80",
            "active": "on",
        },
    )

    assert response.status_code == 302
    assert Course.objects.get(pk=greek_a1.pk).planned_hours == 70


def test_an_unknown_course_is_a_404(client, manager):
    assert _get(client, manager, reverse("course-detail", args=[999999])).status_code == 404


def test_a_wrong_level_is_shown_by_the_field_and_the_typing_is_kept(client, manager):
    _in_english(client)
    response = _post(
        client,
        manager,
        reverse("course-create"),
        {
            "name_el": "Ελληνικά λάθος",
            "name_en": "Greek wrong",
            "subject": "greek",
            "level": "basic",
            "planned_hours": "40",
            "attendance_threshold": "80",
        },
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "A language course has a CEFR level" in body
    assert 'value="Ελληνικά λάθος"' in body
    assert not Course.objects.filter(name_en="Greek wrong").exists()


# --- the class list ----------------------------------------------------------------------------


def test_the_class_list_shows_the_centres_classes(client, officer, course_class, make_class, thessaloniki):
    theirs = make_class(centre=thessaloniki)

    body = _get(client, officer, reverse("class-list")).content.decode()

    assert f'data-class="{course_class.pk}"' in body
    assert f'data-class="{theirs.pk}"' not in body
    assert 'data-nav="classes"' in body


def test_a_teacher_lists_only_the_classes_they_teach(client, teacher, course_class, make_class):
    not_mine = make_class()

    body = _get(client, teacher, reverse("class-list")).content.decode()

    assert f'data-class="{course_class.pk}"' in body
    assert f'data-class="{not_mine.pk}"' not in body


def test_the_class_list_filters_by_status_and_course(client, manager, make_class, make_course):
    running = make_class(status=ClassStatus.RUNNING)
    planned = make_class(status=ClassStatus.PLANNED)
    english = make_class(course=make_course(), status=ClassStatus.RUNNING)

    body = _get(client, manager, reverse("class-list") + "?status=running").content.decode()
    assert f'data-class="{running.pk}"' in body and f'data-class="{english.pk}"' in body
    assert f'data-class="{planned.pk}"' not in body

    body = _get(client, manager, reverse("class-list") + f"?course={english.course_id}").content.decode()
    assert f'data-class="{english.pk}"' in body and f'data-class="{running.pk}"' not in body


def test_a_counsellor_has_no_class_list(client, counsellor):
    assert _get(client, counsellor, reverse("class-list")).status_code == 403


# --- the class page ----------------------------------------------------------------------------


def test_the_manager_sees_the_class_with_its_roster_and_waiting_list(
    client, manager, make_class, make_person, enrol
):
    course_class = make_class(capacity=1)
    seated = enrol(course_class, make_person("Αμίνα", "Γιουσούφ"))
    waiting = enrol(course_class, make_person("Ζαχρά", "Χοσεϊνί"))

    body = _get(client, manager, course_class.get_absolute_url()).content.decode()

    assert "Αμίνα Γιουσούφ" in body and "Ζαχρά Χοσεϊνί" in body
    assert f'data-enrolment="{waiting.pk}" data-position="1"' in body
    assert 'data-seats-left="0"' in body
    assert 'data-action="generate"' in body and 'data-status-to="running"' in body
    assert reverse("enrolment-withdraw", args=[seated.pk]) in body
    assert AccessEvent.objects.filter(action=LISTED_ACTION, user=manager).count() == 2


def test_a_teacher_sees_only_name_level_and_attendance_of_their_learners(
    client, teacher, make_class, make_person, enrol
):
    course_class = make_class(teacher=teacher, capacity=1)
    person = make_person("Αμίνα", "Γιουσούφ")
    enrol(course_class, person, placement_level="A2", placement_source="test")
    enrol(course_class, make_person("Ζαχρά", "Χοσεϊνί"))  # waiting: not the teacher's business

    response = _get(client, teacher, course_class.get_absolute_url())

    body = response.content.decode()
    assert response.status_code == 200
    assert "Αμίνα Γιουσούφ" in body and "Α2" in body  # the level, in Greek letters
    assert 'data-field="attendance"' in body
    assert str(person.pk) not in body  # no link to the profile
    assert 'data-table="waiting"' not in body and "Ζαχρά" not in body
    assert 'data-action="withdraw"' not in body and 'data-action="enrol"' not in body
    roster = response.context["roster"][0]
    assert roster.status is None and roster.beneficiary_id is None and roster.enrolled_at is None
    event = AccessEvent.objects.get(action=LISTED_ACTION, user=teacher)
    assert event.subject_id == person.pk and event.role == "teacher"


def test_a_teacher_of_another_class_gets_404(client, other_teacher, course_class):
    assert _get(client, other_teacher, course_class.get_absolute_url()).status_code == 404


def test_another_centre_gets_404_for_the_class_page(client, other_manager, other_officer, course_class):
    for user in (other_manager, other_officer):
        assert _get(client, user, course_class.get_absolute_url()).status_code == 404


def test_a_counsellor_of_the_centre_gets_403_for_the_class_page(client, counsellor, course_class):
    assert _get(client, counsellor, course_class.get_absolute_url()).status_code == 403


# --- creating and changing a class -------------------------------------------------------------


def test_a_manager_creates_a_class_with_its_schedule(client, manager, greek_a1):
    response = _post(client, manager, reverse("class-create"), _class_form(greek_a1))

    course_class = CourseClass.objects.get(name="Α1 – βράδυ")
    assert response.status_code == 302 and response.url == course_class.get_absolute_url()
    assert [(s.weekday, s.starts_at) for s in course_class.slots.all()] == [
        (1, dt.time(18)),
        (3, dt.time(18)),
    ]
    assert course_class.status == ClassStatus.PLANNED


def test_the_front_desk_may_not_create_a_class(client, officer, greek_a1):
    assert _get(client, officer, reverse("class-create")).status_code == 403
    assert _post(client, officer, reverse("class-create"), _class_form(greek_a1)).status_code == 403
    assert not CourseClass.objects.exists()


def test_a_schedule_error_is_shown_and_the_typing_is_kept(client, manager, greek_a1):
    form = _class_form(
        greek_a1, **{"slots-1-weekday": "1", "slots-1-starts_at": "19:00", "slots-1-ends_at": "21:00"}
    )
    _in_english(client)
    response = _post(client, manager, reverse("class-create"), form)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Two weekly meetings overlap on Tuesday." in body
    assert 'value="Α1 – βράδυ"' in body and 'value="19:00"' in body
    assert not CourseClass.objects.exists()


def test_a_class_without_a_schedule_is_refused(client, manager, greek_a1):
    empty = {f"slots-{n}-{f}": "" for n in range(2) for f in ("weekday", "starts_at", "ends_at")}
    _in_english(client)
    response = _post(client, manager, reverse("class-create"), _class_form(greek_a1, **empty))

    assert "A class meets at least once a week." in response.content.decode()


def test_editing_a_class_shows_and_saves_its_schedule(client, manager, course_class):
    url = reverse("class-edit", args=[course_class.pk])
    page = _get(client, manager, url).content.decode()
    assert 'value="10:00"' in page

    form = _class_form(course_class.course, name=course_class.name, **{"slots-TOTAL_FORMS": "1"})
    response = _post(client, manager, url, form)

    assert response.status_code == 302
    assert [s.weekday for s in course_class.slots.all()] == [1]


def test_class_edit_access(client, officer, other_manager, teacher, course_class):
    url = reverse("class-edit", args=[course_class.pk])
    assert _get(client, officer, url).status_code == 403
    assert _get(client, teacher, url).status_code == 403
    assert _get(client, other_manager, url).status_code == 404


def test_a_manager_chooses_the_teachers(client, manager, course_class, teacher, other_teacher):
    url = reverse("class-teachers", args=[course_class.pk])
    assert _get(client, manager, url).status_code == 200

    response = _post(client, manager, url, {"teachers": [str(other_teacher.pk)]})

    assert response.status_code == 302
    assert list(course_class.teachers.all()) == [other_teacher]
    assert _get(client, other_teacher, course_class.get_absolute_url()).status_code == 200
    assert _get(client, teacher, course_class.get_absolute_url()).status_code == 404


def test_teacher_choice_access(client, officer, other_manager, course_class):
    url = reverse("class-teachers", args=[course_class.pk])
    assert _get(client, officer, url).status_code == 403
    assert _get(client, other_manager, url).status_code == 404


def test_status_changes_are_posted(client, manager, officer, other_manager, course_class):
    url = reverse("class-status", args=[course_class.pk])
    assert _get(client, manager, url).status_code == 405
    assert _post(client, officer, url, {"status": "running"}).status_code == 403
    assert _post(client, other_manager, url, {"status": "running"}).status_code == 404

    assert _post(client, manager, url, {"status": "running"}).status_code == 302
    course_class.refresh_from_db()
    assert course_class.status == ClassStatus.RUNNING


def test_cancelling_a_class_asks_first(client, manager, course_class):
    url = reverse("class-status", args=[course_class.pk])

    asked = _post(client, manager, url, {"status": "cancelled"})
    course_class.refresh_from_db()
    assert asked.status_code == 200 and 'data-action="confirm-cancel"' in asked.content.decode()
    assert course_class.status == ClassStatus.OPEN

    _post(client, manager, url, {"status": "cancelled", "confirm": "yes"})
    course_class.refresh_from_db()
    assert course_class.status == ClassStatus.CANCELLED


def test_a_status_the_class_cannot_take_is_a_message(client, manager, course_class):
    _in_english(client)
    response = _post(client, manager, reverse("class-status", args=[course_class.pk]), {"status": "finished"})
    body = client.get(response.url).content.decode()

    assert "cannot become finished" in body


# --- lessons -----------------------------------------------------------------------------------


def test_generating_lessons_asks_first_then_makes_them(client, manager, course_class):
    url = reverse("class-lessons-generate", args=[course_class.pk])

    assert 'data-action="confirm-generate"' in _get(client, manager, url).content.decode()
    assert not course_class.lessons.exists()
    response = _post(client, manager, url)

    assert response.status_code == 302
    assert course_class.lessons.count() > 20
    assert 'data-lesson="' in client.get(course_class.get_absolute_url()).content.decode()


def test_lesson_generation_access(client, teacher, officer, other_manager, course_class):
    url = reverse("class-lessons-generate", args=[course_class.pk])
    assert _post(client, teacher, url).status_code == 403
    assert _post(client, officer, url).status_code == 403
    assert _post(client, other_manager, url).status_code == 404
    assert not course_class.lessons.exists()


@pytest.fixture
def lesson(course_class):
    return Lesson.objects.create(
        course_class=course_class, date=D(2027, 3, 8), starts_at=dt.time(10), ends_at=dt.time(12)
    )


def test_a_manager_moves_a_lesson(client, manager, lesson):
    response = _post(
        client,
        manager,
        reverse("lesson-move", args=[lesson.pk]),
        {"date": "2027-03-09", "starts_at": "15:00", "ends_at": "17:00"},
    )

    lesson.refresh_from_db()
    assert response.status_code == 302
    assert (lesson.date, lesson.planned_date) == (D(2027, 3, 9), D(2027, 3, 8))


def test_moving_onto_a_holiday_is_shown_by_the_date(client, manager, lesson):
    _in_english(client)
    response = _post(
        client,
        manager,
        reverse("lesson-move", args=[lesson.pk]),
        {"date": "2027-05-03", "starts_at": "15:00", "ends_at": "17:00"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "is a public holiday" in body and 'value="2027-05-03"' in body


def test_a_manager_cancels_a_lesson_after_a_confirmation(client, manager, lesson):
    url = reverse("lesson-cancel", args=[lesson.pk])
    assert 'data-action="confirm-cancel"' in _get(client, manager, url).content.decode()

    _post(client, manager, url, {"note": "απεργία"})

    lesson.refresh_from_db()
    assert (lesson.status, lesson.note) == (LessonStatus.CANCELLED, "απεργία")


def test_lesson_pages_access(client, officer, teacher, other_manager, lesson):
    for name in ("lesson-move", "lesson-cancel"):
        url = reverse(name, args=[lesson.pk])
        assert _get(client, officer, url).status_code == 403
        assert _get(client, teacher, url).status_code == 403
        assert _get(client, other_manager, url).status_code == 404


# --- closed days -------------------------------------------------------------------------------


def test_a_manager_closes_a_day_and_opens_it_again(client, manager, athens, lesson):
    response = _post(
        client,
        manager,
        reverse("closed-day-list"),
        {"centre": str(athens.pk), "date": "2027-03-08", "reason": "Εκλογές"},
    )

    closed = ClosedDay.objects.get(centre=athens, date=D(2027, 3, 8))
    lesson.refresh_from_db()
    assert response.status_code == 302 and lesson.status == LessonStatus.CANCELLED
    assert "Εκλογές" in client.get(reverse("closed-day-list")).content.decode()

    remove = reverse("closed-day-remove", args=[closed.pk])
    assert 'data-action="confirm-remove"' in client.get(remove).content.decode()
    client.post(remove)
    lesson.refresh_from_db()
    assert lesson.status == LessonStatus.SCHEDULED
    assert not ClosedDay.objects.exists()


def test_closed_days_access(client, officer, other_manager, manager, athens):
    closed = ClosedDay.objects.create(centre=athens, date=D(2027, 3, 8), created_by=manager)

    assert _get(client, officer, reverse("closed-day-list")).status_code == 403
    assert _get(client, officer, reverse("closed-day-remove", args=[closed.pk])).status_code == 403
    assert _get(client, other_manager, reverse("closed-day-remove", args=[closed.pk])).status_code == 404
    assert (
        f'data-closed-day="{closed.pk}"'
        not in _get(client, other_manager, reverse("closed-day-list")).content.decode()
    )
