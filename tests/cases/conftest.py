"""Staff of every role and discipline at Athens (and one at Thessaloniki), a person, cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import AREA_DISCIPLINE, BenefitService, Case, Language, OpenReason, ServiceArea
from cases.reference import seed_reference_data
from kem import services
from kem.models import Discipline, Role


@pytest.fixture
def psychologist(make_staff, athens):
    return make_staff(Role.COUNSELLOR, athens, Discipline.PSYCHOLOGICAL)


@pytest.fixture
def lawyer(make_staff, athens):
    return make_staff(Role.COUNSELLOR, athens, Discipline.LEGAL)


@pytest.fixture
def career_counsellor(make_staff, athens):
    return make_staff(Role.COUNSELLOR, athens, Discipline.EMPLOYMENT)


@pytest.fixture
def other_psychologist(make_staff, thessaloniki):
    """A psychologist of another centre: sees nothing of Athens."""
    return make_staff(Role.COUNSELLOR, thessaloniki, Discipline.PSYCHOLOGICAL)


@pytest.fixture
def person(athens, officer):
    return services.beneficiary_register(
        centre=athens,
        by=officer,
        data={
            "given_name": "Ζαχρά",
            "family_name": "Χοσεϊνί",
            "given_name_latin": "Zahra",
            "birth_year": 1994,
        },
        check_duplicates=False,
    )


@pytest.fixture
def make_case(athens, person):
    """make_case(counsellor, area=psychosocial, beneficiary=person) -> an open case at Athens.

    Made directly on the model so that tests of pages and policy do not depend on the services.
    """

    def make(counsellor, area=ServiceArea.PSYCHOSOCIAL, beneficiary=None, centre=None):
        return Case.objects.create(
            beneficiary=beneficiary or person,
            centre=centre or athens,
            area=area,
            counsellor=counsellor,
            open_reason=OpenReason.SELF,
            opened_by=counsellor,
        )

    return make


@pytest.fixture(autouse=True)
def reference_data(db):
    """The seeded languages and services, again if a transactional test flushed them."""
    if not (Language.objects.exists() and BenefitService.objects.exists()):
        seed_reference_data()


@pytest.fixture
def farsi(db):
    return Language.objects.get(code="fa", dialect="")


@pytest.fixture
def tomorrow_at():
    """tomorrow_at(hour, minute=0) -> an aware datetime tomorrow, local time."""

    def at(hour: int, minute: int = 0) -> dt.datetime:
        day = timezone.localdate() + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    return at


__all__ = ["AREA_DISCIPLINE"]
