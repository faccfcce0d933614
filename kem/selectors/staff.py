"""Reads that need more than one line, scoped to what the user may see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from kem.models import Centre, Membership, Role
from kem.permissions import access_for, visible_centres


@dataclass(frozen=True)
class HomePanel:
    """One role at one centre on the home page."""

    centre: Centre
    role: str
    role_label: str
    template: str
    context: dict
    parts: list[PanelPart] = field(default_factory=list)


@dataclass(frozen=True)
class PanelPart:
    """A block another app adds to a role's home panel (a caseload, tomorrow's bookings…)."""

    template: str
    context: dict[str, Any]


PartSource = Callable[..., PanelPart | None]
_PANEL_PARTS: dict[str, list[PartSource]] = {}


def home_panel_part(*roles: str) -> Callable[[PartSource], PartSource]:
    """Register ``func(*, centre, user) -> PanelPart | None`` for the home panels of ``roles``.

    Each source must cost a fixed number of queries: the home page runs every source of every
    panel the user has.
    """

    def register(func: PartSource) -> PartSource:
        for role in roles:
            _PANEL_PARTS.setdefault(role, []).append(func)
        return func

    return register


def home_panels(*, user) -> list[HomePanel]:
    """A panel per (centre, role) the user holds, centres in name order, roles in a fixed order."""
    access = access_for(user)
    order = list(Role.values)
    panels = []
    for centre in visible_centres(user).order_by("name_el"):
        for role in sorted(access.roles_at(centre.pk), key=order.index):
            panels.append(
                HomePanel(
                    centre=centre,
                    role=role,
                    role_label=Role(role).label,
                    template=f"kem/home/{role}.html",
                    context=_panel_context(centre=centre, role=role, user=user),
                    parts=_panel_parts(centre=centre, role=role, user=user),
                )
            )
    return panels


def _panel_parts(*, centre: Centre, role: str, user) -> list[PanelPart]:
    parts = (source(centre=centre, user=user) for source in _PANEL_PARTS.get(role, []))
    return [part for part in parts if part is not None]


def _panel_context(*, centre: Centre, role: str, user) -> dict:
    if role == Role.FRONT_DESK:
        # Imported here: kem.selectors.people reaches the services, which import this package.
        from kem.selectors.people import consents_expiring

        return {"expiring": consents_expiring(centre=centre, user=user)}
    if role == Role.MANAGER:
        return {"staff_counts": staff_counts(centre=centre)}
    if role == Role.ANALYST:
        return {"centre_count": visible_centres(user, "view_statistics").count()}
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


def centre_staff(*, centre: Centre) -> QuerySet[Membership]:
    """Active memberships of a centre for its staff page."""
    return (
        Membership.objects.active()
        .filter(centre=centre)
        .select_related("user")
        .order_by("role", "user__username")
    )
