"""The answer to a refused log-in of a locked-out account or address (``AXES_LOCKOUT_CALLABLE``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from kem.lockout import LOCKED_STATUS, lockout_message


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """A translated page (the log-in form, the admin) or a JSON error (the API), status 429.

    Neither says whether the password was right, nor which of account and address is locked.
    """
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": lockout_message(), "code": "locked_out"}, status=LOCKED_STATUS
        )
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": lockout_message(), "minutes": settings.KEM_LOCKOUT_MINUTES},
            status=LOCKED_STATUS,
        )
    response["Retry-After"] = str(settings.KEM_LOCKOUT_MINUTES * 60)
    return response
