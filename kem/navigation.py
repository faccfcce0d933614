"""The navigation bar: each entry names the centre permissions that lead to it.

An entry is shown when the user holds one of its permissions at some centre, so the bar never
links to a page the user cannot open. Entries of other apps name their pages by URL name only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kem.models.centres import VIEW_CENTRE, CentrePerm
from kem.permissions import Access

P = CentrePerm


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    perms: frozenset[str]


NAV_ITEMS: list[NavItem] = [
    NavItem("home", _("Home"), "home", frozenset({VIEW_CENTRE})),
    NavItem("centres", _("Centres"), "centre-list", frozenset({VIEW_CENTRE})),
    NavItem("beneficiaries", _("Beneficiaries"), "beneficiary-list", frozenset({P.SERVE})),
    NavItem("cases", _("Cases"), "case-list", frozenset({P.SEE_CASES})),
    NavItem("calendar", _("Calendar"), "calendar", frozenset({P.SEE_CASES})),
    NavItem("interpreters", _("Interpreters"), "interpreter-request-list", frozenset({P.BOOK_INTERPRETERS})),
    NavItem(
        "applications", _("Applications"), "benefit-application-list", frozenset({P.HELP_WITH_APPLICATIONS})
    ),
    NavItem("referrals", _("Referrals"), "referral-list", frozenset({P.REFER})),
    NavItem("classes", _("Classes"), "class-list", frozenset({P.SEE_CLASSES, P.TEACH})),
    NavItem("teaching", _("My lessons"), "teaching-today", frozenset({P.TEACH})),
    NavItem("directory", _("Partners"), "organisation-list", frozenset({P.REFER})),
    NavItem("statistics", _("Statistics"), "statistics-dashboard", frozenset({P.VIEW_STATISTICS})),
    NavItem("imports", _("Imports"), "import-list", frozenset({P.MANAGE})),
    NavItem("staff", _("Staff"), "staff-home", frozenset({P.MANAGE_STAFF})),
    NavItem("access_log", _("Access log"), "access-log", frozenset({P.REVIEW_ACCESS_LOG})),
]


def items_for(access: Access) -> list[NavItem]:
    """Entries for which the user holds one of the permissions somewhere, in bar order."""
    return [item for item in NAV_ITEMS if any(access.anywhere(perm) for perm in item.perms)]
