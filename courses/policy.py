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
from kem.permissions import OBJECT_PERMS_ATTR, access_for

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
    """A teacher at the class's centre holding the object permission on this class.

    The answer is remembered on the user object (one request), like ``access_for``: a page asks
    it several times and django-guardian would query each time. ``forget_access`` drops it.
    """
    if Role.TEACHER not in access_for(user).roles_at(course_class.centre_id):
        return False
    answers = user.__dict__.setdefault(OBJECT_PERMS_ATTR, {})
    key = ("courses.teach_class", course_class.pk)
    if key not in answers:
        answers[key] = user.has_perm("courses.teach_class", course_class)
    return answers[key]


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
    """The class's teacher and the centre's manager open its sheets and results; the front desk,
    who may look at the class, may not (a 403)."""
    return may_manage_classes(user, course_class.centre_id) or teaches(user, course_class)


def may_issue_certificates(user: Any, course_class: Any) -> bool:
    return may_record_results(user, course_class)


def sheet_lock(user: Any, lesson: Any, *, today: dt.date | None = None) -> str:
    """Why ``user`` may not (or no longer) change the lesson's sheet, as a code; "" if they may.

    ``cancelled``: nobody marks a cancelled lesson; ``not_yet``: the lesson is in the future;
    ``window_passed``: a teacher's SHEET_EDIT_DAYS are over (the manager may still change it);
    ``not_allowed``: neither the class's teacher nor the centre's manager.
    """
    today = today or timezone.localdate()
    if lesson.is_cancelled:
        return "cancelled"
    if lesson.date > today:
        return "not_yet"
    if may_take_attendance(user, lesson, today=today):
        return ""
    if teaches(user, lesson.course_class):
        return "window_passed"
    return "not_allowed"


def may_revoke_certificates(user: Any, course_class: Any) -> bool:
    """Only the centre's manager withdraws a certificate issued in error."""
    return may_manage_classes(user, course_class.centre_id)


def sees_aggregates_only(user: Any, course_class: Any) -> bool:
    """A network analyst of the class's centre who does not otherwise see the class: the fetch
    helpers answer 403 outright, since an analyst sees aggregates only and never a person."""
    roles = access_for(user).roles_at(course_class.centre_id)
    return Role.ANALYST in roles and not may_see_class(user, course_class)
