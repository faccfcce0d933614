"""How the API answers errors: a service's ValidationError as a 400, and the exception handler
that keeps every error (a bad body, an unexpected failure) JSON."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler

from kem.api.parsers import too_large

logger = logging.getLogger(__name__)


def service_errors(invalid: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as a 400 that keeps each message's code (by field, or
    ``non_field_errors`` for errors not tied to one)."""
    if hasattr(invalid, "error_dict"):
        detail = {
            ("non_field_errors" if name == "__all__" else name): [
                ErrorDetail(message, code=error.code or "invalid")
                for error in errors
                for message in error.messages
            ]
            for name, errors in invalid.error_dict.items()
        }
    else:
        detail = {
            "non_field_errors": [
                ErrorDetail(message, code=error.code or "invalid")
                for error in invalid.error_list
                for message in error.messages
            ]
        }
    return serializers.ValidationError(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: a service's ValidationError is a 400 naming its fields, a request
    Django refuses (too large, too many fields, a bad header) is a 400 naming the body, and
    anything unexpected is a JSON 500 (logged with its traceback, never an HTML page)."""
    if isinstance(exc, DjangoValidationError):
        exc = service_errors(exc)
    elif isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        exc = too_large()
    elif isinstance(exc, SuspiciousOperation):
        exc = serializers.ValidationError(
            {"body": [ErrorDetail(_("The request was refused."), code="invalid")]}
        )
    response = exception_handler(exc, context)
    if response is not None:
        return response
    request = context.get("request")
    logger.exception(
        "Unhandled error in the API: %s %s",
        getattr(request, "method", "-"),
        getattr(getattr(request, "resolver_match", None), "route", "-"),
    )
    # Tell Django's test client (and any other listener) as Django's own 500 handling would.
    got_request_exception.send(sender=None, request=getattr(request, "_request", request))
    return Response(
        {"detail": _("Something went wrong on our side. The error has been logged; please try again later.")},
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )
