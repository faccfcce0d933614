"""Counselling: cases and their sessions (appointments before they are held), employment outcomes,
benefit-application help, and interpreters with their requests.

Sealed text (session summaries and confidential notes, interpreter-request notes) is sealed with
the beneficiary's own key through the vault; everything plain here is a category, a date or a link
that identifies nobody on its own. Who may read what is decided in ``cases/policy.py``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kem.models import Beneficiary, Centre, Discipline
from kem.vault.fields import SealedTextField
from kem.vault.models import SealedModel


class ServiceArea(models.TextChoices):
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")
    ADMINISTRATIVE = "administrative", _("Administrative support")
    LEGAL = "legal", _("Legal information")
    EMPLOYMENT = "employment", _("Employment counselling")
    SOCIAL_BENEFITS = "social_benefits", _("Social benefits")


# The discipline whose counsellors hold each area's cases (and read its confidential notes).
AREA_DISCIPLINE: dict[str, str] = {
    ServiceArea.PSYCHOSOCIAL: Discipline.PSYCHOLOGICAL,
    ServiceArea.ADMINISTRATIVE: Discipline.SOCIAL,
    ServiceArea.LEGAL: Discipline.LEGAL,
    ServiceArea.EMPLOYMENT: Discipline.EMPLOYMENT,
    ServiceArea.SOCIAL_BENEFITS: Discipline.SOCIAL,
}


class OpenReason(models.TextChoices):
    SELF = "self", _("The person asked for help")
    FRONT_DESK = "front_desk", _("Sent by the front desk")
    COLLEAGUE = "colleague", _("Sent by a colleague of the centre")
    PARTNER = "partner", _("Referred by a partner organisation")
    OTHER = "other", _("Other")


class CloseReason(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    REFERRED = "referred", _("Referred elsewhere")
    NO_CONTACT = "no_contact", _("No contact for a long time")
    PERSON_LEFT = "person_left", _("The person left the area")
    PERSON_REQUEST = "person_request", _("At the person's request")
    OTHER = "other", _("Other")
    # Two open cases of one area, one on each of two records of one person: when the records were
    # merged, this one's sessions moved to the other and it was closed.
    MERGED = "merged", _("Joined with the other case of the same person")


# The reasons a person closing a case may give (a merge alone closes a case as joined).
CLOSE_REASONS_TO_CHOOSE = [
    (value, label) for value, label in CloseReason.choices if value != CloseReason.MERGED
]


class CaseQuerySet(models.QuerySet):
    def open(self) -> CaseQuerySet:
        return self.filter(closed_on__isnull=True)


class Case(models.Model):
    """One beneficiary's follow-up in one service area at one centre."""

    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="cases", verbose_name=_("beneficiary")
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="cases", verbose_name=_("centre")
    )
    area = models.CharField(_("service area"), max_length=20, choices=ServiceArea.choices)
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases", verbose_name=_("counsellor")
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    open_reason = models.CharField(_("why it was opened"), max_length=20, choices=OpenReason.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(
        _("why it was closed"), max_length=20, choices=CloseReason.choices, blank=True
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CaseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary", "centre", "area"],
                condition=Q(closed_on__isnull=True),
                name="case_one_open_per_area",
            ),
        ]
        indexes = [models.Index(fields=["centre", "counsellor", "closed_on"], name="case_caseload")]

    def __str__(self) -> str:
        return f"{self.get_area_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("case-detail", kwargs={"pk": self.pk})

    @property
    def discipline(self) -> str:
        return AREA_DISCIPLINE[self.area]

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Statuses that occupy the counsellor's time (a cancelled appointment frees it).
BUSY_SESSION_STATUSES = (SessionStatus.SCHEDULED, SessionStatus.HELD)


class SessionQuerySet(models.QuerySet):
    def busy(self) -> SessionQuerySet:
        return self.filter(status__in=BUSY_SESSION_STATUSES)

    def overlapping(self, start: dt.datetime, end: dt.datetime) -> SessionQuerySet:
        """Sessions that overlap [start, end) (``ends_at`` is stored so this is one indexed query)."""
        return self.filter(starts_at__lt=end, ends_at__gt=start)


class Session(SealedModel):
    """A counselling session; scheduled ahead it is an appointment until marked held or not."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("case"))
    counsellor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("counsellor"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=45)
    ends_at = models.DateTimeField(_("ends at"), editable=False)
    mode = models.CharField(
        _("mode"), max_length=12, choices=SessionMode.choices, default=SessionMode.IN_PERSON
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    interpreter_request = models.ForeignKey(
        "InterpreterRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("interpreter request"),
    )
    summary = SealedTextField(_("summary"), blank=True)
    confidential_note = SealedTextField(_("confidential note"), blank=True)
    follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SessionQuerySet.as_manager()
    history = HistoricalRecords()

    vault_owner = "case.beneficiary"

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["counsellor", "starts_at"], name="session_counsellor_time"),
            models.Index(fields=["case", "starts_at"], name="session_case_time"),
            # Statistics (reports): the held sessions of a period, read from the index alone.
            models.Index(
                fields=["starts_at"],
                include=["case"],
                condition=Q(status="held"),
                name="session_held_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('session')} {str(self.pk)[:8]}"

    def save(self, *args, **kwargs) -> None:
        self.ends_at = self.starts_at + dt.timedelta(minutes=self.duration_minutes)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("session-detail", kwargs={"pk": self.pk})

    @property
    def interpreter_used(self) -> bool:
        return self.interpreter_request_id is not None


class OutcomeKind(models.TextChoices):
    CV_PREPARED = "cv_prepared", _("CV prepared")
    JOB_SEARCH_PLAN = "job_search_plan", _("Job-search plan")
    REFERRED_TO_TRAINING = "referred_to_training", _("Referred to training")
    JOB_OFFER = "job_offer", _("Job offer")
    EMPLOYED = "employed", _("Employed")


class EmploymentOutcome(models.Model):
    """A result of employment counselling; the funder indicators count them."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="outcomes", verbose_name=_("case"))
    kind = models.CharField(_("outcome"), max_length=30, choices=OutcomeKind.choices)
    achieved_on = models.DateField(_("date"), default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("employment outcome")
        verbose_name_plural = _("employment outcomes")
        ordering = ["-achieved_on", "-pk"]

    def __str__(self) -> str:
        return self.get_kind_display()


class BenefitService(models.Model):
    """An administrative service the centre helps with (AMKA, GMI, …); managers keep the list."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_el = models.CharField(_("name (Greek)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("administrative service")
        verbose_name_plural = _("administrative services")
        ordering = ["name_el"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "el").startswith("en") else self.name_el


class ApplicationStatus(models.TextChoices):
    STARTED = "started", _("Started")
    SUBMITTED = "submitted", _("Submitted")
    GRANTED = "granted", _("Granted")
    REJECTED = "rejected", _("Rejected")


class BenefitApplication(models.Model):
    """Help given to a person with one administrative service, and how it went."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="benefit_applications",
        verbose_name=_("beneficiary"),
    )
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="+", verbose_name=_("centre"))
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("case"),
    )
    service = models.ForeignKey(
        BenefitService, on_delete=models.PROTECT, related_name="+", verbose_name=_("service")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.STARTED
    )
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("application help")
        verbose_name_plural = _("application help")
        ordering = ["-started_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.service} ({self.get_status_display()})"


# The dialects the reference list starts with, by their stored code; a dialect a manager types
# in is shown as typed.
DIALECT_LABELS = {
    "levantine": _("Levantine"),
    "iraqi": _("Iraqi"),
    "maghrebi": _("Maghrebi"),
}


class Language(models.Model):
    """A language (ISO 639) and, where it matters for interpreting, a dialect."""

    code = models.CharField(_("ISO 639 code"), max_length=8)
    dialect = models.CharField(_("dialect"), max_length=60, blank=True)
    name_el = models.CharField(_("name (Greek)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["name_en"]
        constraints = [models.UniqueConstraint(fields=["code", "dialect"], name="language_code_dialect")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "el").startswith("en") else self.name_el

    @property
    def dialect_label(self) -> str:
        return str(DIALECT_LABELS.get(self.dialect, self.dialect))


class InterpretingMode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")


class InterpreterGender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class Interpreter(models.Model):
    """An interpreter or cultural mediator of a centre's pool (staff of a partner, not a beneficiary)."""

    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="interpreters", verbose_name=_("centre")
    )
    name = models.CharField(_("name"), max_length=150)
    gender = models.CharField(_("gender"), max_length=10, choices=InterpreterGender.choices, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    languages = models.ManyToManyField(Language, related_name="interpreters", verbose_name=_("languages"))
    modes = models.JSONField(_("modes"), default=list, blank=True)  # InterpretingMode values
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(m2m_fields=[languages])

    class Meta:
        verbose_name = _("interpreter")
        verbose_name_plural = _("interpreters")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GenderPreference(models.TextChoices):
    ANY = "any", _("No preference")
    FEMALE = "female", _("A woman")
    MALE = "male", _("A man")


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    BOOKED = "booked", _("Booked")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class InterpreterRequestQuerySet(models.QuerySet):
    def booked(self) -> InterpreterRequestQuerySet:
        return self.filter(status=RequestStatus.BOOKED)

    def overlapping(self, start: dt.datetime, end: dt.datetime) -> InterpreterRequestQuerySet:
        return self.filter(starts_at__lt=end, ends_at__gt=start)


class InterpreterRequest(SealedModel):
    """A request for an interpreter for a beneficiary, booked with one of the pool."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="interpreter_requests",
        verbose_name=_("beneficiary"),
    )
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="interpreter_requests", verbose_name=_("centre")
    )
    language = models.ForeignKey(
        Language, on_delete=models.PROTECT, related_name="+", verbose_name=_("language")
    )
    mode = models.CharField(
        _("mode"), max_length=10, choices=InterpretingMode.choices, default=InterpretingMode.ON_SITE
    )
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    ends_at = models.DateTimeField(_("ends at"), editable=False)
    gender_preference = models.CharField(
        _("interpreter's gender"),
        max_length=10,
        choices=GenderPreference.choices,
        default=GenderPreference.ANY,
    )
    # Why a gender is asked for can say a lot about the person: sealed like the notes.
    gender_reason = SealedTextField(_("why this gender"), blank=True)
    notes = SealedTextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    interpreter = models.ForeignKey(
        Interpreter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("interpreter"),
    )
    cancel_reason = models.CharField(_("why it was cancelled"), max_length=200, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = InterpreterRequestQuerySet.as_manager()
    history = HistoricalRecords()

    vault_owner = "beneficiary"

    class Meta:
        verbose_name = _("interpreter request")
        verbose_name_plural = _("interpreter requests")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["centre", "starts_at"], name="interp_req_centre_time"),
            models.Index(fields=["interpreter", "starts_at"], name="interp_req_interp_time"),
        ]

    def __str__(self) -> str:
        return f"{_('interpreter request')} {str(self.pk)[:8]}"

    def save(self, *args, **kwargs) -> None:
        self.ends_at = self.starts_at + dt.timedelta(minutes=self.duration_minutes)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("interpreter-request-detail", kwargs={"pk": self.pk})


class DocumentReminder(models.Model):
    """A person's identity document expires within 30 days: shown on the home pages of the front
    desk and the counsellors of the person's centre until someone marks it handled.

    Made by a daily task from ``Beneficiary.next_document_expiry`` (plain), so nobody's sealed
    documents are opened to find them.
    """

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.CASCADE,
        related_name="document_reminders",
        verbose_name=_("beneficiary"),
    )
    centre = models.ForeignKey(Centre, on_delete=models.CASCADE, related_name="+", verbose_name=_("centre"))
    expires_on = models.DateField(_("expires on"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document reminder")
        verbose_name_plural = _("document reminders")
        ordering = ["expires_on"]
        constraints = [
            models.UniqueConstraint(fields=["beneficiary", "expires_on"], name="document_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{_('document reminder')} {self.pk}"
