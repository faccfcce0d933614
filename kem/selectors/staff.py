"""Reads that need more than one line, scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from kem.lockout import locked_usernames
from kem.models import Centre, Membership, Role
from kem.permissions import CentrePerm, access_for, visible_centres
from kem.registry import home_parts_by_panel
from kem.selectors.people import consents_expiring


@dataclass(frozen=True)
class HomePanel:
    """One role at one centre on the home page (``role`` is "" for a panel of the centre alone, for
    permissions granted by hand without a role)."""

    centre: Centre
    role: str
    role_label: str
    template: str
    context: dict
    parts: list[PanelPart] = field(default_factory=list)


@dataclass(frozen=True)
class PanelPart:
    """A block another app adds to a home panel (a caseload, tomorrow's bookings…); apps register
    its source with ``kem.registry.register_home_part``."""

    template: str
    context: dict[str, Any]


def home_panels(*, user) -> list[HomePanel]:
    """A panel per (centre, role) the user holds, centres in name order, roles in a fixed order;
    each registered part once per centre, where :func:`kem.registry.home_parts_by_panel` puts it."""
    access = access_for(user)
    panels = []
    for centre in visible_centres(user).order_by("name_el"):
        roles = access.roles_at(centre.pk)
        placed = home_parts_by_panel(roles, access.perms_by_centre.get(centre.pk, frozenset()))
        if not roles and placed:
            roles = ("",)
        for role in roles:
            parts = (part.source(centre=centre, user=user) for part in placed.get(role, []))
            panels.append(
                HomePanel(
                    centre=centre,
                    role=role,
                    role_label=Role(role).label if role else "",
                    template=f"kem/home/{role or 'centre'}.html",
                    context=_panel_context(centre=centre, role=role, user=user),
                    parts=[part for part in parts if part is not None],
                )
            )
    return panels


def _panel_context(*, centre: Centre, role: str, user) -> dict:
    if role == Role.FRONT_DESK:
        return {"expiring": consents_expiring(centre=centre, user=user)}
    if role == Role.MANAGER:
        return {"staff_counts": staff_counts(centre=centre)}
    if role == Role.ANALYST:
        return {"centre_count": visible_centres(user, CentrePerm.VIEW_STATISTICS).count()}
    return {}


def staff_counts(*, centre: Centre) -> list[tuple[str, int]]:
    """Active staff per role at a centre, as (role label, count), every role listed."""
    counts = dict(
        Membership.objects.active()
        .filter(centre=centre)
        .values_list("role")
        .annotate(n=Count("pk"))
        .values_list("role", "n")
    )
    return [(label, counts.get(value, 0)) for value, label in Role.choices]


def staff_locked_out(*, centre: Centre) -> set[str]:
    """The usernames of the centre's active staff that are locked out now (two queries)."""
    usernames = Membership.objects.active().filter(centre=centre).values_list("user__username", flat=True)
    return locked_usernames(usernames)


def centre_staff(*, centre: Centre) -> QuerySet[Membership]:
    """Active memberships of a centre for its staff page."""
    return (
        Membership.objects.active()
        .filter(centre=centre)
        .select_related("user")
        .order_by("role", "user__username")
    )
