"""The gate after the password: no page, API call or admin until the second factor is passed.

The log-in stays Django's own (``authenticate()`` then ``login()``). Then, for a logged-in session
that no device has verified (django-otp's ``OTPMiddleware`` says which):

- a person enrolled in TOTP reaches only the code step (and log-out, the language switch);
- a person who must use a second factor (:func:`kem.permissions.needs_second_factor`) and has
  not enrolled reaches only the enrolment pages;
- everyone else goes on as before.

An API call by such a session is a 403; a call with an API token is not a session (its user is
not known here) and is decided by the API's own authentication.

Re-authentication: changing the password or the second factor asks for the password (and a code
when enrolled) unless the person gave them in the last ``KEM_REAUTH_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _
from django_otp.admin import OTPAdminSite

from kem.permissions import needs_second_factor
from kem.services import second_factor

REAUTH_SESSION_KEY = "kem_reauth_at"
ENROLLED_SESSION_KEY = "kem_second_factor_enrolled"

# What a session may reach before its second factor: always, when enrolled, when enrolling.
_ALWAYS = frozenset({"logout", "set_language"})
CODE_STEP_VIEWS = _ALWAYS | {"login-code"}
ENROLMENT_VIEWS = _ALWAYS | {"second-factor-setup", "second-factor-qr", "reauthenticate"}


def pending_step(request: HttpRequest) -> str | None:
    """The URL name of the step this session must pass first: the code, the enrolment, or None."""
    user = request.user
    if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr]
        return None
    if needs_second_factor(user):
        return "login-code" if second_factor.is_enrolled(user) else "second-factor-setup"
    # Others give a code if they were enrolled when they logged in (noted then, so that the
    # pages of those who are not cost no query; the database has the last word).
    if request.session.get(ENROLLED_SESSION_KEY) and second_factor.is_enrolled(user):
        return "login-code"
    return None


class SecondFactorMiddleware:
    """Send a session that has not passed its second factor to the step it must pass."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = pending_step(request)
        request.second_factor_pending = step is not None  # type: ignore[attr-defined]
        if step is None:
            return self.get_response(request)
        allowed = CODE_STEP_VIEWS if step == "login-code" else ENROLMENT_VIEWS
        try:
            view_name = resolve(request.path_info).view_name
        except Resolver404:
            view_name = ""
        if view_name in allowed:
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": _("Log in with your second factor first.")}, status=403)
        target = reverse(step)
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)


def mark_reauthenticated(request: HttpRequest) -> None:
    """The person has just given their password (and code, when enrolled)."""
    request.session[REAUTH_SESSION_KEY] = int(time.time())


def recently_reauthenticated(request: HttpRequest) -> bool:
    at = request.session.get(REAUTH_SESSION_KEY)
    return isinstance(at, int) and 0 <= time.time() - at <= settings.KEM_REAUTH_SECONDS


def reauthentication_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ask for the password (and a code) again first, unless given within ``KEM_REAUTH_SECONDS``."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if recently_reauthenticated(request):
            return view(request, *args, **kwargs)
        back = request.get_full_path() if request.method == "GET" else reverse("account-security")
        return redirect(reverse("reauthenticate") + "?" + urlencode({"next": back}))

    return wrapped


def on_user_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A password log-in counts as a fresh authentication (for the first enrolment after it);
    whether the person is enrolled is noted for the gate."""
    if request is not None and hasattr(request, "session"):
        mark_reauthenticated(request)
        request.session[ENROLLED_SESSION_KEY] = second_factor.is_enrolled(user)


class KemAdminSite(OTPAdminSite):
    """The Django admin for sessions verified by a second factor only (django-otp), reached
    through the site's one log-in (password, then the code), never a log-in form of its own."""

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect_to_login(request.GET.get("next", reverse("admin:index")))
