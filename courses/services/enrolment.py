"""Enrolment and waiting lists: enrol or wait, withdraw or drop out, and promotion from the list.

Every write that changes who holds a seat locks the class row first (``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite the IMMEDIATE transaction mode already serialises writers), so the seats
counted are the seats that exist when the enrolment is saved: twenty desks enrolling into the last
seat at once end with one enrolled and nineteen waiting. A person's rows are locked after the
class's (never before), so two writes never wait for each other in a cycle.

Refusals are ``ValidationError`` with a stable code; messages name classes and courses, never a
person. A promotion is recorded on the enrolment itself (``waitlisted_at`` and ``enrolled_at`` both
set): the front desk's home panel lists the people promoted in the last days from that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import (
    ACTIVE_ENROLMENT,
    CourseClass,
    Enrolment,
    EnrolmentStatus,
    Level,
    PlacementSource,
    ScheduleSlot,
)
from courses.policy import may_enrol
from kem.models import Beneficiary
from kem.selectors.beneficiaries import beneficiaries_visible_to
from kem.services.records import record_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _lock_class(course_class: CourseClass) -> CourseClass:
    return (
        CourseClass.objects.select_for_update(of=("self",)).select_related("course").get(pk=course_class.pk)
    )


def _lock_person(beneficiary_id: Any) -> None:
    # The person's row, so that two classes of the same course cannot both take them at once.
    list(Beneficiary.objects.select_for_update(of=("self",)).filter(pk=beneficiary_id).values_list("pk"))


# --- the refusal rules -------------------------------------------------------------------------


def _weekdays_between(start: dt.date, end: dt.date) -> set[int]:
    if (end - start).days >= 6:
        return set(range(7))
    return {(start + dt.timedelta(days=n)).weekday() for n in range((end - start).days + 1)}


def classes_clash(
    first: CourseClass,
    first_slots: Iterable[ScheduleSlot],
    second: CourseClass,
    second_slots: Iterable[ScheduleSlot],
) -> bool:
    """Whether two classes meet at the same time on some day: while both run, a weekly meeting of
    one overlaps a weekly meeting of the other on the same weekday."""
    start, end = max(first.start_date, second.start_date), min(first.end_date, second.end_date)
    if end < start:
        return False
    weekdays = _weekdays_between(start, end)
    second_slots = list(second_slots)
    return any(
        a.weekday == b.weekday
        and a.weekday in weekdays
        and a.starts_at < b.ends_at
        and b.starts_at < a.ends_at
        for a in first_slots
        for b in second_slots
    )


def enrolment_refusal(*, course_class: CourseClass, beneficiary_id: Any) -> ValidationError | None:
    """Why the person may not take a seat in ``course_class`` now, or None.

    Two rules about the person's other classes: not active (waiting or enrolled) in another class
    of the same course, and not enrolled in a class whose weekly meetings overlap this one's.
    Two queries.
    """
    others = list(
        Enrolment.objects.filter(beneficiary_id=beneficiary_id, status__in=ACTIVE_ENROLMENT)
        .exclude(course_class_id=course_class.pk)
        .select_related("course_class__course")
    )
    same_course = [e for e in others if e.course_class.course_id == course_class.course_id]
    if same_course:
        return ValidationError(
            _("The person is already in another class of this course (%(class)s).")
            % {"class": same_course[0].course_class.name},
            code="same_course",
        )
    enrolled = {e.course_class_id: e.course_class for e in others if e.status == EnrolmentStatus.ENROLLED}
    if not enrolled:
        return None
    slots: dict[int, list[ScheduleSlot]] = {}
    for slot in ScheduleSlot.objects.filter(course_class_id__in=[*enrolled, course_class.pk]):
        slots.setdefault(slot.course_class_id, []).append(slot)
    own = slots.get(course_class.pk, [])
    for other_id, other in enrolled.items():
        if classes_clash(course_class, own, other, slots.get(other_id, [])):
            return ValidationError(
                _("The person is enrolled in %(class)s, whose lessons overlap this class's lessons.")
                % {"class": f"{other.course} – {other.name}"},
                code="schedule_clash",
            )
    return None


def _placement_errors(placement_level: str, placement_source: str) -> dict[str, ValidationError]:
    errors: dict[str, ValidationError] = {}
    if placement_level and placement_level not in Level.values:
        errors["placement_level"] = ValidationError(
            _("Choose the level from the list."), code="placement_level_unknown"
        )
    if placement_source and placement_source not in PlacementSource.values:
        errors["placement_source"] = ValidationError(
            _("Choose how the level was found from the list."), code="placement_source_unknown"
        )
    if placement_level and not placement_source:
        errors["placement_source"] = ValidationError(
            _("Say how the level was found: a placement test or the teacher's judgement."),
            code="placement_source_required",
        )
    if placement_source and not placement_level:
        errors["placement_level"] = ValidationError(
            _("Give the level the placement found."), code="placement_level_required"
        )
    return errors


# --- enrolling ---------------------------------------------------------------------------------


@transaction.atomic
def enrolment_create(
    *,
    course_class: CourseClass,
    beneficiary: Beneficiary,
    by: User,
    placement_level: str = "",
    placement_source: str = "",
) -> Enrolment:
    """Enrol a person into a class, or put them on its waiting list when it is full.

    The front desk (or the manager) of the class's centre enrols people they may see. Refused, each
    with its code: the class takes no enrolments (``class_not_enrolling``), the person is already
    on this class (``already_on_class``) or in another class of the course (``same_course``), or
    enrolled in a class meeting at the same time (``schedule_clash``).
    """
    if not may_enrol(by, course_class.centre_id):
        raise PermissionDenied
    if not beneficiaries_visible_to(by).filter(pk=beneficiary.pk).exists():
        raise ValidationError(
            {"beneficiary": ValidationError(_("No such person at your centres."), code="unknown_person")}
        )
    placement_level, placement_source = placement_level or "", placement_source or ""
    errors = _placement_errors(placement_level, placement_source)
    if errors:
        raise ValidationError(errors)
    course_class = _lock_class(course_class)
    _lock_person(beneficiary.pk)
    if not course_class.takes_enrolments:
        raise ValidationError(
            _("This class is not taking enrolments: it is %(status)s.")
            % {"status": course_class.get_status_display()},
            code="class_not_enrolling",
        )
    current = Enrolment.objects.filter(
        course_class=course_class, beneficiary=beneficiary, status__in=ACTIVE_ENROLMENT
    ).first()
    if current is not None:
        raise ValidationError(
            _("The person is already on this class (%(status)s).") % {"status": current.get_status_display()},
            code="already_on_class",
        )
    refusal = enrolment_refusal(course_class=course_class, beneficiary_id=beneficiary.pk)
    if refusal is not None:
        raise refusal
    now = timezone.now()
    enrolment = Enrolment(
        course_class=course_class,
        beneficiary=beneficiary,
        placement_level=placement_level,
        placement_source=placement_source,
        created_by=by,
    )
    if course_class.enrolments.enrolled().count() < course_class.capacity:
        enrolment.status, enrolment.enrolled_at = EnrolmentStatus.ENROLLED, now
    else:
        enrolment.status, enrolment.waitlisted_at = EnrolmentStatus.WAITLISTED, now
    return record_save(enrolment, by=by)


# --- leaving -----------------------------------------------------------------------------------


def _locked_enrolment(enrolment: Enrolment, by: User) -> tuple[CourseClass, Enrolment]:
    course_class = CourseClass.objects.only("centre_id").get(pk=enrolment.course_class_id)
    if not may_enrol(by, course_class.centre_id):
        raise PermissionDenied
    course_class = _lock_class(course_class)
    return course_class, Enrolment.objects.select_for_update(of=("self",)).get(pk=enrolment.pk)


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, by: User, dropped: bool = False) -> Enrolment:
    """End a person's place on a class: withdrawn (before or instead of attending) or, for an
    enrolled learner, dropped out. A freed seat goes at once to the first suitable person on the
    waiting list (:func:`waitlist_promote`)."""
    course_class, enrolment = _locked_enrolment(enrolment, by)
    if not enrolment.is_active:
        raise ValidationError(
            _("The person is no longer on this class (%(status)s).")
            % {"status": enrolment.get_status_display()},
            code="not_active",
        )
    if dropped and enrolment.status != EnrolmentStatus.ENROLLED:
        raise ValidationError(
            _("Only an enrolled learner drops out; a waiting person leaves the waiting list."),
            code="not_enrolled",
        )
    freed = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.DROPPED if dropped else EnrolmentStatus.WITHDRAWN
    enrolment.ended_at = timezone.now()
    record_save(enrolment, by=by)
    if freed:
        _promote(course_class, by=by)
    return enrolment


@transaction.atomic
def waitlist_leave(*, enrolment: Enrolment, by: User) -> Enrolment:
    """Take a waiting person off the waiting list (they no longer want the class); the people
    behind them move up."""
    _course_class, enrolment = _locked_enrolment(enrolment, by)
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        raise ValidationError(_("The person is not on the waiting list."), code="not_waiting")
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.ended_at = timezone.now()
    return record_save(enrolment, by=by)


# --- promotion ---------------------------------------------------------------------------------


@transaction.atomic
def waitlist_promote(*, course_class: CourseClass, by: User) -> list[Enrolment]:
    """Fill the class's free seats from its waiting list, in order, skipping anyone a refusal rule
    now stops (they keep their place). Returns the promoted enrolments."""
    return _promote(_lock_class(course_class), by=by)


def _promote(course_class: CourseClass, *, by: User) -> list[Enrolment]:
    """The promotion itself; the caller holds the class's row lock."""
    if not course_class.takes_enrolments:
        return []
    free = course_class.capacity - course_class.enrolments.enrolled().count()
    promoted: list[Enrolment] = []
    if free <= 0:
        return promoted
    queue = list(course_class.enrolments.waiting())
    # Everyone waiting at once and in id order: two promotions in two classes that share waiting
    # people then take their locks in the same order and cannot deadlock.
    list(
        Beneficiary.objects.select_for_update(of=("self",))
        .filter(pk__in={waiting.beneficiary_id for waiting in queue})
        .order_by("pk")
        .values_list("pk")
    )
    for waiting in queue:
        if enrolment_refusal(course_class=course_class, beneficiary_id=waiting.beneficiary_id) is not None:
            continue
        waiting.status, waiting.enrolled_at = EnrolmentStatus.ENROLLED, timezone.now()
        promoted.append(record_save(waiting, by=by))
        if len(promoted) == free:
            break
    return promoted


def enrolments_end_for_class(
    *, course_class: CourseClass, by: User, statuses: Iterable[str]
) -> list[Enrolment]:
    """Withdraw everyone of ``statuses`` from a class that is ending or cancelled (the caller holds
    the class's row lock and decides who goes)."""
    now = timezone.now()
    ended = []
    for enrolment in course_class.enrolments.filter(status__in=list(statuses)).select_for_update(
        of=("self",)
    ):
        enrolment.status, enrolment.ended_at = EnrolmentStatus.WITHDRAWN, now
        ended.append(record_save(enrolment, by=by))
    return ended
