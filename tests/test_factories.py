"""The staff factory writes what the membership service writes, so tests built on it hold the
permissions production gives."""

from __future__ import annotations

import pytest
from guardian.shortcuts import get_perms

from kem import services
from kem.models import Discipline, Membership, Role
from kem.permissions import access_for
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [(role, "") for role in Role if role != Role.COUNSELLOR] + [
    (Role.COUNSELLOR, discipline) for discipline in Discipline
]


def granted(user, centre) -> dict:
    membership = Membership.objects.get(user=user, centre=centre)
    access = access_for(user)
    return {
        "membership": (membership.role, membership.discipline, membership.active),
        "history": membership.history.count(),
        "object permissions": sorted(get_perms(user, centre)),
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "model permissions": sorted(user.get_all_permissions()),
        "access": (access.roles_at(centre.pk), access.perms_by_centre.get(centre.pk)),
    }


@pytest.mark.parametrize(("role", "discipline"), ROLES)
def test_the_membership_factory_grants_what_the_service_grants(athens, role, discipline):
    by_service, by_factory = UserFactory(), UserFactory()

    services.membership_grant(centre=athens, user=by_service, role=role, discipline=discipline)
    MembershipFactory(user=by_factory, centre=athens, role=role, discipline=discipline)

    expected = granted(by_service, athens)
    assert expected["object permissions"] and expected["groups"]
    assert granted(by_factory, athens) == expected


def test_a_second_role_at_the_same_centre_adds_to_the_first(athens):
    by_service, by_factory = UserFactory(), UserFactory()
    for role, discipline in [(Role.FRONT_DESK, ""), (Role.COUNSELLOR, Discipline.LEGAL)]:
        services.membership_grant(centre=athens, user=by_service, role=role, discipline=discipline)
        MembershipFactory(user=by_factory, centre=athens, role=role, discipline=discipline)

    assert sorted(get_perms(by_factory, athens)) == sorted(get_perms(by_service, athens))
    assert access_for(by_factory).roles_at(athens.pk) == (Role.FRONT_DESK, Role.COUNSELLOR)
    assert access_for(by_factory).may("keep_legal_cases", athens.pk)
    assert set(by_factory.groups.all()) == set(by_service.groups.all())
