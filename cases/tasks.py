"""Periodic counselling work, run by beat: arguments are never personal data."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def interpreter_reminders(self) -> int:
    """E-mail tomorrow's interpreter bookings (daily); returns how many reminders went."""
    from cases.services.interpreters import interpreter_reminders_send

    return interpreter_reminders_send()


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def document_reminders(self) -> int:
    """Raise reminders for documents expiring within 30 days (daily); returns how many are new."""
    from cases.services.benefits import document_reminders_refresh

    return document_reminders_refresh()
