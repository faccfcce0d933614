"""Reads of cases and sessions, scoped to what the user may see (``cases/policy.py`` decides).

Also where cases reach other pages: the counsellor's caseload on the home page
(:func:`caseload_part`) and the beneficiary profile's timeline (:func:`case_timeline`), both
registered by ``CasesConfig.ready()``.

Sealed text leaves this module only through :func:`session_views`, which opens just the parts the
policy allows; :func:`session_reads_record` writes the access events for what was shown.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Min, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import policy
from cases.models import (
    Case,
    EmploymentOutcome,
    InterpreterRequest,
    RequestStatus,
    ServiceArea,
    Session,
    SessionStatus,
)
from kem.models import Beneficiary, Centre, Discipline
from kem.permissions import CentrePerm, centres_with, holders
from kem.selectors.staff import PanelPart
from kem.selectors.timeline import TimelineEntry
from kem.services.access_log import Access, access_record_many, role_at

# A case with no held session for this many days is listed on the counsellor's home page.
QUIET_AFTER_DAYS = 30
READ_ACTION = "cases.session.read"
SEALED_PARTS = (policy.SUMMARY, policy.CONFIDENTIAL_NOTE)


# --- scope -------------------------------------------------------------------------------------


def case_centre_ids(user: Any) -> frozenset[int]:
    """The centres whose cases ``user`` sees at all (front desk, counsellors, the manager)."""
    return centres_with(user, CentrePerm.SEE_CASES)


def case_centres(user: Any) -> list[Centre]:
    """Those centres, in name order (for a centre picker)."""
    return list(Centre.objects.filter(pk__in=case_centre_ids(user)).order_by("name_el"))


def visible_cases(user: Any) -> QuerySet[Case]:
    """Cases at the user's case centres, of people whose key still exists, with what pages show."""
    return Case.objects.filter(
        centre_id__in=case_centre_ids(user), beneficiary__person_key__shredded_at__isnull=True
    ).select_related("beneficiary__person_key", "beneficiary__registering_centre", "centre", "counsellor")


def visible_sessions(user: Any) -> QuerySet[Session]:
    """Sessions of :func:`visible_cases`, with their case, person and key in the same query."""
    return Session.objects.filter(
        case__centre_id__in=case_centre_ids(user),
        case__beneficiary__person_key__shredded_at__isnull=True,
    ).select_related(
        "case__beneficiary__person_key", "case__beneficiary__registering_centre", "case__centre", "counsellor"
    )


def refuse_analyst(user: Any) -> None:
    """403 for a network analyst (policy.aggregates_only), before any lookup, so the answer tells
    nothing about what exists."""
    if policy.aggregates_only(user):
        raise PermissionDenied


def case_for(user: Any, pk: Any) -> Case:
    """The case ``pk`` for ``user``: 404 unless it is at a centre where the user sees cases.

    Teachers and DPOs see no case at all, so for them too it is a 404 (policy.py); a network
    analyst gets 403 (:func:`refuse_analyst`). What the user may then do with it is the caller's
    question to the policy (a 403).
    """
    refuse_analyst(user)
    try:
        return visible_cases(user).get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def session_for(user: Any, pk: Any) -> Session:
    """The session ``pk`` for ``user``, answered like :func:`case_for`."""
    refuse_analyst(user)
    try:
        return visible_sessions(user).select_related("interpreter_request__language").get(pk=pk)
    except (Session.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


# --- lists -------------------------------------------------------------------------------------


def case_list(
    *,
    user: Any,
    centre: Centre,
    counsellor_id: int | None = None,
    area: str = "",
    state: str = "open",
) -> QuerySet[Case]:
    """A centre's cases, filtered, with each one's last held session and next appointment.

    One query for a page however many cases (the dates are aggregates of the same join).
    """
    if centre.pk not in case_centre_ids(user):
        return Case.objects.none()
    now = timezone.now()
    cases = visible_cases(user).filter(centre=centre)
    if counsellor_id:
        cases = cases.filter(counsellor_id=counsellor_id)
    if area:
        cases = cases.filter(area=area)
    if state == "open":
        cases = cases.filter(closed_on__isnull=True)
    elif state == "closed":
        cases = cases.filter(closed_on__isnull=False)
    return cases.annotate(
        last_held=Max("sessions__starts_at", filter=Q(sessions__status=SessionStatus.HELD)),
        next_appointment=Min(
            "sessions__starts_at",
            filter=Q(sessions__status=SessionStatus.SCHEDULED, sessions__starts_at__gte=now),
        ),
    ).order_by("-opened_on", "-pk")


@dataclass(frozen=True)
class Counsellor:
    """A user who keeps cases at a centre, and the disciplines whose cases they keep there."""

    user: Any
    disciplines: tuple[str, ...]

    @property
    def user_id(self) -> int:
        return self.user.pk

    def get_discipline_display(self) -> str:
        return ", ".join(str(Discipline(d).label) for d in self.disciplines)


def counsellors_at(*, centre: Centre, discipline: str = "") -> list[Counsellor]:
    """Who keeps cases at the centre (of ``discipline`` if given): the holders of a discipline's
    ``keep_<discipline>_cases`` permission there, by name. Two queries."""
    wanted = [discipline] if discipline else list(Discipline.values)
    perm_of = {CentrePerm.keep_cases_of(d): d for d in wanted}
    held = holders(centre, perm_of)
    users = get_user_model().objects.filter(pk__in=list(held))
    rows = [
        Counsellor(user=user, disciplines=tuple(d for p, d in perm_of.items() if p in held[user.pk]))
        for user in users
    ]
    return sorted(rows, key=lambda c: (c.user.get_full_name() or c.user.get_username()).casefold())


def open_interpreter_requests(*, case: Case) -> QuerySet[InterpreterRequest]:
    """The person's interpreter requests at the case's centre that a session may still use."""
    return (
        InterpreterRequest.objects.filter(
            beneficiary_id=case.beneficiary_id,
            centre_id=case.centre_id,
            status__in=(RequestStatus.REQUESTED, RequestStatus.BOOKED),
        )
        .select_related("language", "interpreter")
        .order_by("starts_at")
    )


# --- sessions as a user may see them -----------------------------------------------------------


@dataclass(frozen=True)
class SessionView:
    """A session with only the parts the viewer may read; a hidden part is None, never text."""

    session: Session
    parts: frozenset[str]
    summary: str | None = None
    confidential_note: str | None = None

    @property
    def shown_sealed(self) -> list[str]:
        """The sealed parts this view shows with some text in them (what an access event names)."""
        return [name for name in SEALED_PARTS if getattr(self, name)]

    @property
    def has_started(self) -> bool:
        return self.session.starts_at <= timezone.now()


def session_view(*, user: Any, session: Session) -> SessionView:
    """One session as ``user`` may see it; its case (and person's key) must be loaded."""
    case = session.case
    parts = policy.session_parts(user, centre_id=case.centre_id, discipline=case.discipline)
    return SessionView(
        session=session,
        parts=parts,
        summary=session.summary if policy.SUMMARY in parts else None,
        confidential_note=session.confidential_note if policy.CONFIDENTIAL_NOTE in parts else None,
    )


def session_views(*, user: Any, sessions: Iterable[Session]) -> list[SessionView]:
    """Sessions as ``user`` may see them; only permitted parts are opened (no query per session
    when the sessions came with their case and person key)."""
    return [session_view(user=user, session=session) for session in sessions]


def session_reads_record(
    *, user: Any, views: Iterable[SessionView], request: HttpRequest | None = None, action: str = READ_ACTION
) -> None:
    """One access event per session whose sealed text is shown, all in one INSERT.

    The subject is the person (so that the DPO finds every look at their records); the fields
    name the parts shown.
    """
    accesses = [
        Access(
            subject=view.session.case.beneficiary,
            fields=view.shown_sealed,
            centre_id=view.session.case.centre_id,
            role=role_at(user, view.session.case.centre_id),
        )
        for view in views
        if view.shown_sealed
    ]
    access_record_many(user=user, action=action, accesses=accesses, request=request)


@dataclass(frozen=True)
class CaseDetail:
    case: Case
    sessions: list[SessionView]
    outcomes: list[EmploymentOutcome] = field(default_factory=list)


def case_detail(*, user: Any, case: Case) -> CaseDetail:
    """A case's sessions (newest first) as ``user`` may see them, and its outcomes.

    Two queries however many sessions: the sessions (with their counsellor and interpreter
    request), and the outcomes of an employment case.
    """
    sessions = list(
        Session.objects.filter(case=case)
        .select_related("counsellor", "interpreter_request__language")
        .order_by("-starts_at")
    )
    for session in sessions:
        session.case = case  # the case already holds the person and their key
    outcomes = []
    if case.area == ServiceArea.EMPLOYMENT:
        outcomes = list(EmploymentOutcome.objects.filter(case=case).select_related("recorded_by"))
    return CaseDetail(case=case, sessions=session_views(user=user, sessions=sessions), outcomes=outcomes)


# --- the counsellor's home page ----------------------------------------------------------------


@dataclass(frozen=True)
class Caseload:
    cases: list[Case]  # annotated: last_held, next_follow_up
    today: list[Session]
    follow_ups: list[Case]
    quiet: list[Case]
    quiet_after_days: int = QUIET_AFTER_DAYS


def caseload(*, user: Any, centre: Centre) -> Caseload:
    """The user's open cases at ``centre``, today's sessions, follow-ups due and quiet cases.

    Two queries however many cases: the cases (with their latest held session's date and
    follow-up date as subqueries) and today's sessions.
    """
    today = timezone.localdate()
    latest_held = Session.objects.filter(case=OuterRef("pk"), status=SessionStatus.HELD).order_by(
        "-starts_at"
    )
    cases = list(
        visible_cases(user)
        .open()
        .filter(centre=centre, counsellor=user)
        .annotate(
            last_held=Subquery(latest_held.values("starts_at")[:1]),
            next_follow_up=Subquery(latest_held.values("follow_up_on")[:1]),
        )
        .order_by("opened_on", "pk")
    )
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    sessions_today = list(
        visible_sessions(user)
        .filter(
            counsellor=user,
            case__centre=centre,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=1),
        )
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("starts_at")
    )
    quiet_since = timezone.now() - dt.timedelta(days=QUIET_AFTER_DAYS)
    return Caseload(
        cases=cases,
        today=sessions_today,
        follow_ups=sorted(
            (c for c in cases if c.next_follow_up is not None and c.next_follow_up <= today),
            key=lambda c: c.next_follow_up,
        ),
        quiet=[c for c in cases if c.last_held is None or c.last_held < quiet_since],
    )


def caseload_part(*, centre: Centre, user: Any) -> PanelPart | None:
    """The caseload block of a counsellor's home panel (registered for ``keep_cases``)."""
    return PanelPart(
        template="cases/_caseload.html", context={"caseload": caseload(user=user, centre=centre)}
    )


# --- the beneficiary profile's timeline --------------------------------------------------------


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def case_timeline(beneficiary: Beneficiary, user: Any) -> list[TimelineEntry]:
    """Cases opened and closed and sessions held or scheduled, at centres where the user sees cases.

    Never a summary or a note. Two queries (cases, then their sessions), none if the user sees no
    cases.
    """
    centre_ids = case_centre_ids(user)
    if not centre_ids:
        return []
    cases = {
        case.pk: case
        for case in Case.objects.filter(beneficiary=beneficiary, centre_id__in=centre_ids).select_related(
            "opened_by", "closed_by"
        )
    }
    if not cases:
        return []
    entries = []
    for case in cases.values():
        area = case.get_area_display()
        entries.append(
            TimelineEntry(
                at=_midnight(case.opened_on),
                kind="cases.case.opened",
                title=_("Case opened (%(area)s)") % {"area": area},
                actor=case.opened_by.get_username(),
                url=case.get_absolute_url(),
            )
        )
        if case.closed_on:
            entries.append(
                TimelineEntry(
                    at=_midnight(case.closed_on),
                    kind="cases.case.closed",
                    title=_("Case closed (%(area)s)") % {"area": area},
                    detail=case.get_close_reason_display(),
                    actor=case.closed_by.get_username() if case.closed_by else "",
                    url=case.get_absolute_url(),
                )
            )
    titles = {
        SessionStatus.HELD: ("cases.session.held", _("Session held (%(area)s)")),
        SessionStatus.SCHEDULED: ("cases.session.scheduled", _("Session scheduled (%(area)s)")),
    }
    rows = Session.objects.filter(case_id__in=cases, status__in=titles).values_list(
        "pk", "case_id", "starts_at", "status"
    )
    for pk, case_id, starts_at, status in rows:
        kind, title = titles[status]
        entries.append(
            TimelineEntry(
                at=starts_at,
                kind=kind,
                title=title % {"area": cases[case_id].get_area_display()},
                url=_session_url(pk),
            )
        )
    return entries


def _session_url(pk: uuid.UUID) -> str:
    return reverse("session-detail", kwargs={"pk": pk})
