"""Interpreting: the languages, each centre's interpreter pool, requests and their bookings, reminders.

Every write keeps history with the acting user (``_history_user``) and checks, whoever calls it,
that the user may do it at that centre (``cases/policy.py``): managers keep the languages and
their centre's pool; the front desk, counsellors and the manager request and book interpreters.

A request moves requested → booked → completed | cancelled | no-show (a request may also be
cancelled before it is booked). Its notes and the reason for a gender preference are sealed with
the person's key; reminders carry neither, nor the person's name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import (
    GenderPreference,
    Interpreter,
    InterpreterRequest,
    InterpretingMode,
    Language,
    RequestStatus,
    Session,
)
from cases.policy import may_book_interpreters, may_manage_interpreters, may_manage_languages
from kem.models import Beneficiary, Centre
from kem.services.records import record_deactivate, record_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MIN_DURATION = 15
MAX_DURATION = 8 * 60
# ISO 639-1 (two letters) or ISO 639-2/3 (three letters), lowercase.
ISO_639_CODE = re.compile(r"^[a-z]{2,3}$")
# ISO 639-2 codes that name no language one could interpret: undetermined, multiple, no content.
NOT_A_LANGUAGE = frozenset({"und", "mul", "zxx"})


# --- languages ---------------------------------------------------------------------------------


def iso639_check(code: str) -> str:
    """The code normalised (trimmed, lowercase) if it has the form of an ISO 639 code, else refused.

    Neither ``pycountry`` nor ``langcodes`` is installed, so the form is checked (two or three
    letters) and the codes that are no language (``und``, ``mul``, ``zxx`` and the local-use
    range ``qaa``–``qtz``) are refused.
    """
    code = (code or "").strip().lower()
    reserved = len(code) == 3 and "qaa" <= code <= "qtz"
    if not ISO_639_CODE.match(code) or code in NOT_A_LANGUAGE or reserved:
        raise ValidationError(
            {
                "code": ValidationError(
                    _(
                        "Enter an ISO 639 language code: two or three lowercase letters, such as “fa” or “prs”."
                    ),
                    code="iso639",
                )
            }
        )
    return code


def _require_language_manager(by: User) -> None:
    if not may_manage_languages(by):
        raise PermissionDenied


def _check_language_unique(*, code: str, dialect: str, exclude: int | None = None) -> None:
    same = Language.objects.filter(code=code, dialect__iexact=dialect)
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise ValidationError(
            {
                "dialect": ValidationError(
                    _("This language is already on the list with this dialect."), code="language_exists"
                )
            }
        )


@transaction.atomic
def language_create(*, code: str, dialect: str = "", name_el: str, name_en: str, by: User) -> Language:
    """Add a language (and dialect) interpreters may be requested for; managers only."""
    _require_language_manager(by)
    code = iso639_check(code)
    dialect = (dialect or "").strip()
    _check_language_unique(code=code, dialect=dialect)
    language = Language(code=code, dialect=dialect, name_el=name_el.strip(), name_en=name_en.strip())
    record_save(language, by=by)
    return language


@transaction.atomic
def language_update(
    *, language: Language, code: str, dialect: str = "", name_el: str, name_en: str, active: bool, by: User
) -> Language:
    """Correct a language's code, dialect or names, or (re)activate it; managers only."""
    _require_language_manager(by)
    language = Language.objects.select_for_update().get(pk=language.pk)
    code = iso639_check(code)
    dialect = (dialect or "").strip()
    _check_language_unique(code=code, dialect=dialect, exclude=language.pk)
    language.code, language.dialect = code, dialect
    language.name_el, language.name_en = name_el.strip(), name_en.strip()
    language.active = active
    record_save(language, by=by)
    return language


@transaction.atomic
def language_deactivate(*, language: Language, by: User) -> Language:
    """Take a language off the lists of new requests and interpreters; past requests keep it."""
    _require_language_manager(by)
    return record_deactivate(language, by=by, already_inactive=_("This language is already inactive."))


# --- the interpreter pool ----------------------------------------------------------------------


def _require_pool_manager(by: User, centre_id: int) -> None:
    if not may_manage_interpreters(by, centre_id):
        raise PermissionDenied


def _check_interpreter_offer(*, languages: list[Language], modes: list[str]) -> None:
    errors: dict[str, ValidationError] = {}
    if not languages:
        errors["languages"] = ValidationError(
            _("Choose at least one language the interpreter speaks."), code="languages_required"
        )
    if not modes:
        errors["modes"] = ValidationError(
            _("Choose at least one way the interpreter works."), code="modes_required"
        )
    elif set(modes) - set(InterpretingMode.values):
        errors["modes"] = ValidationError(_("Choose the modes from the list."), code="mode_unknown")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def interpreter_create(
    *,
    centre: Centre,
    name: str,
    languages: Iterable[Language],
    modes: list[str],
    gender: str = "",
    organisation: str = "",
    email: str = "",
    phone: str = "",
    availability: str = "",
    by: User,
) -> Interpreter:
    """Add an interpreter to ``centre``'s pool (at least one language and one mode); its manager only."""
    _require_pool_manager(by, centre.pk)
    languages = list(languages)
    modes = [m for m in InterpretingMode.values if m in set(modes)] or list(modes)
    _check_interpreter_offer(languages=languages, modes=modes)
    interpreter = Interpreter(
        centre=centre,
        name=name.strip(),
        gender=gender,
        organisation=organisation.strip(),
        modes=modes,
        email=email.strip(),
        phone=phone.strip(),
        availability=availability.strip(),
    )
    record_save(interpreter, by=by)
    interpreter.languages.set(languages)
    return interpreter


@transaction.atomic
def interpreter_update(
    *,
    interpreter: Interpreter,
    name: str,
    languages: Iterable[Language],
    modes: list[str],
    gender: str = "",
    organisation: str = "",
    email: str = "",
    phone: str = "",
    availability: str = "",
    active: bool = True,
    by: User,
) -> Interpreter:
    """Change an interpreter's details, languages or modes, or (re)activate them.

    Bookings already made stay as they are.
    """
    _require_pool_manager(by, interpreter.centre_id)
    interpreter = Interpreter.objects.select_for_update().get(pk=interpreter.pk)
    languages = list(languages)
    modes = [m for m in InterpretingMode.values if m in set(modes)] or list(modes)
    _check_interpreter_offer(languages=languages, modes=modes)
    interpreter.name, interpreter.gender = name.strip(), gender
    interpreter.organisation = organisation.strip()
    interpreter.modes = modes
    interpreter.email, interpreter.phone = email.strip(), phone.strip()
    interpreter.availability = availability.strip()
    interpreter.active = active
    record_save(interpreter, by=by)
    interpreter.languages.set(languages)
    return interpreter


@transaction.atomic
def interpreter_deactivate(*, interpreter: Interpreter, by: User) -> Interpreter:
    """Take an interpreter out of the pool: nobody can book them any more (bookings stay)."""
    _require_pool_manager(by, interpreter.centre_id)
    return record_deactivate(interpreter, by=by, already_inactive=_("This interpreter is already inactive."))


# --- requests ----------------------------------------------------------------------------------


def _require_booker(by: User, centre_id: int) -> None:
    if not may_book_interpreters(by, centre_id):
        raise PermissionDenied


def _locked_request(request: InterpreterRequest) -> InterpreterRequest:
    locked: InterpreterRequest = (
        InterpreterRequest.objects.select_for_update(of=("self",))
        .select_related("beneficiary__person_key", "language", "centre")
        .get(pk=request.pk)
    )
    return locked


def _request_errors(
    *,
    beneficiary: Beneficiary,
    centre: Centre,
    language: Language,
    starts_at: dt.datetime,
    duration_minutes: int,
    gender_preference: str,
    gender_reason: str,
) -> dict[str, ValidationError]:
    errors: dict[str, ValidationError] = {}
    if beneficiary.registering_centre_id != centre.pk:
        errors["beneficiary"] = ValidationError(
            _("This person is registered at another centre."), code="beneficiary_elsewhere"
        )
    if not language.active:
        errors["language"] = ValidationError(
            _("This language is no longer offered; choose another."), code="language_inactive"
        )
    if starts_at <= timezone.now():
        errors["starts_at"] = ValidationError(_("Choose a time in the future."), code="in_the_past")
    if not MIN_DURATION <= duration_minutes <= MAX_DURATION:
        errors["duration_minutes"] = ValidationError(
            _("The duration must be between %(low)d and %(high)d minutes.")
            % {"low": MIN_DURATION, "high": MAX_DURATION},
            code="duration",
        )
    if gender_reason.strip() and gender_preference == GenderPreference.ANY:
        errors["gender_reason"] = ValidationError(
            _("Give a reason only when the person asks for a woman or a man."),
            code="reason_without_preference",
        )
    return errors


def _check_session(session: Session, *, beneficiary: Beneficiary, centre: Centre) -> Session:
    session = Session.objects.select_for_update(of=("self",)).select_related("case").get(pk=session.pk)
    if session.case.beneficiary_id != beneficiary.pk:
        raise ValidationError(
            {
                "session": ValidationError(
                    _("This appointment is another person's."), code="session_other_person"
                )
            }
        )
    if session.case.centre_id != centre.pk:
        raise ValidationError(
            {
                "session": ValidationError(
                    _("This appointment is at another centre."), code="session_other_centre"
                )
            }
        )
    linked = session.interpreter_request_id and (
        InterpreterRequest.objects.filter(pk=session.interpreter_request_id)
        .exclude(status=RequestStatus.CANCELLED)
        .exists()
    )
    if linked:
        raise ValidationError(
            {
                "session": ValidationError(
                    _("This appointment already has an interpreter request."), code="session_has_interpreter"
                )
            }
        )
    return session


@transaction.atomic
def interpreter_request_create(
    *,
    beneficiary: Beneficiary,
    centre: Centre,
    language: Language,
    mode: str,
    starts_at: dt.datetime,
    duration_minutes: int,
    gender_preference: str = GenderPreference.ANY,
    gender_reason: str = "",
    notes: str = "",
    by: User,
    session: Session | None = None,
) -> InterpreterRequest:
    """Ask for an interpreter for a person of ``centre``, optionally for one of their appointments.

    The person must be registered at ``centre``, the language active, the time in the future and
    the duration between 15 minutes and 8 hours; a reason for a gender preference is kept only
    with a preference. With ``session`` (the same person's appointment at the same centre, not
    already covered by a live request) the appointment is linked to the new request.
    """
    _require_booker(by, centre.pk)
    errors = _request_errors(
        beneficiary=beneficiary,
        centre=centre,
        language=language,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        gender_preference=gender_preference,
        gender_reason=gender_reason or "",
    )
    if errors:
        raise ValidationError(errors)
    if session is not None:
        session = _check_session(session, beneficiary=beneficiary, centre=centre)
    request = InterpreterRequest(
        beneficiary=beneficiary,
        centre=centre,
        language=language,
        mode=mode,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        ends_at=starts_at + dt.timedelta(minutes=duration_minutes),
        gender_preference=gender_preference,
        requested_by=by,
    )
    request.gender_reason = (gender_reason or "").strip()
    request.notes = (notes or "").strip()
    record_save(request, by=by)
    if session is not None:
        session.interpreter_request = request
        record_save(session, by=by, update_fields=["interpreter_request"])
    return request


def _booking_errors(request: InterpreterRequest, interpreter: Interpreter) -> list[ValidationError]:
    """Why ``interpreter`` cannot take ``request`` (empty if they can); the interpreter is locked."""
    errors = []
    if not interpreter.active:
        errors.append(
            ValidationError(_("This interpreter is no longer active."), code="interpreter_inactive")
        )
    if not interpreter.languages.filter(pk=request.language_id).exists():
        errors.append(
            ValidationError(
                _("This interpreter does not speak %(language)s.") % {"language": request.language.name},
                code="language_not_spoken",
            )
        )
    if request.mode not in (interpreter.modes or []):
        errors.append(
            ValidationError(
                _("This interpreter does not work by %(mode)s.")
                % {"mode": request.get_mode_display().lower()},
                code="mode_not_offered",
            )
        )
    if request.gender_preference != GenderPreference.ANY and interpreter.gender != request.gender_preference:
        errors.append(
            ValidationError(
                _("The person asked for an interpreter who is %(preference)s.")
                % {"preference": request.get_gender_preference_display().lower()},
                code="gender_mismatch",
            )
        )
    busy = (
        InterpreterRequest.objects.booked()
        .filter(interpreter=interpreter)
        .overlapping(request.starts_at, request.ends_at)
        .exclude(pk=request.pk)
    )
    if busy.exists():
        errors.append(
            ValidationError(_("This interpreter is already booked at that time."), code="interpreter_busy")
        )
    return errors


@transaction.atomic
def interpreter_book(
    *, request: InterpreterRequest, interpreter: Interpreter, by: User
) -> InterpreterRequest:
    """Book ``interpreter`` for a requested (or re-book a booked) request.

    Refused, with every reason that applies, when the interpreter is of another centre, inactive,
    does not speak the language, does not work in the request's mode, does not match the gender
    the person asked for, or is already booked for a time overlapping this one. The interpreter's
    row is locked so that two bookings of one interpreter cannot overlap.
    """
    request = _locked_request(request)
    _require_booker(by, request.centre_id)
    if request.status not in (RequestStatus.REQUESTED, RequestStatus.BOOKED):
        raise ValidationError(
            _("Only a request that is not yet held or cancelled can be booked."), code="not_bookable"
        )
    interpreter = Interpreter.objects.select_for_update().get(pk=interpreter.pk)
    if interpreter.centre_id != request.centre_id:
        raise ValidationError(
            {
                "interpreter": ValidationError(
                    _("This interpreter belongs to another centre's pool."), code="other_centre"
                )
            }
        )
    errors = _booking_errors(request, interpreter)
    if errors:
        raise ValidationError({"interpreter": errors})
    request.interpreter = interpreter
    request.status = RequestStatus.BOOKED
    request.reminder_sent_at = None
    record_save(request, by=by)
    return request


def _finish(request: InterpreterRequest, *, status: str, by: User) -> InterpreterRequest:
    request = _locked_request(request)
    _require_booker(by, request.centre_id)
    if request.status != RequestStatus.BOOKED:
        raise ValidationError(_("Only a booked request can be marked so."), code="not_booked")
    if request.starts_at > timezone.now():
        raise ValidationError(_("This appointment has not started yet."), code="not_started")
    request.status = status
    record_save(request, by=by)
    return request


@transaction.atomic
def interpreter_request_complete(*, request: InterpreterRequest, by: User) -> InterpreterRequest:
    """The interpreting took place (a booked request, once its time has come)."""
    return _finish(request, status=RequestStatus.COMPLETED, by=by)


@transaction.atomic
def interpreter_request_no_show(*, request: InterpreterRequest, by: User) -> InterpreterRequest:
    """The appointment did not take place because someone did not come (booked, time come)."""
    return _finish(request, status=RequestStatus.NO_SHOW, by=by)


@transaction.atomic
def interpreter_request_cancel(*, request: InterpreterRequest, reason: str, by: User) -> InterpreterRequest:
    """Cancel a requested or booked request, saying why; a booked interpreter is freed."""
    request = _locked_request(request)
    _require_booker(by, request.centre_id)
    if request.status not in (RequestStatus.REQUESTED, RequestStatus.BOOKED):
        raise ValidationError(
            _("Only a request that is not yet held or cancelled can be cancelled."), code="not_cancellable"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": ValidationError(_("Say why the request is cancelled."), code="reason_required")}
        )
    request.status = RequestStatus.CANCELLED
    request.cancel_reason = reason
    record_save(request, by=by)
    return request


# --- reminders ---------------------------------------------------------------------------------


def _tomorrow_bounds() -> tuple[dt.datetime, dt.datetime]:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(tomorrow + dt.timedelta(days=1), dt.time.min))


def reminder_message(request: InterpreterRequest, *, to: str) -> EmailMessage:
    """The reminder e-mail of one booking: when, how, which language and centre, a reference and
    the link's path. Never the person's name or anything sealed."""
    starts = timezone.localtime(request.starts_at)
    ends = timezone.localtime(request.ends_at)
    reference = str(request.pk)[:8]
    facts = {
        "date": starts.strftime("%d/%m/%Y"),
        "start": starts.strftime("%H:%M"),
        "end": ends.strftime("%H:%M"),
        "minutes": request.duration_minutes,
        "mode": request.get_mode_display(),
        "language": request.language.name,
        "centre": request.centre.name,
        "reference": reference,
        # Absolute, so it can be followed from a mail client (the path alone cannot).
        "link": settings.KEM_SITE_URL + reverse("interpreter-request-detail", kwargs={"pk": request.pk}),
    }
    subject = _("Interpreting tomorrow, %(date)s at %(start)s (ref. %(reference)s)") % facts
    body = "\n".join(
        [
            _("A reminder: interpreting is booked for tomorrow."),
            "",
            _("Date: %(date)s") % facts,
            _("Time: %(start)s–%(end)s") % facts,
            _("Duration: %(minutes)d minutes") % facts,
            _("Mode: %(mode)s") % facts,
            _("Language: %(language)s") % facts,
            _("Centre: %(centre)s") % facts,
            _("Reference: %(reference)s") % facts,
            _("Link: %(link)s") % facts,
            "",
            _("If something has changed, please contact the centre."),
        ]
    )
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])


def interpreter_reminders_send() -> int:
    """E-mail the interpreter and the requesting staff member of each booking that starts tomorrow
    (local date) and has had no reminder; returns how many e-mails went.

    Each request is claimed under a row lock (skipping rows another run holds) and marked in the
    same transaction as its e-mails are sent, so a second run sends nothing and a failed send
    leaves the request for the next try.
    """
    start, end = _tomorrow_bounds()
    due = (
        InterpreterRequest.objects.booked()
        .filter(starts_at__gte=start, starts_at__lt=end, reminder_sent_at__isnull=True)
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )
    pks = list(due)
    if not pks:
        return 0
    sent = 0
    with translation.override(settings.LANGUAGE_CODE), get_connection() as connection:
        for pk in pks:
            sent += _remind(pk, connection=connection)
    return sent


@transaction.atomic
def _remind(pk: Any, *, connection: Any) -> int:
    request = (
        InterpreterRequest.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("interpreter", "requested_by", "language", "centre")
        .filter(pk=pk, status=RequestStatus.BOOKED, reminder_sent_at__isnull=True)
        .first()
    )
    if request is None:
        return 0
    recipients = [request.interpreter.email if request.interpreter else "", request.requested_by.email]
    messages = [reminder_message(request, to=address) for address in dict.fromkeys(recipients) if address]
    if messages:
        connection.send_messages(messages)
    request.reminder_sent_at = timezone.now()
    request.save(update_fields=["reminder_sent_at"])
    return len(messages)
