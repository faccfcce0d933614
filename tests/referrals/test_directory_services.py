"""The partner directory: its seed, keeping it (managers only, with history), and searching it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kem.models import Role
from partners.models import (
    CATEGORY_AREA,
    Organisation,
    OrganisationType,
    PartnerService,
    ServiceCategory,
    WorkingArea,
)
from partners.reference import ORGANISATIONS, seed_directory
from referrals.selectors.directory import DirectoryFilters, organisation_search
from referrals.services.directory import (
    organisation_create,
    organisation_deactivate,
    organisation_update,
    partner_service_create,
    partner_service_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def legal_aid(manager):
    organisation = organisation_create(
        name_el="Δίκτυο Νομικής Βοήθειας",
        name_en="Legal Help Network",
        type=OrganisationType.NGO,
        email="intake@legal-help.example.org",
        languages=["ar", "fa"],
        by=manager,
    )
    partner_service_create(
        organisation=organisation,
        name_el="Νομική συνδρομή",
        name_en="Legal aid",
        category=ServiceCategory.LEGAL_AID,
        by=manager,
    )
    return organisation


def search(user, **filters):
    return organisation_search(user=user, filters=DirectoryFilters(**filters))


# --- the seed ----------------------------------------------------------------------------------


def test_the_seed_names_the_kinds_of_partners_the_network_works_with():
    names = set(Organisation.objects.values_list("name_en", flat=True))

    for wanted in ("UNHCR", "IOM", "UNICEF", "DYPA", "OPEKA", "EFKA", "Social Grocery", "Pharmacy", "Clinic"):
        assert any(wanted in name for name in names), wanted
    types = set(Organisation.objects.values_list("type", flat=True))
    assert types == set(OrganisationType.values)


def test_every_working_area_has_a_seeded_service_in_the_right_area():
    services = PartnerService.objects.all()

    assert {s.area for s in services} == set(WorkingArea.values)
    assert all(s.area == CATEGORY_AREA[s.category] for s in services)
    dypa = Organisation.objects.get(name_en__contains="DYPA")
    assert set(dypa.services.values_list("category", flat=True)) >= {
        ServiceCategory.UNEMPLOYMENT_REGISTRATION,
        ServiceCategory.JOB_PLACEMENT,
    }


def test_seeding_again_adds_nothing_and_keeps_edits(manager):
    unhcr = Organisation.objects.get(name_en__contains="UNHCR")
    organisation_update(
        organisation=unhcr,
        name_el=unhcr.name_el,
        name_en=unhcr.name_en,
        type=unhcr.type,
        email="athens@unhcr.example.org",
        by=manager,
    )
    counts = (Organisation.objects.count(), PartnerService.objects.count())

    seed_directory()

    assert (Organisation.objects.count(), PartnerService.objects.count()) == counts
    assert counts[0] == len(ORGANISATIONS)
    unhcr.refresh_from_db()
    assert unhcr.email == "athens@unhcr.example.org"


def test_seeding_a_flushed_database_brings_the_directory_back():
    PartnerService.objects.all().delete()
    Organisation.objects.all().delete()

    seed_directory()

    assert Organisation.objects.count() == len(ORGANISATIONS)
    assert all(o.email.endswith(".example.org") or ".example." in o.email for o in Organisation.objects.all())


# --- keeping it --------------------------------------------------------------------------------


def test_a_manager_adds_an_organisation_with_history(legal_aid, manager):
    assert legal_aid.active
    assert legal_aid.languages == ["ar", "fa"]
    assert legal_aid.history.get().history_user == manager
    service = legal_aid.services.get()
    assert service.area == WorkingArea.LEGAL
    assert service.history.get().history_user == manager


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.COUNSELLOR, Role.TEACHER, Role.ANALYST, Role.DPO])
def test_only_managers_keep_the_directory(make_staff, athens, role, legal_aid):
    user = make_staff(role, athens)

    with pytest.raises(PermissionDenied):
        organisation_create(name_el="Χ", name_en="X", type=OrganisationType.NGO, by=user)
    with pytest.raises(PermissionDenied):
        organisation_deactivate(organisation=legal_aid, by=user)
    with pytest.raises(PermissionDenied):
        partner_service_create(
            organisation=legal_aid, name_el="Χ", name_en="X", category=ServiceCategory.CLINIC, by=user
        )
    assert Organisation.objects.filter(name_en="X").count() == 0


def test_a_manager_of_any_centre_keeps_the_network_directory(make_staff, thessaloniki, legal_aid):
    other_manager = make_staff(Role.MANAGER, thessaloniki)

    organisation_deactivate(organisation=legal_aid, by=other_manager)

    legal_aid.refresh_from_db()
    assert not legal_aid.active


def test_an_organisation_needs_both_names_a_type_and_a_valid_email(manager):
    with pytest.raises(ValidationError) as caught:
        organisation_create(name_el=" ", name_en="", type="bank", email="not-an-address", by=manager)

    assert set(caught.value.error_dict) >= {"name_el", "name_en", "type", "email"}


def test_languages_must_be_iso_639_codes_and_are_kept_once(manager):
    with pytest.raises(ValidationError) as caught:
        organisation_create(name_el="Α", name_en="A", type="ngo", languages=["Arabic"], by=manager)
    assert caught.value.error_dict["languages"][0].code == "iso639"

    organisation = organisation_create(
        name_el="Α", name_en="A", type="ngo", languages=[" AR", "ar", "fa"], by=manager
    )
    assert organisation.languages == ["ar", "fa"]


def test_deactivating_twice_is_refused(legal_aid, manager):
    organisation_deactivate(organisation=legal_aid, by=manager)

    with pytest.raises(ValidationError) as caught:
        organisation_deactivate(organisation=legal_aid, by=manager)

    assert caught.value.error_list[0].code == "already_inactive"


def test_recategorising_a_service_moves_it_to_the_new_area(legal_aid, manager):
    service = legal_aid.services.get()

    updated = partner_service_update(
        service=service,
        name_el="Στέγαση",
        name_en="Housing",
        category=ServiceCategory.RENT_SUBSIDY,
        active=False,
        by=manager,
    )

    assert (updated.area, updated.active) == (WorkingArea.HOUSING, False)
    assert updated.history.count() == 2


def test_a_service_needs_a_known_category(legal_aid, manager):
    with pytest.raises(ValidationError):
        partner_service_create(
            organisation=legal_aid, name_el="Χ", name_en="X", category="bakery", by=manager
        )
    assert legal_aid.services.count() == 1


# --- searching ---------------------------------------------------------------------------------


def test_search_finds_names_in_greek_or_english_whatever_the_accents(officer, legal_aid):
    for query in ("legal help", "ΝΟΜΙΚΗΣ", "νομικης βοηθ", "Νομικής", "nomikis"):
        assert legal_aid in search(officer, query=query), query
    assert legal_aid not in search(officer, query="shelter")


def test_search_finds_a_partner_by_its_services_name(officer, legal_aid):
    assert legal_aid in search(officer, query="συνδρομή")
    assert Organisation.objects.get(name_en__contains="DYPA") in search(officer, query="unemployment")


def test_filters_by_area_category_type_and_language(officer, legal_aid):
    assert legal_aid in search(officer, area=WorkingArea.LEGAL)
    assert legal_aid not in search(officer, area=WorkingArea.HOUSING)
    assert legal_aid in search(officer, category=ServiceCategory.LEGAL_AID)
    assert legal_aid not in search(officer, category=ServiceCategory.ASYLUM_PROCEDURE)
    assert legal_aid in search(officer, type=OrganisationType.NGO)
    assert legal_aid not in search(officer, type=OrganisationType.PUBLIC)
    assert legal_aid in search(officer, language="fa")
    assert legal_aid not in search(officer, language="uk")
    housing = search(officer, area=WorkingArea.HOUSING)
    assert housing
    assert all(any(s.area == WorkingArea.HOUSING for s in o.shown_services) for o in housing)


def test_inactive_partners_and_services_are_left_out_unless_asked_for(officer, manager, legal_aid):
    service = legal_aid.services.get()
    partner_service_update(
        service=service,
        name_el=service.name_el,
        name_en=service.name_en,
        category=service.category,
        active=False,
        by=manager,
    )
    assert legal_aid not in search(officer, area=WorkingArea.LEGAL, query="legal help")

    organisation_deactivate(organisation=legal_aid, by=manager)

    assert legal_aid not in search(officer)
    found = search(officer, include_inactive=True, query="legal help")
    assert found == [legal_aid]
    assert found[0].shown_services == [service]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_serve_people_may_not_search_the_directory(make_staff, athens, role):
    with pytest.raises(PermissionDenied):
        search(make_staff(role, athens))


def test_searching_costs_two_queries_however_large_the_directory(officer, manager, django_assert_num_queries):
    search(officer)  # warms the user's access cache
    with django_assert_num_queries(2):
        before = search(officer, area=WorkingArea.HEALTH_SOCIAL)
    for n in range(30):
        organisation = organisation_create(
            name_el=f"Οργάνωση {n}", name_en=f"Org {n}", type="ngo", by=manager
        )
        partner_service_create(
            organisation=organisation, name_el="Ιατρείο", name_en="Clinic", category="clinic", by=manager
        )

    with django_assert_num_queries(2):
        after = search(officer, area=WorkingArea.HEALTH_SOCIAL)

    assert len(after) == len(before) + 30
    assert sum(len(o.shown_services) for o in after) >= 30
