"""The beneficiary: a person the centre serves, with sealed personal data and plain categories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from kem.choices import Education, Employment, Gender, Housing, LegalStatus
from kem.models.centres import Centre
from kem.models.facts import write_facts
from kem.vault.blind import IdIndex, NameIndex, PhoneIndex
from kem.vault.fields import (
    SealedBooleanField,
    SealedCharField,
    SealedDateField,
    SealedJSONField,
    SealedTextField,
    sealed_value_changed,
)
from kem.vault.models import VaultPerson, VaultPersonManager, VaultPersonQuerySet


class BeneficiaryQuerySet(VaultPersonQuerySet):
    def at_centres(self, centre_ids: Iterable[int]) -> BeneficiaryQuerySet:
        """People registered at ``centre_ids``; merged records excluded (they live on in the survivor).

        Every page and API of personal data starts from this, scoped to the centres where the user
        serves beneficiaries (``kem.selectors.beneficiaries.beneficiaries_visible_to``): another
        centre's person is then a 404.
        """
        return self.filter(registering_centre__in=list(centre_ids), merged_into__isnull=True)


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
    # Special-category data (GDPR art. 9): sealed like the identity, every value padded to one
    # length, and counted by statistics through pseudonymous facts (kem.models.facts).
    vulnerabilities = SealedJSONField(_("vulnerabilities"), default=list, blank=True, null=True, pad_to=256)
    disability = SealedBooleanField(_("has a disability"), default=False, blank=True, null=True)
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

    vault_merged_into = "merged_into"

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
            # The search's scope (a centre's people, merged records out) read from the index alone,
            # not from the wide rows: ``kem.vault.search`` asks for it as a subquery.
            models.Index(
                fields=["registering_centre", "person_key"],
                name="beneficiary_centre_person_key",
                condition=models.Q(merged_into__isnull=True),
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, and rewrite the person's special-category facts when those fields changed."""
        update_fields = kwargs.get("update_fields")
        facts_changed = (
            self._state.adding
            or self.merged_into_id is not None
            or (
                any(special_field_changed(self, name) for name in SPECIAL_CATEGORY_FIELDS)
                and (update_fields is None or bool(set(update_fields) & set(SPECIAL_CATEGORY_FIELDS)))
            )
        )
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            super().save(*args, **kwargs)
            if facts_changed:
                write_facts([self], using=using)

    @classmethod
    def vault_bulk_created(cls, people: Sequence[VaultPerson], *, using: str | None = None) -> None:
        write_facts([p for p in people if isinstance(p, Beneficiary)], using=using)

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


# What a registration or an edit sets, by what it holds; the form, the services and the API
# read these lists. Sealed: personal data, returned only to those who serve the person (the
# API logs them in this order). Plain: categories that identify nobody alone, for the same
# people only; the situation among them is what the form asks under "More details".
# Special-category data (GDPR art. 9): sealed, and counted through pseudonymous facts.
SPECIAL_CATEGORY_FIELDS = ("vulnerabilities", "disability")
SEALED_FIELDS = (
    "given_name",
    "family_name",
    "given_name_latin",
    "family_name_latin",
    "father_name",
    "mother_name",
    "date_of_birth",
    "phone",
    "email",
    "address",
    "documents",
    "notes",
    *SPECIAL_CATEGORY_FIELDS,
)
SITUATION_FIELDS = (
    "arrival_year",
    "municipality",
    "housing",
    "employment",
    "education",
    "vulnerabilities",
    "disability",
)
PLAIN_FIELDS = (
    "gender",
    "birth_year",
    "nationality",
    "languages",
    "needs_interpreter",
    "legal_status",
    *(name for name in SITUATION_FIELDS if name not in SPECIAL_CATEGORY_FIELDS),
)


def special_field_changed(person: Beneficiary, name: str) -> bool:
    return sealed_value_changed(person, name)
