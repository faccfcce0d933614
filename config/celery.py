"""The Celery application.

Tasks receive primary keys (integers, UUIDs) or ISO dates only, never personal data: task
arguments sit in the broker, in worker logs and in monitoring tools. ``KemTask`` refuses anything
else at enqueue time, so a mistake fails in the test suite rather than leaking in production.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import uuid

from celery import Celery, Task
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

_SAFE_STR = re.compile(
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # UUID
    r"|\d{4}-\d{2}-\d{2}(?:T[\d:.+-]+Z?)?"  # ISO date or datetime
    r"|\d+)$"
)


class UnsafeTaskArgument(TypeError):
    """A task was given something other than keys or dates."""


def check_task_arguments(args: tuple | list, kwargs: dict) -> None:
    """Raise ``UnsafeTaskArgument`` unless every argument is a key, a number, a date or a flag."""
    for value in [*args, *kwargs.values()]:
        _check_value(value)


def _check_value(value: object) -> None:
    if value is None or isinstance(value, bool | int | uuid.UUID | dt.date):
        return
    if isinstance(value, str) and _SAFE_STR.match(value):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_value(item)
        return
    raise UnsafeTaskArgument(f"Task arguments must be primary keys or dates, not {type(value).__name__}.")


class KemTask(Task):
    """Base task: checks arguments before they reach the broker."""

    def apply_async(self, args=None, kwargs=None, **options):
        check_task_arguments(args or (), kwargs or {})
        return super().apply_async(args=args, kwargs=kwargs, **options)


app = Celery("kem", task_cls=KemTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_to_work_without_the_root_key(**_kwargs: object) -> None:
    """A worker started with a root key that does not open the vault stops at once, saying why.

    Celery logs and swallows exceptions from signal handlers, so the refusal is an exit.
    """
    from django.core.exceptions import ImproperlyConfigured

    from config.health import refuse_to_serve_without_the_root_key

    try:
        refuse_to_serve_without_the_root_key()
    except ImproperlyConfigured as exc:
        logging.getLogger(__name__).critical("%s", exc)
        raise SystemExit(3) from None
