"""Filters the API's lists share (django-filter): each reads one query parameter and refuses a
value it cannot read with a 400 naming the parameter, rather than ignoring it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.filters import BooleanFilter


class YesNoField(forms.Field):
    """``1``, ``true`` or ``yes`` is yes; ``0``, ``false`` or ``no`` (or nothing) is no."""

    YES = frozenset({"1", "true", "yes"})
    NO = frozenset({"0", "false", "no"})
    default_error_messages = {"invalid": _("Answer true or false (or 1 and 0, yes and no).")}

    def to_python(self, value: Any) -> bool:
        text = "" if value is None else str(value).strip().lower()
        if text in self.YES:
            return True
        if text in self.NO or text == "":
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class YesNoFilter(BooleanFilter):
    """A yes/no parameter; left out, it is no. Give it a ``method``: a plain field filter would
    then also narrow the list when the parameter is left out. (django-filter's own boolean
    filter for DRF reads a value it does not know as "not given"; this one refuses it.)"""

    field_class = YesNoField


class IntegerFilter(filters.NumberFilter):
    """A whole number, such as an id (``NumberFilter`` alone would take ``1.5``). Name the model
    field (``centre``, not ``centre_id``): the schema then calls the parameter an integer."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Ids are 64-bit in the database: a larger number would overflow the query, not miss.
        kwargs.setdefault("min_value", -(2**63))
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
