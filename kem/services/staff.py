"""Writes for centres and staff. Views, the API, commands and tasks call these; nothing else saves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from kem.models import Centre, CentreUserObjectPermission, Membership
from kem.permissions import forget_access
from kem.roles import group_name, permissions_of
from kem.services.records import set_history_user

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def centre_create(*, name_el: str, name_en: str, municipality: str, address: str = "") -> Centre:
    """Create a centre (superusers do this in the admin; the demo seeds two)."""
    centre = Centre(name_el=name_el, name_en=name_en, municipality=municipality, address=address)
    centre.full_clean()
    centre.save()
    return centre


@transaction.atomic
def membership_grant(
    *, centre: Centre, user: User, role: str, discipline: str = "", by: User | None = None
) -> Membership:
    """Give ``user`` a role at ``centre`` (reactivating a revoked one) and its permissions there."""
    membership = Membership.objects.filter(user=user, centre=centre, role=role).first()
    if membership is None:
        membership = Membership(user=user, centre=centre, role=role)
    before = (
        permissions_of(role, membership.discipline) if membership.active and membership.pk else frozenset()
    )
    membership.discipline = discipline
    membership.active = True
    membership.full_clean()
    if by is not None:
        set_history_user(membership, by)
    membership.save()
    _sync_permissions(user=user, centre=centre, dropped=before - permissions_of(role, discipline))
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, by: User | None = None) -> Membership:
    """End a membership; the user keeps only what their other memberships there give."""
    membership.active = False
    if by is not None:
        set_history_user(membership, by)
    membership.save(update_fields=["active"])
    _sync_permissions(
        user=membership.user,
        centre=membership.centre,
        dropped=permissions_of(membership.role, membership.discipline),
    )
    return membership


def _sync_permissions(*, user: User, centre: Centre, dropped: frozenset[str]) -> None:
    """Grant what the user's active memberships at ``centre`` give, and take back what ``dropped``
    held that no other membership there gives. A permission granted by hand in the admin and not
    part of a changed membership is left as it is. Role groups follow all memberships."""
    active = Membership.objects.filter(user=user, centre=centre, active=True).values_list(
        "role", "discipline"
    )
    wanted: set[str] = set().union(*(permissions_of(role, discipline) for role, discipline in active))
    held = set(
        CentreUserObjectPermission.objects.filter(user=user, content_object=centre).values_list(
            "permission__codename", flat=True
        )
    )
    for codename in sorted(wanted - held):
        assign_perm(f"kem.{codename}", user, centre)
    for codename in sorted((dropped & held) - wanted):
        remove_perm(f"kem.{codename}", user, centre)
    all_roles = set(Membership.objects.filter(user=user, active=True).values_list("role", flat=True))
    role_groups = Group.objects.filter(name__startswith="kem:")
    user.groups.remove(*[g for g in role_groups if g.name not in {group_name(r) for r in all_roles}])
    user.groups.add(*[g for g in role_groups if g.name in {group_name(r) for r in all_roles}])
    forget_access(user)


@transaction.atomic
def staff_account_create(
    *, username: str, first_name: str, last_name: str, email: str, password: str, by: User | None = None
) -> User:
    """Create a staff login with a first password (the form has validated it)."""
    user_model = get_user_model()
    user = user_model(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user
