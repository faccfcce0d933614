"""Pages: a class's results, its certificates (issue to all graduates, print all in the background),
one certificate's PDF, and revoking a certificate.

Same answers as the class's other pages: 404 for a class the user may not see, 403 for the front
desk. The PDF shows the holder's name, so fetching it is traced.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses import policy
from courses.forms.attendance import ResultsForm
from courses.models import EnrolmentStatus
from courses.selectors import attendance as selectors
from courses.selectors.certificates import certificate_for, class_printable_certificates
from courses.services import certificates as certificate_services
from courses.services.results import class_has_ended, results_record
from kem.forms.errors import add_service_errors
from kem.models import DownloadKind
from kem.services.access_log import access_record, role_at
from kem.services.downloads import download_start
from kem.views.jobs import tell_if_not_queued


def _result_rows(rows: list[selectors.RosterRow], form: ResultsForm) -> list[tuple]:
    """Each learner's row with their bound fields: completed, and the assessment when there is one."""
    return [
        (
            row,
            form[f"completed_{row.enrolment.pk}"],
            form[f"passed_{row.enrolment.pk}"] if form.has_assessment else None,
        )
        for row in rows
    ]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def class_results(request: HttpRequest, pk: int) -> HttpResponse:
    """Each learner's result (completed, final assessment) with their attendance; graduates and
    their certificates."""
    course_class = selectors.teaching_class_for(request.user, pk)
    if not policy.may_record_results(request.user, course_class):
        raise PermissionDenied
    # The POST is read by enrolment id; names are opened only for the page shown.
    form = ResultsForm(
        request.POST or None,
        enrolments=selectors.roster_enrolments(course_class=course_class),
        has_assessment=course_class.course.has_final_assessment,
    )
    if request.method == "POST" and form.is_valid():
        try:
            results_record(course_class=course_class, results=form.results(), by=request.user)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("Results saved."))
            return redirect("class-results", pk=course_class.pk)
    rows = selectors.roster_rows(
        course_class=course_class, user=request.user, action=selectors.RESULTS_READ_ACTION, request=request
    )
    results_open = class_has_ended(course_class)
    if not results_open:
        # Shown for reference until the class ends; nothing to change yet.
        for field in form.fields.values():
            field.disabled = True
    graduates = [row for row in rows if row.enrolment.status == EnrolmentStatus.GRADUATED]
    certified = [row for row in graduates if hasattr(row.enrolment, "certificate")]
    context = {
        "course_class": course_class,
        "rows": _result_rows(rows, form),
        "form": form,
        "results_open": results_open,
        "threshold": course_class.course.attendance_threshold,
        "has_assessment": course_class.course.has_final_assessment,
        "graduates": len(graduates),
        "to_issue": len(graduates) - len(certified),
        "printable": sum(1 for row in certified if row.enrolment.certificate.is_valid),
        "may_revoke": policy.may_revoke_certificates(request.user, course_class),
    }
    return render(request, "courses/teaching/results.html", context)


@login_required
@require_POST
def class_certificates_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a certificate to every graduate of the class who has none yet."""
    course_class = selectors.teaching_class_for(request.user, pk)
    try:
        issued = certificate_services.certificates_issue_for_class(course_class=course_class, by=request.user)
    except ValidationError as invalid:
        for message in invalid.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext("%(count)d certificate issued.", "%(count)d certificates issued.", len(issued))
            % {"count": len(issued)}
            if issued
            else _("Every graduate already has a certificate."),
        )
    return redirect("class-results", pk=course_class.pk)


@login_required
@require_POST
def class_certificates_print(request: HttpRequest, pk: int) -> HttpResponse:
    """Print all the class's certificates as one PDF, made in the background (progress page)."""
    course_class = selectors.teaching_class_for(request.user, pk)
    if not policy.may_issue_certificates(request.user, course_class):
        raise PermissionDenied
    if not class_printable_certificates(course_class).exists():
        # Nothing to print: no job is queued for nothing.
        messages.info(request, _("This class has no certificates to print. Issue them first."))
        return redirect("class-results", pk=course_class.pk)
    job = download_start(
        kind=DownloadKind.CERTIFICATES,
        by=request.user,
        centre=course_class.centre,
        params={"class_id": course_class.pk},
    )
    tell_if_not_queued(request, job)
    return redirect(job)


@login_required
@never_cache
@require_GET
def certificate_pdf(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One certificate as a PDF (it shows the holder's name: traced)."""
    certificate = certificate_for(request.user, pk)
    if not certificate.is_valid:
        messages.error(request, _("This certificate was revoked: it is not printed any more."))
        return redirect("class-results", pk=certificate.enrolment.course_class_id)
    centre_id = certificate.enrolment.course_class.centre_id
    content = certificate_services.certificate_pdf(certificate)
    access_record(
        user=request.user,
        action=certificate_services.PRINT_ACTION,
        subject=certificate.enrolment.beneficiary,
        fields=certificate_services.holder_fields(certificate),
        centre=certificate.enrolment.course_class.centre,
        role=role_at(request.user, centre_id),
        request=request,
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def certificate_revoke(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """Revoke a certificate issued in error (the centre's manager), after asking."""
    certificate = certificate_for(request.user, pk)
    course_class = certificate.enrolment.course_class
    if not policy.may_revoke_certificates(request.user, course_class):
        raise PermissionDenied
    if request.method == "POST":
        try:
            certificate_services.certificate_revoke(certificate=certificate, by=request.user)
        except ValidationError as invalid:
            for message in invalid.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The certificate is revoked; the verification page now says so."))
        return redirect("class-results", pk=course_class.pk)
    return render(
        request,
        "courses/teaching/certificate_revoke.html",
        {"certificate": certificate, "course_class": course_class},
    )


urlpatterns = [
    path("classes/<int:pk>/results/", class_results, name="class-results"),
    path("classes/<int:pk>/certificates/issue/", class_certificates_issue, name="class-certificates-issue"),
    path("classes/<int:pk>/certificates/print/", class_certificates_print, name="class-certificates-print"),
    path("certificates/<uuid:pk>/pdf/", certificate_pdf, name="certificate-pdf"),
    path("certificates/<uuid:pk>/revoke/", certificate_revoke, name="certificate-revoke"),
]
