"""A request id for every request, carried into logs and the access log."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("kem_request_id", default="-")
_SAFE_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Accept a proxy's X-Request-ID if it looks like an id, else make one; echo it back."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class GreekFirstLocaleMiddleware(LocaleMiddleware):
    """Greek unless the person chose otherwise with the switcher.

    Django's LocaleMiddleware follows the browser's Accept-Language, so a centre PC set up in
    English would show English to everyone; here only the language cookie (set by the switcher)
    overrides the default, Greek.
    """

    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
