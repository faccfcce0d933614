"""Incoming referrals: a partner referred a person to the centre (for Greek classes, counselling…).

The officer finds or registers the person first, then records the referral against them. It moves
received → being served → closed, forward only (a referral may be closed without being served).
Its notes are sealed with the person's key; every write keeps history with the acting user and
checks, whoever calls it, that the user may record incoming referrals at that centre.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kem.models import Beneficiary, Centre
from kem.services.records import record_save
from partners.models import Organisation
from referrals.models import IncomingReferral, IncomingStatus
from referrals.policy import may_record_incoming

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# The order of the statuses: a referral only moves forward.
STATUS_ORDER: list[str] = [IncomingStatus.RECEIVED, IncomingStatus.IN_PROGRESS, IncomingStatus.CLOSED]


def _require_recorder(by: User, centre_id: int) -> None:
    if not may_record_incoming(by, centre_id):
        raise PermissionDenied


def _errors(
    *, organisation: Organisation, received_on: dt.date, new_organisation: bool
) -> dict[str, ValidationError]:
    errors: dict[str, ValidationError] = {}
    if new_organisation and not organisation.active:
        errors["organisation"] = ValidationError(
            _("This organisation is no longer in the directory; choose another."),
            code="organisation_inactive",
        )
    if received_on and received_on > timezone.localdate():
        errors["received_on"] = ValidationError(_("This date is in the future."), code="date_in_future")
    return errors


@transaction.atomic
def incoming_referral_record(
    *,
    beneficiary: Beneficiary,
    centre: Centre,
    organisation: Organisation,
    area: str,
    received_on: dt.date,
    notes: str = "",
    by: User,
) -> IncomingReferral:
    """Record that ``organisation`` referred ``beneficiary`` (registered at ``centre``) to the
    centre for ``area``, on ``received_on`` (not in the future); status "received"."""
    _require_recorder(by, centre.pk)
    errors = _errors(organisation=organisation, received_on=received_on, new_organisation=True)
    if beneficiary.registering_centre_id != centre.pk:
        errors["beneficiary"] = ValidationError(
            _("This person is registered at another centre."), code="beneficiary_elsewhere"
        )
    if errors:
        raise ValidationError(errors)
    incoming = IncomingReferral(
        beneficiary=beneficiary,
        centre=centre,
        organisation=organisation,
        area=area,
        received_on=received_on,
        recorded_by=by,
    )
    incoming.notes = (notes or "").strip()
    record_save(incoming, by=by)
    return incoming


@transaction.atomic
def incoming_referral_update(
    *,
    incoming: IncomingReferral,
    organisation: Organisation,
    area: str,
    received_on: dt.date,
    notes: str = "",
    status: str,
    by: User,
) -> IncomingReferral:
    """Correct an incoming referral or move it forward (received → being served → closed); a
    status never moves back. A partner since deactivated may stay, but not be newly chosen."""
    _require_recorder(by, incoming.centre_id)
    incoming = (
        IncomingReferral.objects.select_for_update(of=("self",))
        .select_related("beneficiary__person_key")
        .get(pk=incoming.pk)
    )
    errors = _errors(
        organisation=organisation,
        received_on=received_on,
        new_organisation=organisation.pk != incoming.organisation_id,
    )
    if status in STATUS_ORDER and STATUS_ORDER.index(status) < STATUS_ORDER.index(incoming.status):
        errors["status"] = ValidationError(
            _("The status cannot move back from “%(status)s”.") % {"status": incoming.get_status_display()},
            code="status_backwards",
        )
    if errors:
        raise ValidationError(errors)
    incoming.organisation, incoming.area = organisation, area
    incoming.received_on, incoming.status = received_on, status
    incoming.notes = (notes or "").strip()
    record_save(incoming, by=by)
    return incoming
