"""Background jobs under faults, in-process (the real worker's side is tests/test_worker_faults.py):
queued on commit, the broker down told and retried, one claim per job, a heartbeat and a sweeper,
permanent errors failing at once."""

from __future__ import annotations

import datetime as dt

import kombu.pools
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from bench.imports.sheets import MAPPING, person_row, xlsx_bytes
from config.celery import app
from kem import registry, tasks
from kem.models import Beneficiary, DownloadJob, DownloadKind, DownloadStatus, ImportJob, ImportStatus
from kem.services import imports as services
from kem.services import jobs
from kem.services.downloads import download_start, new_file
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

UNREACHABLE = "redis://127.0.0.1:6399/0"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def broker_down():
    """Tasks go to a broker nobody answers on (as a production web process would see it)."""
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=UNREACHABLE, task_always_eager=False)
    _reset_connections()
    yield
    app.conf.update(**saved)
    _reset_connections()


def _reset_connections() -> None:
    app.pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def uploaded(athens, manager) -> ImportJob:
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = services.import_upload(
            centre=athens,
            by=manager,
            upload=SimpleUploadedFile("people.xlsx", xlsx_bytes([person_row(n) for n in range(3)])),
            file_format="xlsx",
            language="el",
        )
    job.refresh_from_db()
    return job


@pytest.fixture
def builder(monkeypatch):
    """A download builder of the statistics kind that writes a small file and counts its runs."""
    runs = []

    def build(job, progress):
        runs.append(job.pk)
        progress(50)
        with new_file(job, "csv") as (name, out):
            out.write(b"a,b\n")
        return "f.csv", "text/csv", name

    monkeypatch.setitem(registry._DOWNLOAD_BUILDERS, DownloadKind.STATISTICS, build)
    return runs


# --- on commit ----------------------------------------------------------------------------------
def test_a_job_is_sent_only_when_its_transaction_commits(manager, builder):
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        job = download_start(kind=DownloadKind.STATISTICS, by=manager)
    job.refresh_from_db()
    assert (job.status, job.queue_pending, builder) == (DownloadStatus.QUEUED, True, [])

    for callback in callbacks:
        callback()

    job.refresh_from_db()
    assert (job.status, job.queue_pending, builder) == (DownloadStatus.READY, False, [job.pk])


# --- the broker down ----------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_mapping_page_warns_and_the_sweeper_sends_the_job_later(
    client, manager, uploaded, broker_down
):
    client.login(username=manager.username, password=PASSWORD)
    data = {f"col_{i}": MAPPING.get(h, "") for i, h in enumerate(uploaded.headers)}

    response = client.post(reverse("import-mapping", kwargs={"pk": uploaded.pk}), data, follow=True)

    job = ImportJob.objects.get(pk=uploaded.pk)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert 'data-queue="pending"' in response.content.decode()
    assert (job.status, job.queue_pending) == (ImportStatus.MAPPED, True)

    # Still down a minute later: the job stays pending, nothing fails.
    assert jobs.jobs_sweep(now=timezone.now() + dt.timedelta(minutes=1))["requeued"] == 0
    job.refresh_from_db()
    assert job.queue_pending and job.status == ImportStatus.MAPPED

    # Back (here: tasks run in-process again): the next round sends it and it is checked.
    app.conf.task_always_eager = True
    assert jobs.jobs_sweep(now=timezone.now() + dt.timedelta(minutes=2))["requeued"] == 1
    job.refresh_from_db()
    assert (job.status, job.queue_pending, job.valid_rows) == (ImportStatus.CHECKED, False, 3)


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_an_export_is_kept_and_the_page_says_so(client, manager, broker_down):
    client.force_login(manager)

    response = client.post(
        reverse("statistics-export"),
        {"report": "headline", "start": "2025-01-01", "end": "2025-12-31", "format": "csv"},
        follow=True,
    )

    job = DownloadJob.objects.get()
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["warning"]
    assert (job.status, job.queue_pending) == (DownloadStatus.QUEUED, True)


# --- one claim ----------------------------------------------------------------------------------
def test_a_job_is_claimed_once_and_again_only_when_its_heartbeat_is_stale(uploaded):
    ImportJob.objects.filter(pk=uploaded.pk).update(status=ImportStatus.MAPPED, heartbeat_at=None, attempts=0)

    assert jobs.job_claim(jobs.IMPORTS, uploaded.pk) is True
    assert jobs.job_claim(jobs.IMPORTS, uploaded.pk) is False  # a live worker holds it
    ImportJob.objects.filter(pk=uploaded.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=6))
    assert jobs.job_claim(jobs.IMPORTS, uploaded.pk) is True  # its worker is gone
    assert ImportJob.objects.get(pk=uploaded.pk).attempts == 2


def test_an_import_delivered_twice_registers_its_people_once(manager, uploaded):
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = services.import_map(job=uploaded, by=manager, mapping=MAPPING)
    job.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.import_start(job=job, by=manager, mode="valid_rows")

    again = tasks.import_run.delay(job.pk).get()  # the same message, delivered again

    job.refresh_from_db()
    assert (again, job.status, job.imported_rows) == (ImportStatus.DONE, ImportStatus.DONE, 3)
    assert Beneficiary.objects.count() == 3


def test_an_export_already_made_is_not_made_again(manager, builder):
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = download_start(kind=DownloadKind.STATISTICS, by=manager)
    job.refresh_from_db()
    stored = job.stored_name

    assert tasks.download_build.delay(str(job.pk)).get() == DownloadStatus.READY

    job.refresh_from_db()
    assert (builder, job.stored_name, job.attempts) == ([job.pk], stored, 1)


# --- heartbeat and sweeper ----------------------------------------------------------------------
def test_a_job_whose_heartbeat_stopped_is_resumed_and_finishes(manager, uploaded, settings):
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = services.import_map(job=uploaded, by=manager, mapping=MAPPING)
    # As a worker killed at 43% leaves it.
    stopped = timezone.now() - dt.timedelta(minutes=settings.KEM_JOB_STALE_MINUTES + 1)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.IMPORTING, mode="valid_rows", progress=43, heartbeat_at=stopped, attempts=1
    )

    assert jobs.jobs_sweep() == {"requeued": 0, "resumed": 1, "failed": 0}

    job.refresh_from_db()
    assert (job.status, job.imported_rows, job.attempts) == (ImportStatus.DONE, 3, 2)


def test_a_live_job_is_left_alone_by_the_sweeper(manager, uploaded):
    ImportJob.objects.filter(pk=uploaded.pk).update(
        status=ImportStatus.IMPORTING, progress=43, heartbeat_at=timezone.now(), attempts=1
    )

    assert jobs.jobs_sweep() == {"requeued": 0, "resumed": 0, "failed": 0}
    assert ImportJob.objects.get(pk=uploaded.pk).progress == 43


def test_a_job_out_of_attempts_is_failed_with_a_message_on_its_page(client, manager, uploaded, settings):
    ImportJob.objects.filter(pk=uploaded.pk).update(
        status=ImportStatus.IMPORTING,
        progress=43,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
        attempts=settings.KEM_JOB_MAX_ATTEMPTS,
        language="en",
    )

    assert jobs.jobs_sweep()["failed"] == 1

    job = ImportJob.objects.get(pk=uploaded.pk)
    assert (job.status, job.failure, job.stored_name) == (ImportStatus.FAILED, "worker_lost", "")
    assert job.failure_message.startswith("The job stopped several times")  # in the job's language
    client.force_login(manager)
    page = client.get(reverse("import-check", kwargs={"pk": job.pk})).content.decode()
    assert job.failure_message and job.failure_message in page


def test_the_sweeper_is_scheduled_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["jobs-sweep"]
    assert entry["task"] == "kem.tasks.jobs_sweep" and entry["schedule"] == 60.0
    assert tasks.jobs_sweep.name == "kem.tasks.jobs_sweep"


# --- permanent errors ---------------------------------------------------------------------------
def test_a_permanent_error_fails_the_job_at_once_with_its_message_and_no_retry(manager, monkeypatch):
    def refuse(job, progress):
        raise ValidationError("Δεν υπάρχει τίποτα για εκτύπωση.", code="nothing")

    monkeypatch.setitem(registry._DOWNLOAD_BUILDERS, DownloadKind.STATISTICS, refuse)
    with TestCase.captureOnCommitCallbacks(execute=False):
        job = download_start(kind=DownloadKind.STATISTICS, by=manager)
    task = tasks.download_build
    task.push_request(retries=0, is_eager=False)
    try:
        outcome = task.run(str(job.pk))  # a raise here would be retried by Celery
    finally:
        task.pop_request()

    job.refresh_from_db()
    assert outcome == "failed"
    assert (job.status, job.failure, job.failure_message, job.attempts) == (
        DownloadStatus.FAILED,
        "nothing",
        "Δεν υπάρχει τίποτα για εκτύπωση.",
        1,
    )


def test_an_import_whose_file_is_gone_fails_at_once(manager, uploaded):
    with TestCase.captureOnCommitCallbacks(execute=False):
        job = services.import_map(job=uploaded, by=manager, mapping=MAPPING)
    job.file_path.unlink()
    task = tasks.import_check
    task.push_request(retries=0, is_eager=False)
    try:
        outcome = task.run(job.pk)
    finally:
        task.pop_request()

    job.refresh_from_db()
    assert (outcome, job.status, job.failure, job.attempts) == ("failed", ImportStatus.FAILED, "file_gone", 1)
    assert job.failure_message


def test_a_transient_error_lets_go_of_the_job_so_that_the_retry_can_claim_it(uploaded, monkeypatch):
    ImportJob.objects.filter(pk=uploaded.pk).update(status=ImportStatus.MAPPED, attempts=0)

    def broken(*, job_id):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "import_check_job", broken)
    task = tasks.import_check
    task.push_request(retries=0, is_eager=False)
    try:
        with pytest.raises(RuntimeError):
            task.run(uploaded.pk)
    finally:
        task.pop_request()

    job = ImportJob.objects.get(pk=uploaded.pk)
    assert (job.status, job.heartbeat_at, job.attempts) == (ImportStatus.MAPPED, None, 1)
