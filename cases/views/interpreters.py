"""Pages: languages, the interpreter pool, and interpreter requests with their bookings.

Objects are fetched through ``cases.selectors.interpreters`` (404 another centre's, 403 a role of
the centre that may only look); each change is one service call behind ``require_POST`` or a
GET/POST pair whose GET asks first.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.forms.interpreters import (
    BookForm,
    CancelForm,
    InterpreterForm,
    InterpreterRequestForm,
    LanguageForm,
    RequestFilterForm,
)
from cases.models import (
    InterpreterRequest,
    InterpretingMode,
    Language,
    RequestStatus,
    Session,
    SessionMode,
)
from cases.policy import may_book_interpreters, may_manage_languages
from cases.selectors import interpreters as selectors
from cases.services import interpreters as services
from kem.choices import LANGUAGES
from kem.forms.errors import add_service_errors
from kem.models import Beneficiary
from kem.selectors.beneficiaries import beneficiary_for
from kem.services.access_log import access_record, role_at

PAGE_SIZE = 50
READ_ACTION = "cases.interpreter_request.read"
# The sealed fields of a request, as the access log names them.
SEALED_FIELDS = {"notes": "interpreter_request.notes", "gender_reason": "interpreter_request.gender_reason"}


# --- languages ---------------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def language_list(request: HttpRequest) -> HttpResponse:
    """Every language; managers add, edit and deactivate them, those who book may look."""
    languages = selectors.language_list(user=request.user)
    return render(
        request,
        "cases/interpreters/language_list.html",
        {"language_rows": languages, "may_manage": may_manage_languages(request.user)},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def language_new(request: HttpRequest) -> HttpResponse:
    if not may_manage_languages(request.user):
        raise PermissionDenied
    form = LanguageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.language_create(by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The language is added."))
            return redirect("language-list")
    return render(request, "cases/interpreters/language_form.html", _language_context(form))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def language_edit(request: HttpRequest, pk: int) -> HttpResponse:
    language = selectors.language_for(request.user, pk)
    form = LanguageForm(request.POST or None, initial=LanguageForm.initial_from(language), editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.language_update(language=language, by=request.user, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The language is saved."))
            return redirect("language-list")
    return render(request, "cases/interpreters/language_form.html", _language_context(form, language))


def _language_context(form: LanguageForm, language: Language | None = None) -> dict[str, Any]:
    return {"form": form, "language": language, "known_codes": LANGUAGES}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def language_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (GET), then take the language off new requests (POST)."""
    language = selectors.language_for(request.user, pk)
    if request.method == "POST":
        try:
            services.language_deactivate(language=language, by=request.user)
        except ValidationError as invalid:
            _error_messages(request, invalid)
        else:
            messages.success(request, _("The language is no longer offered for new requests."))
        return redirect("language-list")
    return render(request, "cases/interpreters/language_deactivate.html", {"language": language})


# --- the interpreter pool ----------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def interpreter_list(request: HttpRequest) -> HttpResponse:
    """The pool of the user's centres (or of ``?centre=``); the front desk and counsellors look,
    the manager keeps it."""
    centres = selectors.booking_centres(request.user)
    if not centres.exists():
        raise PermissionDenied
    centre = None
    if request.GET.get("centre"):
        centre = selectors.centre_of_choice(request.user, request.GET["centre"])
    managed = set(selectors.managed_pool_centres(request.user).values_list("pk", flat=True))
    interpreters = list(selectors.interpreter_pool(user=request.user, centre=centre))
    labels = dict(InterpretingMode.choices)
    for interpreter in interpreters:
        interpreter.mode_labels = [str(labels.get(mode, mode)) for mode in interpreter.modes or []]
    return render(
        request,
        "cases/interpreters/interpreter_list.html",
        {
            "interpreters": interpreters,
            "centres": centres,
            "centre": centre,
            "managed": managed,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def interpreter_new(request: HttpRequest) -> HttpResponse:
    centres = selectors.managed_pool_centres(request.user)
    if not centres.exists():
        raise PermissionDenied
    form = InterpreterForm(request.POST or None, centres=centres)
    if request.method == "POST" and form.is_valid():
        try:
            services.interpreter_create(
                centre=form.cleaned_data["centre"], by=request.user, **form.service_data()
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The interpreter is added to the pool."))
            return redirect("interpreter-list")
    return render(request, "cases/interpreters/interpreter_form.html", {"form": form})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def interpreter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    interpreter = selectors.interpreter_for(request.user, pk, manage=True)
    form = InterpreterForm(
        request.POST or None,
        centres=selectors.managed_pool_centres(request.user),
        interpreter=interpreter,
        initial=InterpreterForm.initial_from(interpreter),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.interpreter_update(interpreter=interpreter, by=request.user, **form.service_data())
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The interpreter's details are saved."))
            return redirect("interpreter-list")
    return render(
        request, "cases/interpreters/interpreter_form.html", {"form": form, "interpreter": interpreter}
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def interpreter_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask first (GET), then take the interpreter out of the pool (POST)."""
    interpreter = selectors.interpreter_for(request.user, pk, manage=True)
    if request.method == "POST":
        try:
            services.interpreter_deactivate(interpreter=interpreter, by=request.user)
        except ValidationError as invalid:
            _error_messages(request, invalid)
        else:
            messages.success(request, _("The interpreter can no longer be booked."))
        return redirect("interpreter-list")
    upcoming = interpreter.requests.booked().filter(starts_at__gte=timezone.now()).count()
    return render(
        request,
        "cases/interpreters/interpreter_deactivate.html",
        {"interpreter": interpreter, "upcoming": upcoming},
    )


# --- requests ----------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def interpreter_request_new(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Ask for an interpreter for a person; ``?session=`` links one of their appointments."""
    beneficiary = beneficiary_for(request.user, pk)
    centre = beneficiary.registering_centre
    if not may_book_interpreters(request.user, centre.pk):
        raise PermissionDenied
    session_id = request.POST.get("session") if request.method == "POST" else request.GET.get("session")
    session = selectors.session_of(beneficiary=beneficiary, pk=session_id) if session_id else None
    form = InterpreterRequestForm(request.POST or None, initial=_request_initial(beneficiary, session))
    if request.method == "POST" and form.is_valid():
        try:
            created = services.interpreter_request_create(
                beneficiary=beneficiary,
                centre=centre,
                session=session,
                by=request.user,
                **form.service_data(),
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The interpreter is requested. Book one of the pool now or later."))
            return redirect("interpreter-request-book", pk=created.pk)
    return render(
        request,
        "cases/interpreters/request_form.html",
        {"person": beneficiary, "form": form, "session": session},
    )


# Session modes as interpreting modes, to fill in a request for an appointment.
SESSION_TO_INTERPRETING = {
    SessionMode.IN_PERSON: InterpretingMode.ON_SITE,
    SessionMode.PHONE: InterpretingMode.PHONE,
    SessionMode.VIDEO: InterpretingMode.VIDEO,
}


def _request_initial(beneficiary: Beneficiary, session: Session | None) -> dict[str, Any]:
    """The person's first spoken language that is offered; the appointment's time and mode."""
    initial: dict[str, Any] = {}
    spoken = list(beneficiary.languages or [])
    if spoken:
        offered: dict[str, Language] = {}
        for language in Language.objects.filter(active=True, code__in=spoken).order_by("dialect"):
            offered.setdefault(language.code, language)
        first = next((offered[code] for code in spoken if code in offered), None)
        if first is not None:
            initial["language"] = first.pk
    if session is not None:
        initial.update(
            session=session.pk,
            starts_at=session.starts_at,
            duration_minutes=session.duration_minutes,
            mode=SESSION_TO_INTERPRETING.get(session.mode, InterpretingMode.ON_SITE),
        )
    return initial


@login_required
@never_cache
@require_GET
def interpreter_request_list(request: HttpRequest) -> HttpResponse:
    """The requests of the user's centres, filtered by status, language and dates (newest first)."""
    centres = selectors.booking_centres(request.user)
    if not centres.exists():
        raise PermissionDenied
    form = RequestFilterForm(request.GET or None, centres=centres)
    rows = selectors.interpreter_request_list(user=request.user, filters=form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "requests": list(page.object_list),
        "filtered": form.is_bound and any(v for k, v in request.GET.items() if k != "page"),
        "several_centres": len(centres) > 1,
    }
    template = (
        "cases/interpreters/_request_rows.html" if request.htmx else "cases/interpreters/request_list.html"
    )
    return render(request, template, context)


@login_required
@never_cache
@require_GET
def interpreter_request_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One request; its sealed notes and gender reason are shown to those who book at the centre,
    and each showing is recorded in the access log."""
    interpreter_request = selectors.interpreter_request_for(request.user, pk)
    sealed = _sealed_shown(interpreter_request)
    if sealed:
        access_record(
            user=request.user,
            action=READ_ACTION,
            subject=interpreter_request.beneficiary,
            fields=[SEALED_FIELDS[name] for name in sealed],
            centre=interpreter_request.centre,
            role=role_at(request.user, interpreter_request.centre_id),
            request=request,
        )
    return render(
        request,
        "cases/interpreters/request_detail.html",
        {
            "req": interpreter_request,
            "person": interpreter_request.beneficiary,
            "sealed": sealed,
            "started": interpreter_request.starts_at <= timezone.now(),
            "sessions": list(interpreter_request.sessions.order_by("starts_at")),
        },
    )


def _sealed_shown(interpreter_request: InterpreterRequest) -> dict[str, str]:
    """The sealed fields the page shows (those holding text), opened. Whoever reaches the page
    books interpreters at the request's centre (``interpreter_request_for``), so may read them."""
    values = {name: getattr(interpreter_request, name) for name in SEALED_FIELDS}
    return {name: value for name, value in values.items() if value}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def interpreter_request_book(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Choose among the pool's interpreters who speak the language; busy ones are marked busy."""
    interpreter_request = selectors.interpreter_request_for(request.user, pk)
    form = BookForm(request.POST or None, centre_id=interpreter_request.centre_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.interpreter_book(
                request=interpreter_request, interpreter=form.cleaned_data["interpreter"], by=request.user
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The interpreter is booked."))
            return redirect(interpreter_request)
    return render(
        request,
        "cases/interpreters/request_book.html",
        {
            "req": interpreter_request,
            "form": form,
            "options": selectors.booking_options(request=interpreter_request),
            "bookable": interpreter_request.status in (RequestStatus.REQUESTED, RequestStatus.BOOKED),
        },
    )


@login_required
@never_cache
@require_POST
def interpreter_request_complete(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    interpreter_request = selectors.interpreter_request_for(request.user, pk)
    try:
        services.interpreter_request_complete(request=interpreter_request, by=request.user)
    except ValidationError as invalid:
        _error_messages(request, invalid)
    else:
        messages.success(request, _("The interpreting is marked as held."))
    return redirect(interpreter_request)


@login_required
@never_cache
@require_POST
def interpreter_request_no_show(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    interpreter_request = selectors.interpreter_request_for(request.user, pk)
    try:
        services.interpreter_request_no_show(request=interpreter_request, by=request.user)
    except ValidationError as invalid:
        _error_messages(request, invalid)
    else:
        messages.success(request, _("The appointment is marked as a no-show."))
    return redirect(interpreter_request)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def interpreter_request_cancel(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Ask first, with the reason (GET), then cancel (POST)."""
    interpreter_request = selectors.interpreter_request_for(request.user, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.interpreter_request_cancel(
                request=interpreter_request, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The request is cancelled."))
            return redirect(interpreter_request)
    return render(
        request, "cases/interpreters/request_cancel.html", {"req": interpreter_request, "form": form}
    )


def _error_messages(request: HttpRequest, invalid: ValidationError) -> None:
    for message in invalid.messages:
        messages.error(request, message)


urlpatterns = [
    path("languages/", language_list, name="language-list"),
    path("languages/new/", language_new, name="language-new"),
    path("languages/<int:pk>/edit/", language_edit, name="language-edit"),
    path("languages/<int:pk>/deactivate/", language_deactivate, name="language-deactivate"),
    path("interpreters/", interpreter_list, name="interpreter-list"),
    path("interpreters/new/", interpreter_new, name="interpreter-new"),
    path("interpreters/<int:pk>/edit/", interpreter_edit, name="interpreter-edit"),
    path("interpreters/<int:pk>/deactivate/", interpreter_deactivate, name="interpreter-deactivate"),
    path(
        "beneficiaries/<uuid:pk>/interpreters/new/", interpreter_request_new, name="interpreter-request-new"
    ),
    path("interpreter-requests/", interpreter_request_list, name="interpreter-request-list"),
    path("interpreter-requests/<uuid:pk>/", interpreter_request_detail, name="interpreter-request-detail"),
    path("interpreter-requests/<uuid:pk>/book/", interpreter_request_book, name="interpreter-request-book"),
    path(
        "interpreter-requests/<uuid:pk>/complete/",
        interpreter_request_complete,
        name="interpreter-request-complete",
    ),
    path(
        "interpreter-requests/<uuid:pk>/no-show/",
        interpreter_request_no_show,
        name="interpreter-request-no-show",
    ),
    path(
        "interpreter-requests/<uuid:pk>/cancel/",
        interpreter_request_cancel,
        name="interpreter-request-cancel",
    ),
]
