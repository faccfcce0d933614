"""Periodic housekeeping."""

from __future__ import annotations

import logging

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def clear_expired_sessions(self) -> int:
    """Delete expired log-in sessions and API tokens (daily, from beat); returns how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    from kem.services.auth import api_tokens_expired_delete

    return deleted + api_tokens_expired_delete()


# --- spreadsheet import (kem/services/imports.py) ---------------------------------------------
# Arguments are job ids only. A failure is retried with backoff; when the retries are spent the
# job is marked failed (its file deleted) and the error is raised for the worker's log.
@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def import_check(self, job_id: int) -> str:
    """The dry run of an import: validate every row and store the report."""
    return _import_step(self, job_id, "check")


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def import_run(self, job_id: int) -> str:
    """The import itself, in the mode the manager chose."""
    return _import_step(self, job_id, "run")


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def import_files_cleanup(self) -> int:
    """Delete uploaded sheets older than seven days (hourly, from beat); returns how many went."""
    from kem.services.imports import import_files_cleanup as cleanup

    return cleanup()


def _import_step(task, job_id: int, step: str) -> str:
    from kem.services import imports
    from kem.vault import key_cache

    body = imports.import_check_job if step == "check" else imports.import_run_job
    try:
        with key_cache():
            return body(job_id=job_id).status
    except Exception:
        # Run eagerly (the embedded profile) a task is not retried: it fails at once.
        if task.request.is_eager or task.request.retries >= task.max_retries:
            imports.import_fail(job_id=job_id, code="task_failed")
        raise


# --- downloads made in the background (kem/services/downloads.py) -----------------------------
@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def download_build(self, job_id: str) -> str:
    """Make a download's file (certificates of a class, a statistics export); the job id only."""
    from kem.services import downloads
    from kem.vault import key_cache

    try:
        with key_cache():
            return downloads.download_build(job_id=job_id).status
    except Exception as error:
        if self.request.is_eager:
            # In-process (the embedded profile) there is no worker to retry: the page says it failed.
            logger.exception("download %s failed", job_id)
            downloads.download_fail(job_id=job_id, code=type(error).__name__)
            return "failed"
        if self.request.retries >= self.max_retries:
            downloads.download_fail(job_id=job_id, code=type(error).__name__)
        raise


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def downloads_cleanup(self) -> int:
    """Delete expired downloads' files (hourly, from beat); returns how many went."""
    from kem.services.downloads import downloads_cleanup as cleanup

    return cleanup()
