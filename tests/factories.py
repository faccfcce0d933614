"""factory_boy factories for centres and staff. Memberships go through the service so that the
object permissions they grant exist exactly as in production."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from kem import services
from kem.models import Centre, Discipline, Role

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


def staff(*, role: str, centre: Centre | None = None, discipline: str = "", **user_fields):
    """A user holding ``role`` at ``centre`` (a new centre if none is given)."""
    centre = centre or CentreFactory()
    if role == Role.COUNSELLOR and not discipline:
        discipline = Discipline.SOCIAL
    user = UserFactory(**user_fields)
    services.membership_grant(centre=centre, user=user, role=role, discipline=discipline)
    return user
