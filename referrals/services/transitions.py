"""The one way a referral changes status: checked against ``TRANSITIONS``, stamped, and recorded
as a ``ReferralStep`` (who — a user or the partner through the link — and when)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kem.services.records import record_save
from referrals.models import Referral, ReferralStatus, ReferralStep

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def referral_transition(
    *, referral: Referral, to_status: str, by: User | None = None, by_partner: bool = False, **fields: Any
) -> Referral:
    """Move ``referral`` to ``to_status``, setting ``fields`` (e.g. ``decline_reason``) with it.

    The row is locked first, so a partner's answer and a colleague's withdrawal cannot both win.
    Refused moves raise ``ValidationError`` (code ``transition_not_allowed``) naming both states.
    """
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if not locked.may_move_to(to_status):
        raise ValidationError(
            _("A referral that is %(current)s cannot become %(next)s."),
            code="transition_not_allowed",
            params={
                "current": ReferralStatus(locked.status).label.lower(),
                "next": ReferralStatus(to_status).label.lower(),
            },
        )
    now = timezone.now()
    from_status = referral.status = locked.status
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.status = to_status
    if to_status == ReferralStatus.SENT:
        referral.sent_at = now
    elif to_status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED):
        referral.responded_at = now
    elif to_status == ReferralStatus.COMPLETED:
        referral.completed_at = now
    if to_status != ReferralStatus.SENT:
        referral.overdue_since = None
    record_save(referral, by=by, exclude=["consent", "service", "beneficiary", "centre"])
    ReferralStep.objects.create(
        referral=referral, from_status=from_status, to_status=to_status, at=now, by=by, by_partner=by_partner
    )
    return referral
