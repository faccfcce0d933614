"""Follow-up of referrals on the home page: the centre's overdue referrals and those still waiting
for the partner's answer, on the front-desk and manager panels (this module is imported by
``referrals.apps``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from kem.models import Centre
from kem.selectors.staff import PanelPart
from referrals.models import Referral
from referrals.policy import may_refer

# Roles whose home panel shows the follow-up block (once per centre: the first one held).
# Rows shown per list; the counts above them say how many there are in all.
SHOWN = 10


def _awaiting(centre: Centre) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(centre=centre)
        .awaiting_response()
        .select_related("beneficiary__person_key", "service__organisation")
    )


def referral_followup(*, centre: Centre, user: Any) -> dict[str, Any]:
    """The first overdue referrals (longest overdue first), the first ones awaiting an answer and
    not yet overdue (earliest follow-up first), and how many of each. Three queries however many
    referrals; names open from the joined person keys."""
    if not may_refer(user, centre.pk):
        return {"overdue": [], "awaiting": [], "overdue_count": 0, "awaiting_count": 0}
    counts = (
        Referral.objects.filter(centre=centre)
        .awaiting_response()
        .aggregate(
            overdue_count=Count("pk", filter=Q(overdue_since__isnull=False)),
            awaiting_count=Count("pk", filter=Q(overdue_since__isnull=True)),
        )
    )
    overdue = list(
        _awaiting(centre).filter(overdue_since__isnull=False).order_by("overdue_since", "sent_at")[:SHOWN]
    )
    awaiting = list(
        _awaiting(centre).filter(overdue_since__isnull=True).order_by("follow_up_on", "sent_at")[:SHOWN]
    )
    return {"overdue": overdue, "awaiting": awaiting, **counts}


def referral_followup_part(*, centre: Centre, user: Any) -> PanelPart | None:
    """The follow-up block, registered for ``refer_to_partners``, so shown once per centre."""
    return PanelPart(
        template="referrals/_followup.html",
        context={**referral_followup(centre=centre, user=user), "shown": SHOWN},
    )
