"""What surrounds a beneficiary record: consent, households, duplicate decisions and merges.

These models hold no sealed values of their own (the partner's name in a consent is the partner's,
not the person's), so they keep ordinary integer keys; their history is kept like every write.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class ConsentPurpose(models.TextChoices):
    DATA_PROCESSING = "data_processing", _("Processing of personal data")
    REFERRAL = "referral", _("Referral to a partner organisation")
    SMS_CONTACT = "sms_contact", _("Contact by SMS")
    PHOTOS = "photos", _("Photos")


class ConsentMethod(models.TextChoices):
    SIGNED_FORM = "signed_form", _("Signed form")
    VERBAL_WITH_INTERPRETER = "verbal_interpreter", _("Verbal, through an interpreter")
    VERBAL = "verbal", _("Verbal")


class ConsentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A consent expiring within this many days is shown as expiring (profile, front-desk home page).
EXPIRING_WITHIN_DAYS = 30


class ConsentQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date) -> ConsentQuerySet:
        return self.filter(given_on__lte=day, withdrawn_on__isnull=True).filter(
            models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=day)
        )

    def expiring_within(self, days: int, *, today: dt.date | None = None) -> ConsentQuerySet:
        today = today or timezone.localdate()
        return self.valid_on(today).filter(expires_on__lte=today + dt.timedelta(days=days))


class Consent(models.Model):
    beneficiary = models.ForeignKey(
        "kem.Beneficiary", on_delete=models.CASCADE, related_name="consents", verbose_name=_("beneficiary")
    )
    purpose = models.CharField(_("purpose"), max_length=30, choices=ConsentPurpose.choices)
    partner = models.CharField(
        _("partner organisation"),
        max_length=200,
        blank=True,
        help_text=_("For a referral consent: the organisation the person agreed to be referred to."),
    )
    # For a referral consent, the directory's organisation (the text above stays for partners
    # outside the directory and for consents recorded before it existed).
    organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
        verbose_name=_("partner organisation (directory)"),
    )
    given_on = models.DateField(_("given on"), default=timezone.localdate)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    method = models.CharField(_("how it was given"), max_length=30, choices=ConsentMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = ConsentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.given_on:%d/%m/%Y})"

    def clean(self) -> None:
        errors = {}
        today = timezone.localdate()
        if self.given_on and self.given_on > today:
            errors["given_on"] = ValidationError(_("This date is in the future."), code="date_in_future")
        if self.expires_on and self.given_on and self.expires_on <= self.given_on:
            errors["expires_on"] = ValidationError(
                _("A consent must expire after it was given."), code="expiry_before_given"
            )
        if self.withdrawn_on and self.given_on and self.withdrawn_on < self.given_on:
            errors["withdrawn_on"] = ValidationError(
                _("A consent cannot be withdrawn before it was given."), code="withdrawn_before_given"
            )
        if self.purpose == ConsentPurpose.REFERRAL and not self.partner.strip():
            errors["partner"] = ValidationError(
                _("Name the partner organisation this referral consent is for."), code="partner_required"
            )
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return (
            self.given_on <= day
            and self.withdrawn_on is None
            and (self.expires_on is None or self.expires_on >= day)
        )

    def status_on(self, day: dt.date | None = None) -> ConsentStatus:
        """Withdrawn, expired, expiring within ``EXPIRING_WITHIN_DAYS`` days, or valid."""
        day = day or timezone.localdate()
        if self.withdrawn_on is not None and self.withdrawn_on <= day:
            return ConsentStatus.WITHDRAWN
        if self.expires_on is not None and self.expires_on < day:
            return ConsentStatus.EXPIRED
        if self.expires_on is not None and self.expires_on <= day + dt.timedelta(days=EXPIRING_WITHIN_DAYS):
            return ConsentStatus.EXPIRING
        return ConsentStatus.VALID

    @property
    def status(self) -> ConsentStatus:
        return self.status_on()


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    OTHER = "other", _("Other")


class Household(models.Model):
    centre = models.ForeignKey(
        "kem.Centre", on_delete=models.PROTECT, related_name="households", verbose_name=_("centre")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{_('household')} {self.pk}"


class HouseholdMember(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    # A person belongs to one household at a time.
    beneficiary = models.OneToOneField(
        "kem.Beneficiary", on_delete=models.CASCADE, related_name="household_membership"
    )
    relationship = models.CharField(
        _("relationship to the head"), max_length=20, choices=Relationship.choices
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(relationship="head"),
                name="household_one_head",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.get_relationship_display()}"


class DuplicateDecision(models.Model):
    """An officer's answer to 'is this the same person?' when registering, kept for audit."""

    class Decision(models.TextChoices):
        DIFFERENT = "different", _("A different person")
        SAME = "same", _("The same person")

    beneficiary = models.ForeignKey("kem.Beneficiary", on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey("kem.Beneficiary", on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        verbose_name = _("duplicate decision")
        verbose_name_plural = _("duplicate decisions")

    def __str__(self) -> str:
        return self.get_decision_display()


class MergeRecord(models.Model):
    """Two records of one person became one: the survivor keeps everything of the merged record."""

    survivor = models.ForeignKey("kem.Beneficiary", on_delete=models.PROTECT, related_name="merges")
    merged_id = models.UUIDField(_("merged record"))
    # Counts only (what moved, what was combined): a bare duplicate moves nothing, so {} is valid.
    moved = models.JSONField(_("what moved"), default=dict, blank=True)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(_("merged"), auto_now_add=True)

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"
