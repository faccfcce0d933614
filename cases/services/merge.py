"""How counselling records of two records of one person become one when the records are merged.

Registered with ``kem.registry.register_merge_rule`` in ``CasesConfig.ready``; kem's merge finds
the pairs from the models' unique constraints and follows these rules (``kem.selectors.merge``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CloseReason, DocumentReminder
from kem.registry import MergeRule
from kem.services.records import record_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def case_rank(case: Case, children: Mapping[str, int]) -> int:
    """Two open cases of one area at one centre: the one with more sessions is kept."""
    return children.get("cases.session", 0)


def case_about(case: Case) -> str:
    return f"{case.get_area_display()} · {case.centre.name}"


def case_absorb(kept: Case, dropped: Case) -> list[str]:
    """The joined case is open since the earlier of the two."""
    if dropped.opened_on < kept.opened_on:
        kept.opened_on = dropped.opened_on
        return ["opened_on"]
    return []


def case_retire(dropped: Case, *, by: User, reason: str) -> None:
    """The emptied case stays, closed as joined: the history rows of the sessions that were in it
    still name it, and its owner (the surviving person) opens them."""
    dropped.closed_on = timezone.localdate()
    dropped.close_reason = CloseReason.MERGED
    dropped.closed_by = by
    record_save(dropped, by=by, reason=reason, validate=False)


def reminder_rank(reminder: DocumentReminder, children: Mapping[str, int]) -> bool:
    """Two reminders of one document expiry: the one already handled is kept."""
    return reminder.handled_at is not None


def reminder_about(reminder: DocumentReminder) -> str:
    return f"{reminder.expires_on:%d/%m/%Y}"


def merge_rules() -> dict[str, MergeRule]:
    rules: dict[str, Any] = {
        "cases.case": MergeRule(
            rank=case_rank,
            why=_("the one with more sessions; this record's if equal"),
            about=case_about,
            absorb=case_absorb,
            retire=case_retire,
            keeps_dropped=True,
        ),
        "cases.documentreminder": MergeRule(
            rank=reminder_rank,
            why=_("the one already handled; this record's if equal"),
            about=reminder_about,
        ),
    }
    return rules
