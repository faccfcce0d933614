"""The API's request parser, which refuses what the database, the vault or the interpreter would choke on.

The API reads JSON bodies only (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``): one media type to
describe, check and fuzz, and no form or multipart parsing of untrusted input. Refused:

- a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused before it is read (DRF reads the
  stream itself, so Django's own check on ``request.body`` never runs for the API);
- JSON nested deeper than ``KEM_API_MAX_JSON_DEPTH`` (Python's parser would hit its recursion
  limit at about 1,000 levels and answer 500);
- NUL characters (PostgreSQL refuses them in text) and lone UTF-16 surrogates such as
  ``"\\ud800"`` (which cannot be encoded to UTF-8: not sealed, not stored), anywhere in a key or
  a value.

Each refusal is a ``ValidationError`` naming the top-level field (or ``body``), so the caller gets
the API's usual 400 with a message to fix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, serializers
from rest_framework.exceptions import ErrorDetail

BODY = "body"


def max_body_bytes() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def _body_error(message: str, code: str) -> serializers.ValidationError:
    return serializers.ValidationError({BODY: [ErrorDetail(message, code=code)]})


def too_large() -> serializers.ValidationError:
    limit = max(1, max_body_bytes() // 1024)
    return _body_error(
        _("The request body is larger than the limit of %(limit)s KB.") % {"limit": limit}, "too_large"
    )


def _check_size(parser_context: Mapping[str, Any] | None) -> None:
    """Refuse a declared length over the limit before reading a byte of it."""
    limit = max_body_bytes()
    request = (parser_context or {}).get("request")
    if not limit or request is None:
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise _body_error(_("The Content-Length header is not a number."), "invalid") from None
    if length > limit:
        raise too_large()


def _bad_text(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None."""
    if "\x00" in text:
        return _("The text contains a NUL character, which cannot be stored.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _("The text contains an unpaired surrogate (such as \\ud800), which is not valid Unicode.")
    return None


def check_parsed(data: Any, *, max_depth: int) -> None:
    """Walk parsed data (iteratively: it may be deep) and refuse bad text or too deep nesting,
    naming the top-level key where the problem is (``body`` for the body itself)."""
    stack: list[tuple[Any, int, str]] = [(data, 0, BODY)]
    while stack:
        value, depth, field = stack.pop()
        if depth > max_depth:
            message = _("The value is nested deeper than %(depth)s levels.") % {"depth": max_depth}
            raise serializers.ValidationError({field: [ErrorDetail(message, code="too_deep")]})
        if isinstance(value, str):
            problem = _bad_text(value)
            if problem:
                raise serializers.ValidationError({field: [ErrorDetail(problem, code="invalid_text")]})
        elif isinstance(value, Mapping):
            for key, item in value.items():
                where = str(key) if depth == 0 else field
                if isinstance(key, str) and _bad_text(key):
                    # The key itself cannot be echoed back as a field name.
                    message = _("A field name contains a NUL character or an unpaired surrogate.")
                    raise serializers.ValidationError({field: [ErrorDetail(message, code="invalid_text")]})
                stack.append((item, depth + 1, where))
        elif isinstance(value, list | tuple):
            stack.extend((item, depth + 1, field) for item in value)


def _max_depth() -> int:
    return int(getattr(settings, "KEM_API_MAX_JSON_DEPTH", 32))


class SafeJSONParser(parsers.JSONParser):
    """JSON with a size limit, a depth limit, and no NUL or unpaired surrogate in any string."""

    def parse(self, stream, media_type=None, parser_context=None):
        _check_size(parser_context)
        limit = max_body_bytes()
        if stream is None:
            return {}
        raw = stream.read(limit + 1) if limit else stream.read()
        if limit and len(raw) > limit:
            raise too_large()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise _body_error(
                _("The body is not valid %(encoding)s text.") % {"encoding": encoding}, "parse_error"
            ) from None
        try:
            data = json.loads(text, parse_constant=self._refuse_constant)
        except RecursionError:
            raise _body_error(
                _("The value is nested deeper than %(depth)s levels.") % {"depth": _max_depth()}, "too_deep"
            ) from None
        except ValueError as invalid:
            raise _body_error(
                _("The body is not valid JSON: %(error)s") % {"error": invalid}, "parse_error"
            ) from None
        check_parsed(data, max_depth=_max_depth())
        return data

    @staticmethod
    def _refuse_constant(name: str) -> Any:
        # NaN and Infinity are not JSON; json.loads would accept them.
        raise ValueError(_("%(name)s is not a JSON value") % {"name": name})
