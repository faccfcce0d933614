"""The catalogue of courses: a subject at a level, its planned hours and its certificate rule.

The catalogue is the network's, shared by every centre; managers of any centre keep it
(``courses/policy.py``). Courses are never deleted (classes point at them): they are made inactive,
and an inactive course takes no new classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from courses.models import Course
from courses.policy import may_edit_catalogue
from kem.services.records import record_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The course fields the services accept; anything else in ``data`` is ignored.
COURSE_FIELDS = (
    "name_el",
    "name_en",
    "subject",
    "level",
    "planned_hours",
    "attendance_threshold",
    "has_final_assessment",
    "active",
)


def _fill(course: Course, data: dict[str, Any]) -> None:
    for name in COURSE_FIELDS:
        if name in data:
            value = data[name]
            setattr(course, name, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def course_create(*, by: User, data: dict[str, Any]) -> Course:
    """Add a course to the catalogue (a manager). A language course has a CEFR level, a computer
    course a skill level; the attendance threshold defaults to 80%."""
    if not may_edit_catalogue(by):
        raise PermissionDenied
    course = Course()
    _fill(course, data)
    record_save(course, by=by)
    return course


@transaction.atomic
def course_update(*, course: Course, by: User, data: dict[str, Any]) -> Course:
    """Change a course (a manager). A new threshold applies to certificates issued from now on;
    those already issued keep the figures they were issued with."""
    if not may_edit_catalogue(by):
        raise PermissionDenied
    course = Course.objects.select_for_update().get(pk=course.pk)
    _fill(course, data)
    record_save(course, by=by)
    return course
