"""Who may do what with partners and referrals: the one place that decides it, in the centre
permissions of :mod:`kem.permissions`.

- ``refer_to_partners`` (front desk, counsellors, the manager): read the directory, refer that
  centre's beneficiaries, record incoming referrals and see referrals and their reasons; without
  it (teachers, analysts, DPOs) pages answer 404 for referrals, 403 for lists.
- ``manage_centre``: send without a valid consent, and only with a written reason.
- ``keep_network_lists`` on any centre: keep the directory (it is the network's).
"""

from __future__ import annotations

from typing import Any

from kem.permissions import CentrePerm, may, may_anywhere


def may_refer(user: Any, centre_id: int) -> bool:
    return may(user, CentrePerm.REFER, centre_id)


def may_override_consent(user: Any, centre_id: int) -> bool:
    return may(user, CentrePerm.MANAGE, centre_id)


def may_read_directory(user: Any) -> bool:
    return may_anywhere(user, CentrePerm.REFER)


def may_edit_directory(user: Any) -> bool:
    return may_anywhere(user, CentrePerm.KEEP_NETWORK_LISTS)


def may_record_incoming(user: Any, centre_id: int) -> bool:
    """Record and update referrals partners made to the centre (and read their sealed notes)."""
    return may(user, CentrePerm.REFER, centre_id)
