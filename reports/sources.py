"""Where the counts come from: one queryset per kind of activity, giving a row per activity.

Every source yields the same named columns (``s_pid`` the beneficiary, ``s_centre``, ``s_month``
as ``YYYYMM``, ``s_day`` as ``YYYYMMDD``, and what only some activities have: ``s_area``,
``s_language``, ``s_working_area``, ``s_referral_status``, ``s_course_level``, ``s_subject``), so
that the engine can stack several sources (``UNION ALL``) and count unique persons across them
in the database. What counts as an activity, and on which date:

- registration: a beneficiary registered at the centre (``registration_date``); merged records
  are not persons and are left out (their activities moved to the surviving record);
- session: a counselling session *held* (``starts_at``), at the centre of its case;
- interpreter: an interpreter request for a date in the period (``starts_at``), unless cancelled;
- referral: a referral *sent* (``sent_at``) by the centre;
- enrolment: a seat taken in a class of the centre (``enrolled_at``; waiting lists do not count);
- attendance: a lesson of a class of the centre attended (present or late, on the lesson's date);
- graduation: an enrolment that ended graduated, on the date its result was recorded (or, before
  results were recorded, the date it ended, or else the class's end date).

Dates of datetimes are local dates (``TIME_ZONE``). Sources filter by the activity's centre, never
by where the person registered: a person served at two centres is served at both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import models
from django.db.models import Case, CharField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear, TruncDate
from django.utils import timezone

from cases.models import InterpreterRequest, RequestStatus, Session, SessionStatus
from courses.models import ATTENDED_MARKS, Attendance, Enrolment, EnrolmentStatus, LessonStatus
from kem.models import Beneficiary
from referrals.models import Referral, ReferralStatus

# How a sent referral stands now: a partition (each referral in exactly one).
REFERRAL_STATUS_CODES = (
    "awaiting",
    "accepted",
    "successful",
    "unsuccessful",
    "declined",
    "withdrawn_after_answer",
    "withdrawn",
)


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _month(expr: str | models.Expression) -> models.Expression:
    return ExtractYear(expr) * 100 + ExtractMonth(expr)


def _day(expr: str | models.Expression) -> models.Expression:
    return ExtractYear(expr) * 10000 + ExtractMonth(expr) * 100 + ExtractDay(expr)


def _in_period(field: str, start: dt.date | None, end: dt.date, *, datetime: bool) -> Q:
    """``field`` within start..end (local dates, both included); no lower bound when start is None."""
    if datetime:
        q = Q(**{f"{field}__lt": local_midnight(end + dt.timedelta(days=1))})
        return q & Q(**{f"{field}__gte": local_midnight(start)}) if start else q
    q = Q(**{f"{field}__lte": end})
    return q & Q(**{f"{field}__gte": start}) if start else q


_REFERRAL_STATUS = Case(
    When(status=ReferralStatus.SENT, then=Value("awaiting")),
    When(status=ReferralStatus.ACCEPTED, then=Value("accepted")),
    When(status=ReferralStatus.COMPLETED, outcome_successful=True, then=Value("successful")),
    When(status=ReferralStatus.COMPLETED, then=Value("unsuccessful")),
    When(status=ReferralStatus.DECLINED, then=Value("declined")),
    When(status=ReferralStatus.WITHDRAWN, responded_at__isnull=False, then=Value("withdrawn_after_answer")),
    default=Value("withdrawn"),
    output_field=CharField(),
)


def registrations(centre_ids: Iterable[int], start: dt.date | None, end: dt.date) -> tuple[QuerySet, dict]:
    rows = Beneficiary._base_manager.filter(
        _in_period("registration_date", start, end, datetime=False),
        registering_centre_id__in=list(centre_ids),
        merged_into__isnull=True,
    )
    exprs = {
        "pid": F("pk"),
        "centre": F("registering_centre_id"),
        "month": _month("registration_date"),
        "day": _day("registration_date"),
    }
    return rows, exprs


def sessions(centre_ids: Iterable[int], start: dt.date | None, end: dt.date) -> tuple[QuerySet, dict]:
    rows = Session._base_manager.filter(
        _in_period("starts_at", start, end, datetime=True),
        status=SessionStatus.HELD,
        case__centre_id__in=list(centre_ids),
    )
    exprs = {
        "pid": F("case__beneficiary_id"),
        "centre": F("case__centre_id"),
        "month": _month("starts_at"),
        "day": _day("starts_at"),
        "area": F("case__area"),
    }
    return rows, exprs


def interpreter_requests(
    centre_ids: Iterable[int], start: dt.date | None, end: dt.date
) -> tuple[QuerySet, dict]:
    rows = InterpreterRequest._base_manager.filter(
        _in_period("starts_at", start, end, datetime=True), centre_id__in=list(centre_ids)
    ).exclude(status=RequestStatus.CANCELLED)
    exprs = {
        "pid": F("beneficiary_id"),
        "centre": F("centre_id"),
        "month": _month("starts_at"),
        "day": _day("starts_at"),
        "language": F("language_id"),
    }
    return rows, exprs


def referrals(centre_ids: Iterable[int], start: dt.date | None, end: dt.date) -> tuple[QuerySet, dict]:
    rows = Referral._base_manager.filter(
        _in_period("sent_at", start, end, datetime=True), centre_id__in=list(centre_ids)
    )
    exprs = {
        "pid": F("beneficiary_id"),
        "centre": F("centre_id"),
        "month": _month("sent_at"),
        "day": _day("sent_at"),
        "working_area": F("service__area"),
        "referral_status": _REFERRAL_STATUS,
    }
    return rows, exprs


def _class_exprs(prefix: str) -> dict:
    return {
        "pid": F(f"{prefix}beneficiary_id"),
        "centre": F(f"{prefix}course_class__centre_id"),
        "course_level": F(f"{prefix}course_class__course__level"),
        "subject": F(f"{prefix}course_class__course__subject"),
    }


def enrolments(centre_ids: Iterable[int], start: dt.date | None, end: dt.date) -> tuple[QuerySet, dict]:
    rows = Enrolment._base_manager.filter(
        _in_period("enrolled_at", start, end, datetime=True),
        course_class__centre_id__in=list(centre_ids),
    )
    exprs = {**_class_exprs(""), "month": _month("enrolled_at"), "day": _day("enrolled_at")}
    return rows, exprs


def attendances(centre_ids: Iterable[int], start: dt.date | None, end: dt.date) -> tuple[QuerySet, dict]:
    rows = Attendance._base_manager.filter(
        _in_period("lesson__date", start, end, datetime=False),
        lesson__course_class__centre_id__in=list(centre_ids),
        lesson__status=LessonStatus.SCHEDULED,
        mark__in=list(ATTENDED_MARKS),
    )
    exprs = {
        **_class_exprs("enrolment__"),
        "month": _month("lesson__date"),
        "day": _day("lesson__date"),
    }
    return rows, exprs


_GRADUATED_ON = Coalesce(
    TruncDate("result_recorded_at"),
    TruncDate("ended_at"),
    F("course_class__end_date"),
    output_field=models.DateField(),
)


def graduations(centre_ids: Iterable[int], start: dt.date | None, end: dt.date) -> tuple[QuerySet, dict]:
    rows = (
        Enrolment._base_manager.filter(
            status=EnrolmentStatus.GRADUATED, course_class__centre_id__in=list(centre_ids)
        )
        .annotate(s_graduated_on=_GRADUATED_ON)
        .filter(_in_period("s_graduated_on", start, end, datetime=False))
    )
    exprs = {**_class_exprs(""), "month": _month("s_graduated_on"), "day": _day("s_graduated_on")}
    return rows, exprs


SourceFn = Callable[[Iterable[int], "dt.date | None", dt.date], tuple[QuerySet, dict]]

SOURCES: dict[str, SourceFn] = {
    "registration": registrations,
    "session": sessions,
    "interpreter": interpreter_requests,
    "referral": referrals,
    "enrolment": enrolments,
    "attendance": attendances,
    "graduation": graduations,
}


def select(
    source: str,
    *,
    centre_ids: Iterable[int],
    start: dt.date | None,
    end: dt.date,
    fields: Iterable[str],
    kind: bool = False,
    null_missing: bool = False,
) -> QuerySet:
    """Rows of one source with the asked columns (``s_<field>``, in the order asked), plus
    ``s_kind`` (the source's code) when ``kind``. Unordered, ready to be stacked. A column the
    source does not have is an error, or NULL with ``null_missing``."""
    rows, exprs = SOURCES[source](centre_ids, start, end)
    wanted = list(fields)
    missing = [name for name in wanted if name not in exprs]
    if missing and not null_missing:
        raise ValueError(f"The {source} source has no {', '.join(missing)}.")
    nothing = Value(None, output_field=CharField())
    annotations = {f"s_{name}": exprs.get(name, nothing) for name in wanted}
    if kind:
        annotations["s_kind"] = Value(source, output_field=CharField())
    return rows.annotate(**annotations).values(*annotations).order_by()


def has_field(source: str, field: str) -> bool:
    """Whether ``source`` has the column ``field``: asked cheaply, no query."""
    return field in _FIELDS_OF[source]


_FIELDS_OF: dict[str, frozenset[str]] = {
    "registration": frozenset({"pid", "centre", "month", "day"}),
    "session": frozenset({"pid", "centre", "month", "day", "area"}),
    "interpreter": frozenset({"pid", "centre", "month", "day", "language"}),
    "referral": frozenset({"pid", "centre", "month", "day", "working_area", "referral_status"}),
    "enrolment": frozenset({"pid", "centre", "month", "day", "course_level", "subject"}),
    "attendance": frozenset({"pid", "centre", "month", "day", "course_level", "subject"}),
    "graduation": frozenset({"pid", "centre", "month", "day", "course_level", "subject"}),
}
