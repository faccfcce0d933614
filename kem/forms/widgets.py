"""Widgets the forms of every app share."""

from __future__ import annotations

from typing import Any

from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. ``type="date"`` reads and writes ISO dates (YYYY-MM-DD) whatever
    the page's language, so the value is rendered in that form, not in the locale's format."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = "%Y-%m-%d") -> None:
        super().__init__(attrs=attrs, format=format)
