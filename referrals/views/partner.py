"""Pages: the partner's page behind a signed link (no login), and the staff's link actions
(revoke a link, send a fresh one).

The partner's page answers every token that opens nothing with one and the same page — 404 for
a token that was never a link of ours, 410 for a real link that expired or was revoked — so it
never tells whether a referral exists. It is Greek unless ``?lang=en``, whatever the visitor's
staff language cookie says, and is kept out of caches, search engines and referrer headers.
Like the certificate verification page, each address may open it only
``KEM_PARTNER_LINK_PER_MINUTE`` times a minute (GET and POST alike; the address is
``client_ip``'s, which a client cannot choose), so tokens cannot be tried in bulk.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from kem.forms.errors import add_service_errors
from kem.permissions import access_for
from kem.services.access_log import client_ip
from referrals.forms.partner import DeclineForm, OutcomeForm
from referrals.models import PartnerLink, ReferralStatus
from referrals.policy import may_refer
from referrals.selectors.referrals import referral_for
from referrals.services import links

PARTNER_LANGUAGES = ("el", "en")
RATE_GROUP = "referrals.partner-link"


def _rate(group: str, request: HttpRequest) -> str:
    # Read per request, not at import: settings come from the environment (and tests change them).
    return f"{settings.KEM_PARTNER_LINK_PER_MINUTE}/m"


def _client(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


# --- the partner's page ------------------------------------------------------------------------


def _language(request: HttpRequest) -> str:
    chosen = request.GET.get("lang", "")
    return chosen if chosen in PARTNER_LANGUAGES else PARTNER_LANGUAGES[0]


def _private(response: HttpResponse, language: str) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token is in the URL: never send it to another site. Not "no-referrer": with it, browsers
    # send "Origin: null" on the page's own form posts and Django's CSRF check refuses them.
    response["Referrer-Policy"] = "same-origin"
    response["Content-Language"] = language
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@ratelimit(group=RATE_GROUP, key=_client, rate=_rate, block=False)
def partner_referral(request: HttpRequest, token: str) -> HttpResponse:
    """The referral as the partner sees it, with the answers its state allows."""
    language = _language(request)
    with translation.override(language):
        if getattr(request, "limited", False):
            response = render(request, "referrals/partner/limited.html", {"language": language}, status=429)
            return _private(response, language)
        try:
            link = links.partner_link_resolve(token)
        except links.LinkInvalid as invalid:
            response = render(
                request, "referrals/partner/link_invalid.html", {"language": language}, status=invalid.status
            )
            return _private(response, language)
        if request.method == "POST":
            response = _answer(request, link, language)
        else:
            links.partner_link_touch(link=link, request=request)
            response = _page(request, link, language)
        return _private(response, language)


def _answer(request: HttpRequest, link: PartnerLink, language: str) -> HttpResponse:
    answer = request.POST.get("answer", "")
    decline_form = DeclineForm(request.POST if answer == links.Answer.DECLINE else None, prefix="decline")
    outcome_form = OutcomeForm(request.POST if answer == links.Answer.OUTCOME else None, prefix="outcome")
    form = {links.Answer.DECLINE: decline_form, links.Answer.OUTCOME: outcome_form}.get(answer)
    errors: list[str] = []
    if form is None or form.is_valid():
        data = form.cleaned_data if form is not None else {}
        try:
            links.partner_link_answer(
                link=link,
                answer=answer,
                reason=data.get("reason", ""),
                successful=data.get("successful"),
                request=request,
            )
        except ValidationError as invalid:
            if form is not None and hasattr(invalid, "error_dict"):
                add_service_errors(form, invalid)
            else:
                errors = invalid.messages
        else:
            messages.success(request, _("Thank you: your answer is recorded and the centre can see it."))
            return redirect(f"{request.path}?lang={language}")
    links.partner_link_touch(link=link, request=request)
    return _page(
        request,
        link,
        language,
        decline_form=decline_form,
        outcome_form=outcome_form,
        errors=errors,
        status=400,
    )


def _page(
    request: HttpRequest,
    link: PartnerLink,
    language: str,
    *,
    decline_form: DeclineForm | None = None,
    outcome_form: OutcomeForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    referral = link.referral
    context: dict[str, Any] = {
        "language": language,
        "given_name": referral.beneficiary.given_name,
        "referral": referral,
        "organisation": referral.service.organisation,
        "contact": referral.contact_person,
        "may_answer": referral.status == ReferralStatus.SENT,
        "may_record_outcome": referral.status == ReferralStatus.ACCEPTED,
        "decline_form": decline_form or DeclineForm(prefix="decline"),
        "outcome_form": outcome_form or OutcomeForm(prefix="outcome"),
        "errors": errors or [],
        "Answer": links.Answer,
    }
    return render(request, "referrals/partner/referral.html", context, status=status)


# --- the staff's link actions ------------------------------------------------------------------


def partner_link_for(user: Any, pk: Any) -> PartnerLink:
    """A link of a referral of the user's centre: 404 another centre's, 403 for a role there that
    may not refer."""
    try:
        link = PartnerLink.objects.select_related("referral__centre", "referral__service__organisation").get(
            pk=pk
        )
    except (PartnerLink.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if link.referral.centre_id not in access_for(user).centre_ids:
        raise Http404
    if not may_refer(user, link.referral.centre_id):
        raise PermissionDenied
    return link


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def partner_link_revoke(request: HttpRequest, pk: Any) -> HttpResponse:
    """Ask first (GET), then stop the link working (POST)."""
    link = partner_link_for(request.user, pk)
    if request.method == "POST":
        try:
            links.partner_link_revoke(link=link, by=request.user)
        except ValidationError as invalid:
            for message in invalid.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The link is revoked: it no longer opens the referral."))
        return redirect(link.referral.get_absolute_url())
    return render(request, "referrals/partner/link_revoke.html", {"link": link, "referral": link.referral})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def partner_link_resend(request: HttpRequest, pk: Any) -> HttpResponse:
    """Ask first (GET), then revoke the referral's links and e-mail the partner a fresh one (POST)."""
    referral = referral_for(request.user, pk)
    if request.method == "POST":
        try:
            links.partner_link_send(referral=referral, by=request.user)
        except ValidationError as invalid:
            for message in invalid.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("A fresh link is e-mailed to %(email)s; earlier links no longer work.")
                % {"email": referral.service.organisation.email},
            )
        return redirect(referral.get_absolute_url())
    return render(request, "referrals/partner/link_resend.html", {"referral": referral})


urlpatterns = [
    path("p/r/<str:token>/", partner_referral, name="partner-referral"),
    path("referrals/links/<uuid:pk>/revoke/", partner_link_revoke, name="partner-link-revoke"),
    path("referrals/<uuid:pk>/links/resend/", partner_link_resend, name="partner-link-resend"),
]
