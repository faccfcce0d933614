"""Roles are named bundles of centre permissions; this module is the only map between the two.

A membership (user × centre × role) grants its role's bundle on that one centre, and a
counsellor's discipline the permission to keep that discipline's cases; revoking it takes back
what no other membership there gives (:mod:`kem.services.staff`). Pages never ask for a role:
they ask for a permission (:mod:`kem.permissions`), so a permission granted or removed by hand in
the admin changes every page, API and home panel alike.

A user *holds a role* at a centre when they hold its whole bundle there and no larger bundle that
contains it (a manager holds the analyst's bundle too, and is shown as a manager). That is what
the home page's panels and the access log's role column show.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission

from kem.models import Discipline, Role
from kem.models.centres import VIEW_CENTRE, CentrePerm

P = CentrePerm

# Object permissions on a Centre, per role.
CENTRE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.FRONT_DESK: frozenset(
        {
            VIEW_CENTRE,
            P.WORK,
            P.SERVE,
            P.SEE_CASES,
            P.BOOK_INTERPRETERS,
            P.HELP_WITH_APPLICATIONS,
            P.HANDLE_DOCUMENT_REMINDERS,
            P.REFER,
            P.SEE_CLASSES,
            P.ENROL,
        }
    ),
    Role.COUNSELLOR: frozenset(
        {
            VIEW_CENTRE,
            P.WORK,
            P.SERVE,
            P.SEE_CASES,
            P.READ_SESSION_SUMMARIES,
            P.OPEN_CASES,
            P.KEEP_CASES,
            P.BOOK_INTERPRETERS,
            P.HELP_WITH_APPLICATIONS,
            P.HANDLE_DOCUMENT_REMINDERS,
            P.REFER,
        }
    ),
    Role.TEACHER: frozenset({VIEW_CENTRE, P.WORK, P.TEACH}),
    Role.MANAGER: frozenset(
        {
            VIEW_CENTRE,
            P.WORK,
            P.SERVE,
            P.MANAGE,
            P.MANAGE_STAFF,
            P.KEEP_NETWORK_LISTS,
            P.VIEW_STATISTICS,
            P.SEE_CASES,
            P.READ_SESSION_SUMMARIES,
            P.OPEN_CASES,
            P.BOOK_INTERPRETERS,
            P.HELP_WITH_APPLICATIONS,
            P.REFER,
            P.SEE_CLASSES,
            P.ENROL,
        }
    ),
    # Analysts compare centres from aggregates only: they never work with a person.
    Role.ANALYST: frozenset({VIEW_CENTRE, P.VIEW_STATISTICS}),
    Role.DPO: frozenset({VIEW_CENTRE, P.WORK, P.REVIEW_ACCESS_LOG}),
}

# A counsellor's discipline adds the permission to keep that discipline's cases.
DISCIPLINE_PERMISSIONS: dict[str, str] = {d: CentrePerm.keep_cases_of(d) for d in Discipline.values}

# Model permissions of each role's group ("app_label.codename"). Object permissions above decide
# where; these say which kinds of record a role works with at all (and what the admin shows).
GROUP_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.FRONT_DESK: frozenset({"kem.view_centre"}),
    Role.COUNSELLOR: frozenset({"kem.view_centre"}),
    Role.TEACHER: frozenset({"kem.view_centre"}),
    Role.MANAGER: frozenset(
        {"kem.view_centre", "kem.view_membership", "kem.add_membership", "kem.change_membership"}
    ),
    Role.ANALYST: frozenset({"kem.view_centre"}),
    Role.DPO: frozenset({"kem.view_centre"}),
}

# Roles whose holders must log in with a second factor (TOTP or a recovery code): they reach the
# whole centre's data, its staff, or the access log. Everyone else may enrol if they wish.
SECOND_FACTOR_ROLES: frozenset[str] = frozenset({Role.MANAGER, Role.DPO})
# The permissions that make those roles what they are: holding one of them anywhere (by a
# membership or by hand in the admin) requires the second factor too.
SECOND_FACTOR_PERMISSIONS: frozenset[str] = frozenset(
    {CentrePerm.MANAGE, CentrePerm.MANAGE_STAFF, CentrePerm.REVIEW_ACCESS_LOG}
)

# The order roles are shown in (home panels, the access log's role column).
ROLE_ORDER: tuple[str, ...] = tuple(Role.values)


def permissions_of(role: str, discipline: str = "") -> frozenset[str]:
    """What a membership in ``role`` (with ``discipline``, for a counsellor) grants on its centre."""
    extra = {DISCIPLINE_PERMISSIONS[discipline]} if discipline else set()
    return CENTRE_PERMISSIONS[role] | extra


def roles_held(perms: Iterable[str]) -> tuple[str, ...]:
    """The roles whose whole bundle ``perms`` holds, less those inside a larger held bundle."""
    perms = frozenset(perms)
    complete = [role for role in ROLE_ORDER if CENTRE_PERMISSIONS[role] <= perms]
    return tuple(
        role
        for role in complete
        if not any(
            other != role and CENTRE_PERMISSIONS[role] < CENTRE_PERMISSIONS[other] for other in complete
        )
    )


def group_name(role: str) -> str:
    """The Django group that carries a role, e.g. ``kem:front_desk``."""
    return f"kem:{role}"


def sync_role_groups(**_kwargs: object) -> None:
    """Create each role's group and set its model permissions exactly (a post_migrate hook)."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=group_name(role))
        wanted = []
        for dotted in sorted(GROUP_PERMISSIONS[role]):
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
