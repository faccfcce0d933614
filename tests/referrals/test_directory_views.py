"""Directory pages: searching as one types, a partner's page, managers keeping it; the access rules
(those who serve people read, managers keep, others 403, an unknown id 404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kem.models import Role
from partners.models import Organisation, PartnerService, ServiceCategory, WorkingArea

pytestmark = pytest.mark.django_db

LIST = reverse("organisation-list")
NEW = reverse("organisation-new")


def _organisation_post(**fields):
    data = {
        "name_el": "Κέντρο Ημέρας Αστέγων",
        "name_en": "Homeless Day Centre",
        "type": "municipal",
        "email": "day-centre@municipality.example.gov.gr",
        "languages": ["ar", "en"],
    }
    return {**data, **fields}


# --- the directory page ------------------------------------------------------------------------


def test_the_front_desk_searches_the_directory(client, officer, housing_partner):
    client.force_login(officer)

    response = client.get(LIST, {"q": "solidarity"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-organisation="{housing_partner.organisation.pk}"' in html
    assert "UNHCR" not in html
    assert 'data-action="organisation-new"' not in html


def test_search_as_you_type_returns_only_the_rows(client, social_worker, housing_partner):
    client.force_login(social_worker)

    response = client.get(LIST, {"q": "στεγη αλληλ"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<form" not in html
    assert 'data-table="organisations"' in html
    assert f'data-organisation="{housing_partner.organisation.pk}"' in html


def test_the_directory_filters_by_area_and_language(client, officer, housing_partner):
    client.force_login(officer)

    housing = client.get(LIST, {"area": WorkingArea.HOUSING}).context["organisations"]
    farsi = client.get(LIST, {"language": "fa"}).context["organisations"]

    assert housing_partner.organisation in housing
    assert all(any(s.area == WorkingArea.HOUSING for s in o.shown_services) for o in housing)
    assert housing_partner.organisation not in farsi
    assert farsi and all("fa" in o.languages for o in farsi)


def test_nothing_found_says_what_to_try(client, officer):
    client.force_login(officer)

    response = client.get(LIST, {"q": "zzzzzz"})

    assert 'data-empty="filtered"' in response.content.decode()


def test_the_directory_page_costs_the_same_for_3_or_30_partners(
    client, officer, django_assert_max_num_queries
):
    client.force_login(officer)
    client.get(LIST)
    with django_assert_max_num_queries(12):
        client.get(LIST)
    for n in range(30):
        organisation = Organisation.objects.create(name_el=f"Οργάνωση {n}", name_en=f"Org {n}", type="ngo")
        PartnerService.objects.create(
            organisation=organisation, name_el="Ιατρείο", name_en="Clinic", category=ServiceCategory.CLINIC
        )

    with django_assert_max_num_queries(12):
        response = client.get(LIST)

    assert len(response.context["organisations"]) >= 30


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_serve_people_get_403_for_the_directory(client, make_staff, athens, role):
    client.force_login(make_staff(role, athens))

    assert client.get(LIST).status_code == 403


def test_another_centres_officer_reads_the_network_directory(client, other_officer, housing_partner):
    client.force_login(other_officer)

    assert client.get(housing_partner.organisation.get_absolute_url()).status_code == 200


# --- a partner's page --------------------------------------------------------------------------


def test_a_partners_page_lists_its_services(client, officer, housing_partner):
    client.force_login(officer)

    response = client.get(housing_partner.organisation.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-service="{housing_partner.pk}"' in html
    assert "intake@shelter.example.org" in html
    assert 'data-action="organisation-edit"' not in html


def test_a_partners_page_is_404_for_an_unknown_id_and_403_for_a_teacher(client, officer, teacher):
    client.force_login(officer)
    assert client.get(reverse("organisation-detail", args=[999999])).status_code == 404

    client.force_login(teacher)
    organisation = Organisation.objects.first()
    assert client.get(organisation.get_absolute_url()).status_code == 403


# --- keeping it --------------------------------------------------------------------------------


def test_a_manager_adds_an_organisation(client, manager):
    client.force_login(manager)

    response = client.post(NEW, _organisation_post())

    organisation = Organisation.objects.get(name_en="Homeless Day Centre")
    assert response.status_code == 302
    assert response.url == organisation.get_absolute_url()
    assert organisation.languages == ["ar", "en"]
    assert organisation.history.get().history_user == manager


def test_an_invalid_organisation_shows_errors_and_keeps_the_input(client, manager):
    client.force_login(manager)

    response = client.post(NEW, _organisation_post(name_el="", email="nowhere"))

    html = response.content.decode()
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name_el", "email"}
    assert 'value="Homeless Day Centre"' in html
    assert not Organisation.objects.filter(name_en="Homeless Day Centre").exists()


def test_the_front_desk_may_look_but_not_keep_the_directory(client, officer, housing_partner):
    client.force_login(officer)
    organisation = housing_partner.organisation

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, _organisation_post()).status_code == 403
    assert (
        client.post(reverse("organisation-edit", args=[organisation.pk]), _organisation_post()).status_code
        == 403
    )
    assert client.post(reverse("organisation-deactivate", args=[organisation.pk])).status_code == 403
    assert client.get(reverse("partner-service-new", args=[organisation.pk])).status_code == 403
    assert client.get(reverse("partner-service-edit", args=[housing_partner.pk])).status_code == 403
    organisation.refresh_from_db()
    assert organisation.active
    assert organisation.name_en == "Solidarity Shelter"


def test_editing_pages_are_404_for_unknown_ids(client, manager):
    client.force_login(manager)

    assert client.get(reverse("organisation-edit", args=[999999])).status_code == 404
    assert client.get(reverse("partner-service-new", args=[999999])).status_code == 404
    assert client.get(reverse("partner-service-edit", args=[999999])).status_code == 404


def test_a_manager_edits_an_organisation(client, manager, housing_partner):
    client.force_login(manager)
    organisation = housing_partner.organisation
    url = reverse("organisation-edit", args=[organisation.pk])

    form = client.get(url)
    response = client.post(url, _organisation_post(name_en="Solidarity Homes", active="on"))

    assert 'value="Solidarity Shelter"' in form.content.decode()
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name_en == "Solidarity Homes"
    assert organisation.active


def test_deactivating_asks_first_then_deactivates(client, manager, housing_partner):
    client.force_login(manager)
    organisation = housing_partner.organisation
    url = reverse("organisation-deactivate", args=[organisation.pk])

    confirmation = client.get(url)
    organisation.refresh_from_db()
    assert 'data-form="organisation-deactivate"' in confirmation.content.decode()
    assert organisation.active

    response = client.post(url)
    organisation.refresh_from_db()
    assert response.status_code == 302
    assert not organisation.active
    assert organisation not in client.get(LIST).context["organisations"]


def test_a_manager_adds_and_edits_a_service(client, manager, housing_partner):
    client.force_login(manager)
    organisation = housing_partner.organisation

    added = client.post(
        reverse("partner-service-new", args=[organisation.pk]),
        {
            "name_el": "Επιδότηση ενοικίου",
            "name_en": "Rent subsidy",
            "category": ServiceCategory.RENT_SUBSIDY,
        },
    )
    edited = client.post(
        reverse("partner-service-edit", args=[housing_partner.pk]),
        {"name_el": "Φιλοξενία", "name_en": "Shelter", "category": ServiceCategory.SHELTER},
    )

    assert added.status_code == 302
    assert organisation.services.get(name_en="Rent subsidy").area == WorkingArea.HOUSING
    assert edited.status_code == 302
    housing_partner.refresh_from_db()
    assert not housing_partner.active  # the box was left unticked


def test_a_service_without_a_category_shows_the_error(client, manager, housing_partner):
    client.force_login(manager)

    response = client.post(
        reverse("partner-service-new", args=[housing_partner.organisation_id]),
        {"name_el": "Κάτι", "name_en": "Something", "category": ""},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"category"}
    assert 'value="Something"' in response.content.decode()
