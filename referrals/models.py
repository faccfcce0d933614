"""Partner organisations and their services; referrals out to them and in from them; the signed
links through which a partner without an account answers.

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
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kem.models import Beneficiary, Centre
from kem.vault.fields import SealedTextField
from kem.vault.models import SealedModel


class WorkingArea(models.TextChoices):
    """The five working areas partners are grouped by (as Athens' coordination centre does)."""

    LEGAL = "legal", _("Legal support")
    HEALTH_SOCIAL = "health_social", _("Health and social services")
    HOUSING = "housing", _("Housing")
    EDUCATION = "education", _("Education")
    LABOUR = "labour", _("Labour market")


class ServiceCategory(models.TextChoices):
    LEGAL_AID = "legal_aid", _("Legal aid")
    ASYLUM_PROCEDURE = "asylum_procedure", _("Asylum procedure")
    DOCUMENTS = "documents", _("Documents and residence permits")
    CLINIC = "clinic", _("Clinic")
    PHARMACY = "pharmacy", _("Pharmacy")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    SOCIAL_GROCERY = "social_grocery", _("Social grocery")
    SOCIAL_SERVICES = "social_services", _("Social services")
    CHILD_PROTECTION = "child_protection", _("Child protection")
    SHELTER = "shelter", _("Shelter")
    RENT_SUBSIDY = "rent_subsidy", _("Rent subsidy")
    HOUSING_PROGRAMME = "housing_programme", _("Housing programme")
    LANGUAGE_CLASSES = "language_classes", _("Language classes")
    SCHOOL = "school", _("School enrolment")
    VOCATIONAL_TRAINING = "vocational_training", _("Vocational training")
    JOB_PLACEMENT = "job_placement", _("Job placement")
    UNEMPLOYMENT_REGISTRATION = "unemployment_registration", _("Unemployment registration")
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship")


CATEGORY_AREA: dict[str, str] = {
    ServiceCategory.LEGAL_AID: WorkingArea.LEGAL,
    ServiceCategory.ASYLUM_PROCEDURE: WorkingArea.LEGAL,
    ServiceCategory.DOCUMENTS: WorkingArea.LEGAL,
    ServiceCategory.CLINIC: WorkingArea.HEALTH_SOCIAL,
    ServiceCategory.PHARMACY: WorkingArea.HEALTH_SOCIAL,
    ServiceCategory.MENTAL_HEALTH: WorkingArea.HEALTH_SOCIAL,
    ServiceCategory.SOCIAL_GROCERY: WorkingArea.HEALTH_SOCIAL,
    ServiceCategory.SOCIAL_SERVICES: WorkingArea.HEALTH_SOCIAL,
    ServiceCategory.CHILD_PROTECTION: WorkingArea.HEALTH_SOCIAL,
    ServiceCategory.SHELTER: WorkingArea.HOUSING,
    ServiceCategory.RENT_SUBSIDY: WorkingArea.HOUSING,
    ServiceCategory.HOUSING_PROGRAMME: WorkingArea.HOUSING,
    ServiceCategory.LANGUAGE_CLASSES: WorkingArea.EDUCATION,
    ServiceCategory.SCHOOL: WorkingArea.EDUCATION,
    ServiceCategory.VOCATIONAL_TRAINING: WorkingArea.EDUCATION,
    ServiceCategory.JOB_PLACEMENT: WorkingArea.LABOUR,
    ServiceCategory.UNEMPLOYMENT_REGISTRATION: WorkingArea.LABOUR,
    ServiceCategory.ENTREPRENEURSHIP: WorkingArea.LABOUR,
}


class OrganisationType(models.TextChoices):
    INTERNATIONAL = "international", _("International organisation")
    NGO = "ngo", _("NGO")
    PUBLIC = "public", _("Public service")
    MUNICIPAL = "municipal", _("Municipal service")


def _localised(el: str, en: str) -> str:
    return en if (get_language() or "el").startswith("en") else el


class Organisation(models.Model):
    """A partner of the network's directory (shared by every centre; managers keep it)."""

    name_el = models.CharField(_("name (Greek)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=OrganisationType.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    area_served = models.CharField(_("area served"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)  # ISO 639 codes
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name_el"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organisation-detail", kwargs={"pk": self.pk})

    @property
    def name(self) -> str:
        return _localised(self.name_el, self.name_en)


class PartnerService(models.Model):
    """A service an organisation offers, in one category (and so one working area)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services", verbose_name=_("organisation")
    )
    name_el = models.CharField(_("name (Greek)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    category = models.CharField(_("category"), max_length=30, choices=ServiceCategory.choices)
    area = models.CharField(_("working area"), max_length=20, choices=WorkingArea.choices, editable=False)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner service")
        verbose_name_plural = _("partner services")
        ordering = ["organisation__name_el", "name_el"]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.name}"

    def save(self, *args, **kwargs) -> None:
        self.area = CATEGORY_AREA[self.category]
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return _localised(self.name_el, self.name_en)


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
