"""The public verification page of certificates: no log-in, rate-limited, not indexed.

Anyone holding a certificate's code (typed, or scanned from its QR code) learns whether it is
valid or revoked, for which course, level, dates and centre, and the holder's name as printed, so
that an employer can compare it with the paper. Codes are unguessable (100 random bits) and each
address may check only ``KEM_VERIFY_PER_MINUTE`` codes a minute, so codes cannot be harvested. A
malformed code, an unknown one and one whose holder was erased get the same answer. Every answer
that shows a name is in the access log, with no user and the actor "public verification".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from courses.forms.attendance import VerifyForm
from courses.selectors.certificates import VERIFIED_ACTION, VERIFIER, certificate_by_code
from courses.services.certificates import holder_fields
from kem.services.access_log import access_record, client_ip

RATE_GROUP = "courses.certificate-verify"


def _rate(group: str, request: HttpRequest) -> str:
    # Read per request, not at import: settings come from the environment (and tests change them).
    return f"{settings.KEM_VERIFY_PER_MINUTE}/m"


def _client(group: str, request: HttpRequest) -> str:
    return client_ip(request) or "unknown"


def _private(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _answer(request: HttpRequest, form: VerifyForm, code: str | None) -> HttpResponse:
    if getattr(request, "limited", False):
        return _private(render(request, "courses/certificates/verify_limited.html", status=429))
    context: dict[str, Any] = {"form": form, "checked": code is not None, "certificate": None}
    if code is not None:
        certificate = certificate_by_code(code)
        if certificate is not None:
            course_class = certificate.enrolment.course_class
            context.update(
                certificate=certificate,
                course_class=course_class,
                holder_name=certificate.holder_name,
                holder_name_latin=certificate.holder_name_latin,
            )
            access_record(
                user=None,
                actor=VERIFIER,
                action=VERIFIED_ACTION,
                subject=certificate.enrolment.beneficiary,
                fields=holder_fields(certificate),
                centre=course_class.centre,
                request=request,
            )
    return _private(render(request, "courses/certificates/verify.html", context))


@never_cache
@require_GET
@ratelimit(group=RATE_GROUP, key=_client, rate=_rate, block=False)
def certificate_verify(request: HttpRequest) -> HttpResponse:
    """The form; with ``?code=`` the answer under it."""
    form = VerifyForm(request.GET or None)
    code = form.cleaned_data["code"] if form.is_bound and form.is_valid() else None
    return _answer(request, form, code)


@never_cache
@require_GET
@ratelimit(group=RATE_GROUP, key=_client, rate=_rate, block=False)
def certificate_verify_code(request: HttpRequest, code: str) -> HttpResponse:
    """The answer for the code in the address (the QR code's link)."""
    return _answer(request, VerifyForm(initial={"code": code}), code)


urlpatterns = [
    path("certificates/verify/", certificate_verify, name="certificate-verify"),
    path("certificates/verify/<str:code>/", certificate_verify_code, name="certificate-verify-code"),
]
