"""Reads of incoming referrals, their entries on the profile timeline and the profile button
(registered on import: ``referrals.apps`` imports this module).

Incoming referrals are the centre's: another centre's is a 404, a role of the centre that does not
serve people (teacher, analyst, DPO) a 403.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from kem.models import Beneficiary, Centre
from kem.permissions import access_for
from kem.selectors.timeline import ProfileAction, TimelineEntry
from partners.models import Organisation
from referrals.models import IncomingReferral, IncomingStatus
from referrals.policy import may_record_incoming


def incoming_centres(user: Any) -> QuerySet[Centre]:
    """Centres where ``user`` records incoming referrals."""
    ids = [pk for pk in access_for(user).centre_ids if may_record_incoming(user, pk)]
    return Centre.objects.filter(pk__in=ids).order_by("name_el")


def incoming_referral_for(user: Any, pk: Any) -> IncomingReferral:
    """An incoming referral of the user's centre: 404 another centre's (or an unknown id), 403 for
    a role there that does not record them."""
    try:
        incoming = IncomingReferral.objects.select_related(
            "beneficiary__person_key", "beneficiary__registering_centre", "centre", "organisation"
        ).get(pk=pk)
    except (IncomingReferral.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    if incoming.centre_id not in access_for(user).centre_ids:
        raise Http404
    if not may_record_incoming(user, incoming.centre_id):
        raise PermissionDenied
    return incoming


@dataclass(frozen=True)
class IncomingFilters:
    """What the list is narrowed to; every part is optional (dates inclusive)."""

    centre: Centre | None = None
    status: str = ""
    area: str = ""
    organisation: Organisation | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def incoming_referral_list(
    *, user: Any, filters: IncomingFilters | None = None
) -> QuerySet[IncomingReferral]:
    """Incoming referrals of the centres where the user records them, newest first, with what a
    row shows (person and key, organisation, centre) joined: no per-row queries."""
    filters = filters or IncomingFilters()
    rows = IncomingReferral.objects.filter(centre__in=incoming_centres(user))
    if filters.centre is not None:
        rows = rows.filter(centre=filters.centre)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.area:
        rows = rows.filter(area=filters.area)
    if filters.organisation is not None:
        rows = rows.filter(organisation=filters.organisation)
    if filters.date_from:
        rows = rows.filter(received_on__gte=filters.date_from)
    if filters.date_to:
        rows = rows.filter(received_on__lte=filters.date_to)
    return rows.select_related("beneficiary__person_key", "organisation", "centre").order_by(
        "-received_on", "-created_at", "-pk"
    )


# --- the profile -------------------------------------------------------------------------------


def incoming_actions(beneficiary: Any, user: Any) -> list[ProfileAction]:
    """The button to record an incoming referral, for those who record them at the person's centre."""
    if not may_record_incoming(user, beneficiary.registering_centre_id):
        return []
    url = reverse("incoming-referral-new", args=[beneficiary.pk])
    return [ProfileAction("incoming-referral", _("Record an incoming referral"), url)]


def incoming_referral_timeline(beneficiary: Beneficiary, user: Any) -> list[TimelineEntry]:
    """Who referred the person in and for what, then each later status, at the centres where the
    user records incoming referrals; never the sealed notes. Two queries (the referrals, their history)."""
    centres = [pk for pk in access_for(user).centre_ids if may_record_incoming(user, pk)]
    if not centres:
        return []
    referrals = {
        r.pk: r
        for r in IncomingReferral.objects.filter(
            beneficiary=beneficiary, centre_id__in=centres
        ).select_related("organisation", "recorded_by")
    }
    if not referrals:
        return []
    entries = [
        TimelineEntry(
            at=r.created_at,
            kind="referrals.incoming_referral.recorded",
            title=_("Referred to the centre by %(organisation)s for %(area)s")
            % {"organisation": r.organisation.name, "area": r.get_area_display()},
            actor=r.recorded_by.get_username(),
            url=reverse("incoming-referral-edit", args=[r.pk]),
        )
        for r in referrals.values()
    ]
    return entries + _status_entries(referrals)


def _status_entries(referrals: dict[Any, IncomingReferral]) -> list[TimelineEntry]:
    rows = (
        IncomingReferral.history.filter(id__in=list(referrals))
        .exclude(status=IncomingStatus.RECEIVED)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    titles = {
        IncomingStatus.IN_PROGRESS: _("Incoming referral from %(organisation)s: being served"),
        IncomingStatus.CLOSED: _("Incoming referral from %(organisation)s: closed"),
    }
    last: dict[Any, str] = {}
    entries = []
    for row in rows:
        if last.get(row.id) == row.status or row.status not in titles:
            continue
        last[row.id] = row.status
        referral = referrals[row.id]
        entries.append(
            TimelineEntry(
                at=row.history_date,
                kind=f"referrals.incoming_referral.{row.status}",
                title=titles[row.status] % {"organisation": referral.organisation.name},
                actor=row.history_user.get_username() if row.history_user else "",
                url=reverse("incoming-referral-edit", args=[referral.pk]),
            )
        )
    return entries
