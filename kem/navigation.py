"""The navigation bar: each entry names the roles that may use it.

Apps add their entries here as their pages arrive, so the bar never links to a page the user's
role cannot open.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kem.models import Role


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    roles: frozenset[str]


NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("Home"), "home", frozenset(Role.values)),
    NavItem("centres", _("Centres"), "centre-list", frozenset(Role.values)),
    NavItem(
        "beneficiaries",
        _("Beneficiaries"),
        "beneficiary-list",
        frozenset({Role.FRONT_DESK, Role.COUNSELLOR, Role.MANAGER}),
    ),
    NavItem("cases", _("Cases"), "case-list", frozenset({Role.FRONT_DESK, Role.COUNSELLOR, Role.MANAGER})),
    NavItem(
        "calendar", _("Calendar"), "calendar", frozenset({Role.FRONT_DESK, Role.COUNSELLOR, Role.MANAGER})
    ),
    NavItem(
        "interpreters",
        _("Interpreters"),
        "interpreter-request-list",
        frozenset({Role.FRONT_DESK, Role.COUNSELLOR, Role.MANAGER}),
    ),
    NavItem(
        "applications",
        _("Applications"),
        "benefit-application-list",
        frozenset({Role.FRONT_DESK, Role.COUNSELLOR, Role.MANAGER}),
    ),
    NavItem(
        "referrals",
        _("Referrals"),
        "referral-list",
        frozenset({Role.FRONT_DESK, Role.COUNSELLOR, Role.MANAGER}),
    ),
    NavItem("classes", _("Classes"), "class-list", frozenset({Role.FRONT_DESK, Role.MANAGER, Role.TEACHER})),
    NavItem("teaching", _("My lessons"), "teaching-today", frozenset({Role.TEACHER})),
    NavItem(
        "directory",
        _("Partners"),
        "organisation-list",
        frozenset({Role.FRONT_DESK, Role.COUNSELLOR, Role.MANAGER}),
    ),
    NavItem("statistics", _("Statistics"), "statistics-dashboard", frozenset({Role.MANAGER, Role.ANALYST})),
    NavItem("imports", _("Imports"), "import-list", frozenset({Role.MANAGER})),
    NavItem("staff", _("Staff"), "staff-home", frozenset({Role.MANAGER})),
    NavItem("access_log", _("Access log"), "access-log", frozenset({Role.DPO})),
]


def items_for(roles: frozenset[str]) -> list[NavItem]:
    """Entries whose roles intersect the user's roles, in bar order."""
    return [item for item in NAV_ITEMS if item.roles & roles]
