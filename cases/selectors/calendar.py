"""The calendar of a centre or of one counsellor: sessions and interpreter bookings, by day.

A calendar shows that a session takes place (``cases.policy.OCCURRENCE``) and nothing of what
was said: summaries, confidential notes and interpreter-request notes are never loaded here.
Four queries for any number of entries (counsellors, sessions, interpreter requests, plus the
user's access, remembered for the request).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import InterpreterRequest, RequestStatus, Session
from cases.policy import OCCURRENCE, session_parts
from kem.models import Centre
from kem.permissions import CentrePerm, users_with
from kem.vault.errors import VaultError

DAY = "day"
WEEK = "week"
VIEWS = (DAY, WEEK)
# Interpreter requests that still hold a slot in the calendar.
CALENDAR_REQUEST_STATUSES = (RequestStatus.REQUESTED, RequestStatus.BOOKED)
# Sessions that did not (or will not) take place are shown greyed.
MUTED_SESSION_STATUSES = ("cancelled", "no_show")


@dataclass(frozen=True)
class Period:
    """The days a calendar page covers, and where its navigation leads."""

    view: str
    first: dt.date
    last: dt.date
    previous: dt.date
    next: dt.date

    @property
    def dates(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def calendar_period(*, view: str, on: dt.date) -> Period:
    """The day ``on``, or the Monday-to-Sunday week holding it."""
    if view == WEEK:
        monday = on - dt.timedelta(days=on.weekday())
        return Period(
            view=WEEK,
            first=monday,
            last=monday + dt.timedelta(days=6),
            previous=monday - dt.timedelta(days=7),
            next=monday + dt.timedelta(days=7),
        )
    return Period(
        view=DAY, first=on, last=on, previous=on - dt.timedelta(days=1), next=on + dt.timedelta(days=1)
    )


@dataclass(frozen=True)
class CalendarEntry:
    """A session or an interpreter booking, as much of it as a calendar shows."""

    kind: str  # "session" or "interpreter_request"
    obj: Session | InterpreterRequest
    starts_at: dt.datetime
    ends_at: dt.datetime
    person_name: str

    @property
    def is_session(self) -> bool:
        return self.kind == "session"

    @property
    def muted(self) -> bool:
        return self.is_session and self.obj.status in MUTED_SESSION_STATUSES

    @property
    def interpreter_booked(self) -> bool:
        request = self.obj.interpreter_request if self.is_session else None
        return request is not None and request.status == RequestStatus.BOOKED


@dataclass(frozen=True)
class CalendarDay:
    date: dt.date
    is_today: bool
    entries: list[CalendarEntry] = field(default_factory=list)


def centre_counsellors(*, centre: Centre) -> list[Any]:
    """The centre's counsellors (who hold ``keep_cases`` there), by name."""
    return list(users_with(CentrePerm.KEEP_CASES, centre).order_by("first_name", "last_name", "pk"))


def calendar_days(
    *, user: Any, centre: Centre, period: Period, counsellor: Any = None, today: dt.date | None = None
) -> list[CalendarDay]:
    """Every day of ``period`` with its entries in time order, of the centre or of ``counsellor``.

    Sessions of every status (cancelled and no-shows are greyed by the page) whose occurrence the
    user may see; interpreter requests still requested or booked. A counsellor's calendar holds the
    interpreter requests they asked for or that serve one of their sessions.
    """
    start = timezone.make_aware(dt.datetime.combine(period.first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(period.last + dt.timedelta(days=1), dt.time.min))
    entries = [
        *_session_entries(user, centre, start, end, counsellor),
        *_request_entries(centre, start, end, counsellor),
    ]
    # At the same time, the session comes before the interpreter booking that serves it.
    entries.sort(key=lambda e: (e.starts_at, not e.is_session, str(e.obj.pk)))
    today = today or timezone.localdate()
    days = {d: CalendarDay(date=d, is_today=d == today) for d in period.dates}
    for entry in entries:
        day = days.get(timezone.localtime(entry.starts_at).date())
        if day is not None:
            day.entries.append(entry)
    return list(days.values())


def _session_entries(
    user: Any, centre: Centre, start: dt.datetime, end: dt.datetime, counsellor: Any
) -> list[CalendarEntry]:
    sessions = (
        Session.objects.filter(case__centre=centre, starts_at__gte=start, starts_at__lt=end)
        .select_related("case__beneficiary__person_key", "counsellor", "interpreter_request")
        .defer("summary", "confidential_note")
    )
    if counsellor is not None:
        sessions = sessions.filter(counsellor=counsellor)
    return [
        CalendarEntry(
            kind="session",
            obj=session,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            person_name=_name_of(session.case.beneficiary),
        )
        for session in sessions
        if _occurrence_visible(user, session)
    ]


def _occurrence_visible(user: Any, session: Session) -> bool:
    parts = session_parts(user, centre_id=session.case.centre_id, discipline=session.case.discipline)
    return OCCURRENCE in parts


def _request_entries(
    centre: Centre, start: dt.datetime, end: dt.datetime, counsellor: Any
) -> list[CalendarEntry]:
    requests = (
        InterpreterRequest.objects.filter(
            centre=centre, status__in=CALENDAR_REQUEST_STATUSES, starts_at__gte=start, starts_at__lt=end
        )
        .select_related("beneficiary__person_key", "language", "interpreter")
        .defer("notes", "gender_reason")
    )
    if counsellor is not None:
        theirs = Session.objects.filter(counsellor=counsellor, interpreter_request__isnull=False)
        requests = requests.filter(
            Q(requested_by=counsellor) | Q(pk__in=theirs.values("interpreter_request_id"))
        )
    return [
        CalendarEntry(
            kind="interpreter_request",
            obj=request,
            starts_at=request.starts_at,
            ends_at=request.ends_at,
            person_name=_name_of(request.beneficiary),
        )
        for request in requests
    ]


def _name_of(beneficiary: Any) -> str:
    """The person's name, or a placeholder once their data is erased (their key shredded)."""
    try:
        return beneficiary.display_name
    except VaultError:
        return _("(erased)")
