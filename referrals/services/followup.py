"""Follow-up of referrals the partner has not answered: marking them overdue (daily, by beat)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from kem.services.records import set_history_user
from referrals.models import Referral


@transaction.atomic
def referrals_mark_overdue(*, today: dt.date | None = None) -> int:
    """Mark sent referrals whose follow-up date has passed (before ``today``, local date) without
    an answer; returns how many were marked.

    A referral is marked once (``overdue_since`` keeps the first day), so running twice on a day,
    or every day after, changes nothing more. Each mark is a history row of the referral. Rows
    another run is marking are skipped, not waited for.
    """
    today = today or timezone.localdate()
    due = (
        Referral.objects.awaiting_response()
        .filter(follow_up_on__lt=today, overdue_since__isnull=True)
        .select_for_update(skip_locked=True)
        .order_by("follow_up_on", "pk")
    )
    marked = 0
    for referral in due:
        referral.overdue_since = today
        set_history_user(referral, None)
        referral.save(update_fields=["overdue_since"])
        marked += 1
    return marked
