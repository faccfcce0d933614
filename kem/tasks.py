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


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def facts_rewrite(self) -> int:
    """Rewrite the special-category facts in pseudonym order (nightly, from beat): the order in
    which they were written must not tie them to people (kem.models.facts.rewrite_facts)."""
    from kem.models.facts import rewrite_facts

    return rewrite_facts()


# --- background jobs (kem/services/jobs.py) ---------------------------------------------------
# Arguments are job ids only. A task works on its job only once it has claimed it (a message
# delivered twice does nothing the second time). A permanent error (validation, a file gone, a
# right withdrawn) fails the job at once with its message; any other error is retried with
# backoff, and when the retries are spent the job is marked failed and the error is raised for
# the worker's log.
@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def import_read(self, job_id: int) -> str:
    """Read an uploaded sheet's header row (the first read of the file happens here, not on the web)."""
    return _import_step(self, job_id, "read")


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


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=2)
def jobs_sweep(self) -> dict[str, int]:
    """Send jobs the broker refused, resume or fail jobs whose worker died (every minute, from beat)."""
    from kem.services.jobs import jobs_sweep as sweep

    return sweep()


def _import_step(task, job_id: int, step: str) -> str:
    from kem.models import ImportStatus
    from kem.services import imports, jobs

    body = {"read": imports.import_read_job, "check": imports.import_check_job, "run": imports.import_run_job}
    statuses = {"read": ImportStatus.UPLOADED, "check": ImportStatus.MAPPED, "run": ImportStatus.IMPORTING}
    return _job_step(
        task, jobs.IMPORTS, int(job_id), lambda: body[step](job_id=int(job_id)).status, (statuses[step],)
    )


def _job_step(task, kind, job_id, body, statuses=None) -> str:
    """Claim the job, run ``body``; fail at once on a permanent error, else retry then fail."""
    from django.utils import translation

    from kem.services import jobs
    from kem.vault import key_cache

    if not jobs.job_claim(kind, job_id, statuses=statuses):
        # Delivered again, or held by a live worker: nothing to do twice.
        current = kind.model.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return str(current or "gone")
    try:
        with key_cache():
            outcome = body()
        # Done with this step: the next one (queued later, e.g. the import after the dry run)
        # may claim the job at once.
        jobs.job_release(kind, job_id)
        return outcome
    except jobs.PERMANENT_ERRORS as error:
        language = kind.model.objects.filter(pk=job_id).values_list("language", flat=True).first()
        with translation.override(language or "el"):
            kind.fail(job_id=job_id, code=jobs.permanent_code(error), message=jobs.permanent_message(error))
        logger.info("job %s failed for good: %s", job_id, type(error).__name__)
        return "failed"
    except Exception as error:
        if task.request.is_eager or task.request.retries >= task.max_retries:
            kind.fail(job_id=job_id, code="task_failed", message="")
            if task.request.is_eager and kind is jobs.DOWNLOADS:
                # In-process (the embedded profile) there is no worker to retry: the page says it failed.
                logger.exception("download %s failed: %s", job_id, type(error).__name__)
                return "failed"
        else:
            jobs.job_release(kind, job_id)
        raise


# --- downloads made in the background (kem/services/downloads.py) -----------------------------
@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def download_build(self, job_id: str) -> str:
    """Make a download's file (certificates of a class, a statistics export); the job id only."""
    from kem.services import downloads, jobs

    return _job_step(self, jobs.DOWNLOADS, job_id, lambda: downloads.download_build(job_id=job_id).status)


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def downloads_cleanup(self) -> int:
    """Delete expired downloads' files (hourly, from beat); returns how many went."""
    from kem.services.downloads import downloads_cleanup as cleanup

    return cleanup()
