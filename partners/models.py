"""The network's directory of partner organisations and the services they offer.

Shared by every centre and kept by managers (the pages are the referrals app's). It sits below
the registry: a person's referral consent names an organisation of this directory, and
referrals are sent to its services. It imports nothing of the project's other apps.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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


def name_order() -> str:
    """The name field to order by in the active language."""
    return "name_en" if (get_language() or "el").startswith("en") else "name_el"


class OrganisationQuerySet(models.QuerySet):
    def active_by_name(self) -> OrganisationQuerySet:
        """The organisations one may refer to or consent to be referred to, by name."""
        return self.filter(active=True).order_by(name_order(), "pk")


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

    objects = OrganisationQuerySet.as_manager()
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
