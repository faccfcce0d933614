"""Who may see and do what, answered in one place.

``access_for(user)`` says which centres a user may see and in which roles; views, selectors and
the API ask it rather than reading memberships themselves. Object permissions on the centre
(django-guardian) are the source of truth; memberships are how they are granted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from kem.models import Centre, Membership, Role


@dataclass(frozen=True)
class CentreAccess:
    """The centres a user may see and their roles at each (centre id -> roles)."""

    roles_by_centre: dict[int, frozenset[str]] = field(default_factory=dict)
    disciplines_by_centre: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def centre_ids(self) -> frozenset[int]:
        return frozenset(self.roles_by_centre)

    @property
    def roles(self) -> frozenset[str]:
        """Every role the user holds anywhere (for navigation)."""
        return frozenset().union(*self.roles_by_centre.values()) if self.roles_by_centre else frozenset()

    def roles_at(self, centre_id: int) -> frozenset[str]:
        return self.roles_by_centre.get(centre_id, frozenset())

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))


def access_for(user) -> CentreAccess:
    """Return (and remember for this request's user object) what the user may see."""
    cached = getattr(user, "_kem_access", None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        access = CentreAccess()
    else:
        visible = set(visible_centres(user).values_list("pk", flat=True))
        roles: dict[int, set[str]] = {}
        disciplines: dict[int, set[str]] = {}
        for centre_id, role, discipline in (
            Membership.objects.active().filter(user=user).values_list("centre_id", "role", "discipline")
        ):
            if centre_id in visible:
                roles.setdefault(centre_id, set()).add(role)
                if discipline:
                    disciplines.setdefault(centre_id, set()).add(discipline)
        access = CentreAccess(
            roles_by_centre={c: frozenset(r) for c, r in roles.items()},
            disciplines_by_centre={c: frozenset(d) for c, d in disciplines.items()},
        )
    user._kem_access = access
    return access


# Where apps remember object-permission answers for one request's user (``courses.policy.teaches``).
OBJECT_PERMS_ATTR = "_kem_object_perms"


def forget_access(user) -> None:
    """Drop the remembered answers after memberships or object permissions change."""
    user.__dict__.pop("_kem_access", None)
    user.__dict__.pop(OBJECT_PERMS_ATTR, None)
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)


def visible_centres(user, perm: str = "view_centre") -> QuerySet[Centre]:
    """Active centres on which the user holds ``perm`` as an object permission."""
    if not user.is_authenticated or not user.is_active:
        return Centre.objects.none()
    return get_objects_for_user(
        user, f"kem.{perm}", klass=Centre.objects.filter(active=True), accept_global_perms=False
    )


def centre_for(user, pk: int, perm: str = "view_centre") -> Centre:
    """Fetch a centre for ``user``: 404 if they may not see it at all, 403 if they lack ``perm``.

    Another centre's object is a 404, not a 403, so that ids do not confirm what exists.
    """
    try:
        centre = visible_centres(user).get(pk=pk)
    except (Centre.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if perm != "view_centre" and not user.has_perm(f"kem.{perm}", centre):
        raise PermissionDenied
    return centre


def is_manager_of(user, centre: Centre) -> bool:
    return Role.MANAGER in access_for(user).roles_at(centre.pk)
