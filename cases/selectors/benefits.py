"""Reads for application help and document-expiry reminders, scoped to what the user may see.

Also registers, when ``cases/apps.py`` imports it, the profile timeline of application help and
the home-page part listing a centre's expiring documents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import ApplicationStatus, BenefitApplication, BenefitService, Case, DocumentReminder
from cases.policy import (
    may_handle_document_reminders,
    may_help_with_applications,
    may_manage_benefit_services,
)
from cases.services.benefits import DECIDED
from kem.models import Beneficiary, Centre
from kem.permissions import access_for, visible_centres
from kem.selectors.staff import PanelPart
from kem.selectors.timeline import TimelineEntry

# The home page lists at most this many reminders (the count covers all).
REMINDER_LIST_LIMIT = 30
APPLICATIONS_PER_PAGE = 50


def working_centre(
    *, user: Any, centre_id: Any, allowed: Callable[[Any, int], bool]
) -> tuple[Centre, list[Centre]]:
    """The centre a page is about, and every centre of the user where ``allowed(user, centre_id)``.

    ``centre_id`` (from the query string) picks one; without it, the first allowed centre by name.
    A centre the user cannot see is a 404; one they see in a role that may not use the page, 403.
    """
    centres = list(visible_centres(user).order_by("name_el", "pk"))
    usable = [c for c in centres if allowed(user, c.pk)]
    if centre_id:
        try:
            wanted = int(centre_id)
        except (TypeError, ValueError):
            raise Http404 from None
        centre = next((c for c in centres if c.pk == wanted), None)
        if centre is None:
            raise Http404
        if centre not in usable:
            raise PermissionDenied
        return centre, usable
    if not usable:
        if centres:
            raise PermissionDenied
        raise Http404
    return usable[0], usable


# --- administrative services -------------------------------------------------------------------


def benefit_services_for(user: Any) -> QuerySet[BenefitService]:
    """Every administrative service, active first, for a manager (404 with no centre, 403 otherwise)."""
    require_service_manager(user)
    return BenefitService.objects.order_by("-active", "name_el")


def benefit_service_for(user: Any, pk: int) -> BenefitService:
    """One administrative service for a manager to edit."""
    require_service_manager(user)
    try:
        return BenefitService.objects.get(pk=pk)
    except (BenefitService.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def require_service_manager(user: Any) -> None:
    """404 for a user of no centre, 403 for one who manages none (the list is the network's)."""
    if not access_for(user).centre_ids:
        raise Http404
    if not may_manage_benefit_services(user):
        raise PermissionDenied


# --- application help --------------------------------------------------------------------------


def application_for(user: Any, pk: int) -> BenefitApplication:
    """An application at one of the user's centres (404 otherwise, or for a merged or erased
    person's), 403 when the user's role there may not help with applications."""
    try:
        application = BenefitApplication.objects.select_related(
            "beneficiary__person_key", "centre", "service", "case"
        ).get(
            pk=pk,
            centre__in=visible_centres(user),
            beneficiary__merged_into__isnull=True,
            beneficiary__person_key__shredded_at__isnull=True,
        )
    except (BenefitApplication.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not may_help_with_applications(user, application.centre_id):
        raise PermissionDenied
    return application


def benefit_applications(
    *, user: Any, centre: Centre, service: BenefitService | None = None, status: str = ""
) -> QuerySet[BenefitApplication]:
    """The centre's applications, newest first, optionally of one service and status.

    Empty unless the user may help with applications there. One query for any number of rows
    (people and their keys come along, to show the names).
    """
    if not may_help_with_applications(user, centre.pk):
        return BenefitApplication.objects.none()
    rows = BenefitApplication.objects.filter(
        centre=centre,
        beneficiary__merged_into__isnull=True,
        beneficiary__person_key__shredded_at__isnull=True,
    ).select_related("beneficiary__person_key", "service", "recorded_by")
    if service is not None:
        rows = rows.filter(service=service)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-started_on", "-pk")


def application_cases(*, beneficiary: Beneficiary, centre: Centre) -> QuerySet[Case]:
    """The person's open cases at ``centre``, that an application may belong to."""
    return Case.objects.open().filter(beneficiary=beneficiary, centre=centre).order_by("area")


def _on(day: dt.date, step: int) -> dt.datetime:
    # ``step`` seconds past midnight keep the steps of one day in their order on the timeline.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) + dt.timedelta(seconds=step)


def application_timeline(beneficiary: Beneficiary, user: Any) -> list[TimelineEntry]:
    """Application help started, submitted, granted, rejected (two queries: the applications, and
    their history to say who recorded each step)."""
    applications = list(
        BenefitApplication.objects.filter(
            beneficiary=beneficiary, centre_id__in=access_for(user).centre_ids
        ).select_related("service", "recorded_by")
    )
    if not applications:
        return []
    actors: dict[tuple[int, str], str] = {}
    for row in (
        BenefitApplication.history.filter(beneficiary_id=beneficiary.pk)
        .select_related("history_user")
        .order_by("history_date")
    ):
        actors.setdefault((row.id, row.status), row.history_user.get_username() if row.history_user else "")
    titles = {
        ApplicationStatus.STARTED: _("Application help started: %(service)s"),
        ApplicationStatus.SUBMITTED: _("Application submitted: %(service)s"),
        ApplicationStatus.GRANTED: _("Application granted: %(service)s"),
        ApplicationStatus.REJECTED: _("Application rejected: %(service)s"),
    }
    entries = []
    for application in applications:
        steps = [(ApplicationStatus.STARTED, application.started_on)]
        if application.submitted_on:
            steps.append((ApplicationStatus.SUBMITTED, application.submitted_on))
        if application.decided_on and application.status in DECIDED:
            steps.append((application.status, application.decided_on))
        url = reverse("benefit-application-edit", kwargs={"pk": application.pk})
        for rank, (status, day) in enumerate(steps):
            entries.append(
                TimelineEntry(
                    at=_on(day, rank),
                    kind=f"cases.application.{status}",
                    title=titles[status] % {"service": application.service.name},
                    actor=actors.get((application.pk, status), application.recorded_by.get_username()),
                    url=url,
                )
            )
    return entries


# --- document-expiry reminders -----------------------------------------------------------------


@dataclass(frozen=True)
class ReminderRow:
    reminder: DocumentReminder
    days_left: int  # negative once the document has expired


@dataclass(frozen=True)
class OpenReminders:
    count: int
    rows: list[ReminderRow]


def open_document_reminders(*, centre: Centre, user: Any, today: dt.date | None = None) -> OpenReminders:
    """The centre's reminders nobody has handled yet, soonest expiry first.

    Empty unless the user handles reminders there. Two queries whatever their number: the count,
    and the first ``REMINDER_LIST_LIMIT`` with their people and keys (to show the names).
    """
    if not may_handle_document_reminders(user, centre.pk):
        return OpenReminders(count=0, rows=[])
    today = today or timezone.localdate()
    reminders = (
        DocumentReminder.objects.filter(
            centre=centre,
            handled_at__isnull=True,
            beneficiary__merged_into__isnull=True,
            beneficiary__person_key__shredded_at__isnull=True,
        )
        .select_related("beneficiary__person_key")
        .order_by("expires_on", "pk")
    )
    rows = [
        ReminderRow(reminder=r, days_left=(r.expires_on - today).days)
        for r in reminders[:REMINDER_LIST_LIMIT]
    ]
    count = len(rows) if len(rows) < REMINDER_LIST_LIMIT else reminders.count()
    return OpenReminders(count=count, rows=rows)


def document_reminder_for(user: Any, pk: int) -> DocumentReminder:
    """A reminder of one of the user's centres (404 otherwise), 403 for a role that does not
    handle reminders there."""
    try:
        reminder = DocumentReminder.objects.get(pk=pk, centre__in=visible_centres(user))
    except (DocumentReminder.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not may_handle_document_reminders(user, reminder.centre_id):
        raise PermissionDenied
    return reminder


def document_reminders_part(*, centre: Centre, user: Any) -> PanelPart | None:
    """The front desk's and counsellors' list of people whose documents expire soon (registered for
    ``handle_document_reminders``)."""
    return PanelPart(
        template="cases/_reminders.html",
        context={"reminders": open_document_reminders(centre=centre, user=user)},
    )
