"""The catalogue: managers add and change courses, with the level the subject calls for and a
certificate threshold (80% unless said otherwise); other roles may not."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from courses.models import Course, Level, Subject
from courses.services.catalogue import course_create, course_update

pytestmark = pytest.mark.django_db


def _data(**fields):
    data = {
        "name_el": "Αγγλικά Β1",
        "name_en": "English B1",
        "subject": Subject.ENGLISH,
        "level": Level.B1,
        "planned_hours": 80,
    }
    data.update(fields)
    return data


def _messages(invalid: ValidationError, field: str) -> list[str]:
    # The model's clean() gives messages by field (their codes do not survive the dict form).
    with translation.override("en"):
        return [str(message) for error in invalid.error_dict[field] for message in error.messages]


def test_a_manager_adds_a_course_with_the_default_threshold_of_80(manager):
    course = course_create(by=manager, data=_data())

    course.refresh_from_db()
    assert (course.subject, course.level, course.planned_hours) == ("english", "B1", 80)
    assert course.attendance_threshold == 80
    assert course.active


def test_a_course_keeps_its_own_threshold(manager):
    course = course_create(by=manager, data=_data(attendance_threshold=70))

    assert Course.objects.get(pk=course.pk).attendance_threshold == 70


def test_a_language_course_needs_a_cefr_level(manager):
    with pytest.raises(ValidationError) as refused:
        course_create(by=manager, data=_data(subject=Subject.GREEK, level=Level.BASIC))

    assert _messages(refused.value, "level") == ["A language course has a CEFR level (A1 to C2)."]
    assert not Course.objects.exists()


def test_a_computer_course_is_basic_or_intermediate(manager):
    with pytest.raises(ValidationError) as refused:
        course_create(by=manager, data=_data(subject=Subject.COMPUTERS, level=Level.A2))
    assert _messages(refused.value, "level") == ["A computer course is basic or intermediate."]

    course = course_create(
        by=manager, data=_data(name_el="Υπολογιστές", subject=Subject.COMPUTERS, level=Level.INTERMEDIATE)
    )
    assert course.level == "intermediate"


def test_planned_hours_and_threshold_must_be_sensible(manager):
    with pytest.raises(ValidationError) as refused:
        course_create(by=manager, data=_data(planned_hours=0, attendance_threshold=101))

    assert set(refused.value.error_dict) == {"planned_hours", "attendance_threshold"}


@pytest.mark.parametrize("role_fixture", ["officer", "teacher", "counsellor", "analyst"])
def test_only_managers_keep_the_catalogue(request, role_fixture):
    user = request.getfixturevalue(role_fixture)

    with pytest.raises(PermissionDenied):
        course_create(by=user, data=_data())


def test_a_manager_of_another_centre_keeps_the_same_network_catalogue(other_manager, greek_a1):
    course_update(course=greek_a1, by=other_manager, data={"planned_hours": 90})

    assert Course.objects.get(pk=greek_a1.pk).planned_hours == 90


def test_changing_a_course_keeps_history_with_who_changed_it(manager, greek_a1):
    course_update(course=greek_a1, by=manager, data={"attendance_threshold": 75, "active": False})

    greek_a1.refresh_from_db()
    assert (greek_a1.attendance_threshold, greek_a1.active) == (75, False)
    latest = greek_a1.history.first()
    assert latest.history_user == manager
    assert latest.attendance_threshold == 75


def test_an_invalid_change_leaves_the_course_as_it_was(manager, greek_a1):
    with pytest.raises(ValidationError):
        course_update(course=greek_a1, by=manager, data={"level": Level.BASIC})

    greek_a1.refresh_from_db()
    assert greek_a1.level == "A1"
