"""Who may see which part of counselling records: the one place that decides it.

A session has three parts: that it took place (when, how long, mode, status, who), its summary,
and its confidential note. At the case's centre:

- a counsellor of the case's discipline sees all three;
- any other counsellor, and the centre's manager, see that it took place and its summary;
- the front desk sees only that it took place;
- teachers, data-protection officers, and everybody at another centre, see no case at all (the
  pages answer 404);
- network analysts see aggregates only: every case and session page refuses them outright (403,
  :func:`aggregates_only`), before any lookup.

A user holding several roles at a centre gets the union of what each role sees.
"""

from __future__ import annotations

from typing import Any

from kem.models import Role
from kem.permissions import access_for

OCCURRENCE = "occurrence"
SUMMARY = "summary"
CONFIDENTIAL_NOTE = "confidential_note"
SESSION_PARTS = (OCCURRENCE, SUMMARY, CONFIDENTIAL_NOTE)

ROLES_SEEING_CASES = frozenset({Role.COUNSELLOR, Role.MANAGER, Role.FRONT_DESK})


def aggregates_only(user: Any) -> bool:
    """A network analyst who sees cases nowhere: refused every person page (403)."""
    access = access_for(user)
    return Role.ANALYST in access.roles and not any(
        roles & ROLES_SEEING_CASES for roles in access.roles_by_centre.values()
    )


def session_parts(user: Any, *, centre_id: int, discipline: str) -> frozenset[str]:
    """The parts of a session at ``centre_id`` in ``discipline`` that ``user`` may read."""
    access = access_for(user)
    roles = access.roles_at(centre_id)
    parts: set[str] = set()
    if roles & ROLES_SEEING_CASES:
        parts.add(OCCURRENCE)
    if Role.COUNSELLOR in roles or Role.MANAGER in roles:
        parts.add(SUMMARY)
    if Role.COUNSELLOR in roles and discipline in access.disciplines_by_centre.get(centre_id, frozenset()):
        parts.add(CONFIDENTIAL_NOTE)
    return frozenset(parts)


def may_see_cases(user: Any, centre_id: int) -> bool:
    """Whether ``user`` sees the cases of ``centre_id`` at all."""
    return bool(access_for(user).roles_at(centre_id) & ROLES_SEEING_CASES)


def may_keep_case(user: Any, *, centre_id: int, discipline: str) -> bool:
    """Whether ``user`` may write sessions and outcomes on a case: its discipline's counsellors."""
    access = access_for(user)
    return Role.COUNSELLOR in access.roles_at(centre_id) and discipline in access.disciplines_by_centre.get(
        centre_id, frozenset()
    )


def may_open_case(user: Any, centre_id: int) -> bool:
    """Counsellors and the manager open cases at their centre."""
    return bool(access_for(user).roles_at(centre_id) & {Role.COUNSELLOR, Role.MANAGER})


def may_reassign_case(user: Any, centre_id: int) -> bool:
    """Only the centre's manager moves a case to another counsellor."""
    return Role.MANAGER in access_for(user).roles_at(centre_id)


def may_close_case(user: Any, *, centre_id: int, discipline: str) -> bool:
    """A case is closed by a counsellor of its discipline or by the centre's manager."""
    return may_keep_case(user, centre_id=centre_id, discipline=discipline) or may_reassign_case(
        user, centre_id
    )


def may_book_interpreters(user: Any, centre_id: int) -> bool:
    """Front desk and counsellors request and book interpreters; the manager too."""
    return bool(access_for(user).roles_at(centre_id) & ROLES_SEEING_CASES)


def may_help_with_applications(user: Any, centre_id: int) -> bool:
    """Counsellors, the front desk and the manager help people with applications at their centre."""
    return bool(access_for(user).roles_at(centre_id) & ROLES_SEEING_CASES)


def may_manage_benefit_services(user: Any) -> bool:
    """The list of administrative services is the network's: a manager of any centre keeps it."""
    return access_for(user).has_role(Role.MANAGER)


def may_handle_document_reminders(user: Any, centre_id: int) -> bool:
    """The front desk and the counsellors see expiring documents on their home page and handle them."""
    return bool(access_for(user).roles_at(centre_id) & {Role.FRONT_DESK, Role.COUNSELLOR})


def may_manage_interpreters(user: Any, centre_id: int) -> bool:
    """The centre's manager keeps its interpreter pool (front desk and counsellors only look)."""
    return Role.MANAGER in access_for(user).roles_at(centre_id)


def may_manage_languages(user: Any) -> bool:
    """The languages are shared by the network: the manager of any centre keeps the list."""
    return access_for(user).has_role(Role.MANAGER)
