"""Background jobs that survive faults: imports (``ImportJob``) and downloads (``DownloadJob``).

- **Queued on commit, never lost.** :func:`job_enqueue` marks the job ``queue_pending`` in the
  caller's transaction and sends its task once that commits. If the broker cannot be reached the
  job stays pending (the page says so) and the beat task ``kem.tasks.jobs_sweep`` sends it again
  every minute until the broker is back: no 500, no job "queued" forever.
- **Claimed once.** A task starts work only through :func:`job_claim`, a conditional UPDATE that
  succeeds when the job is in a state that wants work and no live worker holds it (no heartbeat,
  or one older than ``KEM_JOB_STALE_MINUTES``). A message delivered twice finds the job held or
  finished and does nothing.
- **Heartbeat.** The worker writes ``heartbeat_at`` on the row while it works (:func:`job_beat`,
  with each progress step). A job whose heartbeat stops (its worker was killed) is noticed by the
  sweeper and sent again (the import resumes after its last committed batch) or, after
  ``KEM_JOB_MAX_ATTEMPTS`` runs, failed with a message.
- **Permanent errors fail at once** (:data:`PERMANENT_ERRORS`: validation, a file gone, a right
  withdrawn): retrying cannot help, so the job fails with its message on the first try.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kem.models import DownloadJob, DownloadStatus, ImportJob, ImportStatus
from kem.sheets import sheet_key_context
from kem.vault import files

logger = logging.getLogger(__name__)

# What sending a task raises when the broker is down or unreachable.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    kombu.exceptions.ConnectionError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
)
# Sending gives up after about a second: the person waiting on the page is told instead.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}
# Errors a retry cannot mend: the job fails at once with a message.
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    ValidationError,
    ObjectDoesNotExist,
    PermissionDenied,
    FileNotFoundError,
)
# A job pending since less than this is being sent by its own request right now.
PENDING_GRACE = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class JobKind:
    model: type[models.Model]
    # Statuses in which a task should be working on the job.
    active: tuple[str, ...]
    task_name: Callable[[Any], str | None]
    fail: Callable[..., None]

    def task_for(self, job: Any) -> Any:
        from kem import tasks

        name = self.task_name(job)
        return getattr(tasks, name) if name else None


def _import_task(job: ImportJob) -> str | None:
    if job.status == ImportStatus.UPLOADED:
        return "import_read" if not job.headers and job.stored_name else None
    steps: dict[str, str] = {ImportStatus.MAPPED: "import_check", ImportStatus.IMPORTING: "import_run"}
    return steps.get(str(job.status))


def _import_fail(*, job_id: Any, code: str, message: str) -> None:
    from kem.services.imports import import_fail

    import_fail(job_id=job_id, code=code, message=message)


def _download_fail(*, job_id: Any, code: str, message: str) -> None:
    from kem.services.downloads import download_fail

    download_fail(job_id=job_id, code=code, message=message)


IMPORTS = JobKind(
    model=ImportJob,
    active=(ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.IMPORTING),
    task_name=_import_task,
    fail=_import_fail,
)
DOWNLOADS = JobKind(
    model=DownloadJob,
    active=(DownloadStatus.QUEUED, DownloadStatus.RUNNING),
    task_name=lambda job: "download_build",
    fail=_download_fail,
)
KINDS = (IMPORTS, DOWNLOADS)


def kind_of(job: Any) -> JobKind:
    return IMPORTS if isinstance(job, ImportJob) else DOWNLOADS


def stale_after() -> dt.timedelta:
    return dt.timedelta(minutes=settings.KEM_JOB_STALE_MINUTES)


# --- sending -----------------------------------------------------------------------------------
def send(task: Any, job_id: Any) -> bool:
    """Publish ``task(job_id)``; False (and a log line naming the task and the job id only) if the
    broker cannot be reached. Run eagerly (the embedded profile) the task runs here and now."""
    if task.app.conf.task_always_eager:
        task.apply_async(args=(job_id,))
        return True
    try:
        task.apply_async(args=(job_id,), retry=True, retry_policy=PUBLISH_RETRY)
    except BROKER_ERRORS as error:
        logger.warning("broker unreachable, %s of job %s left to the sweeper: %s", task.name, job_id, error)
        return False
    return True


def job_enqueue(job: Any) -> None:
    """Mark ``job`` to be sent and send its task when the current transaction commits.

    After the commit (at once outside a transaction) ``job.queue_failed`` tells whether the broker
    refused; the job then stays ``queue_pending`` and the sweeper sends it when it can.
    """
    kind = kind_of(job)
    now = timezone.now()
    kind.model.objects.filter(pk=job.pk).update(queue_pending=True, queued_at=now, heartbeat_at=None)  # type: ignore[attr-defined]
    job.queue_pending, job.queued_at, job.heartbeat_at = True, now, None
    job.queue_failed = False

    def _send() -> None:
        job.queue_failed = not _send_pending(kind, job.pk)

    transaction.on_commit(_send)


def _send_pending(kind: JobKind, pk: Any) -> bool:
    """Send the task of a pending job; clear its flag once the broker took it."""
    job = kind.model.objects.filter(pk=pk).first()  # type: ignore[attr-defined]
    if job is None:
        return True
    task = kind.task_for(job)
    if task is None:
        kind.model.objects.filter(pk=pk).update(queue_pending=False)  # type: ignore[attr-defined]
        return True
    # Cleared first: a task run eagerly, or a fast worker, must not find the job still pending.
    kind.model.objects.filter(pk=pk).update(queue_pending=False)  # type: ignore[attr-defined]
    if send(task, str(pk)):
        return True
    kind.model.objects.filter(pk=pk).update(queue_pending=True)  # type: ignore[attr-defined]
    return False


# --- the worker's side -------------------------------------------------------------------------
def job_claim(kind: JobKind, pk: Any, *, statuses: tuple[str, ...] | None = None) -> bool:
    """Take the job for this task: True for one task at a time (a conditional UPDATE)."""
    now = timezone.now()
    free = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - stale_after())
    claimed = kind.model.objects.filter(free, pk=pk, status__in=statuses or kind.active).update(  # type: ignore[attr-defined]
        heartbeat_at=now, attempts=F("attempts") + 1
    )
    return bool(claimed)


def job_beat(kind: JobKind, pk: Any, **fields: Any) -> None:
    """The worker is alive: write the heartbeat (and ``fields``, e.g. the progress)."""
    kind.model.objects.filter(pk=pk).update(heartbeat_at=timezone.now(), **fields)  # type: ignore[attr-defined]


def job_release(kind: JobKind, pk: Any) -> None:
    """Let go of a job (its task will be retried): the retry may claim it at once."""
    kind.model.objects.filter(pk=pk).update(heartbeat_at=None)  # type: ignore[attr-defined]


def permanent_message(error: BaseException) -> str:
    """What the person reads when ``error`` failed their job (nothing of the data it was about)."""
    if isinstance(error, ValidationError):
        return str(error.messages[0]) if error.messages else _("The job could not be done.")
    if isinstance(error, PermissionDenied):
        return _("You may no longer do this.")
    if isinstance(error, FileNotFoundError):
        return _("A file this job needed is gone.")
    return _("What this job was about no longer exists.")


def permanent_code(error: BaseException) -> str:
    code = getattr(error, "code", None) if isinstance(error, ValidationError) else None
    return str(code or type(error).__name__)[:40]


# --- the sweeper (beat) ------------------------------------------------------------------------
def jobs_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send again what the broker refused; resume or fail jobs whose worker stopped beating.

    Returns counts: ``requeued`` (pending jobs sent), ``resumed`` (stale jobs sent again),
    ``failed`` (stale jobs out of attempts).
    """
    now = now or timezone.now()
    stale = now - stale_after()
    counts = {"requeued": 0, "resumed": 0, "failed": 0}
    for kind in KINDS:
        objects = kind.model.objects  # type: ignore[attr-defined]
        for pk in objects.filter(queue_pending=True, queued_at__lt=now - PENDING_GRACE).values_list(
            "pk", flat=True
        ):
            counts["requeued"] += _send_pending(kind, pk)
        active = objects.filter(status__in=kind.active, queue_pending=False)
        lost = active.filter(Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, queued_at__lt=stale))
        for job in lost:
            if kind.task_for(job) is None:
                continue
            if job.heartbeat_at is not None and job.attempts >= settings.KEM_JOB_MAX_ATTEMPTS:
                with translation.override(job.language or settings.LANGUAGE_CODE):
                    kind.fail(
                        job_id=job.pk,
                        code="worker_lost",
                        message=_(
                            "The job stopped several times (its worker was lost); nothing more was done."
                        ),
                    )
                counts["failed"] += 1
                continue
            # Let go of the dead worker's claim: the task sent now may take the job at once.
            objects.filter(pk=job.pk).update(queued_at=now, heartbeat_at=None)
            if send(kind.task_for(job), str(job.pk)):
                counts["resumed"] += 1
            else:
                objects.filter(pk=job.pk).update(queue_pending=True)
    return counts


def rewrap_file_keys() -> int:
    """Re-wrap the keys of kept job files still wrapped by an old root key under the newest one
    (``rotate_keys`` does it with the person and index keys); returns how many."""
    count = 0
    for job in ImportJob.objects.exclude(file_key=None):
        assert job.file_key is not None
        if files.wrapped_by_old_root_key(job.file_key):
            wrapped = files.rewrap_file_key(job.file_key, context=sheet_key_context(job.stored_name))
            count += ImportJob.objects.filter(pk=job.pk, file_key=job.file_key).update(file_key=wrapped)
    for download in DownloadJob.objects.exclude(file_key=None):
        assert download.file_key is not None
        if files.wrapped_by_old_root_key(download.file_key):
            wrapped = files.rewrap_file_key(download.file_key, context=download.key_context)
            count += DownloadJob.objects.filter(pk=download.pk, file_key=download.file_key).update(
                file_key=wrapped
            )
    return count
