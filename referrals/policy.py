"""Who may do what with partners and referrals: the one place that decides it.

- Staff who serve people at a centre (front desk, counsellors, the manager) read the directory,
  refer that centre's beneficiaries, record incoming referrals and see referrals and their
  reasons; teachers, analysts and DPOs do not (pages answer 404 for referrals, 403 for lists).
- Only a manager of the centre sends without a valid consent, and only with a written reason.
- Managers of any centre keep the directory (it is the network's).
"""

from __future__ import annotations

from typing import Any

from kem.models import Role
from kem.permissions import access_for

REFERRING_ROLES = frozenset({Role.FRONT_DESK, Role.COUNSELLOR, Role.MANAGER})


def may_refer(user: Any, centre_id: int) -> bool:
    return bool(access_for(user).roles_at(centre_id) & REFERRING_ROLES)


def may_override_consent(user: Any, centre_id: int) -> bool:
    return Role.MANAGER in access_for(user).roles_at(centre_id)


def may_read_directory(user: Any) -> bool:
    return access_for(user).has_role(*REFERRING_ROLES)


def may_edit_directory(user: Any) -> bool:
    return access_for(user).has_role(Role.MANAGER)


def may_record_incoming(user: Any, centre_id: int) -> bool:
    """Record and update referrals partners made to the centre (and read their sealed notes)."""
    return bool(access_for(user).roles_at(centre_id) & REFERRING_ROLES)
