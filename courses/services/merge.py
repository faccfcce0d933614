"""How class records of two records of one person become one when the records are merged.

Registered with ``kem.registry.register_merge_rule`` in ``CoursesConfig.ready``; kem's merge finds
the pairs from the models' unique constraints and follows these rules (``kem.selectors.merge``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from courses.models import Attendance, AttendanceMark, Enrolment, EnrolmentStatus
from kem.registry import MergeRule

# When both enrolments have a mark for one lesson, the better mark stays.
MARK_ORDER = (AttendanceMark.ABSENT, AttendanceMark.EXCUSED, AttendanceMark.LATE, AttendanceMark.PRESENT)


def enrolment_rank(enrolment: Enrolment, children: Mapping[str, int]) -> tuple[bool, bool, int]:
    """Two active enrolments in one class: a certificate first (it cannot move), then a seat over
    a waiting-list place, then more attendance marks."""
    return (
        children.get("courses.certificate", 0) > 0,
        enrolment.status == EnrolmentStatus.ENROLLED,
        children.get("courses.attendance", 0),
    )


def enrolment_about(enrolment: Enrolment) -> str:
    return str(enrolment.course_class)


def enrolment_absorb(kept: Enrolment, dropped: Enrolment) -> list[str]:
    """The kept enrolment keeps the earlier place on the waiting list and a placement it lacked."""
    changed = []
    if dropped.waitlisted_at and (kept.waitlisted_at is None or dropped.waitlisted_at < kept.waitlisted_at):
        kept.waitlisted_at = dropped.waitlisted_at
        changed.append("waitlisted_at")
    if not kept.placement_level and dropped.placement_level:
        kept.placement_level, kept.placement_source = dropped.placement_level, dropped.placement_source
        changed += ["placement_level", "placement_source"]
    return changed


def attendance_rank(attendance: Attendance, children: Mapping[str, int]) -> int:
    return MARK_ORDER.index(AttendanceMark(attendance.mark))


def attendance_about(attendance: Attendance) -> str:
    return str(attendance.lesson)


def merge_rules() -> dict[str, MergeRule]:
    rules: dict[str, Any] = {
        "courses.enrolment": MergeRule(
            rank=enrolment_rank,
            why=_(
                "a seat before a waiting-list place, then the one with more attendance; this record's if equal"
            ),
            about=enrolment_about,
            absorb=enrolment_absorb,
        ),
        "courses.attendance": MergeRule(
            rank=attendance_rank,
            why=_("the better mark stays: present, then late, then excused, then absent"),
            about=attendance_about,
        ),
    }
    return rules
