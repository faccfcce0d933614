"""The plain categories kept about a beneficiary: what statistics and routing need, never identifying alone.

Codes are stable (they end up in exports and funder reports); labels are translatable.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    NON_BINARY = "non_binary", _("Non-binary")
    NOT_STATED = "not_stated", _("Not stated")


class LegalStatus(models.TextChoices):
    ASYLUM_SEEKER = "asylum_seeker", _("Asylum seeker")
    REFUGEE = "refugee", _("Refugee (international protection)")
    SUBSIDIARY_PROTECTION = "subsidiary_protection", _("Subsidiary protection")
    TEMPORARY_PROTECTION = "temporary_protection", _("Temporary protection")
    TCN_WITH_PERMIT = "tcn_permit", _("Third-country national with residence permit")
    LONG_TERM_RESIDENT = "long_term_resident", _("Long-term resident")
    EU_CITIZEN = "eu_citizen", _("EU citizen")
    OTHER = "other", _("Other")


class Housing(models.TextChoices):
    OWN_OR_RENTED = "own_or_rented", _("Own or rented home")
    HOSTED = "hosted", _("Hosted by relatives or friends")
    HOUSING_PROGRAMME = "housing_programme", _("Housing programme (e.g. ESTIA)")
    RECEPTION_FACILITY = "reception_facility", _("Reception facility or camp")
    SHELTER = "shelter", _("Shelter")
    HOMELESS = "homeless", _("Homeless")
    OTHER = "other", _("Other")
    NOT_STATED = "not_stated", _("Not stated")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    UNEMPLOYED = "unemployed", _("Unemployed")
    LONG_TERM_UNEMPLOYED = "long_term_unemployed", _("Long-term unemployed (over 12 months)")
    INACTIVE = "inactive", _("Inactive (not looking for work)")
    IN_EDUCATION = "in_education", _("In education or training")
    NOT_STATED = "not_stated", _("Not stated")


class Education(models.TextChoices):
    """ISCED 2011 levels, as the ESF+ indicators group them."""

    ISCED_0 = "isced_0", _("No formal education or early childhood (ISCED 0)")
    ISCED_1 = "isced_1", _("Primary (ISCED 1)")
    ISCED_2 = "isced_2", _("Lower secondary (ISCED 2)")
    ISCED_3 = "isced_3", _("Upper secondary (ISCED 3)")
    ISCED_4 = "isced_4", _("Post-secondary non-tertiary (ISCED 4)")
    ISCED_5_8 = "isced_5_8", _("Tertiary (ISCED 5-8)")
    NOT_STATED = "not_stated", _("Not stated")


class Vulnerability(models.TextChoices):
    UNACCOMPANIED_MINOR = "unaccompanied_minor", _("Unaccompanied minor")
    SINGLE_PARENT = "single_parent", _("Single parent")
    PREGNANT = "pregnant", _("Pregnant")
    ELDERLY = "elderly", _("Elderly")
    SERIOUS_ILLNESS = "serious_illness", _("Serious or chronic illness")
    SURVIVOR_OF_VIOLENCE = "survivor_of_violence", _("Survivor of violence or torture")
    VICTIM_OF_TRAFFICKING = "victim_of_trafficking", _("Victim of trafficking")


class DocumentKind(models.TextChoices):
    AMKA = "amka", _("AMKA")
    AFM = "afm", _("AFM (tax number)")
    PAAYPA = "paaypa", _("PAAYPA")
    ASYLUM_CARD = "asylum_card", _("Asylum-applicant card")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    PASSPORT = "passport", _("Passport")


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    PENDING_RENEWAL = "pending_renewal", _("Renewal pending")
    LOST = "lost", _("Lost or stolen")


# ISO 639-1/-3 codes of the languages the centres meet most, with dialects where interpreters differ.
LANGUAGES: list[tuple[str, str]] = [
    ("ar", _("Arabic")),
    ("fa", _("Farsi (Persian)")),
    ("prs", _("Dari")),
    ("ps", _("Pashto")),
    ("ur", _("Urdu")),
    ("kmr", _("Kurdish (Kurmanji)")),
    ("ckb", _("Kurdish (Sorani)")),
    ("so", _("Somali")),
    ("ti", _("Tigrinya")),
    ("am", _("Amharic")),
    ("fr", _("French")),
    ("en", _("English")),
    ("ln", _("Lingala")),
    ("uk", _("Ukrainian")),
    ("ru", _("Russian")),
    ("tr", _("Turkish")),
    ("sq", _("Albanian")),
    ("ka", _("Georgian")),
    ("bn", _("Bengali")),
    ("pa", _("Punjabi")),
    ("sw", _("Swahili")),
    ("wo", _("Wolof")),
    ("es", _("Spanish")),
    ("zh", _("Chinese")),
    ("el", _("Greek")),
]
