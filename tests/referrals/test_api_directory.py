"""The directory API: read by those who serve people, written by managers through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from kem.models import Role
from partners.models import Organisation, PartnerService, ServiceCategory, WorkingArea

pytestmark = pytest.mark.django_db

ORGANISATIONS = reverse("api:organisation-list")
SERVICES = reverse("api:partner-service-list")


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def results(response) -> list[dict]:
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def test_the_front_desk_lists_and_searches_organisations(officer, housing_partner):
    api = client_for(officer)

    everything = api.get(ORGANISATIONS)
    found = api.get(ORGANISATIONS, {"q": "στεγη αλληλεγγυης"})

    assert everything.status_code == 200
    assert len(results(everything)) == Organisation.objects.filter(active=True).count()
    assert [o["id"] for o in results(found)] == [housing_partner.organisation_id]
    assert results(found)[0]["email"] == "intake@shelter.example.org"


def test_organisations_filter_by_area(officer):
    rows = results(client_for(officer).get(ORGANISATIONS, {"area": WorkingArea.LABOUR}))

    assert rows
    labour = set(
        PartnerService.objects.filter(area=WorkingArea.LABOUR).values_list("organisation_id", flat=True)
    )
    assert {o["id"] for o in rows} <= labour


def test_an_organisation_is_read_by_id_and_an_unknown_id_is_404(officer, housing_partner):
    api = client_for(officer)

    assert (
        api.get(reverse("api:organisation-detail", args=[housing_partner.organisation_id])).status_code == 200
    )
    assert api.get(reverse("api:organisation-detail", args=[999999])).status_code == 404
    assert api.get(reverse("api:partner-service-detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_serve_people_get_403(make_staff, athens, role):
    api = client_for(make_staff(role, athens))

    assert api.get(ORGANISATIONS).status_code == 403
    assert api.get(SERVICES).status_code == 403


def test_the_front_desk_may_not_write(officer, housing_partner):
    api = client_for(officer)
    organisation = housing_partner.organisation

    created = api.post(ORGANISATIONS, {"name_el": "Χ", "name_en": "X", "type": "ngo"}, format="json")
    changed = api.patch(
        reverse("api:organisation-detail", args=[organisation.pk]), {"active": False}, format="json"
    )

    assert (created.status_code, changed.status_code) == (403, 403)
    organisation.refresh_from_db()
    assert organisation.active


def test_a_manager_creates_an_organisation_and_a_service(manager):
    api = client_for(manager)

    created = api.post(
        ORGANISATIONS,
        {"name_el": "Ιατρείο Δρόμου", "name_en": "Street Clinic", "type": "ngo", "languages": ["ar", "fa"]},
        format="json",
    )
    service = api.post(
        SERVICES,
        {
            "organisation": created.json()["id"],
            "name_el": "Ιατρείο",
            "name_en": "Clinic",
            "category": "clinic",
        },
        format="json",
    )

    assert created.status_code == 201
    organisation = Organisation.objects.get(pk=created.json()["id"])
    assert organisation.languages == ["ar", "fa"]
    assert organisation.history.get().history_user == manager
    assert service.status_code == 201
    assert service.json()["area"] == WorkingArea.HEALTH_SOCIAL


def test_invalid_writes_are_400_with_codes(manager):
    api = client_for(manager)

    response = api.post(
        ORGANISATIONS, {"name_el": "Α", "name_en": "A", "type": "ngo", "languages": ["xxxx"]}, format="json"
    )
    wrong_type = api.post(ORGANISATIONS, {"name_el": "Α", "name_en": "A", "type": "bank"}, format="json")

    assert response.status_code == 400
    assert "languages" in response.json()
    assert wrong_type.status_code == 400
    assert "type" in wrong_type.json()
    assert not Organisation.objects.filter(name_en="A").exists()


def test_a_manager_updates_partially_through_the_service(manager, housing_partner):
    api = client_for(manager)
    organisation = housing_partner.organisation

    response = api.patch(
        reverse("api:organisation-detail", args=[organisation.pk]),
        {"phone": "210 0000000", "active": False},
        format="json",
    )
    service = api.patch(
        reverse("api:partner-service-detail", args=[housing_partner.pk]),
        {"category": ServiceCategory.RENT_SUBSIDY},
        format="json",
    )

    assert response.status_code == 200
    organisation.refresh_from_db()
    assert (organisation.phone, organisation.active, organisation.name_en) == (
        "210 0000000",
        False,
        "Solidarity Shelter",
    )
    assert organisation.history.first().history_user == manager
    assert service.status_code == 200
    housing_partner.refresh_from_db()
    assert housing_partner.category == ServiceCategory.RENT_SUBSIDY


def test_services_list_filters_and_leaves_out_inactive_partners(officer, manager, housing_partner):
    api = client_for(officer)
    Organisation.objects.filter(pk=housing_partner.organisation_id).update(active=False)

    active = results(api.get(SERVICES, {"area": WorkingArea.HOUSING}))
    everything = results(
        api.get(SERVICES, {"organisation": housing_partner.organisation_id, "include_inactive": "true"})
    )

    assert housing_partner.pk not in {s["id"] for s in active}
    assert all(s["area"] == WorkingArea.HOUSING for s in active)
    assert [s["id"] for s in everything] == [housing_partner.pk]


def test_the_directory_endpoints_are_in_the_schema(officer):
    schema = client_for(officer).get("/api/schema/", {"format": "json"})

    if schema.status_code == 404:
        pytest.skip("no schema endpoint at this address")
    paths = schema.json()["paths"]
    assert "/api/v1/organisations/" in paths
    assert "/api/v1/partner-services/{id}/" in paths
