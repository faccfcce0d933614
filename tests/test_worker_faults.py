"""Jobs that survive faults, on a real worker process over Redis (see tests/worker.py): the worker
killed with SIGKILL in the middle of an import, and the broker down when a job is queued."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bench.imports.sheets import MAPPING, person_row, xlsx_bytes
from config.celery import app
from kem.models import Beneficiary, ImportJob, ImportStatus
from kem.services import imports as services
from kem.services.jobs import jobs_sweep
from tests.factories import PASSWORD
from tests.worker import running_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

UNREACHABLE = "redis://127.0.0.1:6399/0"


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")


def checked_job(athens, manager, rows: int) -> ImportJob:
    job = services.import_upload(
        centre=athens,
        by=manager,
        upload=SimpleUploadedFile("people.xlsx", xlsx_bytes([person_row(n) for n in range(rows)])),
        file_format="xlsx",
        language="el",
    )  # eager here: the header row is read at once
    job.refresh_from_db()
    job = services.import_map(job=job, by=manager, mapping=MAPPING)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.failure_message
    return job


def test_an_import_whose_worker_is_killed_is_resumed_by_the_sweeper_and_completes(
    tmp_path, settings, athens, manager
):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = checked_job(athens, manager, 1500)

    with running_worker(tmp_path) as worker:
        services.import_start(job=job, by=manager, mode="valid_rows")
        # Killed mid-way: after its first heartbeat, before the end.
        wait_until(
            lambda: ImportJob.objects.filter(pk=job.pk, heartbeat_at__isnull=False, progress__gt=0).exists(),
            90,
            "the import started",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    job.refresh_from_db()
    assert job.status == ImportStatus.IMPORTING and job.progress < 100, (job.status, job.progress)
    killed_at = job.progress

    with running_worker(tmp_path):
        # The sweeper (beat, every minute) notices the silent heartbeat once it is stale.
        later = job.heartbeat_at + dt.timedelta(minutes=settings.KEM_JOB_STALE_MINUTES, seconds=1)
        assert jobs_sweep(now=later)["resumed"] == 1
        job = wait_until(
            lambda: ImportJob.objects.filter(pk=job.pk, status=ImportStatus.DONE).first(), 120, "resumed"
        )

    assert (job.imported_rows, job.attempts) == (1500, 2), killed_at
    assert Beneficiary.objects.filter(registering_centre=athens).count() == 1500


def test_a_job_of_a_worker_that_died_for_good_fails_with_a_message(tmp_path, settings, athens, manager):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = checked_job(athens, manager, 1)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING,
        attempts=settings.KEM_JOB_MAX_ATTEMPTS,
        heartbeat_at="2026-01-01T00:00Z",
    )

    assert jobs_sweep()["failed"] == 1

    job.refresh_from_db()
    assert (job.status, job.failure, job.stored_name) == (ImportStatus.FAILED, "worker_lost", "")
    assert job.failure_message


def test_with_the_broker_down_the_page_says_so_and_the_job_runs_once_the_broker_is_back(
    tmp_path, settings, client, athens, manager
):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = services.import_upload(
        centre=athens,
        by=manager,
        upload=SimpleUploadedFile("people.xlsx", xlsx_bytes([person_row(n) for n in range(3)])),
        file_format="xlsx",
        language="el",
    )
    job.refresh_from_db()
    client.login(username=manager.username, password=PASSWORD)
    data = {f"col_{i}": MAPPING.get(header, "") for i, header in enumerate(job.headers)}

    with running_worker(tmp_path):
        broker = app.conf.broker_url
        app.conf.broker_url = UNREACHABLE
        _reset_connections()
        try:
            started = time.monotonic()
            response = client.post(reverse("import-mapping", kwargs={"pk": job.pk}), data, follow=True)
            elapsed = time.monotonic() - started
        finally:
            app.conf.broker_url = broker
            _reset_connections()
        job.refresh_from_db()
        assert response.status_code == 200 and elapsed < 10
        page = response.content.decode()
        assert 'data-queue="pending"' in page
        assert [m.level_tag for m in response.context["messages"]] == ["warning"]
        assert (job.status, job.queue_pending) == (ImportStatus.MAPPED, True)

        # The broker is back: the sweeper's next round sends the job, the worker checks it.
        later = job.queued_at + dt.timedelta(minutes=1)
        assert jobs_sweep(now=later)["requeued"] == 1
        job = wait_until(
            lambda: ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).first(), 60, "checked"
        )

    assert (job.total_rows, job.valid_rows, job.queue_pending) == (3, 3, False)


def _reset_connections() -> None:
    import kombu.pools

    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()
