"""Centres and the staff who work at them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from kem.choices import Education, Employment, Gender, Housing, LegalStatus


class Role(models.TextChoices):
    FRONT_DESK = "front_desk", _("Front desk")
    COUNSELLOR = "counsellor", _("Counsellor")
    TEACHER = "teacher", _("Teacher")
    MANAGER = "manager", _("Centre manager")
    ANALYST = "analyst", _("Network analyst")
    DPO = "dpo", _("Data protection officer")


class Discipline(models.TextChoices):
    SOCIAL = "social", _("Social work")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    LEGAL = "legal", _("Legal counselling")
    EMPLOYMENT = "employment", _("Employment counselling")


class Centre(models.Model):
    name_el = models.CharField(_("name (Greek)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    municipality = models.CharField(_("municipality"), max_length=120)
    address = models.CharField(_("address"), max_length=250, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        ordering = ["name_el"]
        # Object permissions, granted per centre through memberships (kem/roles.py).
        permissions = [
            ("work_at_centre", _("Work at the centre")),
            ("serve_beneficiaries", _("Register, find and refer beneficiaries")),
            ("keep_cases", _("Keep counselling cases")),
            ("teach_classes", _("Teach classes")),
            ("manage_centre", _("Manage the centre")),
            ("manage_staff", _("Manage the centre's staff")),
            ("view_statistics", _("View anonymised statistics")),
            ("review_access_log", _("Review the access log")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("centre-detail", kwargs={"pk": self.pk})

    @property
    def name(self) -> str:
        """The name in the active language, Greek when no English name is set."""
        if (get_language() or "el").startswith("en") and self.name_en:
            return self.name_en
        return self.name_el


class CentreUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key table: fast joins, unlike the generic object-id table."""

    content_object = models.ForeignKey(Centre, on_delete=models.CASCADE)


class CentreGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Centre, on_delete=models.CASCADE)


class MembershipQuerySet(models.QuerySet):
    def active(self) -> MembershipQuerySet:
        return self.filter(active=True, centre__active=True, user__is_active=True)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("centre")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    discipline = models.CharField(_("discipline"), max_length=20, choices=Discipline.choices, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["centre", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "centre", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.centre}"

    def clean(self) -> None:
        if self.role == Role.COUNSELLOR and not self.discipline:
            raise ValidationError(
                {"discipline": _("A counsellor needs a discipline.")}, code="discipline_required"
            )
        if self.role != Role.COUNSELLOR and self.discipline:
            raise ValidationError(
                {"discipline": _("Only counsellors have a discipline.")}, code="discipline_not_allowed"
            )


# --- Personal-data vault ----------------------------------------------------------------------
# The vault's own models (person keys, index keys, blind-index entries) live in kem/vault/models.py;
# importing them here registers them under the ``kem`` app label.
from kem.vault.blind import IdIndex, NameIndex, PhoneIndex  # noqa: E402
from kem.vault.fields import SealedCharField, SealedDateField, SealedJSONField, SealedTextField  # noqa: E402
from kem.vault.models import (  # noqa: E402, F401
    BlindIndexEntry,
    IndexKey,
    PersonKey,
    VaultPerson,
    VaultPersonManager,
    VaultPersonQuerySet,
)


class BeneficiaryQuerySet(VaultPersonQuerySet):
    def visible_to(self, user) -> BeneficiaryQuerySet:
        """People registered at a centre where ``user`` serves beneficiaries; merged records excluded.

        Every page and API of personal data starts here: another centre's person is then a 404.
        """
        from kem.permissions import visible_centres

        return self.filter(
            registering_centre__in=visible_centres(user, "serve_beneficiaries"), merged_into__isnull=True
        )


class BeneficiaryManager(VaultPersonManager.from_queryset(BeneficiaryQuerySet)):
    pass


class Beneficiary(VaultPerson):
    """A person the centre serves. Personal data is sealed with the person's own key; the plain
    fields are categories that statistics and routing need and that identify nobody on their own."""

    registering_centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="beneficiaries", verbose_name=_("registering centre")
    )
    # Sealed identity.
    given_name = SealedCharField(_("given name"), max_length=150)
    family_name = SealedCharField(_("family name"), max_length=150)
    given_name_latin = SealedCharField(_("given name (Latin script)"), max_length=150, blank=True)
    family_name_latin = SealedCharField(_("family name (Latin script)"), max_length=150, blank=True)
    father_name = SealedCharField(_("father's name"), max_length=150, blank=True, null=True)
    mother_name = SealedCharField(_("mother's name"), max_length=150, blank=True, null=True)
    phone = SealedCharField(_("phone"), max_length=40, blank=True)
    email = SealedCharField(_("e-mail"), max_length=254, blank=True, null=True)
    address = SealedTextField(_("address"), blank=True, null=True)
    date_of_birth = SealedDateField(_("date of birth"), null=True, blank=True)
    # [{"kind": "amka", "number": "...", "issued_on": "YYYY-MM-DD", "expires_on": ..., "status": "valid"}]
    documents = SealedJSONField(_("identity documents"), blank=True, null=True)
    # {kind: number} derived from ``documents`` by the service; the ID blind index reads it.
    id_numbers = SealedJSONField(_("ID numbers"), default=dict, blank=True)
    notes = SealedTextField(_("notes"), blank=True)
    # Plain categories.
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, default=Gender.NOT_STATED)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    nationality = CountryField(_("nationality"), blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    legal_status = models.CharField(_("legal status"), max_length=30, choices=LegalStatus.choices, blank=True)
    arrival_year = models.PositiveSmallIntegerField(_("year of arrival in Greece"), null=True, blank=True)
    municipality = models.CharField(_("municipality of residence"), max_length=120, blank=True)
    housing = models.CharField(
        _("housing situation"), max_length=30, choices=Housing.choices, default=Housing.NOT_STATED
    )
    employment = models.CharField(
        _("employment status"), max_length=30, choices=Employment.choices, default=Employment.NOT_STATED
    )
    education = models.CharField(
        _("education level (ISCED)"), max_length=12, choices=Education.choices, default=Education.NOT_STATED
    )
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)
    disability = models.BooleanField(_("has a disability"), default=False)
    # The earliest expiry among valid documents: reminders query it without opening anyone's data.
    next_document_expiry = models.DateField(_("next document expiry"), null=True, blank=True, editable=False)
    registration_date = models.DateField(_("registration date"), default=timezone.localdate)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_records", editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = BeneficiaryManager()
    history = HistoricalRecords()

    # A search re-checks its candidates by opening these fields in this order until the query is
    # confirmed: the family name first, as the front desk mostly searches by it.
    vault_indexes = (
        NameIndex("name", fields=("family_name", "given_name", "family_name_latin", "given_name_latin")),
        PhoneIndex("phone", fields=("phone",)),
        IdIndex("id", fields=("id_numbers",)),
    )

    class Meta:
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["registering_centre", "registration_date"], name="beneficiary_centre_reg"),
            models.Index(fields=["next_document_expiry"], name="beneficiary_doc_expiry"),
        ]

    def __str__(self) -> str:
        # Never the name: str() ends up in logs, admin messages and error reports.
        return f"{_('beneficiary')} {str(self.pk)[:8]}"

    def get_absolute_url(self) -> str:
        return reverse("beneficiary-detail", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        """The name as the person writes it, with the Latin form after it when they differ."""
        native = f"{self.given_name} {self.family_name}".strip()
        latin = f"{self.given_name_latin} {self.family_name_latin}".strip()
        return f"{native} ({latin})" if latin and latin.lower() != native.lower() else native


# Consent, households, duplicate decisions, merges and the access log (models of this app).
from kem.access_log import AccessEvent  # noqa: E402, F401
from kem.downloads import DownloadJob  # noqa: E402, F401
from kem.imports import ImportJob, ImportMapping  # noqa: E402, F401
from kem.people import Consent, DuplicateDecision, Household, HouseholdMember, MergeRecord  # noqa: E402, F401
