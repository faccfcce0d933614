"""A statistics export made by a real Celery worker process over Redis (see tests/worker.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from kem.models import DownloadKind, DownloadStatus
from kem.services.downloads import download_start
from tests.worker import running_worker, wait_for_download, wait_for_log

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SPRING = dt.date(2025, 3, 3)


def test_a_statistics_export_is_made_by_the_real_worker(tmp_path, settings, manager, athens, make_person):
    # The worker writes under its own KEM_VAR_DIR (tmp_path): read the file from there.
    settings.MEDIA_ROOT = tmp_path / "media"
    for _ in range(12):
        make_person(registered=SPRING, nationality="AF", gender="male")
    make_person(registered=SPRING, nationality="SY", gender="female")

    with running_worker(tmp_path):
        job = download_start(
            kind=DownloadKind.STATISTICS,
            by=manager,
            centre=athens,
            params={
                "kind": "breakdown",
                "start": "2025-01-01",
                "end": "2025-12-31",
                "centre": athens.pk,
                "measure": "served",
                "rows": "nationality",
                "cols": "gender",
                "top_n": 10,
                "rounding": None,
                "format": "xlsx",
            },
        )
        job = wait_for_download(job)
        worker_log = wait_for_log(tmp_path / "worker.log", "succeeded")

    assert job.status == DownloadStatus.READY, job.failure
    assert job.progress == 100 and job.expires_at is not None
    assert job.path.is_relative_to(tmp_path) and len(job.open_file().read()) == job.size
    sheet = load_workbook(job.open_file()).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert 12 in values, values  # the Afghan men
    assert "<10" in values  # the one Syrian woman, suppressed
    assert 1 not in values
    assert "kem.tasks.download_build" in worker_log
    assert "succeeded" in worker_log
