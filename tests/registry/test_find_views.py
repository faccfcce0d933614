"""Finding a person: search-as-you-type in POST bodies, scoped to the user's centres, traced per search."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse

from kem.models import AccessEvent, Role

pytestmark = pytest.mark.django_db

AMKA = "01013099997"
SEARCH = reverse("beneficiary-search")
PAGE = reverse("beneficiary-list")


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def maria(register):
    return register(
        given_name="Μαρία",
        family_name="Παπαδοπούλου",
        phone="+306912345678",
        documents=[{"kind": "amka", "number": AMKA}],
        date_of_birth=dt.date(1930, 1, 1),
    )


def search(client, query: str):
    return client.post(SEARCH, {"q": query}, HTTP_HX_REQUEST="true")


def test_the_front_desk_opens_the_search_page(client, officer):
    client.force_login(officer)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert 'hx-post="/beneficiaries/search/"' in response.content.decode()


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST])
def test_a_teacher_or_analyst_may_not_search(client, make_staff, athens, maria, role):
    client.force_login(make_staff(role, athens))

    assert client.get(PAGE).status_code == 403
    assert search(client, "Παπ").status_code == 403


def test_an_officer_of_another_centre_does_not_find_the_person(client, make_staff, thessaloniki, maria):
    client.force_login(make_staff(Role.FRONT_DESK, thessaloniki))

    response = search(client, "Παπαδοπούλου")

    assert response.status_code == 200
    assert "Μαρία" not in response.content.decode()
    assert "Nobody found" in response.content.decode()


@pytest.mark.parametrize("query", ["Παπ", "pap", "PAPADOPOULOU", "691 234 5678", "+30 6912345678", AMKA])
def test_the_person_is_found_by_name_prefix_in_either_script_by_phone_and_by_amka(
    client, officer, maria, query
):
    client.force_login(officer)

    response = search(client, query)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Μαρία Παπαδοπούλου" in html
    assert f'href="{maria.get_absolute_url()}"' in html
    assert "KEM Athens" in html


def test_someone_else_is_not_found(client, officer, maria):
    client.force_login(officer)

    assert "Nobody found" in search(client, "Γιαννόπουλος").content.decode()


def test_one_character_asks_for_more_and_runs_no_search(client, officer, maria):
    client.force_login(officer)

    response = search(client, "Π")

    assert "at least 2 characters" in response.content.decode()
    assert not AccessEvent.objects.exists()


def test_nobody_found_offers_to_register(client, officer, maria):
    client.force_login(officer)

    html = search(client, "Zzyzx").content.decode()

    assert "Nobody found" in html
    assert f'href="{reverse("beneficiary-register")}"' in html


def test_the_search_endpoint_refuses_get(client, officer):
    client.force_login(officer)

    assert client.get(SEARCH, {"q": "Παπ"}).status_code == 405


def test_without_javascript_the_page_posts_to_itself_and_shows_the_results(client, officer, maria):
    client.force_login(officer)

    response = client.post(PAGE, {"q": "Παπαδ"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "Μαρία Παπαδοπούλου" in html


def test_the_search_text_is_in_no_url_the_page_emits(client, officer, maria):
    client.force_login(officer)
    query = "Παπαδ"

    response = client.post(PAGE, {"q": query})

    html = response.content.decode()
    urls = re.findall(r'(?:href|action|src|hx-post|hx-get|value)="([^"]*)"', html)
    assert any(u.startswith("/beneficiaries/") for u in urls)
    link_urls = [u for u in urls if u.startswith(("/", "http"))]
    assert link_urls
    assert not [u for u in link_urls if query in u or "q=" in u]
    assert 'method="post"' in html
    assert "Location" not in response.headers


def test_each_search_records_one_access_event_without_the_query(client, officer, maria):
    client.force_login(officer)

    search(client, "Παπαδ")

    event = AccessEvent.objects.get()
    assert event.action == "kem.beneficiary.searched"
    assert event.user == officer
    assert event.subject_id is None
    assert event.fields == []
    assert event.reason == ""
    assert "Παπαδ" not in str(
        AccessEvent.objects.values_list("actor", "role", "action", "subject_type", "reason").get()
    )
