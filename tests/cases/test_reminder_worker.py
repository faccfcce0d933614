"""The daily document-reminder task on a real worker process over Redis (see tests/worker.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.beat import ScheduleEntry, Scheduler
from django.utils import timezone

from cases.models import DocumentReminder
from config.celery import app
from kem import services as kem_services
from kem.models import Role
from tests.worker import running_worker, wait_for_log

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_daily_document_reminders_run_on_the_real_worker(tmp_path, athens, make_staff):
    expires_on = timezone.localdate() + dt.timedelta(days=10)
    person = kem_services.beneficiary_register(
        centre=athens,
        by=make_staff(Role.FRONT_DESK, athens),
        data={
            "given_name": "Χασάν",
            "family_name": "Αλί",
            "documents": [
                {"kind": "residence_permit", "number": "RP-WORKER-1", "expires_on": expires_on.isoformat()}
            ],
        },
        check_duplicates=False,
    )

    with running_worker(tmp_path):
        # Send the task exactly as celery beat does, from its schedule entry.
        conf = app.conf.beat_schedule["document-reminders"]
        entry = ScheduleEntry(
            name="document-reminders", task=conf["task"], schedule=conf["schedule"], app=app
        )
        result = Scheduler(app, lazy=True).apply_async(entry, producer=None, advance=False)
        created = result.get(timeout=60)
        worker_log = wait_for_log(tmp_path / "worker.log", "succeeded")

    assert created == 1
    reminder = DocumentReminder.objects.get()
    assert (reminder.beneficiary_id, reminder.centre_id, reminder.expires_on) == (
        person.pk,
        athens.pk,
        expires_on,
    )
    assert "cases.tasks.document_reminders" in worker_log
    assert "succeeded" in worker_log
