"""The attendance sheet in a real browser on a portrait tablet (768 px): one tap from "My lessons"
to the sheet, large touch targets, no sideways scrolling, and the whole sheet done by keyboard."""

from __future__ import annotations

import pytest
from django.utils import timezone

from courses.models import Attendance, AttendanceMark
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def tablet(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=TABLET, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_a_teacher_takes_attendance_on_a_tablet_by_keyboard(
    tablet, teacher, course_class, lesson_on, learners
):
    first, second, third = learners(course_class, 3)
    lesson = lesson_on(course_class, timezone.localdate())

    tablet.goto("/accounts/login/")
    tablet.fill("#id_username", teacher.username)
    tablet.fill("#id_password", PASSWORD)
    tablet.click("button[type=submit].primary")
    tablet.locator("section.panel").first.wait_for()
    tablet.goto("/teaching/")
    tablet.click(f"a[data-lesson='{lesson.pk}']")

    tablet.wait_for_selector("form[data-sheet]")
    assert tablet.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    boxes = [tablet.locator(".mark span").nth(i).bounding_box() for i in range(12)]
    assert all(box["height"] >= 44 and box["width"] >= 44 for box in boxes)
    assert tablet.locator("input[type=radio]:checked").count() == 3
    assert tablet.locator("input[value=present]:checked").count() == 3

    # Keyboard only: the first learner's group, one to the right (late); Tab to the second
    # learner's group, one to the left wraps round to absent; Tab past the third; Enter saves.
    tablet.focus(f"#id_mark_{first.pk}_0")
    tablet.keyboard.press("ArrowRight")
    tablet.keyboard.press("Tab")
    tablet.keyboard.press("ArrowLeft")
    tablet.keyboard.press("Tab")
    tablet.keyboard.press("Tab")
    assert tablet.evaluate("document.activeElement.dataset.action") == "save-sheet"
    tablet.keyboard.press("Enter")
    tablet.wait_for_url("**/teaching/?date=*")

    assert dict(Attendance.objects.values_list("enrolment_id", "mark")) == {
        first.pk: AttendanceMark.LATE,
        second.pk: AttendanceMark.ABSENT,
        third.pk: AttendanceMark.PRESENT,
    }
    assert tablet.locator(f"a[data-lesson='{lesson.pk}'] [data-taken]").count() == 1
