"""What a page says about a background job it has just queued."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _


def tell_if_not_queued(request: HttpRequest, job: Any) -> bool:
    """Warn the user when the broker refused the job's task (it is sent again later); True if so."""
    if not getattr(job, "queue_failed", False):
        return False
    messages.warning(
        request,
        _(
            "The task queue cannot be reached just now. The job is kept and starts by itself "
            "as soon as the queue is back; you may leave this page."
        ),
    )
    return True
