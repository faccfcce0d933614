"""Pages of the spreadsheet import: list, upload, mapping, dry-run report, run, cancel.

Only managers of a centre import into it: another centre's job is a 404, a job of the user's own
centre seen in another role a 403. The sheet's cells never reach a page, a URL or a log.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from kem import sheets
from kem.forms.imports import ImportMappingForm, ImportRunForm, ImportUploadForm
from kem.models import Centre, ImportJob, ImportMode, ImportStatus
from kem.permissions import CentrePerm, centres_with, may, visible_centres
from kem.services import imports as services
from kem.views.jobs import tell_if_not_queued

RECENT_JOBS = 50


def import_job_for(user, pk: int) -> ImportJob:
    """The job ``pk``: 404 unless it belongs to one of the user's centres, 403 unless they manage it."""
    job = (
        ImportJob.objects.select_related("centre", "created_by")
        .filter(pk=pk, centre__in=visible_centres(user))
        .first()
    )
    if job is None:
        raise Http404
    if not may(user, CentrePerm.MANAGE, job.centre):
        raise PermissionDenied
    return job


def _managed_centres(user) -> QuerySet[Centre]:
    centres = visible_centres(user, CentrePerm.MANAGE)
    if not centres.exists():
        raise PermissionDenied
    return centres


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    _managed_centres(request.user)
    jobs = ImportJob.objects.filter(centre__in=centres_with(request.user, CentrePerm.MANAGE)).select_related(
        "centre", "created_by"
    )[:RECENT_JOBS]
    return render(request, "kem/imports/list.html", {"jobs": jobs})


class SheetInMemory(MemoryFileUploadHandler):
    """Keeps an uploaded sheet in memory whatever its size, never in a temporary file: it is
    sealed before it is written anywhere. Its declared length was held to
    ``KEM_IMPORT_MAX_BYTES`` before the body is read."""

    def handle_raw_input(self, *args: object, **kwargs: object) -> None:
        self.activated = True


@csrf_exempt  # checked by _import_upload_form, once the declared length has been looked at
@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    centres = _managed_centres(request.user)
    request.upload_handlers = [SheetInMemory(request)]
    if request.method == "POST" and _body_too_large(request):
        # Refused from the declared length, before a byte of the body is read.
        form = ImportUploadForm(centres=centres)
        form.errors["file"] = form.error_class([sheets.too_large_message()])
        return render(request, "kem/imports/upload.html", {"form": form}, status=413)
    return _import_upload_form(request, centres)


@csrf_protect
def _import_upload_form(request: HttpRequest, centres: QuerySet[Centre]) -> HttpResponse:
    bound = request.method == "POST"
    form = ImportUploadForm(
        request.POST if bound else None, request.FILES if bound else None, centres=centres
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.import_upload(
                centre=form.chosen_centre(),
                by=request.user,
                upload=upload,
                file_format=upload.file_format,
                language=get_language() or "el",
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(
                request, _("The file is uploaded. Once it is read, say which field each column fills.")
            )
            tell_if_not_queued(request, job)
            return redirect(job)
    return render(request, "kem/imports/upload.html", {"form": form})


def _body_too_large(request: HttpRequest) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    # The form's other fields and the multipart boundaries take a few kilobytes more than the file.
    return length > settings.KEM_IMPORT_MAX_BYTES + 64 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_for(request.user, pk)
    if not job.can_map:
        return redirect(job)
    form = ImportMappingForm(request.POST or None, headers=job.headers, initial_mapping=job.mapping)
    if request.method == "POST" and form.is_valid():
        job = services.import_map(job=job, by=request.user, mapping=form.mapping())
        tell_if_not_queued(request, job)
        return redirect("import-check", pk=job.pk)
    return render(request, "kem/imports/mapping.html", {"job": job, "form": form})


@login_required
@require_GET
def import_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's page: progress while a task works, then the dry-run report or the result."""
    job = import_job_for(request.user, pk)
    if job.can_map and job.status == ImportStatus.UPLOADED:
        return redirect("import-mapping", pk=job.pk)
    rows = job.report.get("rows", [])
    return render(
        request,
        "kem/imports/check.html",
        {
            "job": job,
            "rows": rows,
            "error_rows": [r for r in rows if r["errors"]],
            "warning_rows": [r for r in rows if r["warnings"] and not r["errors"]],
            "run_form": ImportRunForm(),
        },
    )


@login_required
@require_GET
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled by htmx; once the task is done the page reloads to show the report."""
    job = import_job_for(request.user, pk)
    if request.htmx and not job.is_running:
        return HttpResponseClientRefresh()
    return render(request, "kem/imports/_status.html", {"job": job})


@login_required
@require_POST
def import_run(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_for(request.user, pk)
    form = ImportRunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to import."))
        return redirect("import-check", pk=job.pk)
    try:
        job = services.import_start(job=job, by=request.user, mode=form.cleaned_data["mode"])
    except services.ImportRefused as refused:
        messages.error(request, refused.messages[0])
        return redirect("import-check", pk=job.pk)
    if form.cleaned_data["mode"] == ImportMode.ALL_OR_NOTHING:
        messages.info(request, _("The import has started: every row or none will be registered."))
    else:
        messages.info(request, _("The import has started: the valid rows will be registered."))
    tell_if_not_queued(request, job)
    return redirect("import-check", pk=job.pk)


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_for(request.user, pk)
    try:
        services.import_cancel(job=job, by=request.user)
    except services.ImportRefused as refused:
        messages.error(request, refused.messages[0])
        return redirect("import-check", pk=job.pk)
    messages.success(request, _("The import is cancelled and its file deleted."))
    return redirect("import-list")


urlpatterns = [
    path("imports/", import_list, name="import-list"),
    path("imports/new/", import_upload, name="import-upload"),
    path("imports/<int:pk>/mapping/", import_mapping, name="import-mapping"),
    path("imports/<int:pk>/check/", import_check, name="import-check"),
    path("imports/<int:pk>/status/", import_status, name="import-status"),
    path("imports/<int:pk>/run/", import_run, name="import-run"),
    path("imports/<int:pk>/cancel/", import_cancel, name="import-cancel"),
]
