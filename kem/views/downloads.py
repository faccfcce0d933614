"""A made download's page (progress bar, then the link) and the file itself.

A download belongs to the person who asked for it: anyone else gets a 404. Fetching the file is
recorded in the access log, because a class's certificates carry names.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRefresh

from kem.models import DownloadJob
from kem.services.access_log import access_record


def download_for(user, pk) -> DownloadJob:
    try:
        return DownloadJob.objects.select_related("centre").get(pk=pk, created_by=user)
    except (DownloadJob.DoesNotExist, ValueError):
        raise Http404 from None


@login_required
@require_GET
def download_detail(request: HttpRequest, pk) -> HttpResponse:
    return render(request, "kem/downloads/detail.html", {"job": download_for(request.user, pk)})


@login_required
@require_GET
def download_status(request: HttpRequest, pk) -> HttpResponse:
    """The progress bar, polled by htmx; when the file is ready the page reloads to offer it."""
    job = download_for(request.user, pk)
    if request.htmx and job.is_done:
        return HttpResponseClientRefresh()
    return render(request, "kem/downloads/_status.html", {"job": job})


@login_required
@require_GET
def download_file(request: HttpRequest, pk) -> FileResponse:
    job = download_for(request.user, pk)
    if not job.is_ready or not job.file_key or not job.path.exists():
        raise Http404
    access_record(
        user=request.user,
        action=f"kem.download.{job.kind}",
        subject_type="kem.downloadjob",
        subject_id=job.pk,
        centre=job.centre,
        request=request,
    )
    # Opened chunk by chunk as the response is streamed; the plaintext never touches the disk.
    response = FileResponse(job.open_file(), as_attachment=True, filename=job.filename)
    response["Content-Type"] = job.content_type
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("downloads/<uuid:pk>/", download_detail, name="download-detail"),
    path("downloads/<uuid:pk>/status/", download_status, name="download-status"),
    path("downloads/<uuid:pk>/file/", download_file, name="download-file"),
]
