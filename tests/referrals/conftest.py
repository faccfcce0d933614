"""Staff of every role at Athens (and Thessaloniki), a person, a housing partner, a referral."""

from __future__ import annotations

import pytest

from kem import services
from kem.models import Role
from partners.models import Organisation, OrganisationType, PartnerService, ServiceCategory
from referrals.models import Referral


@pytest.fixture
def other_officer(make_staff, thessaloniki):
    """Front desk of another centre: sees nothing of Athens' referrals."""
    return make_staff(Role.FRONT_DESK, thessaloniki)


@pytest.fixture
def person(athens, officer):
    return services.beneficiary_register(
        centre=athens,
        by=officer,
        data={
            "given_name": "Αμίνα",
            "family_name": "Γιουσούφ",
            "given_name_latin": "Amina",
            "birth_year": 1991,
        },
        check_duplicates=False,
    )


@pytest.fixture
def housing_partner(db):
    """An NGO with a shelter service, made on the model (the directory's seed may change)."""
    organisation = Organisation.objects.create(
        name_el="Στέγη Αλληλεγγύης",
        name_en="Solidarity Shelter",
        type=OrganisationType.NGO,
        email="intake@shelter.example.org",
        contact_name="Ελένη Μ.",
    )
    service = PartnerService.objects.create(
        organisation=organisation, name_el="Φιλοξενία", name_en="Shelter", category=ServiceCategory.SHELTER
    )
    return service


@pytest.fixture
def make_referral(athens, person, officer, housing_partner):
    """make_referral(**fields) -> a draft referral of the person to the shelter, on the model."""

    def make(**fields):
        values = {
            "beneficiary": person,
            "centre": athens,
            "service": housing_partner,
            "reason": "Χρειάζεται στέγη για την ίδια και δύο παιδιά.",
            "contact_person": officer,
            "created_by": officer,
        }
        values.update(fields)
        return Referral.objects.create(**values)

    return make
