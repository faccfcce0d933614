"""The registration page: who may register, validation that keeps the input, and the duplicate check."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from kem.models import Beneficiary, DuplicateDecision, Role

pytestmark = pytest.mark.django_db

AMKA = "01013099997"  # valid check digit, born 01/01/1930
URL = reverse("beneficiary-register")


@pytest.fixture
def client(client):
    # The assertions read the English text; Greek is the site's default.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def form_data(**fields) -> dict:
    data = {
        "given_name": "Μαρία",
        "family_name": "Παπαδοπούλου",
        "gender": "female",
        "housing": "not_stated",
        "employment": "not_stated",
        "education": "not_stated",
    }
    data.update(fields)
    return data


def test_a_front_desk_officer_gets_the_form_with_the_first_field_focused(client, officer):
    client.force_login(officer)

    response = client.get(URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<input[^>]*name="given_name"[^>]*autofocus', html)
    assert "<details" in html and 'name="notes"' in html


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST])
def test_a_teacher_or_analyst_may_not_register(client, make_staff, athens, role):
    client.force_login(make_staff(role, athens))

    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data()).status_code == 403
    assert not Beneficiary.objects.exists()


def test_an_officer_cannot_register_at_another_centre(client, officer, thessaloniki):
    client.force_login(officer)

    response = client.post(URL, form_data(centre=thessaloniki.pk))

    assert response.status_code == 200
    assert not Beneficiary.objects.exists()


def test_registering_saves_the_person_and_opens_the_profile(client, officer, athens):
    client.force_login(officer)

    response = client.post(URL, form_data(amka_number=AMKA, date_of_birth="1930-01-01", phone="6912345678"))

    person = Beneficiary.objects.get()
    assert response.status_code == 302
    assert response.url == person.get_absolute_url()
    assert person.registering_centre == athens
    assert person.registered_by == officer
    assert person.id_numbers == {"amka": AMKA}
    assert person.phone == "+306912345678"


def test_an_officer_of_two_centres_chooses_where_to_register(client, make_staff, athens, thessaloniki):
    officer = make_staff(Role.FRONT_DESK, athens)
    make_staff(Role.FRONT_DESK, thessaloniki, username=officer.username)
    client.force_login(officer)

    assert 'name="centre"' in client.get(URL).content.decode()
    client.post(URL, form_data(centre=thessaloniki.pk))

    assert Beneficiary.objects.get().registering_centre == thessaloniki


def test_a_wrong_amka_keeps_everything_typed_and_shows_the_error_next_to_the_field(client, officer):
    client.force_login(officer)

    response = client.post(URL, form_data(amka_number="01013099990", father_name="Γιώργος", phone=""))

    html = response.content.decode()
    assert response.status_code == 200
    assert not Beneficiary.objects.exists()
    assert 'value="Μαρία"' in html and 'value="Παπαδοπούλου"' in html and 'value="Γιώργος"' in html
    assert 'value="01013099990"' in html
    error_at = html.index("check digit is wrong")
    amka_at = re.search(r'<input[^>]*name="amka_number"', html).start()
    # The error sits in the AMKA's own field group, right before its input.
    assert error_at < amka_at
    assert "<input" not in html[error_at:amka_at]


def test_the_same_amka_is_a_hard_stop_with_a_link_to_the_existing_record(client, officer, register):
    existing = register(documents=[{"kind": "amka", "number": AMKA}])
    client.force_login(officer)

    response = client.post(
        URL, form_data(given_name="Άλλη", family_name="Γυναίκα", amka_number=AMKA, decision_x="different")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert Beneficiary.objects.count() == 1
    assert "This ID number is already registered" in html
    assert f'href="{existing.get_absolute_url()}"' in html
    assert 'value="Άλλη"' in html


def test_an_amka_of_another_centre_stops_without_revealing_that_record(
    client, officer, register, thessaloniki
):
    existing = register(centre=thessaloniki, documents=[{"kind": "amka", "number": AMKA}])
    client.force_login(officer)

    response = client.post(URL, form_data(given_name="Νέα", family_name="Εγγραφή", amka_number=AMKA))

    html = response.content.decode()
    assert Beneficiary.objects.count() == 1
    assert "another centre of the network" in html
    assert str(existing.pk) not in html
    assert "Μαρία" not in html


def test_a_latin_spelling_shows_the_greek_candidate_and_a_different_decision_registers(
    client, officer, register
):
    existing = register(given_name="Μοχάμεντ", family_name="Ραχίμι", birth_year=1990)
    client.force_login(officer)
    typed = form_data(given_name="Mohammad", family_name="Rahimi", birth_year="1990")

    first = client.post(URL, typed)

    html = first.content.decode()
    assert first.status_code == 200
    assert Beneficiary.objects.count() == 1
    assert "Μοχάμεντ Ραχίμι" in html
    assert f'name="decision_{existing.pk}"' in html
    assert 'value="Mohammad"' in html

    second = client.post(URL, {**typed, f"decision_{existing.pk}": "different"})

    assert second.status_code == 302
    person = Beneficiary.objects.exclude(pk=existing.pk).get()
    decision = DuplicateDecision.objects.get(beneficiary=person)
    assert decision.candidate_id == existing.pk
    assert decision.decision == "different"
    assert decision.decided_by == officer


def test_saying_it_is_the_same_person_registers_nobody(client, officer, register):
    existing = register(given_name="Ahmad", family_name="Karimi", birth_year=2001)
    client.force_login(officer)

    response = client.post(
        URL,
        form_data(
            given_name="Ahmed", family_name="Karimi", birth_year="2001", **{f"decision_{existing.pk}": "same"}
        ),
    )

    assert response.status_code == 200
    assert Beneficiary.objects.count() == 1
    assert "open their record instead" in response.content.decode()
