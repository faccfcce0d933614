"""Periodic referral work, run by beat: arguments are never personal data."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def referrals_mark_overdue(self) -> int:
    """Mark sent referrals whose follow-up date has passed without an answer (daily)."""
    from referrals.services.followup import referrals_mark_overdue as mark

    return mark()
