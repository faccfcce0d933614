"""The import's dry run and import on a real worker process over Redis (see tests/worker.py)."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bench.imports.sheets import MAPPING, person_row, xlsx_bytes
from kem import tasks
from kem.models import Beneficiary, ImportStatus
from kem.services import imports as services
from tests.worker import running_worker, wait_for_log

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for_status(job, status, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == status:
            return job
        time.sleep(0.2)
    raise AssertionError(f"the import is {job.status} at {job.progress}%, not {status}")


def test_the_check_and_the_import_run_on_the_real_worker(tmp_path, settings, athens, manager):
    # The worker's MEDIA_ROOT is under its KEM_VAR_DIR (tmp_path): share the private folder.
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [person_row(n) for n in range(12)]
    rows[5][6] = "12345678901"
    with running_worker(tmp_path):
        # Each step's task is sent when its transaction commits; the worker claims and runs it.
        job = services.import_upload(
            centre=athens,
            by=manager,
            upload=SimpleUploadedFile("people.xlsx", xlsx_bytes(rows)),
            file_format="xlsx",
            language="el",
        )
        path = job.file_path
        deadline = time.monotonic() + 60
        while not job.headers and time.monotonic() < deadline:
            time.sleep(0.2)
            job.refresh_from_db()
        assert job.headers[0] == "Όνομα" and job.status == ImportStatus.UPLOADED
        job = services.import_map(job=job, by=manager, mapping=MAPPING)
        job = wait_for_status(job, ImportStatus.CHECKED)
        assert (job.total_rows, job.valid_rows, job.invalid_rows) == (12, 11, 1)
        assert [r["row"] for r in job.report["rows"]] == [7]

        services.import_start(job=job, by=manager, mode="valid_rows")
        wait_for_status(job, ImportStatus.DONE)
        # The same message delivered again does nothing: the job is finished.
        assert tasks.import_run.delay(job.pk).get(timeout=60) == ImportStatus.DONE
        worker_log = wait_for_log(tmp_path / "worker.log", "kem.tasks.import_run")

    job.refresh_from_db()
    assert (job.status, job.imported_rows) == (ImportStatus.DONE, 11)
    assert Beneficiary.objects.filter(registering_centre=athens).count() == 11
    assert {h.history_user_id for h in Beneficiary.history.all()} == {manager.pk}
    assert not path.exists()
    # Nothing of the sheet reaches the worker's log: only ids travel.
    assert "Αχμέτ" not in worker_log and person_row(1)[6] not in worker_log
