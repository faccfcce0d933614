"""factory_boy factories for centres, staff and memberships."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from kem.models import Centre, CentreUserObjectPermission, Discipline, Membership, Role
from kem.permissions import forget_access
from kem.roles import group_name, permissions_of

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(PASSWORD)


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre

    name_el = factory.Sequence(lambda n: f"ΚΕΜ {n}")
    name_en = factory.Sequence(lambda n: f"KEM {n}")
    municipality = "Αθήνα"


class MembershipFactory(factory.django.DjangoModelFactory):
    """A membership with exactly the rows ``membership_grant`` writes for a new one: the role's
    object permissions on the centre and the role's group.

    The service asks guardian one permission at a time (about 50 queries, 20 ms); a thousand
    tests need staff, so this writes the same rows in five. tests/test_factories.py compares the
    two for every role. Tests of granting and revoking call the service itself.
    """

    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    centre = factory.SubFactory(CentreFactory)
    role = Role.FRONT_DESK
    discipline = factory.LazyAttribute(lambda m: Discipline.SOCIAL if m.role == Role.COUNSELLOR else "")

    @factory.post_generation
    def permissions(membership: Membership, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        user, centre = membership.user, membership.centre
        granted = Permission.objects.filter(
            content_type__app_label="kem",
            content_type__model="centre",
            codename__in=permissions_of(membership.role, membership.discipline),
        )
        CentreUserObjectPermission.objects.bulk_create(
            [CentreUserObjectPermission(user=user, permission=p, content_object=centre) for p in granted],
            ignore_conflicts=True,
        )
        user.groups.add(*Group.objects.filter(name=group_name(membership.role)))
        forget_access(user)


def staff(*, role: str, centre: Centre | None = None, discipline: str = "", **user_fields):
    """A user holding ``role`` at ``centre`` (a new centre if none is given)."""
    centre = centre or CentreFactory()
    if role == Role.COUNSELLOR and not discipline:
        discipline = Discipline.SOCIAL
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, centre=centre, role=role, discipline=discipline)
    return user
