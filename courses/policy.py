"""Who may do what with courses, classes, enrolments, attendance and certificates: decided here.

- Managers of any centre keep the catalogue (it is the network's); a centre's manager runs its
  classes, closes days, edits any attendance sheet at any time and issues certificates.
- Front desk (and the manager) enrol the centre's beneficiaries and keep waiting lists.
- A teacher reaches only the classes they hold ``courses.teach_class`` on (django-guardian), and
  of a learner only the name, the level and the attendance. They take attendance for their
  lessons up to today and may correct a sheet within ``SHEET_EDIT_DAYS`` days.
- Another centre's class is a 404; so is a class a teacher does not teach.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kem.models import Role
from kem.permissions import access_for

SHEET_EDIT_DAYS = 7
ENROLLING_ROLES = frozenset({Role.FRONT_DESK, Role.MANAGER})
CLASS_VIEWING_ROLES = frozenset({Role.FRONT_DESK, Role.MANAGER})


def may_edit_catalogue(user: Any) -> bool:
    return access_for(user).has_role(Role.MANAGER)


def may_read_catalogue(user: Any) -> bool:
    return access_for(user).has_role(Role.FRONT_DESK, Role.MANAGER, Role.TEACHER)


def may_manage_classes(user: Any, centre_id: int) -> bool:
    return Role.MANAGER in access_for(user).roles_at(centre_id)


def may_enrol(user: Any, centre_id: int) -> bool:
    return bool(access_for(user).roles_at(centre_id) & ENROLLING_ROLES)


def teaches(user: Any, course_class: Any) -> bool:
    """A teacher at the class's centre holding the object permission on this class."""
    return Role.TEACHER in access_for(user).roles_at(course_class.centre_id) and user.has_perm(
        "courses.teach_class", course_class
    )


def may_see_class(user: Any, course_class: Any) -> bool:
    roles = access_for(user).roles_at(course_class.centre_id)
    return bool(roles & CLASS_VIEWING_ROLES) or teaches(user, course_class)


def may_take_attendance(user: Any, lesson: Any, *, today: dt.date | None = None) -> bool:
    """Managers at any time; the class's teacher from the lesson's day for SHEET_EDIT_DAYS days."""
    course_class = lesson.course_class
    if may_manage_classes(user, course_class.centre_id):
        return True
    if not teaches(user, course_class):
        return False
    today = today or timezone.localdate()
    return lesson.date <= today <= lesson.date + dt.timedelta(days=SHEET_EDIT_DAYS)


def may_record_results(user: Any, course_class: Any) -> bool:
    return may_manage_classes(user, course_class.centre_id) or teaches(user, course_class)


def may_issue_certificates(user: Any, course_class: Any) -> bool:
    return may_record_results(user, course_class)
