"""What each role may do: the object permissions it gets on its centre and its group's model permissions.

This module is the only place that maps roles to permissions. A membership grants the role's
object permissions on that one centre (django-guardian, direct foreign-key tables), so a front-desk
officer in Athens can serve Athens' beneficiaries and nothing of Thessaloniki's.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from kem.models import Role

# Object permissions on a Centre (codenames of Centre.Meta.permissions plus "view_centre").
CENTRE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.FRONT_DESK: frozenset({"view_centre", "work_at_centre", "serve_beneficiaries"}),
    Role.COUNSELLOR: frozenset({"view_centre", "work_at_centre", "serve_beneficiaries", "keep_cases"}),
    Role.TEACHER: frozenset({"view_centre", "work_at_centre", "teach_classes"}),
    Role.MANAGER: frozenset(
        {
            "view_centre",
            "work_at_centre",
            "serve_beneficiaries",
            "manage_centre",
            "manage_staff",
            "view_statistics",
        }
    ),
    # Analysts compare centres from aggregates only: they never work with a person.
    Role.ANALYST: frozenset({"view_centre", "view_statistics"}),
    Role.DPO: frozenset({"view_centre", "work_at_centre", "review_access_log"}),
}

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
