"""Referrals out to partner organisations and in from them; the signed links through which a
partner without an account answers. The directory of partners is the partners app.

A referral's reason, a manager's override reason and the partner's free-text answers are sealed
with the beneficiary's key; everything plain is a category, a date, a status or a link. Who may do
what is decided in ``referrals/policy.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kem.models import Beneficiary, Centre
from kem.vault.fields import SealedTextField
from kem.vault.models import SealedModel
from partners.models import Organisation, PartnerService, WorkingArea


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Within a week")
    URGENT = "urgent", _("Urgent")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The allowed moves; anything else is refused by the services.
TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralStatus.DRAFT: frozenset({ReferralStatus.SENT, ReferralStatus.WITHDRAWN}),
    ReferralStatus.SENT: frozenset(
        {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.WITHDRAWN}
    ),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.COMPLETED, ReferralStatus.WITHDRAWN}),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.COMPLETED: frozenset(),
    ReferralStatus.WITHDRAWN: frozenset(),
}

# Statuses still waiting for the partner (the follow-up task looks at these).
AWAITING_RESPONSE = (ReferralStatus.SENT,)


class ReferralQuerySet(models.QuerySet):
    def awaiting_response(self) -> ReferralQuerySet:
        return self.filter(status__in=AWAITING_RESPONSE)

    def overdue(self) -> ReferralQuerySet:
        return self.filter(overdue_since__isnull=False, status__in=AWAITING_RESPONSE)


class Referral(SealedModel):
    """A referral of a beneficiary from a centre to a partner's service."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("beneficiary")
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("centre")
    )
    service = models.ForeignKey(
        PartnerService, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("service")
    )
    reason = SealedTextField(_("reason"))
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    contact_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("contact person at the centre"),
    )
    consent = models.ForeignKey(
        "kem.Consent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("consent"),
    )
    override_reason = SealedTextField(_("why it was sent without consent"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent overridden by"),
    )
    decline_reason = SealedTextField(_("why it was declined"), blank=True)
    outcome_successful = models.BooleanField(_("successful"), null=True, blank=True)
    outcome_reason = SealedTextField(_("outcome"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ReferralQuerySet.as_manager()
    history = HistoricalRecords()

    vault_owner = "beneficiary"

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["centre", "status"], name="referral_centre_status"),
            models.Index(fields=["status", "follow_up_on"], name="referral_follow_up"),
            # Statistics (reports): the referrals a centre sent in a period.
            models.Index(fields=["centre", "sent_at"], name="referral_centre_sent"),
        ]

    def __str__(self) -> str:
        return f"{_('referral')} {str(self.pk)[:8]}"

    def get_absolute_url(self) -> str:
        return reverse("referral-detail", kwargs={"pk": self.pk})

    def may_move_to(self, status: str) -> bool:
        return status in TRANSITIONS[self.status]

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None and self.status in AWAITING_RESPONSE


class ReferralStep(models.Model):
    """One status change of a referral: who (a user, or the partner through the link) and when."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="steps", verbose_name=_("referral")
    )
    from_status = models.CharField(_("from"), max_length=12, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=ReferralStatus.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    by_partner = models.BooleanField(_("by the partner"), default=False)

    class Meta:
        verbose_name = _("referral step")
        verbose_name_plural = _("referral steps")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class PartnerLink(models.Model):
    """The signed link a partner answers a referral through. The token names this row; the row
    says whether the link still works (expiry, revocation)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="links", verbose_name=_("referral")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner link")
        verbose_name_plural = _("partner links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{_('partner link')} {str(self.pk)[:8]}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


def default_link_lifetime() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "KEM_PARTNER_LINK_DAYS", 30))


class IncomingStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("Being served")
    CLOSED = "closed", _("Closed")


class IncomingReferral(SealedModel):
    """A partner referred a person to the centre; recorded against the (found or new) beneficiary."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="incoming_referrals",
        verbose_name=_("beneficiary"),
    )
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", verbose_name=_("centre"))
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="referred_in",
        verbose_name=_("referring organisation"),
    )
    area = models.CharField(_("what for"), max_length=20, choices=WorkingArea.choices)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    notes = SealedTextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=IncomingStatus.choices, default=IncomingStatus.RECEIVED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    vault_owner = "beneficiary"

    class Meta:
        verbose_name = _("incoming referral")
        verbose_name_plural = _("incoming referrals")
        ordering = ["-received_on", "-created_at"]

    def __str__(self) -> str:
        return f"{_('incoming referral')} {str(self.pk)[:8]}"
