"""A request id for every request, carried into logs and the access log; no cached copies of
what Django answers."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("kem_request_id", default="-")
# A proxy's id is kept only if it is a short plain token: ASCII letters and digits, with inner
# hyphens (a UUID, a hex string). It starts with a letter or digit, so in a CSV cell it can never
# be read as a formula ("-1+2", "=cmd"), and holds no space, quote, newline or control character.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{7,63}")


def safe_request_id(incoming: str) -> str | None:
    """The incoming id if it is a safe token (see ``_SAFE_ID``), else ``None``."""
    return incoming if _SAFE_ID.fullmatch(incoming) else None


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Accept a proxy's X-Request-ID if it looks like an id, else make one; echo it back."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request_id = safe_request_id(request.headers.get("X-Request-ID", "")) or uuid.uuid4().hex
        request.request_id = request_id
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer Django makes.

    Pages list names, the API returns personal data, downloads (certificates, exports, the access
    log's CSV) are personal data: none may stay in a browser's or a proxy's cache. Static files
    are served before this (WhiteNoise) and keep their long cache lifetimes; nothing else is
    worth caching, so no view has to remember ``never_cache``.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class ClientErrorsInOneLine(logging.Filter):
    """Django logs a refused request (403, 404, …) with the exception's traceback: on a busy
    console every refused click prints a page of stack. A client error is not a fault of the
    server, so its record keeps its one line (method, path, status) and drops the traceback;
    server errors (5xx) keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
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
