"""Background-made downloads: start one, report its progress, finish or fail it, clean up.

A builder is a function ``build(job, progress) -> (filename, content_type, stored_name)`` that
writes the file with :func:`new_file` (which seals it under the job's own key); the app that makes each kind registers its builder
(``kem.registry.register_download_builder``, in its ``AppConfig.ready()``), so this module
imports none of them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import get_language

from kem.models import DownloadJob, DownloadStatus
from kem.models.downloads import downloads_dir
from kem.registry import download_builder
from kem.services.jobs import DOWNLOADS, job_beat, job_enqueue
from kem.vault import files

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Progress = Callable[[int], None]


@contextmanager
def new_file(job: DownloadJob, suffix: str) -> Iterator[tuple[str, IO[bytes]]]:
    """Open a new owner-only file of ``job`` under a random name; yields (name, binary stream).

    What is written is sealed under a new key of the job's (``kem.vault.files``): the plaintext
    never touches the disk, and the key, wrapped under the root key, is set on ``job`` (saved by
    ``download_build`` with the rest). The stream can tell its position but not seek. If the
    block raises, the file is deleted: a half-made export or batch of certificates holds names,
    and the retry writes a new file anyway.
    """
    name = f"{secrets.token_hex(20)}.{suffix}"
    key = files.new_file_key()
    job.stored_name = name
    job.file_key = files.wrap_file_key(key, context=job.key_context)
    try:
        with files.seal_file(downloads_dir() / name, key, context=job.file_context) as out:
            yield name, out  # type: ignore[misc]
    except BaseException:
        job.stored_name, job.file_key = "", None
        raise


def download_start(
    *, kind: str, by: User, centre: Any = None, params: dict[str, Any] | None = None
) -> DownloadJob:
    """Record a download and queue the task that makes it (after the transaction commits).

    If the broker cannot be reached, ``job.queue_failed`` is true once the transaction has
    committed and the sweeper queues the job later (``kem.services.jobs``).
    """
    job = DownloadJob(
        kind=kind, centre=centre, created_by=by, params=params or {}, language=(get_language() or "el")[:8]
    )
    with transaction.atomic():
        job.full_clean()
        job.save()
        job_enqueue(job)
    return job


def download_progress(job: DownloadJob, percent: int) -> None:
    job.progress = max(0, min(int(percent), 100))
    job_beat(DOWNLOADS, job.pk, progress=job.progress, status=DownloadStatus.RUNNING)


def download_build(*, job_id: str) -> DownloadJob:
    """Run the job's builder; on success the file is kept for ``KEM_DOWNLOAD_HOURS`` hours.

    A job already made (a message delivered twice) is not made again.
    """
    job = DownloadJob.objects.select_related("created_by", "centre").get(pk=job_id)
    if job.is_done:
        return job
    job_beat(DOWNLOADS, job.pk, status=DownloadStatus.RUNNING, progress=0)
    builder = download_builder(job.kind)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        filename, content_type, stored_name = builder(job, lambda percent: download_progress(job, percent))
    job.refresh_from_db(fields=["status"])
    if job.is_done:  # failed by the sweeper meanwhile: the late file is not offered
        (downloads_dir() / stored_name).unlink(missing_ok=True)
        return job
    now = timezone.now()
    job.status = DownloadStatus.READY
    job.progress = 100
    job.filename, job.content_type, job.stored_name = filename, content_type, stored_name
    job.size = files.plaintext_size(job.path.stat().st_size)
    job.finished_at = now
    job.expires_at = now + dt.timedelta(hours=settings.KEM_DOWNLOAD_HOURS)
    job.failure = ""
    job.save()
    return job


def download_fail(*, job_id: str, code: str, message: str = "") -> None:
    """Mark a job failed (a permanent error, or its retries are spent); no file is kept."""
    DownloadJob.objects.filter(pk=job_id).exclude(status=DownloadStatus.READY).update(
        status=DownloadStatus.FAILED,
        stored_name="",
        file_key=None,
        failure=code[:200],
        failure_message=message[:300],
        finished_at=timezone.now(),
    )


def downloads_cleanup() -> int:
    """Delete the files of expired downloads; returns how many went."""
    count = 0
    for job in DownloadJob.objects.exclude(stored_name="").filter(expires_at__lt=timezone.now()):
        job.path.unlink(missing_ok=True)
        DownloadJob.objects.filter(pk=job.pk).update(
            stored_name="", file_key=None, status=DownloadStatus.EXPIRED
        )
        count += 1
    return count
