"""Reads about interpreting, scoped to the user: languages, pools, requests, bookings, figures.

Fetch helpers answer like ``kem.permissions.centre_for``: another centre's object is a 404 (ids
confirm nothing), a role of the centre that may look but not act gets 403. Also registers the
requests' entries on the beneficiary timeline and a block on the home panels (this module is
imported by ``cases.apps``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cases.models import (
    GenderPreference,
    Interpreter,
    InterpreterRequest,
    Language,
    RequestStatus,
    Session,
)
from cases.policy import may_book_interpreters, may_manage_interpreters, may_manage_languages
from kem.models import Beneficiary, Centre
from kem.permissions import access_for
from kem.selectors.staff import PanelPart
from kem.selectors.timeline import TimelineEntry

# Roles whose home panel shows the interpreting block (once per centre: the first one held).


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- centres -----------------------------------------------------------------------------------


def booking_centres(user: Any) -> QuerySet[Centre]:
    """Centres where ``user`` requests and books interpreters (and sees the pool)."""
    access = access_for(user)
    ids = [pk for pk in access.centre_ids if may_book_interpreters(user, pk)]
    return Centre.objects.filter(pk__in=ids).order_by("name_el")


def managed_pool_centres(user: Any) -> QuerySet[Centre]:
    """Centres whose interpreter pool ``user`` keeps (their managers)."""
    access = access_for(user)
    ids = [pk for pk in access.centre_ids if may_manage_interpreters(user, pk)]
    return Centre.objects.filter(pk__in=ids).order_by("name_el")


def _check_centre(user: Any, centre_id: int, allowed: bool) -> None:
    if centre_id not in access_for(user).centre_ids:
        raise Http404
    if not allowed:
        raise PermissionDenied


def centre_of_choice(user: Any, pk: Any, *, manage: bool = False) -> Centre:
    """A centre picked in a filter or a form: 404 unless the user works there, 403 without the role."""
    try:
        centre_id = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    allowed = may_manage_interpreters(user, centre_id) if manage else may_book_interpreters(user, centre_id)
    _check_centre(user, centre_id, allowed)
    return Centre.objects.get(pk=centre_id)


# --- languages ---------------------------------------------------------------------------------


def language_order() -> tuple[str, str]:
    """Languages ordered by their name in the active language, then dialect."""
    return ("name_en" if (get_language() or "el").startswith("en") else "name_el", "dialect")


def language_list(*, user: Any) -> QuerySet[Language]:
    """Every language, active first, each with how many active interpreters of the user's centres
    speak it (one query). Anyone who books interpreters may look; managers edit."""
    if not (may_manage_languages(user) or booking_centres(user).exists()):
        raise PermissionDenied
    centres = list(access_for(user).centre_ids)
    return Language.objects.annotate(
        interpreter_count=Count(
            "interpreters",
            filter=Q(interpreters__active=True, interpreters__centre_id__in=centres),
            distinct=True,
        )
    ).order_by("-active", *language_order())


def language_for(user: Any, pk: Any) -> Language:
    """A language to edit: 404 if there is none, 403 unless the user manages a centre."""
    try:
        language = Language.objects.get(pk=pk)
    except (Language.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not may_manage_languages(user):
        raise PermissionDenied
    return language


# --- the pool ----------------------------------------------------------------------------------


def interpreter_pool(*, user: Any, centre: Centre | None = None) -> QuerySet[Interpreter]:
    """Interpreters of the user's booking centres (or of one of them), active first, with their
    languages and centre (two queries)."""
    centres = booking_centres(user)
    if centre is not None:
        centres = centres.filter(pk=centre.pk)
    return (
        Interpreter.objects.filter(centre__in=centres)
        .select_related("centre")
        .prefetch_related("languages")
        .order_by("-active", "name", "pk")
    )


def interpreter_for(user: Any, pk: Any, *, manage: bool = False) -> Interpreter:
    """An interpreter of the user's centre: 404 another centre's; 403 unless the user may look at
    the pool (``manage``: keep it)."""
    try:
        interpreter = Interpreter.objects.select_related("centre").get(pk=pk)
    except (Interpreter.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    centre_id = interpreter.centre_id
    allowed = may_manage_interpreters(user, centre_id) if manage else may_book_interpreters(user, centre_id)
    _check_centre(user, centre_id, allowed)
    return interpreter


# --- requests ----------------------------------------------------------------------------------


def interpreter_request_for(user: Any, pk: Any) -> InterpreterRequest:
    """A request of the user's centre: 404 another centre's, 403 for a role that may not book."""
    try:
        request = InterpreterRequest.objects.select_related(
            "beneficiary__person_key", "centre", "language", "interpreter", "requested_by"
        ).get(pk=pk)
    except (InterpreterRequest.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    _check_centre(user, request.centre_id, may_book_interpreters(user, request.centre_id))
    return request


def session_of(*, beneficiary: Beneficiary, pk: Any) -> Session:
    """The person's appointment ``pk`` at their centre, to link to a new request (404 otherwise)."""
    try:
        return Session.objects.select_related("case").get(
            pk=pk, case__beneficiary=beneficiary, case__centre_id=beneficiary.registering_centre_id
        )
    except (Session.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


@dataclass(frozen=True)
class RequestFilters:
    """What the list is narrowed to; every part is optional (dates are local and inclusive)."""

    centre: Centre | None = None
    status: str = ""
    language: Language | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def interpreter_request_list(
    *, user: Any, filters: RequestFilters | None = None
) -> QuerySet[InterpreterRequest]:
    """Requests of the centres where the user books interpreters, newest time first, with what a
    list row shows (person and key, language, interpreter, centre) joined: no per-row queries."""
    filters = filters or RequestFilters()
    rows = InterpreterRequest.objects.filter(centre__in=booking_centres(user))
    if filters.centre is not None:
        rows = rows.filter(centre=filters.centre)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.language is not None:
        rows = rows.filter(language=filters.language)
    if filters.date_from:
        rows = rows.filter(starts_at__gte=_start_of(filters.date_from))
    if filters.date_to:
        rows = rows.filter(starts_at__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    return rows.select_related("beneficiary__person_key", "language", "interpreter", "centre").order_by(
        "-starts_at", "pk"
    )


@dataclass(frozen=True)
class BookingOption:
    """An interpreter of the pool who speaks the request's language, and why they cannot take it."""

    interpreter: Interpreter
    busy: bool
    problems: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return not self.busy and not self.problems


def booking_options(*, request: InterpreterRequest) -> list[BookingOption]:
    """The centre's active interpreters who speak the language, each marked busy when already
    booked for an overlapping time, or with what else does not fit (mode, gender). One query."""
    overlapping = (
        InterpreterRequest.objects.booked()
        .filter(interpreter=OuterRef("pk"))
        .overlapping(request.starts_at, request.ends_at)
        .exclude(pk=request.pk)
    )
    interpreters = (
        Interpreter.objects.filter(centre_id=request.centre_id, active=True, languages=request.language_id)
        .annotate(busy=Exists(overlapping))
        .order_by("name", "pk")
    )
    options = []
    for interpreter in interpreters:
        problems = []
        if request.mode not in (interpreter.modes or []):
            problems.append(_("does not work by %(mode)s") % {"mode": request.get_mode_display().lower()})
        if (
            request.gender_preference != GenderPreference.ANY
            and interpreter.gender != request.gender_preference
        ):
            problems.append(
                _("the person asked for %(preference)s")
                % {"preference": request.get_gender_preference_display().lower()}
            )
        options.append(BookingOption(interpreter=interpreter, busy=interpreter.busy, problems=problems))
    return options


# --- figures for statistics --------------------------------------------------------------------


def interpreter_request_figures(
    *, centre_ids: list[int] | tuple[int, ...] | set[int], start: dt.date, end: dt.date
) -> list[tuple[int, str, int]]:
    """(language id, "YYYY-MM", requests) for requests of ``centre_ids`` starting between ``start``
    and ``end`` (local dates, both included), cancelled ones left out. One aggregate query; the
    month is the local one."""
    rows = (
        InterpreterRequest.objects.filter(
            centre_id__in=list(centre_ids),
            starts_at__gte=_start_of(start),
            starts_at__lt=_start_of(end + dt.timedelta(days=1)),
        )
        .exclude(status=RequestStatus.CANCELLED)
        .annotate(month=TruncMonth("starts_at"))
        .values("language_id", "month")
        .annotate(requests=Count("pk"))
        .order_by("language_id", "month")
    )
    return [(row["language_id"], row["month"].strftime("%Y-%m"), row["requests"]) for row in rows]


# --- the profile timeline ----------------------------------------------------------------------


def interpreter_request_timeline(beneficiary: Beneficiary, user: Any) -> list[TimelineEntry]:
    """Requests made, booked, held, missed and cancelled, at the centres where the user books
    interpreters. Titles name the language and the interpreter, never sealed text nor the reason
    of a cancellation. Two queries (the requests, then their status changes from the history)."""
    centres = [pk for pk in access_for(user).centre_ids if may_book_interpreters(user, pk)]
    if not centres:
        return []
    requests = {
        r.pk: r
        for r in InterpreterRequest.objects.filter(
            beneficiary=beneficiary, centre_id__in=centres
        ).select_related("language", "requested_by")
    }
    if not requests:
        return []
    entries = [
        TimelineEntry(
            at=r.created_at,
            kind="cases.interpreter_request.created",
            title=_("Interpreter requested: %(language)s") % {"language": r.language.name},
            actor=r.requested_by.get_username(),
            url=r.get_absolute_url(),
        )
        for r in requests.values()
    ]
    return entries + _status_entries(requests)


def _status_entries(requests: dict[Any, InterpreterRequest]) -> list[TimelineEntry]:
    rows = (
        InterpreterRequest.history.filter(id__in=list(requests))
        .exclude(status=RequestStatus.REQUESTED)
        .select_related("history_user", "interpreter")
        .order_by("history_date", "history_id")
    )
    titles = {
        RequestStatus.BOOKED: _("Interpreter booked: %(language)s, %(interpreter)s"),
        RequestStatus.COMPLETED: _("Interpreting held: %(language)s"),
        RequestStatus.NO_SHOW: _("Interpreting missed (no-show): %(language)s"),
        RequestStatus.CANCELLED: _("Interpreter request cancelled: %(language)s"),
    }
    last: dict[Any, tuple[str, Any]] = {}
    entries = []
    for row in rows:
        state = (row.status, row.interpreter_id)
        if last.get(row.id) == state or row.status not in titles:
            continue
        last[row.id] = state
        request = requests[row.id]
        entries.append(
            TimelineEntry(
                at=row.history_date,
                kind=f"cases.interpreter_request.{row.status}",
                title=titles[row.status]
                % {
                    "language": request.language.name,
                    "interpreter": row.interpreter.name if row.interpreter else "",
                },
                actor=row.history_user.get_username() if row.history_user else "",
                url=request.get_absolute_url(),
            )
        )
    return entries


# --- the home panel ----------------------------------------------------------------------------


def interpreter_home_part(*, centre: Centre, user: Any) -> PanelPart | None:
    """Requests awaiting a booking and bookings of today and tomorrow at ``centre`` (one query);
    registered for ``book_interpreters``, so shown once per centre."""
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    upcoming = Q(starts_at__gte=_start_of(today))
    booked = Q(status=RequestStatus.BOOKED)
    counts = InterpreterRequest.objects.filter(centre=centre).aggregate(
        waiting=Count("pk", filter=upcoming & Q(status=RequestStatus.REQUESTED)),
        booked_today=Count("pk", filter=booked & upcoming & Q(starts_at__lt=_start_of(tomorrow))),
        booked_tomorrow=Count(
            "pk",
            filter=booked
            & Q(starts_at__gte=_start_of(tomorrow), starts_at__lt=_start_of(tomorrow + dt.timedelta(days=1))),
        ),
    )
    return PanelPart(
        template="cases/interpreters/_home_part.html",
        context={
            **counts,
            "today": today,
            "tomorrow": tomorrow,
            "may_manage_pool": may_manage_interpreters(user, centre.pk),
            "may_manage_languages": may_manage_languages(user),
        },
    )
