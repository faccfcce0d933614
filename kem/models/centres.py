"""Centres, the staff who work at them, their roles and disciplines."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords


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


class CentrePerm(models.TextChoices):
    """What a user may do at a centre: the codenames of the centre's object permissions.

    ``view_centre`` (Django's default) makes the centre visible at all. Each app's ``policy.py``
    states its rules in these terms, never in roles.
    """

    WORK = "work_at_centre", _("Work at the centre")
    SERVE = "serve_beneficiaries", _("Register, find and serve beneficiaries")
    MANAGE = "manage_centre", _("Manage the centre (classes, interpreters, case assignment, imports)")
    MANAGE_STAFF = "manage_staff", _("Manage the centre's staff")
    KEEP_NETWORK_LISTS = (
        "keep_network_lists",
        _("Keep the network's shared lists (course catalogue, partners, languages, services)"),
    )
    VIEW_STATISTICS = "view_statistics", _("View anonymised statistics")
    REVIEW_ACCESS_LOG = "review_access_log", _("Review the access log")
    SEE_CASES = "see_cases", _("See that counselling took place")
    READ_SESSION_SUMMARIES = "read_session_summaries", _("Read counselling session summaries")
    OPEN_CASES = "open_cases", _("Open counselling cases")
    KEEP_CASES = "keep_cases", _("Keep counselling cases")
    KEEP_SOCIAL_CASES = "keep_social_cases", _("Keep social-work cases and read their confidential notes")
    KEEP_PSYCHOLOGICAL_CASES = (
        "keep_psychological_cases",
        _("Keep psychological-support cases and read their confidential notes"),
    )
    KEEP_LEGAL_CASES = "keep_legal_cases", _("Keep legal cases and read their confidential notes")
    KEEP_EMPLOYMENT_CASES = (
        "keep_employment_cases",
        _("Keep employment cases and read their confidential notes"),
    )
    BOOK_INTERPRETERS = "book_interpreters", _("Request and book interpreters")
    HELP_WITH_APPLICATIONS = "help_with_applications", _("Help people with applications")
    HANDLE_DOCUMENT_REMINDERS = "handle_document_reminders", _("Handle reminders of expiring documents")
    REFER = "refer_to_partners", _("Refer people to partners and record incoming referrals")
    SEE_CLASSES = "see_classes", _("See the centre's classes")
    ENROL = "enrol_learners", _("Enrol people in classes and keep waiting lists")
    TEACH = "teach_classes", _("Teach classes")

    @classmethod
    def keep_cases_of(cls, discipline: str) -> str:
        """The permission to keep cases of ``discipline`` and read their confidential notes."""
        return f"keep_{discipline}_cases"


VIEW_CENTRE = "view_centre"


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
        # Object permissions on the centre: every page, API and home panel asks for one of these
        # (kem/permissions.py); roles are named bundles of them (kem/roles.py).
        permissions = CentrePerm.choices

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
