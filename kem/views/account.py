"""The person's own account: the log-in's code step, the second factor, re-authentication and
the password change (kem/second_factor.py keeps the gate)."""

from __future__ import annotations

import io
from typing import Any

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kem import sessions
from kem.forms.account import CodeForm, PasswordChangeWithCodeForm, ReauthenticateForm, code_error
from kem.permissions import needs_second_factor
from kem.second_factor import mark_reauthenticated, reauthentication_required
from kem.services import auth as auth_service
from kem.services import second_factor as service


def _next_url(request: HttpRequest, fallback: str = settings.LOGIN_REDIRECT_URL) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(fallback)


def _code_check(user: Any, found: dict[str, Any]) -> Any:
    """A ``check_code`` for the forms: verifies against the user's devices, keeps the device."""

    def check(code: str) -> str | None:
        result = service.verify(user, code)
        found["device"] = result.device
        return code_error(ok=result.ok, wait_seconds=result.wait_seconds)

    return check


def _verified(request: HttpRequest, device: Any) -> None:
    """The session has passed its second factor: remember the device, and change the session key."""
    django_otp.login(request, device)
    request.session.cycle_key()
    sessions.remember_session(request.user, request.session)
    mark_reauthenticated(request)


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The log-in's second step: a code from the app or a recovery code."""
    user = request.user
    if user.is_verified() or not service.is_enrolled(user):  # type: ignore[union-attr]
        return redirect(_next_url(request))
    found: dict[str, Any] = {}
    form = CodeForm(request.POST or None, check_code=_code_check(user, found))
    if request.method == "POST" and form.is_valid():
        device = found["device"]
        _verified(request, device)
        if device.name == service.RECOVERY_NAME:
            left = service.recovery_codes_left(user)
            messages.warning(
                request,
                _("You used a recovery code; %(left)d are left. Make new ones under “Log-in and security”.")
                % {"left": left},
            )
        return redirect(_next_url(request))
    demo_code = service.demo_code(user) if settings.DEMO_MODE else None
    return render(
        request,
        "registration/login_code.html",
        {"form": form, "next": _next_url(request), "demo_code": demo_code},
    )


@never_cache
@login_required
@require_GET
def account_security(request: HttpRequest) -> HttpResponse:
    """The person's log-in settings: the second factor (enrol, new recovery codes, remove)."""
    user = request.user
    return render(
        request,
        "kem/account/security.html",
        {
            "enrolled": service.is_enrolled(user),
            "required": needs_second_factor(user),
            "codes_left": service.recovery_codes_left(user),
        },
    )


@sensitive_post_parameters()
@never_cache
@login_required
@reauthentication_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol (or replace) the TOTP app: scan the QR code, then give one code to confirm."""
    user = request.user
    device = service.pending_device(user)
    if request.method == "GET" or device is None:
        device = service.enrolment_start(user)
        form = CodeForm(check_code=lambda code: None, app_only=True)
    else:
        confirmation: dict[str, Any] = {}

        def check(code: str) -> str | None:
            result, codes = service.enrolment_confirm(user, code)
            confirmation.update(device=result.device, codes=codes)
            return code_error(ok=result.ok, wait_seconds=result.wait_seconds)

        form = CodeForm(request.POST, check_code=check, app_only=True)
        if form.is_valid():
            _verified(request, confirmation["device"])
            return render(
                request,
                "kem/account/recovery_codes.html",
                {"codes": confirmation["codes"], "next": _next_url(request, "account-security"), "new": True},
            )
    return render(
        request,
        "kem/account/setup.html",
        {
            "form": form,
            "secret": service.secret_base32(device),
            "must_enrol": needs_second_factor(user) and not service.is_enrolled(user),
            "next": _next_url(request, "account-security"),
        },
    )


@never_cache
@login_required
@require_GET
def second_factor_qr(request: HttpRequest) -> HttpResponse:
    """The QR code of the device being enrolled, as an SVG image of its own (no inline data).

    A device is pending only once the enrolment page (behind re-authentication) made it, and the
    page shows the same secret as text; without one this is a 404.
    """
    device = service.pending_device(request.user)
    if device is None:
        raise Http404
    image = io.BytesIO()
    segno.make(device.config_url, error="m").save(image, kind="svg", scale=5, border=2, xmldecl=False)
    return HttpResponse(image.getvalue(), content_type="image/svg+xml")


@never_cache
@login_required
@require_POST
@reauthentication_required
def recovery_codes_renew(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown once."""
    if not service.is_enrolled(request.user):
        return redirect("account-security")
    codes = service.recovery_codes_renew(request.user)
    return render(
        request,
        "kem/account/recovery_codes.html",
        {"codes": codes, "next": resolve_url("account-security"), "new": False},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def second_factor_remove(request: HttpRequest) -> HttpResponse:
    """Stop using a second factor: only for those whose role does not require one (a 403 for
    them, whether or not they re-authenticated lately)."""
    if needs_second_factor(request.user):
        raise PermissionDenied
    return _second_factor_remove(request)


@reauthentication_required
def _second_factor_remove(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        service.second_factor_remove(request.user)
        messages.success(request, _("Your log-in no longer asks for a code."))
        return redirect("account-security")
    return render(request, "kem/account/remove.html")


@sensitive_post_parameters()
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Confirm it is you: the password, and a code when enrolled."""
    user = request.user
    found: dict[str, Any] = {}
    check = _code_check(user, found) if service.is_enrolled(user) else None
    form = ReauthenticateForm(request.POST or None, request=request, check_code=check)
    if request.method == "POST" and form.is_valid():
        if found.get("device") is not None:
            django_otp.login(request, found["device"])
        mark_reauthenticated(request)
        return redirect(_next_url(request, "account-security"))
    return render(request, "kem/account/reauthenticate.html", {"form": form, "next": _next_url(request)})


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change (the current password, the new one twice), plus a code when the
    person is enrolled in a second factor."""

    form_class = PasswordChangeWithCodeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        user = self.request.user
        if service.is_enrolled(user):
            kwargs["check_code"] = _code_check(user, {})
        return kwargs

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        mark_reauthenticated(self.request)
        return response


@never_cache
@login_required
@require_POST
@reauthentication_required
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    """Log out on every other device: every other session of the person ends and every API
    token they hold is revoked; this one goes on (after the password, and the code if enrolled)."""
    ended, revoked = auth_service.sessions_end(user=request.user, keep=request.session.session_key)
    messages.success(
        request,
        _(
            "You are logged out on every other device. Sessions ended: %(sessions)d; API tokens revoked: %(tokens)d."
        )
        % {"sessions": ended, "tokens": revoked},
    )
    return redirect("account-security")


urlpatterns = [
    path("accounts/login/code/", login_code, name="login-code"),
    path("account/log-out-other-devices/", sessions_end_others, name="log-out-other-devices"),
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path("account/security/", account_security, name="account-security"),
    path("account/confirm/", reauthenticate, name="reauthenticate"),
    path("account/two-factor/setup/", second_factor_setup, name="second-factor-setup"),
    path("account/two-factor/setup/qr.svg", second_factor_qr, name="second-factor-qr"),
    path("account/two-factor/recovery-codes/", recovery_codes_renew, name="recovery-codes-renew"),
    path("account/two-factor/remove/", second_factor_remove, name="second-factor-remove"),
]
