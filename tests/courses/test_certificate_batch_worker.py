"""Printing a class's certificates on a real Celery worker process over Redis (see tests/worker.py):
the page starts the job, the worker makes one PDF and reports its progress, the file is offered."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pypdf import PdfReader

from courses.models import EnrolmentStatus
from courses.services.certificates import PRINT_ACTION, certificate_issue
from kem.models import AccessEvent, DownloadJob, DownloadStatus
from tests.worker import running_worker, wait_for_download, wait_for_log

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_printing_a_class_runs_on_the_real_worker_and_yields_one_pdf(
    tmp_path, settings, client, course_class, teacher, make_person, enrol_in
):
    # The worker writes under its own KEM_VAR_DIR (tmp_path); this process reads the same place.
    settings.MEDIA_ROOT = tmp_path / "media"
    graduates = [
        enrol_in(course_class, make_person(f"Απόφοιτη{i}"), status=EnrolmentStatus.GRADUATED, completed=True)
        for i in range(3)
    ]
    certificates = [certificate_issue(enrolment=e, by=teacher) for e in graduates]
    client.force_login(teacher)

    with running_worker(tmp_path):
        response = client.post(reverse("class-certificates-print", args=[course_class.pk]))
        job = wait_for_download(DownloadJob.objects.get())
        worker_log = wait_for_log(tmp_path / "worker.log", "succeeded")

    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.status, job.progress, job.failure) == (DownloadStatus.READY, 100, "")
    assert "kem.tasks.download_build" in worker_log and "succeeded" in worker_log
    reader = PdfReader(job.open_file())
    assert len(reader.pages) == 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Ελληνικά Α1" in text
    for certificate, enrolment in zip(certificates, graduates, strict=True):
        assert certificate.number in text
        assert enrolment.beneficiary.given_name in text
    # Names appear in no log line and no task argument: only the job's id travels.
    assert "Απόφοιτη" not in worker_log
    assert AccessEvent.objects.filter(action=PRINT_ACTION, user=teacher).count() == 3
    page = client.get(reverse("download-detail", args=[job.pk])).content.decode()
    assert reverse("download-file", args=[job.pk]) in page
    download = client.get(reverse("download-file", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
