"""The OpenAPI schema's view of errors: every operation documents the errors it can answer.

drf-spectacular documents the success responses each view declares; the errors come from DRF
itself (authentication, permissions, a missing object, an invalid page, a bad body) and are the
same for every operation, so they are added here rather than on each view:

- 401 and 403 everywhere (every operation needs a logged-in caller, and a role for it);
- 404 where the path names an object, and on paginated lists (a page past the end);
- 400 where the operation reads a body or query parameters;
- 415 where it reads a body (a media type the parsers do not take).

A 400 is an object of field names (``body`` for the body as a whole, ``non_field_errors`` for
the rest) to lists of messages; the others are ``{"detail": "..."}``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular import openapi
from drf_spectacular.drainage import has_override
from drf_spectacular.plumbing import append_meta
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


def validation_error() -> dict[str, Any]:
    return {
        "type": "object",
        "description": str(_("Each invalid field (or body, or non_field_errors) with its messages.")),
        "additionalProperties": {},
    }


DETAIL_ERRORS = {
    "401": _("Not authenticated: log in or send a valid token."),
    "403": _("Not allowed for your role or centre."),
    "404": _("Not found, or not visible to you (or a page past the end)."),
    "415": _("The body's media type is not accepted."),
}


# Times of day are local wall-clock times ("14:00:00"), without the UTC offset that the OpenAPI
# "time" format (RFC 3339's full-time) requires.
LOCAL_TIME: dict[str, Any] = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
    "example": "14:00:00",
}


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field: Any, direction: Any, bypass_extensions: bool = False) -> Any:
        if isinstance(field, serializers.TimeField) and not has_override(field, "field"):
            return append_meta(dict(LOCAL_TIME), self._get_serializer_field_meta(field, direction))
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        # Errors a view declared without a body get one too.
        bare = {code for code, response in responses.items() if code >= "400" and "content" not in response}
        for code in sorted(set(self._error_codes(operation)) | bare):
            if code == "400":
                error: Any = OpenApiResponse(
                    response=validation_error(), description=str(_("Invalid input."))
                )
            else:
                description = str(DETAIL_ERRORS.get(code, ""))
                error = OpenApiResponse(response=ErrorSerializer, description=description)
            documented = responses.get(code)
            if documented is None or "content" not in documented:
                responses[code] = self._get_response_for_code(error, code)
                if documented and documented.get("description"):
                    responses[code]["description"] = documented["description"]
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_codes(self, operation: dict[str, Any]) -> list[str]:
        has_body = "requestBody" in operation
        has_path_object = any(p.get("in") == "path" for p in operation.get("parameters", []))
        has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
        paginated = any(p.get("name") == "page" for p in operation.get("parameters", []))
        codes = ["401", "403"]
        if has_body or has_query:
            codes.append("400")
        if has_path_object or paginated:
            codes.append("404")
        if has_body:
            codes.append("415")
        return codes
