"""Who may do what with courses, classes, enrolments, attendance and certificates: decided here,
in the permissions of :mod:`kem.permissions`.

- ``keep_network_lists`` on any centre: keep the catalogue (it is the network's); ``manage_centre``
  at a centre: run its classes, close days, edit any attendance sheet at any time, issue and
  revoke certificates.
- ``enrol_learners`` (front desk, the manager): enrol the centre's beneficiaries and keep
  waiting lists; ``see_classes``: look at the centre's classes.
- ``teach_classes`` at the centre and ``courses.teach_class`` on the class (django-guardian): a
  teacher reaches only those classes, and of a learner only the name, the level and the
  attendance. They take attendance for their lessons up to today and may correct a sheet within
  ``SHEET_EDIT_DAYS`` days.
- Another centre's class is a 404; so is a class a teacher does not teach.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kem.permissions import CentrePerm, access_for, may, may_anywhere, may_on

SHEET_EDIT_DAYS = 7
TEACH_CLASS = "courses.teach_class"


def may_edit_catalogue(user: Any) -> bool:
    return may_anywhere(user, CentrePerm.KEEP_NETWORK_LISTS)


def may_read_catalogue(user: Any) -> bool:
    access = access_for(user)
    return access.anywhere(CentrePerm.SEE_CLASSES) or access.anywhere(CentrePerm.TEACH)


def may_manage_classes(user: Any, centre_id: int) -> bool:
    return may(user, CentrePerm.MANAGE, centre_id)


def may_enrol(user: Any, centre_id: int) -> bool:
    return may(user, CentrePerm.ENROL, centre_id)


def may_look_at_classes(user: Any, centre_id: int) -> bool:
    """Every class of the centre, as the front desk and the manager see them."""
    return may(user, CentrePerm.SEE_CLASSES, centre_id)


def teaches(user: Any, course_class: Any) -> bool:
    """A teacher at the class's centre holding the object permission on this class."""
    return may(user, CentrePerm.TEACH, course_class.centre_id) and may_on(user, TEACH_CLASS, course_class)


def may_see_class(user: Any, course_class: Any) -> bool:
    return may_look_at_classes(user, course_class.centre_id) or teaches(user, course_class)


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
    """Someone who sees the statistics of the class's centre but not the class (a network
    analyst): the fetch helpers answer 403 outright, since they see aggregates only."""
    return may(user, CentrePerm.VIEW_STATISTICS, course_class.centre_id) and not may_see_class(
        user, course_class
    )
