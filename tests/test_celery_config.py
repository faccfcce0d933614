"""Celery is configured for at-least-once delivery and never carries personal data."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import UnsafeTaskArgument, app, check_task_arguments
from kem.tasks import clear_expired_sessions


def test_only_json_crosses_the_broker():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"


def test_a_task_is_acknowledged_after_it_ran_and_requeued_if_its_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_the_visibility_timeout_outlasts_the_longest_task():
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


def test_beat_clears_expired_sessions_daily():
    entry = app.conf.beat_schedule["clear-expired-sessions"]
    assert entry["task"] == "kem.tasks.clear_expired_sessions"
    assert clear_expired_sessions.name in app.tasks


def test_beat_removes_uploaded_sheets_hourly():
    entry = app.conf.beat_schedule["import-files-cleanup"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == {20} and len(entry["schedule"].hour) == 24


@pytest.mark.parametrize(
    "value",
    # Fixed values: parallel workers (pytest-xdist) must collect the same test ids.
    [
        42,
        uuid.UUID("5f0c8a8e-6d2b-4c1e-9a53-2f7b1d9e4c10"),
        "0b6f3c2e-8a41-4d7e-b1c9-7e25d3a0f6b4",
        "2026-11-22",
        dt.date(2026, 1, 1),
        None,
        [1, 2],
    ],
)
def test_keys_and_dates_are_accepted_as_task_arguments(value):
    check_task_arguments((value,), {})


@pytest.mark.parametrize(
    "value", ["Μαρία Παπαδοπούλου", "maria", "+306971234567", {"name": "x"}, 1.5, b"raw"]
)
def test_anything_that_could_be_personal_data_is_refused(value):
    with pytest.raises(UnsafeTaskArgument):
        check_task_arguments((), {"value": value})


def test_enqueueing_a_name_fails_before_it_reaches_the_broker():
    with pytest.raises(UnsafeTaskArgument):
        clear_expired_sessions.apply_async(args=["Ahmad Rahimi"])


@pytest.mark.django_db
def test_clearing_sessions_deletes_only_expired_ones():
    old, fresh = SessionStore(), SessionStore()
    old.create()
    fresh.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - dt.timedelta(days=1)
    )

    assert clear_expired_sessions.delay().get() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [fresh.session_key]
