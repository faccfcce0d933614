"""The teacher's pages: "My lessons", a lesson's sheet, a class's attendance and results; who may
open them (the class's teacher and the centre's manager), who gets 403 (the front desk, who may
look at classes) and who gets 404 (another centre, a teacher of another class)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as conf
from django.urls import reverse
from django.utils import timezone

from courses.models import Attendance, AttendanceMark
from courses.services.attendance import attendance_record
from kem.models import Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def lesson(course_class, lesson_on):
    return lesson_on(course_class, TODAY)


@pytest.fixture
def other_centre_teacher(make_staff, thessaloniki):
    return make_staff(Role.TEACHER, thessaloniki)


# --- the sheet -----------------------------------------------------------------------------------


def test_the_teacher_opens_the_sheet_with_everyone_present(
    client, teacher, lesson, amina, learners, course_class
):
    (other,) = learners(course_class, 1)
    client.force_login(teacher)

    response = client.get(reverse("lesson-sheet", args=[lesson.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Αμίνα Γιουσούφ" in html
    for enrolment in (amina, other):
        assert html.count(f'name="mark_{enrolment.pk}"') == 4
        assert f'value="present" id="id_mark_{enrolment.pk}_0" required checked>' in html
        assert f'value="absent" id="id_mark_{enrolment.pk}_3" required>' in html
    assert 'data-action="save-sheet"' in html
    assert "courses/teaching.css" in html


def test_the_centres_manager_opens_any_sheet(client, manager, lesson, amina):
    client.force_login(manager)

    response = client.get(reverse("lesson-sheet", args=[lesson.pk]))

    assert response.status_code == 200
    assert response.context["lock"] == ""


def test_the_front_desk_may_look_at_classes_but_gets_403_on_a_sheet(client, officer, lesson, amina):
    client.force_login(officer)

    assert client.get(reverse("lesson-sheet", args=[lesson.pk])).status_code == 403
    assert (
        client.post(reverse("lesson-sheet", args=[lesson.pk]), {f"mark_{amina.pk}": "absent"}).status_code
        == 403
    )
    assert not Attendance.objects.exists()


def test_another_centre_gets_404_on_a_sheet(client, other_manager, other_centre_teacher, lesson, amina):
    for user in (other_manager, other_centre_teacher):
        client.force_login(user)
        assert client.get(reverse("lesson-sheet", args=[lesson.pk])).status_code == 404


def test_a_teacher_of_another_class_gets_404_on_a_sheet(client, other_teacher, lesson, amina):
    client.force_login(other_teacher)

    assert client.get(reverse("lesson-sheet", args=[lesson.pk])).status_code == 404
    assert (
        client.post(reverse("lesson-sheet", args=[lesson.pk]), {f"mark_{amina.pk}": "absent"}).status_code
        == 404
    )


def test_a_counsellor_of_the_centre_gets_404_on_a_sheet(client, counsellor, lesson):
    client.force_login(counsellor)

    assert client.get(reverse("lesson-sheet", args=[lesson.pk])).status_code == 404


def test_the_sheet_is_saved_with_one_post_and_the_day_is_shown_again(
    client, teacher, lesson, amina, learners, course_class
):
    (other,) = learners(course_class, 1)
    client.force_login(teacher)

    response = client.post(
        reverse("lesson-sheet", args=[lesson.pk]), {f"mark_{amina.pk}": "present", f"mark_{other.pk}": "late"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('teaching-today')}?date={TODAY.isoformat()}"
    assert dict(Attendance.objects.values_list("enrolment_id", "mark")) == {
        amina.pk: "present",
        other.pk: "late",
    }


def test_a_tampered_mark_shows_the_sheet_again_with_the_error(client, teacher, lesson, amina):
    client.force_login(teacher)

    response = client.post(reverse("lesson-sheet", args=[lesson.pk]), {f"mark_{amina.pk}": "asleep"})

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Attendance.objects.exists()


def test_a_sheet_older_than_a_week_is_read_only_for_the_teacher_with_the_reason(
    client, teacher, manager, course_class, lesson_on, amina
):
    old = lesson_on(course_class, TODAY - 8 * DAY)
    attendance_record(lesson=old, marks={amina.pk: AttendanceMark.LATE}, by=manager)
    client.force_login(teacher)
    client.cookies[conf.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get(reverse("lesson-sheet", args=[old.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert response.context["lock"] == "window_passed"
    assert 'data-readonly="window_passed"' in html
    assert 'name="mark_' not in html
    assert f'data-enrolment="{amina.pk}" data-mark="late"' in html
    assert "7 days after the lesson" in response.context["lock_reason"]
    response = client.post(reverse("lesson-sheet", args=[old.pk]), {f"mark_{amina.pk}": "present"})
    assert response.status_code == 403
    assert Attendance.objects.get().mark == AttendanceMark.LATE


def test_the_manager_still_edits_an_old_sheet(client, manager, course_class, lesson_on, amina):
    old = lesson_on(course_class, TODAY - 40 * DAY)
    client.force_login(manager)

    response = client.post(reverse("lesson-sheet", args=[old.pk]), {f"mark_{amina.pk}": "excused"})

    assert response.status_code == 302
    assert Attendance.objects.get().mark == AttendanceMark.EXCUSED


def test_a_future_lesson_is_read_only_until_its_day(client, teacher, course_class, lesson_on, amina):
    tomorrow = lesson_on(course_class, TODAY + DAY)
    client.force_login(teacher)

    response = client.get(reverse("lesson-sheet", args=[tomorrow.pk]))

    assert response.status_code == 200
    assert response.context["lock"] == "not_yet"


# --- the class's attendance page -----------------------------------------------------------------


def test_the_teacher_sees_the_class_attendance_rates(
    client, teacher, course_class, lesson_on, amina, manager
):
    for days_ago, mark in ((2, AttendanceMark.PRESENT), (1, AttendanceMark.ABSENT)):
        attendance_record(
            lesson=lesson_on(course_class, TODAY - days_ago * DAY), marks={amina.pk: mark}, by=manager
        )
    client.force_login(teacher)

    response = client.get(reverse("class-attendance", args=[course_class.pk]))

    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert (row.enrolment, str(row.figures.percent), row.figures.attended, row.figures.held) == (
        amina,
        "50.00",
        1,
        2,
    )
    assert f'data-enrolment="{amina.pk}" data-percent="50.00"' in response.content.decode()


def test_the_class_page_and_the_attendance_page_show_one_rate_to_one_decimal(
    client, teacher, course_class, lesson_on, amina, manager
):
    for days_ago, mark in ((3, AttendanceMark.PRESENT), (2, AttendanceMark.ABSENT), (1, AttendanceMark.LATE)):
        attendance_record(
            lesson=lesson_on(course_class, TODAY - days_ago * DAY), marks={amina.pk: mark}, by=manager
        )
    client.force_login(teacher)

    pages = {
        url: client.get(reverse(url, args=[course_class.pk])).content.decode()
        for url in ("class-attendance", "class-detail")
    }

    # 2 of 3 lessons (late counts as attended), written the Greek way.
    for url, page in pages.items():
        assert 'data-field="attendance">66,7%</td>' in page, url
    # Under the course's 80%: marked on the teacher's attendance page, not on the class page.
    assert '<td class="num below-threshold" data-field="attendance">66,7%' in pages["class-attendance"]
    assert "below-threshold" not in pages["class-detail"]


def test_before_any_lesson_is_held_the_rate_is_a_dash_not_a_red_zero(client, teacher, course_class, amina):
    client.force_login(teacher)

    for url in ("class-attendance", "class-detail"):
        page = client.get(reverse(url, args=[course_class.pk])).content.decode()
        assert '<td class="num" data-field="attendance">—</td>' in page, url
        assert "0,00%" not in page and "below-threshold" not in page


def test_the_front_desk_gets_403_on_the_class_attendance(client, officer, course_class):
    client.force_login(officer)

    assert client.get(reverse("class-attendance", args=[course_class.pk])).status_code == 403


def test_another_centre_and_another_teacher_get_404_on_the_class_attendance(
    client, other_manager, other_teacher, course_class
):
    for user in (other_manager, other_teacher):
        client.force_login(user)
        assert client.get(reverse("class-attendance", args=[course_class.pk])).status_code == 404


# --- the class's results page --------------------------------------------------------------------


def test_the_teacher_and_the_manager_open_the_results(client, teacher, manager, course_class, amina):
    for user in (teacher, manager):
        client.force_login(user)
        response = client.get(reverse("class-results", args=[course_class.pk]))
        assert response.status_code == 200
        assert f'data-enrolment="{amina.pk}"' in response.content.decode()


def test_the_front_desk_gets_403_on_the_results(client, officer, course_class):
    client.force_login(officer)

    assert client.get(reverse("class-results", args=[course_class.pk])).status_code == 403
    assert client.post(reverse("class-results", args=[course_class.pk]), {}).status_code == 403


def test_another_centre_and_another_teacher_get_404_on_the_results(
    client, other_manager, other_teacher, course_class
):
    for user in (other_manager, other_teacher):
        client.force_login(user)
        assert client.get(reverse("class-results", args=[course_class.pk])).status_code == 404


# --- "My lessons" --------------------------------------------------------------------------------


def test_my_lessons_lists_the_days_lessons_of_my_classes_only(
    client, teacher, other_teacher, course_class, make_class, lesson_on, amina
):
    mine = lesson_on(course_class, TODAY, "09:00", "11:00")
    not_mine = lesson_on(make_class(teacher=other_teacher), TODAY)
    lesson_on(course_class, TODAY + DAY)
    client.force_login(teacher)

    response = client.get(reverse("teaching-today"))

    html = response.content.decode()
    assert response.status_code == 200
    assert [lesson.pk for lesson in response.context["lessons"]] == [mine.pk]
    assert response.context["lessons"][0].learners == 1
    assert reverse("lesson-sheet", args=[mine.pk]) in html
    assert reverse("lesson-sheet", args=[not_mine.pk]) not in html
    assert f'href="?date={(TODAY - DAY).isoformat()}"' in html
    assert f'href="?date={(TODAY + DAY).isoformat()}"' in html


def test_my_lessons_moves_to_another_day(client, teacher, course_class, lesson_on):
    tomorrow = lesson_on(course_class, TODAY + DAY)
    client.force_login(teacher)

    response = client.get(reverse("teaching-today"), {"date": (TODAY + DAY).isoformat()})

    assert response.context["day"] == TODAY + DAY
    assert [lesson.pk for lesson in response.context["lessons"]] == [tomorrow.pk]
    assert client.get(reverse("teaching-today"), {"date": "not-a-date"}).context["day"] == TODAY


def test_the_manager_sees_the_days_lessons_of_the_centre(client, manager, course_class, lesson_on):
    lesson = lesson_on(course_class, TODAY)
    client.force_login(manager)

    response = client.get(reverse("teaching-today"))

    assert [item.pk for item in response.context["lessons"]] == [lesson.pk]


def test_the_front_desk_gets_403_on_my_lessons(client, officer):
    client.force_login(officer)

    assert client.get(reverse("teaching-today")).status_code == 403


def test_a_teacher_of_another_centre_sees_none_of_its_lessons(
    client, other_centre_teacher, course_class, lesson_on
):
    lesson_on(course_class, TODAY)
    client.force_login(other_centre_teacher)

    response = client.get(reverse("teaching-today"))

    assert response.status_code == 200
    assert response.context["lessons"] == []
    assert response.context["classes"] == []


def test_the_navigation_offers_my_lessons_to_teachers_only(client, teacher, officer):
    client.force_login(teacher)
    assert 'data-nav="teaching"' in client.get(reverse("home")).content.decode()

    client.force_login(officer)
    assert 'data-nav="teaching"' not in client.get(reverse("home")).content.decode()


def test_saving_a_future_lesson_is_refused_with_the_reason(client, manager, course_class, lesson_on, amina):
    tomorrow = lesson_on(course_class, TODAY + DAY)
    client.force_login(manager)

    response = client.post(reverse("lesson-sheet", args=[tomorrow.pk]), {f"mark_{amina.pk}": "present"})

    assert response.status_code == 302 and response["Location"] == reverse("lesson-sheet", args=[tomorrow.pk])
    assert not Attendance.objects.exists()
