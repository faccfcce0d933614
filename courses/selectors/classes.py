"""Reads of courses, classes, rosters and waiting lists, scoped to what the user may see.

Managers and the front desk see their centres' classes; a teacher sees only the classes they hold
``courses.teach_class`` on (django-guardian). Fetch helpers answer like
``kem.permissions.centre_for``: another centre's class — or, for a teacher, a class they do not
teach — is a 404 (ids confirm nothing); a role of the centre that may look but not do the thing
asked gets 403.

Learners' names are opened from the vault only here, and every list that shows them records one
access event per person in a single INSERT (``courses.learners.listed``). A teacher's roster
holds the name, the placement level and the attendance of each learner, nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from guardian.shortcuts import get_objects_for_user

from courses.models import (
    ATTENDED_MARKS,
    ENROLLING_STATUSES,
    ClassStatus,
    ClosedDay,
    Course,
    CourseClass,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonStatus,
    attendance_rate,
)
from courses.policy import (
    TEACH_CLASS,
    may_enrol,
    may_look_at_classes,
    may_manage_classes,
    may_read_catalogue,
    may_see_class,
)
from courses.services.classes import TRANSITIONS
from kem.models import Beneficiary, Centre
from kem.permissions import CentrePerm, access_for, centres_with, may
from kem.services.access_log import Access, access_record_many, role_at

LISTED_ACTION = "courses.learners.listed"

# The sealed fields a learner's name is made of (what an access event names when it is shown).
NAME_FIELDS = ("given_name", "family_name", "given_name_latin", "family_name_latin")


# --- scope -------------------------------------------------------------------------------------


def class_viewing_centre_ids(user: Any) -> frozenset[int]:
    """Centres whose classes the user sees in full (front desk, manager)."""
    return centres_with(user, CentrePerm.SEE_CLASSES)


def enrolling_centre_ids(user: Any) -> frozenset[int]:
    """Centres where the user enrols people (front desk, manager)."""
    return frozenset(c for c in access_for(user).centre_ids if may_enrol(user, c))


def managed_centres(user: Any) -> QuerySet[Centre]:
    """Centres whose classes the user runs (their manager), in name order."""
    ids = [c for c in access_for(user).centre_ids if may_manage_classes(user, c)]
    return Centre.objects.filter(pk__in=ids).order_by("name_el")


def classes_visible_to(*, user: Any) -> QuerySet[CourseClass]:
    """Classes the user may open: every class of the centres where they work at the front desk or
    manage, and the classes they teach (only those) where they are a teacher."""
    scope = Q(centre_id__in=class_viewing_centre_ids(user)) | Q(pk__in=taught_classes(user=user).values("pk"))
    return CourseClass.objects.filter(scope).select_related("course", "centre")


def class_for(user: Any, pk: Any, *, touch: bool = False) -> CourseClass:
    """The class ``pk`` for ``user``: 404 for another centre's class and for a class a teacher does
    not teach; 403 for a role of the centre that does not work with classes (counsellor, analyst,
    DPO) and, with ``touch``, for anyone who may look but not manage it."""
    try:
        course_class = CourseClass.objects.select_related("course", "centre").get(pk=pk)
    except (CourseClass.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if course_class.centre_id not in access_for(user).centre_ids:
        raise Http404
    if not may_see_class(user, course_class):
        if may(user, CentrePerm.TEACH, course_class.centre_id):
            raise Http404
        raise PermissionDenied
    if touch and not may_manage_classes(user, course_class.centre_id):
        raise PermissionDenied
    return course_class


def enrolment_for(user: Any, pk: Any) -> Enrolment:
    """An enrolment for the front desk or manager of its class's centre: 404 where the class is
    not visible (:func:`class_for`), 403 for a role that sees the class but does not enrol."""
    try:
        enrolment = Enrolment.objects.select_related(
            "course_class__course", "course_class__centre", "beneficiary__person_key"
        ).get(pk=pk)
    except (Enrolment.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    class_for(user, enrolment.course_class_id)
    if not may_enrol(user, enrolment.course_class.centre_id):
        raise PermissionDenied
    return enrolment


def lesson_for(user: Any, pk: Any) -> Lesson:
    """A lesson for the manager of its class's centre (to move or cancel it): 404 where the class
    is not visible, 403 for those who may only look."""
    try:
        lesson = Lesson.objects.select_related("course_class__course", "course_class__centre").get(pk=pk)
    except (Lesson.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    class_for(user, lesson.course_class_id, touch=True)
    return lesson


def course_for(user: Any, pk: Any) -> Course:
    """A course of the catalogue for staff who read it (front desk, teachers, managers): 403 for
    other roles; a course id that does not exist is a 404."""
    if not may_read_catalogue(user):
        raise PermissionDenied
    try:
        return Course.objects.get(pk=pk)
    except (Course.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def closed_day_for(user: Any, pk: Any) -> ClosedDay:
    """A closed day of a centre the user manages: 404 for another centre's, 403 for other roles."""
    try:
        closed = ClosedDay.objects.select_related("centre").get(pk=pk)
    except (ClosedDay.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if closed.centre_id not in access_for(user).centre_ids:
        raise Http404
    if not may_manage_classes(user, closed.centre_id):
        raise PermissionDenied
    return closed


# --- lists -------------------------------------------------------------------------------------


def course_list(*, include_inactive: bool = False) -> QuerySet[Course]:
    """The catalogue in subject and level order, with how many classes each course has."""
    courses = Course.objects.annotate(class_count=Count("classes"))
    return courses if include_inactive else courses.filter(active=True)


def class_list(*, user: Any, status: str = "", course: Course | None = None) -> QuerySet[CourseClass]:
    """The classes the user may open, newest first, each with its seats taken and people waiting
    (one query for a page however many classes)."""
    rows = classes_visible_to(user=user)
    if status:
        rows = rows.filter(status=status)
    if course is not None:
        rows = rows.filter(course=course)
    return rows.annotate(
        enrolled_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)),
        waiting_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
    ).order_by("-start_date", "name", "pk")


def enrolling_classes(*, user: Any, beneficiary: Beneficiary | None = None) -> QuerySet[CourseClass]:
    """Classes taking enrolments at centres where the user enrols people, with their seats; those
    where ``beneficiary`` is already waiting or enrolled are left out."""
    rows = CourseClass.objects.filter(
        centre_id__in=enrolling_centre_ids(user), status__in=list(ENROLLING_STATUSES)
    ).select_related("course", "centre")
    if beneficiary is not None:
        rows = rows.exclude(
            enrolments__beneficiary=beneficiary,
            enrolments__status__in=[EnrolmentStatus.WAITLISTED, EnrolmentStatus.ENROLLED],
        )
    return rows.annotate(
        enrolled_count=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED))
    ).order_by("course__subject", "course__level", "start_date", "name")


def class_lessons(*, course_class: CourseClass) -> list[Lesson]:
    """The class's lessons in date order (one query)."""
    return list(course_class.lessons.order_by("date", "starts_at", "pk"))


def closed_days(*, centres: Any, since: dt.date | None = None) -> QuerySet[ClosedDay]:
    """Closed days of ``centres`` from ``since`` (default: the start of this year) on."""
    since = since or timezone.localdate().replace(month=1, day=1)
    return ClosedDay.objects.filter(centre__in=centres, date__gte=since).select_related(
        "centre", "created_by"
    )


# --- learners ----------------------------------------------------------------------------------


def learner_name(beneficiary: Beneficiary) -> tuple[str, list[str]]:
    """The person's display name and the sealed fields it showed; a placeholder once erased."""
    if beneficiary.person_key.is_shredded:
        return gettext("(erased)"), []
    shown = [name for name in NAME_FIELDS if getattr(beneficiary, name)]
    return beneficiary.display_name, shown


def open_learner_names(
    enrolments: Iterable[Enrolment],
    *,
    user: Any,
    centre_id: int,
    action: str = LISTED_ACTION,
    request: HttpRequest | None = None,
) -> dict[int, str]:
    """{enrolment id: the learner's name} (person keys must come joined), with the sealed fields
    the names showed traced in the access log in one INSERT."""
    names: dict[int, str] = {}
    accesses: list[Access] = []
    role = role_at(user, centre_id)
    for enrolment in enrolments:
        person = enrolment.beneficiary
        names[enrolment.pk], fields = learner_name(person)
        if fields:
            accesses.append(Access(subject=person, fields=fields, centre_id=centre_id, role=role))
    access_record_many(user=user, action=action, accesses=accesses, request=request)
    return names


@dataclass(frozen=True)
class RosterRow:
    """A learner on a class. A teacher gets the name, the level and the attendance; the other
    fields are None for them."""

    enrolment_id: int
    name: str
    level: str
    attendance_percent: Decimal | None
    status: str | None = None
    status_label: str | None = None
    beneficiary_id: Any = None
    enrolled_at: dt.datetime | None = None
    placement_source: str | None = None
    promoted: bool | None = None


def class_roster(
    *, course_class: CourseClass, user: Any, request: HttpRequest | None = None
) -> list[RosterRow]:
    """The learners of a class (enrolled, completed or graduated) in name order, for anyone who may
    see the class; the names shown are access-logged. Attendance is the share of the class's held
    lessons (not cancelled, up to today) marked present or late. Three queries however many
    learners (learners, held lessons, the access events)."""
    if not may_see_class(user, course_class):
        raise PermissionDenied
    today = timezone.localdate()
    attended = Q(
        attendances__mark__in=list(ATTENDED_MARKS),
        attendances__lesson__status=LessonStatus.SCHEDULED,
        attendances__lesson__date__lte=today,
    )
    enrolments = list(
        course_class.enrolments.on_roster()
        .select_related("beneficiary__person_key")
        .annotate(attended=Count("attendances", filter=attended))
    )
    held = course_class.lessons.filter(status=LessonStatus.SCHEDULED, date__lte=today).count()
    full = may_look_at_classes(user, course_class.centre_id)
    names = open_learner_names(enrolments, user=user, centre_id=course_class.centre_id, request=request)
    rows = []
    for enrolment in enrolments:
        row = RosterRow(
            enrolment_id=enrolment.pk,
            name=names[enrolment.pk],
            level=enrolment.get_placement_level_display(),
            attendance_percent=attendance_rate(enrolment.attended, held),
        )
        if full:
            row = RosterRow(
                **{
                    **row.__dict__,
                    "status": enrolment.status,
                    "status_label": enrolment.get_status_display(),
                    "beneficiary_id": enrolment.beneficiary_id,
                    "enrolled_at": enrolment.enrolled_at,
                    "placement_source": enrolment.get_placement_source_display(),
                    "promoted": enrolment.waitlisted_at is not None,
                }
            )
        rows.append(row)
    rows.sort(key=lambda r: r.name.casefold())
    return rows


@dataclass(frozen=True)
class WaitingRow:
    """A person on a class's waiting list: their place (1 = next), since when and for how long."""

    enrolment_id: int
    position: int
    name: str
    level: str
    beneficiary_id: Any
    waitlisted_at: dt.datetime
    days_waiting: int


def waiting_list(
    *, course_class: CourseClass, user: Any, request: HttpRequest | None = None
) -> list[WaitingRow]:
    """The class's waiting list in order, for those who enrol people at its centre (empty for
    anyone else: a teacher sees learners, not who waits). Names shown are access-logged. Two
    queries."""
    if not may_enrol(user, course_class.centre_id):
        return []
    now = timezone.now()
    waiting = list(course_class.enrolments.waiting().select_related("beneficiary__person_key"))
    names = open_learner_names(waiting, user=user, centre_id=course_class.centre_id, request=request)
    rows = []
    for position, enrolment in enumerate(waiting, start=1):
        rows.append(
            WaitingRow(
                enrolment_id=enrolment.pk,
                position=position,
                name=names[enrolment.pk],
                level=enrolment.get_placement_level_display(),
                beneficiary_id=enrolment.beneficiary_id,
                waitlisted_at=enrolment.waitlisted_at,
                days_waiting=(now - enrolment.waitlisted_at).days,
            )
        )
    return rows


def waiting_position(*, enrolment: Enrolment) -> int | None:
    """The place of a waiting enrolment on its list (1 = next), None if not waiting."""
    if enrolment.status != EnrolmentStatus.WAITLISTED:
        return None
    ahead = Enrolment.objects.filter(course_class_id=enrolment.course_class_id).waiting()
    ahead = ahead.filter(
        Q(waitlisted_at__lt=enrolment.waitlisted_at)
        | Q(waitlisted_at=enrolment.waitlisted_at, pk__lt=enrolment.pk)
    )
    return ahead.count() + 1


def class_status_choices(course_class: CourseClass) -> list[tuple[str, str]]:
    """Where the class may go from its status (for the status buttons)."""
    allowed = TRANSITIONS.get(course_class.status, frozenset())
    return [(value, label) for value, label in ClassStatus.choices if value in allowed]


def taught_classes(*, user: Any) -> QuerySet[CourseClass]:
    """The classes the user teaches (holds ``courses.teach_class`` on, as a teacher of the centre)."""
    teaching = centres_with(user, CentrePerm.TEACH)
    if not teaching:
        return CourseClass.objects.none()
    return get_objects_for_user(
        user,
        TEACH_CLASS,
        klass=CourseClass.objects.filter(centre_id__in=teaching),
        accept_global_perms=False,
        with_superuser=False,
    )


def enrolments_visible_to(*, user: Any) -> QuerySet[Enrolment]:
    """Enrolments the user may read: every one of the classes of centres where they enrol people,
    and the learners (on the roster, not the waiting list) of the classes they teach."""
    scope = Q(course_class__centre_id__in=enrolling_centre_ids(user))
    taught = taught_classes(user=user)
    scope |= Q(
        course_class__in=taught.values("pk"),
        status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.GRADUATED],
    )
    return Enrolment.objects.filter(scope).select_related("beneficiary__person_key", "course_class")


def waiting_positions(*, enrolments: list[Enrolment]) -> dict[int, int]:
    """The place on its waiting list (1 = next) of each waiting enrolment among ``enrolments``,
    by id; one query however many enrolments and classes."""
    class_ids = {e.course_class_id for e in enrolments if e.status == EnrolmentStatus.WAITLISTED}
    positions: dict[int, int] = {}
    if not class_ids:
        return positions
    counters: dict[int, int] = {}
    for pk, class_id in (
        Enrolment.objects.filter(course_class_id__in=class_ids).waiting().values_list("pk", "course_class_id")
    ):
        counters[class_id] = counters.get(class_id, 0) + 1
        positions[pk] = counters[class_id]
    return positions
