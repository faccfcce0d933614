"""Application help, the list of administrative services, and document-expiry reminders.

Every write keeps history with the acting user (``_history_user``). Whether a user may act at a
centre is asked of ``cases/policy.py`` here too, so a caller other than the pages (the API, a
command) cannot skip it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from cases.models import (
    ApplicationStatus,
    BenefitApplication,
    BenefitService,
    Case,
    DocumentReminder,
)
from cases.policy import (
    may_handle_document_reminders,
    may_help_with_applications,
    may_manage_benefit_services,
)
from kem.models import Beneficiary, Centre
from kem.services.records import record_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# How far ahead an expiring identity document raises a reminder.
REMINDER_WINDOW_DAYS = 30

# The statuses an application may move to from each status; a decision is final.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    ApplicationStatus.STARTED: (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.GRANTED,
        ApplicationStatus.REJECTED,
    ),
    ApplicationStatus.SUBMITTED: (ApplicationStatus.GRANTED, ApplicationStatus.REJECTED),
    ApplicationStatus.GRANTED: (),
    ApplicationStatus.REJECTED: (),
}
DECIDED = (ApplicationStatus.GRANTED, ApplicationStatus.REJECTED)

# --- administrative services -------------------------------------------------------------------


@transaction.atomic
def benefit_service_create(*, code: str, name_el: str, name_en: str, by: User) -> BenefitService:
    """Add an administrative service to the network's list (managers only)."""
    if not may_manage_benefit_services(by):
        raise PermissionDenied
    service = BenefitService(code=code, name_el=name_el.strip(), name_en=name_en.strip(), active=True)
    record_save(service, by=by)
    return service


@transaction.atomic
def benefit_service_update(
    *, service: BenefitService, name_el: str, name_en: str, active: bool, by: User
) -> BenefitService:
    """Rename a service or (de)activate it. Its code stays: reports and imports refer to it.

    A deactivated service is no longer offered for new applications; those already started keep it.
    """
    if not may_manage_benefit_services(by):
        raise PermissionDenied
    service = BenefitService.objects.select_for_update().get(pk=service.pk)
    service.name_el, service.name_en, service.active = name_el.strip(), name_en.strip(), active
    record_save(service, by=by)
    return service


# --- application help --------------------------------------------------------------------------


@transaction.atomic
def benefit_application_start(
    *,
    beneficiary: Beneficiary,
    centre: Centre,
    service: BenefitService,
    by: User,
    case: Case | None = None,
    started_on: dt.date | None = None,
) -> BenefitApplication:
    """Record that the centre started helping ``beneficiary`` with ``service``.

    The service must be active, the date not in the future, and a linked case the person's own at
    ``centre``. Counsellors, the front desk and the manager of ``centre`` may do it.
    """
    if not may_help_with_applications(by, centre.pk):
        raise PermissionDenied
    started_on = started_on or timezone.localdate()
    errors: dict[str, ValidationError] = {}
    if not service.active:
        errors["service"] = ValidationError(
            _("This service is no longer offered. Choose another."), code="service_inactive"
        )
    if started_on > timezone.localdate():
        errors["started_on"] = ValidationError(_("This date is in the future."), code="date_in_future")
    if case is not None and (case.beneficiary_id != beneficiary.pk or case.centre_id != centre.pk):
        errors["case"] = ValidationError(
            _("Choose one of this person's cases at this centre."), code="case_not_of_person"
        )
    if beneficiary.merged_into_id is not None:
        raise ValidationError(_("This record was merged into another."), code="merged_record")
    if errors:
        raise ValidationError(errors)
    application = BenefitApplication(
        beneficiary=beneficiary,
        centre=centre,
        case=case,
        service=service,
        status=ApplicationStatus.STARTED,
        started_on=started_on,
        recorded_by=by,
    )
    record_save(application, by=by)
    return application


@transaction.atomic
def benefit_application_update(
    *,
    application: BenefitApplication,
    status: str,
    submitted_on: dt.date | None = None,
    decided_on: dt.date | None = None,
    by: User,
) -> BenefitApplication:
    """Move an application on: started → submitted → granted | rejected.

    Moving forward only (a decision is final). The date of the step taken defaults to today;
    an application decided straight from "started" needs the date it was submitted. Dates are not
    in the future, a submission not before the start, a decision not before the submission.
    """
    application = BenefitApplication.objects.select_for_update().get(pk=application.pk)
    if not may_help_with_applications(by, application.centre_id):
        raise PermissionDenied
    if status not in NEXT_STATUSES.get(application.status, ()):
        raise ValidationError(
            {"status": ValidationError(_not_allowed_message(application.status), code="status_not_allowed")}
        )
    today = timezone.localdate()
    submitted_on = submitted_on or application.submitted_on
    if status == ApplicationStatus.SUBMITTED:
        submitted_on = submitted_on or today
    if status in DECIDED:
        decided_on = decided_on or today
    _check_dates(application, status=status, submitted_on=submitted_on, decided_on=decided_on, today=today)
    application.status = status
    application.submitted_on = submitted_on
    application.decided_on = decided_on if status in DECIDED else None
    record_save(application, by=by)
    return application


def _not_allowed_message(current: str) -> str:
    if current in DECIDED:
        return _("This application is already decided; its status cannot change.")
    return _("An application moves forward only: started, submitted, then granted or rejected.")


def _check_dates(
    application: BenefitApplication,
    *,
    status: str,
    submitted_on: dt.date | None,
    decided_on: dt.date | None,
    today: dt.date,
) -> None:
    errors: dict[str, ValidationError] = {}
    if submitted_on is None:
        errors["submitted_on"] = ValidationError(
            _("Give the date the application was submitted."), code="submitted_on_required"
        )
    elif submitted_on > today:
        errors["submitted_on"] = ValidationError(_("This date is in the future."), code="date_in_future")
    elif submitted_on < application.started_on:
        errors["submitted_on"] = ValidationError(
            _("The application cannot be submitted before the help started (%(date)s).")
            % {"date": application.started_on.strftime("%d/%m/%Y")},
            code="submitted_before_started",
        )
    if status in DECIDED and decided_on is not None:
        if decided_on > today:
            errors["decided_on"] = ValidationError(_("This date is in the future."), code="date_in_future")
        elif submitted_on is not None and decided_on < submitted_on:
            errors["decided_on"] = ValidationError(
                _("The decision cannot come before the application was submitted."),
                code="decided_before_submitted",
            )
    if errors:
        raise ValidationError(errors)


# --- document-expiry reminders -----------------------------------------------------------------


@transaction.atomic
def document_reminders_refresh(*, today: dt.date | None = None) -> int:
    """Raise a reminder for every person whose next document expires within 30 days (or already
    expired while they are still registered); returns how many reminders are new.

    Reads the plain ``next_document_expiry`` only: nobody's sealed documents are opened. Merged
    records and erased people (shredded key) are left out. One reminder per person and expiry
    date, at the person's registering centre, so running it again changes nothing. Should a
    concurrent run insert the same reminder first, the unique constraint fails this run and the
    task's retry finds the rest.
    """
    today = today or timezone.localdate()
    existing = DocumentReminder.objects.filter(
        beneficiary_id=OuterRef("pk"), expires_on=OuterRef("next_document_expiry")
    )
    due = (
        Beneficiary.objects.order_by()
        .filter(
            merged_into__isnull=True,
            person_key__shredded_at__isnull=True,
            next_document_expiry__isnull=False,
            next_document_expiry__lte=today + dt.timedelta(days=REMINDER_WINDOW_DAYS),
        )
        .exclude(Exists(existing))
        .values_list("pk", "registering_centre_id", "next_document_expiry")
    )
    reminders = [
        DocumentReminder(beneficiary_id=pk, centre_id=centre_id, expires_on=expires_on)
        for pk, centre_id, expires_on in due
    ]
    if reminders:
        bulk_create_with_history(reminders, DocumentReminder, default_change_reason="document expiry")
    return len(reminders)


@transaction.atomic
def document_reminder_handle(*, reminder: DocumentReminder, by: User) -> DocumentReminder:
    """Mark a reminder handled (the person was told, the renewal is on its way)."""
    reminder = DocumentReminder.objects.select_for_update().get(pk=reminder.pk)
    if not may_handle_document_reminders(by, reminder.centre_id):
        raise PermissionDenied
    if reminder.handled_at is not None:
        raise ValidationError(_("Someone already marked this reminder handled."), code="already_handled")
    reminder.handled_at = timezone.now()
    reminder.handled_by = by
    record_save(reminder, by=by)
    return reminder
