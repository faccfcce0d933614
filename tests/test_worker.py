"""Tasks run on a real worker process over Redis (see tests/worker.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.beat import ScheduleEntry, Scheduler
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import app
from tests.worker import running_worker, wait_for_log

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_periodic_session_cleanup_runs_on_the_real_worker(tmp_path):
    expired = SessionStore()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - dt.timedelta(hours=1)
    )
    kept = SessionStore()
    kept.create()

    with running_worker(tmp_path):
        # Send the task exactly as celery beat does, from its schedule entry.
        conf = app.conf.beat_schedule["clear-expired-sessions"]
        entry = ScheduleEntry(
            name="clear-expired-sessions", task=conf["task"], schedule=conf["schedule"], app=app
        )
        result = Scheduler(app, lazy=True).apply_async(entry, producer=None, advance=False)
        deleted = result.get(timeout=60)
        worker_log = wait_for_log(tmp_path / "worker.log", "succeeded")

    assert deleted == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [kept.session_key]
    assert "kem.tasks.clear_expired_sessions" in worker_log
    assert "succeeded" in worker_log
