"""Cases, their sessions and employment outcomes: every write, with the rules that hold whoever calls.

Who may do what is asked of ``cases/policy.py``; a caller it refuses gets ``PermissionDenied``.
Every write keeps history with the acting user (``_history_user``). A session's summary and
confidential note are assigned as plaintext and sealed on save with the person's key.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from cases import policy
from cases.models import (
    AREA_DISCIPLINE,
    Case,
    CloseReason,
    EmploymentOutcome,
    InterpreterRequest,
    OutcomeKind,
    RequestStatus,
    ServiceArea,
    Session,
    SessionMode,
    SessionStatus,
)
from kem.models import Beneficiary, Centre
from kem.services.records import record_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Longest session one may schedule or log (a whole working day).
MAX_SESSION_MINUTES = 480
# Interpreter requests a session may still be linked to.
OPEN_REQUEST_STATUSES = (RequestStatus.REQUESTED, RequestStatus.BOOKED)
# What an appointment may be marked as instead of held.
MARKABLE_STATUSES = (SessionStatus.CANCELLED, SessionStatus.NO_SHOW)


def _already_open() -> str:
    return _("This person already has an open case in this area at this centre.")


# --- cases -------------------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *, beneficiary: Beneficiary, centre: Centre, area: str, counsellor: Any, reason: str, by: User
) -> Case:
    """Open a case of ``beneficiary`` in ``area`` at ``centre``, held by ``counsellor``.

    ``by`` must be a counsellor or the manager of the centre; ``counsellor`` must hold the area's
    discipline there. A person has at most one open case per centre and area.
    """
    if not policy.may_open_case(by, centre.pk):
        raise PermissionDenied
    if area not in ServiceArea.values:
        raise ValidationError(
            {"area": ValidationError(_("Choose a service area from the list."), code="invalid_area")}
        )
    if beneficiary.merged_into_id is not None:
        raise ValidationError(
            _("This record was merged into another one; open the case there."), code="merged_record"
        )
    _check_counsellor(counsellor, centre=centre, area=area)
    # Serialise openings for one person so that the "already open" check below holds.
    Beneficiary.objects.select_for_update(of=("self",)).filter(pk=beneficiary.pk).first()
    if Case.objects.open().filter(beneficiary=beneficiary, centre=centre, area=area).exists():
        raise ValidationError({"area": ValidationError(_already_open(), code="case_already_open")})
    case = Case(
        beneficiary=beneficiary,
        centre=centre,
        area=area,
        counsellor=counsellor,
        open_reason=reason,
        opened_by=by,
    )
    try:
        with transaction.atomic():
            record_save(case, by=by)
    except IntegrityError:
        # The database's own guard (one open case per area) caught a race the check above missed.
        raise ValidationError({"area": ValidationError(_already_open(), code="case_already_open")}) from None
    return case


@transaction.atomic
def case_close(*, case: Case, reason: str, by: User, closed_on: dt.date | None = None) -> Case:
    """Close ``case`` on ``closed_on`` (today by default) for ``reason``.

    A counsellor of the case's discipline or the manager closes it. Appointments still scheduled
    are cancelled: nobody is expected any more.
    """
    if not policy.may_close_case(by, centre_id=case.centre_id, discipline=case.discipline):
        raise PermissionDenied
    case = _locked_case(case)
    if not case.is_open:
        raise ValidationError(_("This case is already closed."), code="case_already_closed")
    closed_on = closed_on or timezone.localdate()
    if closed_on > timezone.localdate():
        raise ValidationError(
            {"closed_on": ValidationError(_("This date is in the future."), code="date_in_future")}
        )
    if closed_on < case.opened_on:
        raise ValidationError(
            {
                "closed_on": ValidationError(
                    _("A case cannot close before the day it was opened."), code="closed_before_opened"
                )
            }
        )
    if reason not in CloseReason.values or reason == CloseReason.MERGED:
        raise ValidationError(
            {"close_reason": ValidationError(_("Choose why the case is closed."), code="invalid_reason")}
        )
    case.closed_on = closed_on
    case.close_reason = reason
    case.closed_by = by
    record_save(case, by=by)
    # Appointments still ahead are cancelled: one UPDATE and one history INSERT for all of them.
    appointments = list(Session.objects.filter(case=case, status=SessionStatus.SCHEDULED))
    for session in appointments:
        session.status = SessionStatus.CANCELLED
    bulk_update_with_history(appointments, Session, ["status"], default_user=by)
    return case


@transaction.atomic
def case_reassign(*, case: Case, counsellor: Any, by: User) -> Case:
    """Give ``case`` to another counsellor of its discipline (the centre's manager only).

    Appointments already made stay with the counsellor who made them: they were agreed with them.
    """
    if not policy.may_reassign_case(by, case.centre_id):
        raise PermissionDenied
    case = _locked_case(case)
    if not case.is_open:
        raise ValidationError(_("A closed case cannot be reassigned."), code="case_closed")
    if counsellor.pk == case.counsellor_id:
        raise ValidationError(
            {
                "counsellor": ValidationError(
                    _("The case is already assigned to this counsellor."), code="same_counsellor"
                )
            }
        )
    _check_counsellor(counsellor, centre=case.centre, area=case.area)
    case.counsellor = counsellor
    record_save(case, by=by)
    return case


# --- sessions ----------------------------------------------------------------------------------


@transaction.atomic
def session_schedule(
    *,
    case: Case,
    starts_at: dt.datetime,
    duration_minutes: int,
    mode: str,
    by: User,
    interpreter_request: InterpreterRequest | None = None,
) -> Session:
    """Make an appointment on ``case`` with its counsellor (status scheduled).

    Refused when the case is closed, the time has passed, or the counsellor already has a
    scheduled or held session overlapping it (``counsellor_double_booked``).
    """
    _check_may_keep(case, by)
    if starts_at <= timezone.now():
        raise ValidationError(
            {
                "starts_at": ValidationError(
                    _("An appointment is made for a time still to come."), code="appointment_in_past"
                )
            }
        )
    session = Session(
        case=case,
        counsellor=case.counsellor,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        mode=mode,
        status=SessionStatus.SCHEDULED,
        created_by=by,
    )
    return _book(session, interpreter_request=interpreter_request, by=by)


@transaction.atomic
def session_log(
    *,
    case: Case,
    starts_at: dt.datetime,
    duration_minutes: int,
    mode: str,
    by: User,
    summary: str = "",
    confidential_note: str = "",
    follow_up_on: dt.date | None = None,
    interpreter_request: InterpreterRequest | None = None,
) -> Session:
    """Record a session held without an appointment (status held), held by ``by`` themselves.

    The same checks as an appointment, except that it must have started already.
    """
    _check_may_keep(case, by)
    if starts_at > timezone.now():
        raise ValidationError(
            {
                "starts_at": ValidationError(
                    _("A session that was held cannot start in the future."), code="session_in_future"
                )
            }
        )
    session = Session(
        case=case,
        counsellor=by,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        mode=mode,
        status=SessionStatus.HELD,
        created_by=by,
    )
    _write_record(session, summary=summary, confidential_note=confidential_note, follow_up_on=follow_up_on)
    return _book(session, interpreter_request=interpreter_request, by=by)


@transaction.atomic
def session_record(
    *, session: Session, summary: str, confidential_note: str, follow_up_on: dt.date | None, by: User
) -> Session:
    """Write what happened in a session (sealed) and mark it held.

    An appointment is recorded once it has started; a held session may be recorded again (the
    history keeps the earlier text, sealed). Cancelled and no-show sessions are not recorded.
    """
    status = _locked_status(session)
    _check_may_keep(session.case, by, must_be_open=status == SessionStatus.SCHEDULED)
    if status not in (SessionStatus.SCHEDULED, SessionStatus.HELD):
        raise ValidationError(
            _("A cancelled or missed appointment has nothing to record."), code="session_not_held"
        )
    if session.starts_at > timezone.now():
        raise ValidationError(
            _("This appointment has not started yet; record it once it is held."), code="session_not_started"
        )
    _write_record(session, summary=summary, confidential_note=confidential_note, follow_up_on=follow_up_on)
    session.status = SessionStatus.HELD
    record_save(session, by=by)
    return session


@transaction.atomic
def session_mark(*, session: Session, status: str, by: User) -> Session:
    """Mark an appointment cancelled or missed (no-show); only a scheduled one, and a no-show only
    once its time has come."""
    _check_may_keep(session.case, by, must_be_open=False)
    if status not in MARKABLE_STATUSES:
        raise ValidationError(
            {"status": ValidationError(_("Choose cancelled or no-show."), code="invalid_status")}
        )
    if _locked_status(session) != SessionStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled appointment can be marked."), code="session_not_scheduled")
    if status == SessionStatus.NO_SHOW and session.starts_at > timezone.now():
        raise ValidationError(
            {
                "status": ValidationError(
                    _("The appointment has not started yet: it can be cancelled, not missed."),
                    code="no_show_before_start",
                )
            }
        )
    session.status = status
    record_save(session, by=by)
    return session


# --- outcomes ----------------------------------------------------------------------------------


@transaction.atomic
def outcome_record(*, case: Case, kind: str, achieved_on: dt.date, by: User) -> EmploymentOutcome:
    """Record a result of employment counselling (a CV, a plan, a job…) on an employment case."""
    _check_may_keep(case, by, must_be_open=False)
    if case.area != ServiceArea.EMPLOYMENT:
        raise ValidationError(
            _("Outcomes are recorded on employment counselling cases only."), code="not_employment_case"
        )
    if kind not in OutcomeKind.values:
        raise ValidationError({"kind": ValidationError(_("Choose an outcome."), code="invalid_kind")})
    if achieved_on > timezone.localdate():
        raise ValidationError(
            {"achieved_on": ValidationError(_("This date is in the future."), code="date_in_future")}
        )
    if achieved_on < case.opened_on:
        raise ValidationError(
            {
                "achieved_on": ValidationError(
                    _("This date is before the case was opened."), code="outcome_before_case"
                )
            }
        )
    outcome = EmploymentOutcome(case=case, kind=kind, achieved_on=achieved_on, recorded_by=by)
    record_save(outcome, by=by)
    return outcome


# --- helpers -----------------------------------------------------------------------------------


def _check_counsellor(counsellor: Any, *, centre: Centre, area: str) -> None:
    discipline = AREA_DISCIPLINE[area]
    if counsellor is None or not policy.may_keep_case(counsellor, centre_id=centre.pk, discipline=discipline):
        raise ValidationError(
            {
                "counsellor": ValidationError(
                    _("Choose a counsellor of this area's discipline at this centre."),
                    code="counsellor_wrong_discipline",
                )
            }
        )


def _check_may_keep(case: Case, by: User, *, must_be_open: bool = True) -> None:
    if not policy.may_keep_case(by, centre_id=case.centre_id, discipline=case.discipline):
        raise PermissionDenied
    if must_be_open and not case.is_open:
        raise ValidationError(_("This case is closed."), code="case_closed")


def _book(session: Session, *, interpreter_request: InterpreterRequest | None, by: User) -> Session:
    """Check the time, the counsellor's diary and the interpreter request, then save."""
    if not 0 < (session.duration_minutes or 0) <= MAX_SESSION_MINUTES:
        raise ValidationError(
            {
                "duration_minutes": ValidationError(
                    _("A session lasts between 1 and %(max)d minutes.") % {"max": MAX_SESSION_MINUTES},
                    code="invalid_duration",
                )
            }
        )
    if session.mode not in SessionMode.values:
        raise ValidationError({"mode": ValidationError(_("Choose a mode."), code="invalid_mode")})
    if interpreter_request is not None:
        _check_interpreter_request(interpreter_request, case=session.case)
        session.interpreter_request = interpreter_request
    session.ends_at = session.starts_at + dt.timedelta(minutes=session.duration_minutes)
    _check_diary(session)
    record_save(session, by=by)
    return session


def _check_diary(session: Session) -> None:
    """Refuse a session overlapping another scheduled or held one of the same counsellor.

    The counsellor's row is locked first so that two bookings made at the same moment queue up
    instead of both passing the check.
    """
    get_user_model().objects.select_for_update().filter(pk=session.counsellor_id).first()
    clash = (
        Session.objects.busy()
        .filter(counsellor_id=session.counsellor_id)
        .overlapping(session.starts_at, session.ends_at)
        .exclude(pk=session.pk)
        .order_by("starts_at")
        .first()
    )
    if clash is None:
        return
    starts, ends = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
    raise ValidationError(
        {
            "starts_at": ValidationError(
                _(
                    "The counsellor already has a session on %(day)s from %(start)s to %(end)s. "
                    "Choose another time."
                )
                % {
                    "day": date_format(starts, "DATE_FORMAT"),
                    "start": date_format(starts, "H:i"),
                    "end": date_format(ends, "H:i"),
                },
                code="counsellor_double_booked",
            )
        }
    )


def _check_interpreter_request(request: InterpreterRequest, *, case: Case) -> None:
    if (
        request.beneficiary_id != case.beneficiary_id
        or request.centre_id != case.centre_id
        or request.status not in OPEN_REQUEST_STATUSES
    ):
        raise ValidationError(
            {
                "interpreter_request": ValidationError(
                    _("Choose an open interpreter request of this person at this centre."),
                    code="interpreter_request_mismatch",
                )
            }
        )


def _write_record(
    session: Session, *, summary: str, confidential_note: str, follow_up_on: dt.date | None
) -> None:
    if follow_up_on is not None and follow_up_on < timezone.localtime(session.starts_at).date():
        raise ValidationError(
            {
                "follow_up_on": ValidationError(
                    _("The follow-up cannot be before the session."), code="follow_up_before_session"
                )
            }
        )
    session.summary = (summary or "").strip()
    session.confidential_note = (confidential_note or "").strip()
    session.follow_up_on = follow_up_on


def _locked_status(session: Session) -> str:
    """The session's status as the database holds it, its row locked until the transaction ends."""
    status: str = Session.objects.select_for_update().values_list("status", flat=True).get(pk=session.pk)
    return status


def _locked_case(case: Case) -> Case:
    locked: Case = Case.objects.select_for_update(of=("self",)).select_related("centre").get(pk=case.pk)
    # Keep what the caller already fetched (the person and their key) on the fresh copy.
    if Case.beneficiary.is_cached(case):
        locked.beneficiary = case.beneficiary
    return locked
