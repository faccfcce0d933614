"""Periodic housekeeping."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def clear_expired_sessions(self) -> int:
    """Delete expired log-in sessions (daily, from beat); returns how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


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
