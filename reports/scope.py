"""Who may see statistics of which centres, and the scope (centres and period) of one report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kem.models import Centre
from kem.permissions import CentrePerm, visible_centres
from reports.types import Scope

# The longest period one report may cover: longer ones are slow and nobody publishes them.
MAX_YEARS = 5


def statistics_centres(user: Any) -> QuerySet[Centre]:
    """Active centres where ``user`` holds ``kem.view_statistics`` (managers and network analysts)."""
    return visible_centres(user, CentrePerm.VIEW_STATISTICS).order_by("name_el", "pk")


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def scope_for(user: Any, *, centre_ids: list[int] | None, start: dt.date, end: dt.date) -> Scope:
    """The scope of a report ``user`` asks for: ``centre_ids`` (None = every centre of
    :func:`statistics_centres`) over ``start``..``end`` (both included).

    Raises PermissionDenied for a centre outside the user's statistics centres (or when they have
    none), ValidationError (codes ``period_reversed``, ``period_too_long``) for a bad period.
    """
    if start > end:
        raise ValidationError(_("The period ends before it starts."), code="period_reversed")
    if end >= _years_later(start, MAX_YEARS):
        raise ValidationError(
            _("A report covers at most %(years)d years.") % {"years": MAX_YEARS}, code="period_too_long"
        )
    allowed = set(statistics_centres(user).values_list("pk", flat=True))
    if centre_ids is None:
        wanted = allowed
    else:
        try:
            wanted = {int(pk) for pk in centre_ids}
        except (TypeError, ValueError):
            raise PermissionDenied from None
    if not wanted or not wanted <= allowed:
        raise PermissionDenied
    return Scope(centre_ids=tuple(sorted(wanted)), start=start, end=end)
