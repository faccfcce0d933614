"""Outgoing referrals: drafting, sending (with the consent rule), withdrawing, and recording the
answer and outcome of a partner who phones instead of using the link.

Every status change goes through ``referral_transition`` (the one place that checks
``TRANSITIONS`` and records the step). Whoever calls these, the user must refer at the referral's
centre (``referrals/policy.py``). Sending needs a valid referral consent of the person for the
service's organisation on the day; only the centre's manager sends without one, with a written
reason that is sealed, kept in the history and traced in the access log.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kem.models import Beneficiary, Centre, Consent, Membership
from kem.services.access_log import access_record, role_at
from kem.services.records import record_save
from partners.models import PartnerService
from referrals.models import Referral, ReferralStatus, Urgency
from referrals.policy import may_override_consent, may_refer
from referrals.services.transitions import referral_transition

if TYPE_CHECKING:
    from django.contrib.auth.models import User

OVERRIDE_ACTION = "referrals.referral.consent_overridden"


def _require_referrer(by: User, centre_id: int) -> None:
    if not may_refer(by, centre_id):
        raise PermissionDenied


def _locked(referral: Referral) -> Referral:
    locked: Referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("beneficiary__person_key", "service__organisation", "centre")
        .get(pk=referral.pk)
    )
    return locked


def _draft_errors(
    *,
    beneficiary: Beneficiary,
    centre: Centre,
    service: PartnerService,
    reason: str,
    urgency: str,
    follow_up_on: dt.date | None,
    contact_person: Any,
) -> dict[str, ValidationError]:
    errors: dict[str, ValidationError] = {}
    if beneficiary.registering_centre_id != centre.pk:
        errors["beneficiary"] = ValidationError(
            _("This person is registered at another centre."), code="beneficiary_elsewhere"
        )
    if not (service.active and service.organisation.active):
        errors["service"] = ValidationError(
            _("This service is no longer offered; choose another."), code="service_inactive"
        )
    if not reason.strip():
        errors["reason"] = ValidationError(
            _("Say why the person is referred: the partner's staff will ask."), code="reason_required"
        )
    if urgency not in Urgency.values:
        errors["urgency"] = ValidationError(_("Choose the urgency from the list."), code="urgency_unknown")
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        errors["follow_up_on"] = ValidationError(
            _("Choose a follow-up date from today on."), code="follow_up_in_past"
        )
    if not Membership.objects.active().filter(user=contact_person, centre=centre).exists():
        errors["contact_person"] = ValidationError(
            _("The contact person must work at this centre."), code="contact_elsewhere"
        )
    return errors


@transaction.atomic
def referral_create(
    *,
    beneficiary: Beneficiary,
    centre: Centre,
    service: PartnerService,
    reason: str,
    urgency: str = Urgency.ROUTINE,
    follow_up_on: dt.date | None = None,
    contact_person: Any,
    by: User,
) -> Referral:
    """Draft a referral of a person of ``centre`` to an active partner service.

    The reason is sealed with the person's key; the contact person is staff of the centre (the
    partner calls them). Nothing is sent until ``referral_send``.
    """
    _require_referrer(by, centre.pk)
    errors = _draft_errors(
        beneficiary=beneficiary,
        centre=centre,
        service=service,
        reason=reason or "",
        urgency=urgency,
        follow_up_on=follow_up_on,
        contact_person=contact_person,
    )
    if errors:
        raise ValidationError(errors)
    referral = Referral(
        beneficiary=beneficiary,
        centre=centre,
        service=service,
        urgency=urgency,
        follow_up_on=follow_up_on,
        contact_person=contact_person,
        created_by=by,
    )
    referral.reason = reason.strip()
    record_save(referral, by=by)
    return referral


@transaction.atomic
def referral_update(
    *,
    referral: Referral,
    service: PartnerService,
    reason: str,
    urgency: str,
    follow_up_on: dt.date | None,
    contact_person: Any,
    by: User,
) -> Referral:
    """Change a draft (service, reason, urgency, follow-up date, contact person); once sent, the
    partner has what was sent and the referral is no longer edited."""
    _require_referrer(by, referral.centre_id)
    referral = _locked(referral)
    if referral.status != ReferralStatus.DRAFT:
        raise ValidationError(_("Only a draft referral can be changed."), code="not_a_draft")
    errors = _draft_errors(
        beneficiary=referral.beneficiary,
        centre=referral.centre,
        service=service,
        reason=reason or "",
        urgency=urgency,
        follow_up_on=follow_up_on,
        contact_person=contact_person,
    )
    if errors:
        raise ValidationError(errors)
    referral.service = service
    referral.reason = reason.strip()
    referral.urgency = urgency
    referral.follow_up_on = follow_up_on
    referral.contact_person = contact_person
    record_save(referral, by=by)
    return referral


def referral_consent(*, referral: Referral, on: dt.date | None = None) -> Consent | None:
    """The person's valid referral consent for the referral's organisation on ``on`` (today)."""
    from referrals.selectors.directory import referral_consent_for

    return referral_consent_for(
        beneficiary=referral.beneficiary,
        organisation=referral.service.organisation,
        on=on or timezone.localdate(),
    )


@transaction.atomic
def referral_send(*, referral: Referral, by: User, override_reason: str = "") -> Referral:
    """Send a draft to the partner: the consent it rests on is stored with it, the referral
    becomes sent and the partner gets its signed link by e-mail.

    Without a valid consent for the organisation it is refused (code ``consent_missing``), unless
    the centre's manager gives a written ``override_reason``: then the reason is sealed, the
    manager is named in ``override_by`` and the override is traced in the access log.
    """
    _require_referrer(by, referral.centre_id)
    referral = _locked(referral)
    if referral.status != ReferralStatus.DRAFT:
        raise ValidationError(_("Only a draft referral can be sent."), code="not_a_draft")
    consent = referral_consent(referral=referral)
    override_reason = (override_reason or "").strip()
    fields: dict[str, Any] = {"consent": consent}
    if consent is None:
        _check_override(referral=referral, by=by, override_reason=override_reason)
        fields.update(override_reason=override_reason, override_by=by)
    referral = referral_transition(referral=referral, to_status=ReferralStatus.SENT, by=by, **fields)
    if consent is None:
        access_record(
            user=by,
            action=OVERRIDE_ACTION,
            subject=referral.beneficiary,
            fields=["referral.override_reason"],
            centre=referral.centre,
            role=role_at(by, referral.centre_id),
        )
    from referrals.services.links import partner_link_send

    partner_link_send(referral=referral, by=by)
    return referral


def _check_override(*, referral: Referral, by: User, override_reason: str) -> None:
    organisation = referral.service.organisation.name
    if not may_override_consent(by, referral.centre_id):
        raise ValidationError(
            _(
                "The person has not given a valid consent to be referred to %(organisation)s. "
                "Record their consent first; only the centre's manager may send without it."
            )
            % {"organisation": organisation},
            code="consent_missing",
        )
    if not override_reason:
        raise ValidationError(
            {
                "override_reason": ValidationError(
                    _(
                        "The person has not given a valid consent to be referred to %(organisation)s. "
                        "To send it anyway, write why."
                    )
                    % {"organisation": organisation},
                    code="consent_missing",
                )
            }
        )


@transaction.atomic
def referral_withdraw(*, referral: Referral, by: User) -> Referral:
    """Withdraw a draft, sent or accepted referral (the person no longer needs it, or it was a
    mistake); a declined or completed one stays as it ended."""
    _require_referrer(by, referral.centre_id)
    withdrawn = referral_transition(referral=referral, to_status=ReferralStatus.WITHDRAWN, by=by)
    # The partner must not go on seeing a referral the centre took back: its links stop working.
    for link in referral.links.filter(revoked_at__isnull=True):  # one live link, as a rule
        link.revoked_at, link.revoked_by = timezone.now(), by
        record_save(link, by=by, update_fields=["revoked_at", "revoked_by"], validate=False)
    return withdrawn


@transaction.atomic
def referral_record_answer(
    *, referral: Referral, accepted: bool, decline_reason: str = "", by: User
) -> Referral:
    """Record the partner's answer given by phone: accepted, or declined with the partner's reason
    (sealed)."""
    _require_referrer(by, referral.centre_id)
    if accepted:
        return referral_transition(referral=referral, to_status=ReferralStatus.ACCEPTED, by=by)
    decline_reason = (decline_reason or "").strip()
    if not decline_reason and referral.may_move_to(ReferralStatus.DECLINED):
        raise ValidationError(
            {
                "decline_reason": ValidationError(
                    _("Write why the partner declined."), code="decline_reason_required"
                )
            }
        )
    return referral_transition(
        referral=referral, to_status=ReferralStatus.DECLINED, by=by, decline_reason=decline_reason
    )


@transaction.atomic
def referral_record_outcome(*, referral: Referral, successful: bool, reason: str, by: User) -> Referral:
    """Record how an accepted referral ended, as the partner told it: successful or not, and why
    (sealed)."""
    _require_referrer(by, referral.centre_id)
    reason = (reason or "").strip()
    if not reason and referral.may_move_to(ReferralStatus.COMPLETED):
        raise ValidationError(
            {"reason": ValidationError(_("Write how it went."), code="outcome_reason_required")}
        )
    return referral_transition(
        referral=referral,
        to_status=ReferralStatus.COMPLETED,
        by=by,
        outcome_successful=successful,
        outcome_reason=reason,
    )
