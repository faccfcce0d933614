"""Pages: counselling cases, their sessions (appointments until held) and employment outcomes.

Cases and sessions are fetched through ``case_for`` / ``session_for`` (404 unless the user sees
the cases of that centre); what the user may then do is asked of ``cases/policy.py`` (403). Pages
show only the session parts the policy allows, and every display of sealed text leaves an access
event (one INSERT per page).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cases import policy
from cases.forms.cases import (
    CaseCloseForm,
    CaseFilterForm,
    CaseOpenForm,
    CaseReassignForm,
    OutcomeForm,
    SessionLogForm,
    SessionMarkForm,
    SessionRecordForm,
    SessionScheduleForm,
)
from cases.models import AREA_DISCIPLINE, Case, ServiceArea, Session, SessionStatus
from cases.selectors import cases as selectors
from cases.services import cases as services
from kem.forms.errors import add_service_errors
from kem.models import Centre, Discipline
from kem.permissions import CentrePerm, centre_for, may
from kem.selectors.beneficiaries import beneficiary_for

CASES_PER_PAGE = 50


# --- the centre's cases ------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """A centre's cases, filtered by counsellor, area and open/closed; the rows alone for htmx."""
    centres = selectors.case_centres(request.user)
    if not centres:
        raise PermissionDenied
    centre = _chosen_centre(request, centres)
    counsellors = selectors.counsellors_at(centre=centre)
    data = request.GET.copy()
    data.setdefault("centre", str(centre.pk))
    data.setdefault("state", "open")
    filters = CaseFilterForm(data, centres=centres, counsellors=counsellors)
    filters.is_valid()
    # A filter that does not hold (a counsellor of another centre) is dropped, not the others.
    chosen = filters.cleaned_data
    cases = selectors.case_list(
        user=request.user,
        centre=centre,
        counsellor_id=chosen.get("counsellor"),
        area=chosen.get("area") or "",
        state=chosen.get("state") or "open",
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "centre": centre,
        "centres": centres,
        "filters": filters,
        "page": page,
        "can_open": policy.may_open_case(request.user, centre.pk),
    }
    if request.htmx:
        return render(request, "cases/_case_rows.html", context)
    return render(request, "cases/case_list.html", context)


def _chosen_centre(request: HttpRequest, centres: list[Centre]) -> Centre:
    """The ``centre`` asked for: 404 if the user cannot see it, 403 if they see no cases there."""
    wanted = request.GET.get("centre")
    if not wanted:
        return centres[0]
    centre = centre_for(request.user, wanted)
    if centre.pk not in {c.pk for c in centres}:
        raise PermissionDenied
    return centre


# --- one case ----------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Open a case for a person at their centre (counsellors and the manager)."""
    beneficiary = beneficiary_for(request.user, pk)
    centre = beneficiary.registering_centre
    if not policy.may_open_case(request.user, centre.pk):
        raise PermissionDenied
    counsellors = selectors.counsellors_at(centre=centre)
    initial = (
        {"counsellor": request.user.pk} if any(c.user_id == request.user.pk for c in counsellors) else {}
    )
    form = CaseOpenForm(request.POST or None, initial=initial, counsellors=counsellors)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                beneficiary=beneficiary,
                centre=centre,
                area=data["area"],
                counsellor=data["counsellor"],
                reason=data["open_reason"],
                by=request.user,
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The case is open."))
            return redirect(case)
    return render(
        request,
        "cases/case_open.html",
        {"person": beneficiary, "centre": centre, "form": form, "area_disciplines": _area_disciplines()},
    )


def _area_disciplines() -> list[tuple[str, str]]:
    """(area, discipline) labels, to explain on the form who may hold which case."""
    return [(ServiceArea(a).label, Discipline(d).label) for a, d in AREA_DISCIPLINE.items()]


@login_required
@never_cache
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case, its sessions newest first (only the parts the user may read) and its outcomes."""
    case = selectors.case_for(request.user, pk)
    detail = selectors.case_detail(user=request.user, case=case)
    selectors.session_reads_record(user=request.user, views=detail.sessions, request=request)
    return render(request, "cases/case_detail.html", {"detail": detail, **_case_context(request, case)})


def _case_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    return {
        "case": case,
        "person": case.beneficiary,
        "can_keep": policy.may_keep_case(user, centre_id=case.centre_id, discipline=case.discipline),
        "can_close": policy.may_close_case(user, centre_id=case.centre_id, discipline=case.discipline),
        "can_reassign": policy.may_reassign_case(user, case.centre_id),
        "can_open_profile": may(user, CentrePerm.SERVE, case.beneficiary.registering_centre),
        "is_employment": case.area == ServiceArea.EMPLOYMENT,
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (GET: what closing does), then close (POST)."""
    case = selectors.case_for(request.user, pk)
    if not policy.may_close_case(request.user, centre_id=case.centre_id, discipline=case.discipline):
        raise PermissionDenied
    if not case.is_open:
        messages.error(request, _("This case is already closed."))
        return redirect(case)
    form = CaseCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_close(
                case=case,
                reason=form.cleaned_data["close_reason"],
                closed_on=form.cleaned_data["closed_on"],
                by=request.user,
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The case is closed."))
            return redirect(case)
    appointments = Session.objects.filter(case=case, status=SessionStatus.SCHEDULED).count()
    return render(
        request,
        "cases/case_close.html",
        {"case": case, "person": case.beneficiary, "form": form, "appointments": appointments},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def case_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the case to another counsellor of its discipline (the centre's manager)."""
    case = selectors.case_for(request.user, pk)
    if not policy.may_reassign_case(request.user, case.centre_id):
        raise PermissionDenied
    counsellors = [
        c
        for c in selectors.counsellors_at(centre=case.centre, discipline=case.discipline)
        if c.user_id != case.counsellor_id
    ]
    form = CaseReassignForm(request.POST or None, counsellors=counsellors)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_reassign(case=case, counsellor=form.cleaned_data["counsellor"], by=request.user)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The case is reassigned."))
            return redirect(case)
    return render(
        request, "cases/case_reassign.html", {"case": case, "person": case.beneficiary, "form": form}
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def outcome_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an employment outcome (employment cases only; their counsellors)."""
    case = selectors.case_for(request.user, pk)
    if case.area != ServiceArea.EMPLOYMENT:
        raise Http404
    _may_keep(request, case)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_record(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The outcome is recorded."))
            return redirect(case)
    return render(
        request, "cases/case_outcome.html", {"case": case, "person": case.beneficiary, "form": form}
    )


# --- sessions ----------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def session_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Make an appointment with the case's counsellor."""
    return _session_form_page(
        request, pk, form_class=SessionScheduleForm, service=services.session_schedule, held=False
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def session_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a session that was held without an appointment."""
    return _session_form_page(request, pk, form_class=SessionLogForm, service=services.session_log, held=True)


def _session_form_page(
    request: HttpRequest, pk: int, *, form_class: Any, service: Any, held: bool
) -> HttpResponse:
    """The appointment and the held-session pages: the same form flow, another form and service."""
    case = selectors.case_for(request.user, pk)
    _may_keep(request, case)
    if not case.is_open:
        messages.error(request, _("This case is closed."))
        return redirect(case)
    requests = selectors.open_interpreter_requests(case=case)
    form = form_class(request.POST or None, interpreter_requests=requests)
    if request.method == "POST" and form.is_valid():
        try:
            service(case=case, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(
                request, _("The session is recorded.") if held else _("The appointment is made.")
            )
            return redirect(case)
    return render(
        request,
        "cases/session_form.html",
        {"case": case, "person": case.beneficiary, "form": form, "held": held},
    )


@login_required
@never_cache
@require_GET
def session_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One session, with only the parts the user may read."""
    session = selectors.session_for(request.user, pk)
    view = selectors.session_view(user=request.user, session=session)
    selectors.session_reads_record(user=request.user, views=[view], request=request)
    return render(
        request, "cases/session_detail.html", {"view": view, **_case_context(request, session.case)}
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def session_record(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Write the summary, confidential note and follow-up of a session, and mark it held."""
    session = selectors.session_for(request.user, pk)
    _may_keep(request, session.case)
    if session.status not in (SessionStatus.SCHEDULED, SessionStatus.HELD):
        messages.error(request, _("A cancelled or missed appointment has nothing to record."))
        return redirect(session)
    if request.method == "POST":
        form = SessionRecordForm(request.POST)
    else:
        form = SessionRecordForm(
            initial={
                "summary": session.summary,
                "confidential_note": session.confidential_note,
                "follow_up_on": session.follow_up_on,
            }
        )
        # Editing shows the text written so far: that is a read too.
        view = selectors.session_view(user=request.user, session=session)
        selectors.session_reads_record(user=request.user, views=[view], request=request)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_record(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The session is recorded."))
            return redirect(session.case)
    return render(
        request,
        "cases/session_record.html",
        {"session": session, "case": session.case, "person": session.case.beneficiary, "form": form},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def session_mark(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Ask first (GET), then mark an appointment cancelled or missed (POST)."""
    session = selectors.session_for(request.user, pk)
    _may_keep(request, session.case)
    if session.status != SessionStatus.SCHEDULED:
        messages.error(request, _("Only a scheduled appointment can be marked."))
        return redirect(session)
    form = SessionMarkForm(request.POST or None, initial={"status": request.GET.get("status")})
    if request.method == "POST" and form.is_valid():
        try:
            services.session_mark(session=session, status=form.cleaned_data["status"], by=request.user)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(
                request,
                _("The appointment is marked: %(status)s.") % {"status": session.get_status_display()},
            )
            return redirect(session.case)
    return render(
        request,
        "cases/session_mark.html",
        {"session": session, "case": session.case, "person": session.case.beneficiary, "form": form},
    )


# --- helpers -----------------------------------------------------------------------------------


def _may_keep(request: HttpRequest, case: Case) -> None:
    """403 unless the user keeps cases of this discipline at the case's centre."""
    if not policy.may_keep_case(request.user, centre_id=case.centre_id, discipline=case.discipline):
        raise PermissionDenied


urlpatterns = [
    path("cases/", case_list, name="case-list"),
    path("beneficiaries/<uuid:pk>/cases/new/", case_open, name="case-open"),
    path("cases/<int:pk>/", case_detail, name="case-detail"),
    path("cases/<int:pk>/close/", case_close, name="case-close"),
    path("cases/<int:pk>/reassign/", case_reassign, name="case-reassign"),
    path("cases/<int:pk>/sessions/new/", session_schedule, name="session-schedule"),
    path("cases/<int:pk>/sessions/held/", session_log, name="session-log"),
    path("cases/<int:pk>/outcomes/new/", outcome_record, name="outcome-record"),
    path("sessions/<uuid:pk>/", session_detail, name="session-detail"),
    path("sessions/<uuid:pk>/record/", session_record, name="session-record"),
    path("sessions/<uuid:pk>/mark/", session_mark, name="session-mark"),
]
