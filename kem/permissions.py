"""Who may do what, answered in one place, from django-guardian's object permissions.

Every decision of every app is "may this user do X at centre C" (a :class:`CentrePerm` on the
centre) or "may this user do X on this object" (an object permission such as
``courses.teach_class`` on a class). Memberships are how permissions are granted
(:mod:`kem.roles`); a permission granted or removed by hand in the admin is obeyed the same way
everywhere, because nothing else is consulted. Global (model-wide) permissions and superuser
status give no access to a centre's data: a superuser runs the admin, and sees a centre's people
only with that centre's permissions, like everyone else.

A user's centre permissions are read once per request (two queries: their own and their groups')
and remembered on the user object; :func:`forget_access` drops them after a change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from kem.models import Centre, CentreGroupObjectPermission, CentreUserObjectPermission
from kem.models.centres import VIEW_CENTRE, CentrePerm
from kem.roles import SECOND_FACTOR_PERMISSIONS, SECOND_FACTOR_ROLES, roles_held

_ACCESS_ATTR = "_kem_access"
_OBJECT_PERMS_ATTR = "_kem_object_perms"

__all__ = [
    "VIEW_CENTRE",
    "Access",
    "CentrePerm",
    "access_for",
    "centre_for",
    "centres_with",
    "forget_access",
    "holders",
    "may",
    "may_anywhere",
    "may_on",
    "needs_second_factor",
    "users_with",
    "visible_centres",
]


@dataclass(frozen=True)
class Access:
    """A user's permissions per visible centre (centre id -> codenames), read once per request."""

    perms_by_centre: Mapping[int, frozenset[str]] = field(default_factory=dict)

    @property
    def centre_ids(self) -> frozenset[int]:
        """The centres the user may see at all (``view_centre``)."""
        return frozenset(c for c, perms in self.perms_by_centre.items() if VIEW_CENTRE in perms)

    def may(self, perm: str, centre_id: int | None) -> bool:
        return centre_id is not None and perm in self.perms_by_centre.get(centre_id, frozenset())

    def centres_with(self, perm: str) -> frozenset[int]:
        return frozenset(c for c, perms in self.perms_by_centre.items() if perm in perms)

    def anywhere(self, perm: str) -> bool:
        return any(perm in perms for perms in self.perms_by_centre.values())

    def roles_at(self, centre_id: int) -> tuple[str, ...]:
        """The roles the user holds at a centre, in role order (see :func:`kem.roles.roles_held`).

        For showing who someone is (home panels, the access log), never for deciding: decisions
        ask :meth:`may`.
        """
        return roles_held(self.perms_by_centre.get(centre_id, frozenset()))

    @property
    def roles(self) -> frozenset[str]:
        """Every role the user holds anywhere (for the access log of a search across centres)."""
        return frozenset(role for centre_id in self.perms_by_centre for role in self.roles_at(centre_id))


def access_for(user: Any) -> Access:
    """Return (and remember for this request's user object) the user's centre permissions."""
    cached = getattr(user, _ACCESS_ATTR, None)
    if cached is not None:
        return cached
    access = Access(_load(user)) if user.is_authenticated and user.is_active else Access()
    setattr(user, _ACCESS_ATTR, access)
    return access


def _load(user: Any) -> dict[int, frozenset[str]]:
    perms: dict[int, set[str]] = {}
    active = {"content_object__active": True}
    rows = [
        *CentreUserObjectPermission.objects.filter(user=user, **active).values_list(
            "content_object_id", "permission__codename"
        ),
        *CentreGroupObjectPermission.objects.filter(group__user=user, **active).values_list(
            "content_object_id", "permission__codename"
        ),
    ]
    for centre_id, codename in rows:
        perms.setdefault(centre_id, set()).add(codename)
    return {centre_id: frozenset(codenames) for centre_id, codenames in perms.items()}


def needs_second_factor(user: Any) -> bool:
    """Whether ``user`` must pass a second factor after the password to reach any page.

    Superusers and anyone else who may open the admin (staff status), and whoever is a manager
    or a data-protection officer anywhere, or holds one of those roles' defining permissions by
    hand; for everyone else it is optional.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.is_staff:
        return True
    access = access_for(user)
    return bool(access.roles & SECOND_FACTOR_ROLES) or any(
        access.anywhere(perm) for perm in SECOND_FACTOR_PERMISSIONS
    )


def forget_access(user: Any) -> None:
    """Drop the remembered answers after memberships or object permissions change."""
    user.__dict__.pop(_ACCESS_ATTR, None)
    user.__dict__.pop(_OBJECT_PERMS_ATTR, None)
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)


def _centre_id(centre: Centre | int | None) -> int | None:
    return centre.pk if isinstance(centre, Centre) else centre


def may(user: Any, perm: str, centre: Centre | int | None) -> bool:
    """Whether ``user`` holds ``perm`` on ``centre`` (a centre or its id)."""
    return access_for(user).may(perm, _centre_id(centre))


def may_anywhere(user: Any, perm: str) -> bool:
    """Whether ``user`` holds ``perm`` on any centre (the network's shared lists, navigation)."""
    return access_for(user).anywhere(perm)


def centres_with(user: Any, perm: str) -> frozenset[int]:
    """The ids of the active centres on which ``user`` holds ``perm``."""
    return access_for(user).centres_with(perm)


def visible_centres(user: Any, perm: str = VIEW_CENTRE) -> QuerySet[Centre]:
    """Active centres on which the user holds ``perm`` (no query until evaluated)."""
    ids = access_for(user).centres_with(perm)
    return Centre.objects.filter(pk__in=ids, active=True) if ids else Centre.objects.none()


def centre_for(user: Any, pk: Any, perm: str = VIEW_CENTRE) -> Centre:
    """Fetch a centre for ``user``: 404 if they may not see it at all, 403 if they lack ``perm``.

    Another centre's object is a 404, not a 403, so that ids do not confirm what exists.
    """
    try:
        centre = visible_centres(user).get(pk=pk)
    except (Centre.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not may(user, perm, centre):
        raise PermissionDenied
    return centre


def may_on(user: Any, perm: str, obj: Model) -> bool:
    """Whether ``user`` holds the object permission ``perm`` ("app_label.codename") on ``obj``.

    Read from guardian's tables for the object's model (as for centres, superuser status grants
    nothing) and remembered per request: a page asks it several times for one object.
    """
    if not (user.is_authenticated and user.is_active):
        return False
    answers = user.__dict__.setdefault(_OBJECT_PERMS_ATTR, {})
    codename = perm.split(".", 1)[-1]
    key = (obj._meta.label_lower, obj.pk)
    if key not in answers:
        prefetch_object_perms(user, [obj])
    return codename in answers.get(key, frozenset())


def prefetch_object_perms(user: Any, objects: Iterable[Model]) -> None:
    """Read ``user``'s object permissions on ``objects`` (of one model) in two queries."""
    objects = [obj for obj in objects if obj.pk is not None]
    if not objects or not (user.is_authenticated and user.is_active):
        return
    from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

    answers = user.__dict__.setdefault(_OBJECT_PERMS_ATTR, {})
    label = objects[0]._meta.label_lower
    found: dict[Any, set[str]] = {obj.pk: set() for obj in objects}
    ids = list(found)
    for model, owner in (
        (get_user_obj_perms_model(objects[0]), {"user": user}),
        (get_group_obj_perms_model(objects[0]), {"group__user": user}),
    ):
        rows = model.objects.filter(content_object__in=ids, **owner).values_list(
            "content_object_id", "permission__codename"
        )
        for object_id, codename in rows:
            found[object_id].add(codename)
    for object_id, codenames in found.items():
        answers[(label, object_id)] = frozenset(codenames)


def holders(centre: Centre | int, perms: Iterable[str]) -> dict[int, frozenset[str]]:
    """Which active users hold which of ``perms`` on ``centre`` (user id -> codenames), two queries."""
    centre_id = _centre_id(centre)
    perms = list(perms)
    found: dict[int, set[str]] = {}
    direct = CentreUserObjectPermission.objects.filter(
        content_object_id=centre_id, permission__codename__in=perms, user__is_active=True
    ).values_list("user_id", "permission__codename")
    grouped = CentreGroupObjectPermission.objects.filter(
        content_object_id=centre_id, permission__codename__in=perms, group__user__is_active=True
    ).values_list("group__user", "permission__codename")
    for user_id, codename in [*direct, *grouped]:
        found.setdefault(user_id, set()).add(codename)
    return {user_id: frozenset(codenames) for user_id, codenames in found.items()}


def users_with(perm: str, centre: Centre | int) -> QuerySet:
    """The active users who hold ``perm`` on ``centre`` (themselves or through a group)."""
    return get_user_model().objects.filter(pk__in=list(holders(centre, [perm])))
