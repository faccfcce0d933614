"""One translation of a service's ValidationError into the API's 400, shared by every viewset."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail


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
