"""Results at the end of a class: who completed, who passed the final assessment, who graduates.

A learner graduates when ``Enrolment.meets_result_rule`` holds with their attendance rate
(``courses.selectors.attendance``): completed, passed the assessment if the course has one, and
attended at least the course's threshold. Everyone else on the roster ends as completed (with
``completed`` saying whether they actually did). The class's teacher or the centre's manager
records results, once the class is finished or its end date has passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import policy
from courses.models import Certificate, ClassStatus, CourseClass, Enrolment, EnrolmentStatus
from courses.selectors.attendance import attendance_figures
from kem.services.records import record_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def class_has_ended(course_class: CourseClass, *, today: dt.date | None = None) -> bool:
    """Results may be recorded: the class is finished or its end date has passed (not cancelled)."""
    if course_class.status == ClassStatus.CANCELLED:
        return False
    return course_class.status == ClassStatus.FINISHED or course_class.end_date < (
        today or timezone.localdate()
    )


def _check_class(course_class: CourseClass) -> None:
    if course_class.status == ClassStatus.CANCELLED:
        raise ValidationError(_("The class was cancelled: it has no results."), code="class_cancelled")
    if not class_has_ended(course_class):
        raise ValidationError(
            _("Results are recorded once the class is finished or its end date has passed."),
            code="class_not_ended",
        )


def _passed(result: Mapping[str, Any], *, completed: bool, has_assessment: bool) -> bool | None:
    if not has_assessment:
        return None
    passed = result.get("passed")
    if completed and passed is None:
        raise ValidationError(
            _("Say whether each learner who completed passed the final assessment."),
            code="assessment_missing",
        )
    return None if passed is None else bool(passed)


@transaction.atomic
def results_record(
    *, course_class: CourseClass, results: Mapping[int, Mapping[str, Any]], by: User
) -> list[Enrolment]:
    """Record each learner's result (enrolment id -> ``{"completed": bool, "passed": bool | None}``)
    and set their status: graduated if the result rule holds with their attendance, else completed.

    Raises ``PermissionDenied`` unless ``by`` teaches the class or manages its centre;
    ``ValidationError`` if the class has not ended, a learner is not on its roster, the assessment
    result is missing for one who completed, or a learner holding a certificate would stop being a
    graduate (the manager revokes the certificate first). Returns the changed enrolments.
    """
    if not policy.may_record_results(by, course_class):
        raise PermissionDenied
    _check_class(course_class)
    ids = [int(pk) for pk in results]
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.on_roster()
        .filter(course_class=course_class, pk__in=ids)
        .select_for_update()
    }
    if set(enrolments) != set(ids):
        raise ValidationError(_("Some learners are not on this class."), code="not_on_roster")
    certified = set(
        Certificate.objects.filter(enrolment_id__in=ids, revoked_at__isnull=True).values_list(
            "enrolment_id", flat=True
        )
    )
    figures = attendance_figures(course_class=course_class, enrolment_ids=ids)
    has_assessment = course_class.course.has_final_assessment
    now = timezone.now()
    changed = []
    for pk, result in results.items():
        enrolment = enrolments[int(pk)]
        enrolment.course_class = course_class
        enrolment.completed = bool(result.get("completed"))
        enrolment.passed_assessment = _passed(
            result, completed=enrolment.completed, has_assessment=has_assessment
        )
        graduates = enrolment.meets_result_rule(figures[enrolment.pk].percent)
        if enrolment.pk in certified and not graduates:
            raise ValidationError(
                _("A learner holding a certificate must stay a graduate: the manager revokes it first."),
                code="certificate_issued",
            )
        enrolment.status = EnrolmentStatus.GRADUATED if graduates else EnrolmentStatus.COMPLETED
        enrolment.result_recorded_at = now
        enrolment.ended_at = enrolment.ended_at or now
        record_save(enrolment, by=by)
        changed.append(enrolment)
    return changed
