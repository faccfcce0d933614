"""Pages: outgoing referrals — the centre's list, referring a person from their profile, a
referral's page with its steps, and sending, withdrawing and recording the partner's answer and
outcome by phone.

Referrals are fetched through ``referrals.selectors.referrals`` (404 another centre's, 403 a role
of the centre that may not refer); each change is one service call behind ``require_POST`` or a
GET/POST pair whose GET asks first. Every page showing a sealed reason records an access event.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kem.forms.errors import add_service_errors
from kem.selectors.beneficiaries import beneficiary_for
from kem.services.access_log import access_record, role_at
from referrals.forms.referrals import (
    AnswerForm,
    OutcomeForm,
    ReferralFilterForm,
    ReferralForm,
    SendForm,
    grouped_service_choices,
)
from referrals.models import Referral, ReferralStatus
from referrals.policy import may_override_consent, may_refer
from referrals.selectors import referrals as selectors
from referrals.services import referrals as services

PAGE_SIZE = 50


def _error_messages(request: HttpRequest, invalid: ValidationError) -> None:
    for message in invalid.messages:
        messages.error(request, message)


def _is_consent_missing(invalid: ValidationError) -> bool:
    errors = (
        invalid.error_list
        if not hasattr(invalid, "error_dict")
        else invalid.error_dict.get("override_reason", [])
    )
    return any(error.code == "consent_missing" for error in errors)


# --- the list ----------------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    """The referrals of the user's centres, filtered by status, working area, partner, overdue."""
    centres = selectors.referring_centres(request.user)
    if not centres.exists():
        raise PermissionDenied
    form = ReferralFilterForm(request.GET or None, centres=centres)
    rows = selectors.referral_list(user=request.user, filters=form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "referrals": list(page.object_list),
        "filtered": form.is_bound and any(v for k, v in request.GET.items() if k != "page"),
        "several_centres": len(centres) > 1,
    }
    template = "referrals/_referral_rows.html" if request.htmx else "referrals/referral_list.html"
    return render(request, template, context)


# --- drafting ----------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Refer a person: choose a service, write the reason; save a draft or send at once."""
    beneficiary = beneficiary_for(request.user, pk)
    centre = beneficiary.registering_centre
    if not may_refer(request.user, centre.pk):
        raise PermissionDenied
    if request.htmx and request.method == "GET" and "q" in request.GET:
        return _service_options(request)
    form = ReferralForm(request.POST or None, centre=centre, initial={"contact_person": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(
                beneficiary=beneficiary, centre=centre, by=request.user, **form.service_data()
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            if request.POST.get("action") == "send":
                return _send_now(request, referral)
            messages.success(request, _("The referral is saved as a draft."))
            return redirect(referral)
    return render(
        request,
        "referrals/referral_form.html",
        {"person": beneficiary, "form": form, "query": ""},
    )


def _service_options(request: HttpRequest) -> HttpResponse:
    """The service select narrowed by ``?q=`` (search as you type)."""
    return render(
        request,
        "referrals/_referral_service_options.html",
        {
            "groups": grouped_service_choices(request.GET.get("q", "")),
            "selected": request.GET.get("service", ""),
        },
    )


def _send_now(request: HttpRequest, referral: Referral) -> HttpResponse:
    """Send a just-saved draft; without consent, go to the send page that says what to do."""
    try:
        services.referral_send(referral=referral, by=request.user)
    except ValidationError as invalid:
        if not _is_consent_missing(invalid):
            _error_messages(request, invalid)
            return redirect(referral)
        messages.warning(request, _("The referral is saved as a draft: it cannot be sent without consent."))
        return redirect("referral-send", pk=referral.pk)
    messages.success(request, _("The referral is sent; the partner has been e-mailed a link to answer."))
    return redirect(referral)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def referral_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Change a draft."""
    referral = selectors.referral_for(request.user, pk)
    if referral.status != ReferralStatus.DRAFT:
        messages.error(request, _("Only a draft referral can be changed."))
        return redirect(referral)
    initial = {
        "service": str(referral.service_id),
        "reason": referral.reason,
        "urgency": referral.urgency,
        "follow_up_on": referral.follow_up_on,
        "contact_person": referral.contact_person_id,
    }
    form = ReferralForm(request.POST or None, centre=referral.centre, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_update(referral=referral, by=request.user, **form.service_data())
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            if request.POST.get("action") == "send":
                return _send_now(request, referral)
            messages.success(request, _("The draft is saved."))
            return redirect(referral)
    if request.method == "GET":
        _record_read(request, referral, ["reason"])
    return render(
        request,
        "referrals/referral_form.html",
        {"person": referral.beneficiary, "form": form, "referral": referral, "query": ""},
    )


# --- one referral ------------------------------------------------------------------------------


def _record_read(request: HttpRequest, referral: Referral, names: list[str] | dict[str, str]) -> None:
    if not names:
        return
    access_record(
        user=request.user,
        action=selectors.READ_ACTION,
        subject=referral.beneficiary,
        fields=[selectors.SEALED_FIELDS[name] for name in names],
        centre=referral.centre,
        role=role_at(request.user, referral.centre_id),
        request=request,
    )


@login_required
@never_cache
@require_GET
def referral_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """A referral: status, steps with who and when, the sealed reasons (each showing traced) and
    what can be done next."""
    referral = selectors.referral_for(request.user, pk)
    sealed = selectors.sealed_shown(referral)
    _record_read(request, referral, sealed)
    steps = selectors.referral_steps(referral=referral)
    for step in steps:
        step.actor = selectors.step_actor(step)
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "person": referral.beneficiary,
            "sealed": sealed,
            "steps": steps,
            "partner_links": list(referral.links.order_by("-created_at")),
            "may_send": referral.status == ReferralStatus.DRAFT,
            "may_withdraw": referral.may_move_to(ReferralStatus.WITHDRAWN),
            "may_answer": referral.status == ReferralStatus.SENT,
            "may_record_outcome": referral.status == ReferralStatus.ACCEPTED,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def referral_send(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Check the consent and send (POST); without consent, say how to record it, and let the
    manager send anyway with a written reason."""
    referral = selectors.referral_for(request.user, pk)
    if referral.status != ReferralStatus.DRAFT:
        messages.error(request, _("Only a draft referral can be sent."))
        return redirect(referral)
    may_override = may_override_consent(request.user, referral.centre_id)
    form = SendForm(request.POST if request.method == "POST" else None, may_override=may_override)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_send(
                referral=referral,
                by=request.user,
                override_reason=form.cleaned_data.get("override_reason", ""),
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(
                request, _("The referral is sent; the partner has been e-mailed a link to answer.")
            )
            return redirect(referral)
    return render(
        request,
        "referrals/referral_send.html",
        {
            "referral": referral,
            "person": referral.beneficiary,
            "form": form,
            "consent": services.referral_consent(referral=referral),
            "may_override": may_override,
            "consent_url": reverse("consent-create", args=[referral.beneficiary_id]),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def referral_withdraw(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Ask first (GET), then withdraw (POST)."""
    referral = selectors.referral_for(request.user, pk)
    if request.method == "POST":
        try:
            services.referral_withdraw(referral=referral, by=request.user)
        except ValidationError as invalid:
            _error_messages(request, invalid)
        else:
            messages.success(request, _("The referral is withdrawn."))
        return redirect(referral)
    return render(request, "referrals/referral_withdraw.html", {"referral": referral})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def referral_answer(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Record the answer of a partner who phoned: accepted, or declined with a reason."""
    referral = selectors.referral_for(request.user, pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accepted = form.cleaned_data["accepted"] == "yes"
        try:
            services.referral_record_answer(
                referral=referral,
                accepted=accepted,
                decline_reason="" if accepted else form.cleaned_data["decline_reason"],
                by=request.user,
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(
                request,
                _("The partner's acceptance is recorded.") if accepted else _("The decline is recorded."),
            )
            return redirect(referral)
    return render(request, "referrals/referral_answer.html", {"referral": referral, "form": form})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def referral_outcome(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Record how an accepted referral ended, as the partner told it on the phone."""
    referral = selectors.referral_for(request.user, pk)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_record_outcome(
                referral=referral,
                successful=form.cleaned_data["successful"] == "yes",
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The outcome is recorded."))
            return redirect(referral)
    return render(request, "referrals/referral_outcome.html", {"referral": referral, "form": form})


urlpatterns = [
    path("referrals/", referral_list, name="referral-list"),
    path("beneficiaries/<uuid:pk>/referrals/new/", referral_new, name="referral-new"),
    path("referrals/<uuid:pk>/", referral_detail, name="referral-detail"),
    path("referrals/<uuid:pk>/edit/", referral_edit, name="referral-edit"),
    path("referrals/<uuid:pk>/send/", referral_send, name="referral-send"),
    path("referrals/<uuid:pk>/withdraw/", referral_withdraw, name="referral-withdraw"),
    path("referrals/<uuid:pk>/answer/", referral_answer, name="referral-answer"),
    path("referrals/<uuid:pk>/outcome/", referral_outcome, name="referral-outcome"),
]
