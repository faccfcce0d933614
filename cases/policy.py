"""Who may see which part of counselling records: the one place that decides it, in the centre
permissions of :mod:`kem.permissions`.

A session has three parts: that it took place (when, how long, mode, status, who), its summary,
and its confidential note. At the case's centre:

- ``see_cases``: that it took place (front desk, counsellors, the manager);
- ``read_session_summaries``: its summary too (counsellors, the manager);
- ``keep_<discipline>_cases``: its confidential note too, and writing sessions and outcomes (the
  counsellors of the case's discipline; not even managers);
- without ``see_cases`` (teachers, data-protection officers, everybody at another centre) no
  case at all: the pages answer 404;
- network analysts see aggregates only: every case and session page refuses them outright (403,
  :func:`aggregates_only`), before any lookup.

Permissions add up: a user holding several roles at a centre gets the union of what each gives.
"""

from __future__ import annotations

from typing import Any

from kem.permissions import CentrePerm, access_for, may, may_anywhere

OCCURRENCE = "occurrence"
SUMMARY = "summary"
CONFIDENTIAL_NOTE = "confidential_note"
SESSION_PARTS = (OCCURRENCE, SUMMARY, CONFIDENTIAL_NOTE)


def aggregates_only(user: Any) -> bool:
    """Someone who may see statistics but no case anywhere (a network analyst): every person page
    refuses them (403)."""
    access = access_for(user)
    return access.anywhere(CentrePerm.VIEW_STATISTICS) and not access.anywhere(CentrePerm.SEE_CASES)


def session_parts(user: Any, *, centre_id: int, discipline: str) -> frozenset[str]:
    """The parts of a session at ``centre_id`` in ``discipline`` that ``user`` may read."""
    access = access_for(user)
    parts: set[str] = set()
    if access.may(CentrePerm.SEE_CASES, centre_id):
        parts.add(OCCURRENCE)
    if access.may(CentrePerm.READ_SESSION_SUMMARIES, centre_id):
        parts.add(SUMMARY)
    if access.may(CentrePerm.keep_cases_of(discipline), centre_id):
        parts.add(CONFIDENTIAL_NOTE)
    return frozenset(parts)


def may_see_cases(user: Any, centre_id: int) -> bool:
    """Whether ``user`` sees the cases of ``centre_id`` at all."""
    return may(user, CentrePerm.SEE_CASES, centre_id)


def may_keep_case(user: Any, *, centre_id: int, discipline: str) -> bool:
    """Whether ``user`` may write sessions and outcomes on a case: its discipline's counsellors."""
    return may(user, CentrePerm.keep_cases_of(discipline), centre_id)


def may_open_case(user: Any, centre_id: int) -> bool:
    """Counsellors and the manager open cases at their centre."""
    return may(user, CentrePerm.OPEN_CASES, centre_id)


def may_reassign_case(user: Any, centre_id: int) -> bool:
    """Only the centre's manager moves a case to another counsellor."""
    return may(user, CentrePerm.MANAGE, centre_id)


def may_close_case(user: Any, *, centre_id: int, discipline: str) -> bool:
    """A case is closed by a counsellor of its discipline or by the centre's manager."""
    return may_keep_case(user, centre_id=centre_id, discipline=discipline) or may_reassign_case(
        user, centre_id
    )


def may_book_interpreters(user: Any, centre_id: int) -> bool:
    """Front desk and counsellors request and book interpreters; the manager too."""
    return may(user, CentrePerm.BOOK_INTERPRETERS, centre_id)


def may_help_with_applications(user: Any, centre_id: int) -> bool:
    """Counsellors, the front desk and the manager help people with applications at their centre."""
    return may(user, CentrePerm.HELP_WITH_APPLICATIONS, centre_id)


def may_manage_benefit_services(user: Any) -> bool:
    """The list of administrative services is the network's: a manager of any centre keeps it."""
    return may_anywhere(user, CentrePerm.KEEP_NETWORK_LISTS)


def may_handle_document_reminders(user: Any, centre_id: int) -> bool:
    """The front desk and the counsellors see expiring documents on their home page and handle them."""
    return may(user, CentrePerm.HANDLE_DOCUMENT_REMINDERS, centre_id)


def may_manage_interpreters(user: Any, centre_id: int) -> bool:
    """The centre's manager keeps its interpreter pool (front desk and counsellors only look)."""
    return may(user, CentrePerm.MANAGE, centre_id)


def may_manage_languages(user: Any) -> bool:
    """The languages are shared by the network: the manager of any centre keeps the list."""
    return may_anywhere(user, CentrePerm.KEEP_NETWORK_LISTS)
