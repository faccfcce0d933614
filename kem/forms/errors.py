"""Putting a service's ValidationError onto the form the user is looking at."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, invalid: ValidationError) -> None:
    """Put a service's validation errors next to their fields (on top when not on the form)."""
    if not hasattr(invalid, "error_dict"):
        form.add_error(None, invalid)
        return
    for name, errors in invalid.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)
