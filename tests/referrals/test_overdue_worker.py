"""The daily overdue marking of referrals on a real worker process over Redis (see tests/worker.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.beat import ScheduleEntry, Scheduler
from django.utils import timezone

from config.celery import app
from referrals.models import Referral, ReferralStatus
from tests.worker import running_worker, wait_for_log

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_daily_overdue_marking_runs_on_the_real_worker(tmp_path, make_referral):
    late = make_referral(
        status=ReferralStatus.SENT,
        sent_at=timezone.now() - dt.timedelta(days=10),
        follow_up_on=timezone.localdate() - dt.timedelta(days=2),
    )
    on_time = make_referral(
        status=ReferralStatus.SENT,
        sent_at=timezone.now(),
        follow_up_on=timezone.localdate() + dt.timedelta(days=5),
    )

    with running_worker(tmp_path):
        # Send the task exactly as celery beat does, from its schedule entry.
        conf = app.conf.beat_schedule["referrals-overdue"]
        entry = ScheduleEntry(name="referrals-overdue", task=conf["task"], schedule=conf["schedule"], app=app)
        result = Scheduler(app, lazy=True).apply_async(entry, producer=None, advance=False)
        marked = result.get(timeout=60)
        worker_log = wait_for_log(tmp_path / "worker.log", "succeeded")

    assert marked == 1
    assert Referral.objects.get(pk=late.pk).overdue_since == timezone.localdate()
    assert Referral.objects.get(pk=on_time.pk).overdue_since is None
    assert "referrals.tasks.referrals_mark_overdue" in worker_log
    assert "succeeded" in worker_log
