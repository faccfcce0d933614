"""The profile, the edit form and the record's history: who may open them and what each leaves behind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from kem import services
from kem.models import AccessEvent, Role

pytestmark = pytest.mark.django_db

AMKA = "01013099997"  # born 01/01/1930
OTHER_AMKA = "01018012342"  # valid check digit, born 01/01/1980
NOTE = "Χρειάζεται συνοδεία στο νοσοκομείο"
# A fixed bound (19 measured, with every registered timeline source), with room for new sources;
# a query per history row would add 29 at the long end and break it.
PROFILE_QUERIES = 25


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
        date_of_birth=dt.date(1930, 1, 1),
        documents=[{"kind": "amka", "number": AMKA}],
        notes=NOTE,
        email="maria@example.org",
    )


def url(name: str, person) -> str:
    return reverse(name, args=[person.pk])


def edit_data(**fields) -> dict:
    data = {
        "given_name": "Μαρία",
        "family_name": "Παπαδοπούλου",
        "gender": "female",
        "housing": "not_stated",
        "employment": "not_stated",
        "education": "not_stated",
        "date_of_birth": "1930-01-01",
        "amka_number": AMKA,
    }
    data.update(fields)
    return data


# --- profile -----------------------------------------------------------------------------------


def test_the_front_desk_sees_the_profile_with_hidden_details_hidden(client, officer, maria):
    client.force_login(officer)

    response = client.get(url("beneficiary-detail", maria))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Μαρία Παπαδοπούλου" in html
    assert "+306912345678" not in html  # contact details, the phone too, only when revealed
    assert AMKA not in html and NOTE not in html and "maria@example.org" not in html
    assert "01/01/1930" not in html
    assert "no-store" in response["Cache-Control"]


def test_viewing_the_profile_writes_one_access_event_with_the_shown_fields(client, officer, maria, athens):
    client.force_login(officer)

    client.get(url("beneficiary-detail", maria))

    event = AccessEvent.objects.get()
    assert event.action == "kem.beneficiary.viewed"
    assert event.user == officer
    assert event.subject_id == maria.pk
    assert event.fields == ["family_name", "given_name"]
    assert event.centre == athens
    assert event.role == Role.FRONT_DESK


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST])
def test_a_teacher_or_analyst_of_the_centre_may_not_open_a_profile(client, make_staff, athens, maria, role):
    client.force_login(make_staff(role, athens))

    assert client.get(url("beneficiary-detail", maria)).status_code == 403
    assert not AccessEvent.objects.exists()


def test_another_centres_officer_gets_404_for_a_profile(client, make_staff, thessaloniki, maria):
    client.force_login(make_staff(Role.FRONT_DESK, thessaloniki))

    assert client.get(url("beneficiary-detail", maria)).status_code == 404


def test_the_timeline_shows_who_registered_and_who_changed_the_record(client, officer, manager, maria):
    services.beneficiary_update(beneficiary=maria, by=manager, data={"municipality": "Αθήνα"})
    client.force_login(officer)

    html = client.get(url("beneficiary-detail", maria)).content.decode()

    assert f"Registered by {officer.get_full_name()}" in html
    assert f"Details changed by {manager.get_full_name()}" in html
    assert html.index("Details changed by") < html.index("Registered by")


def test_only_managers_see_the_link_to_the_history(client, officer, manager, maria):
    history = url("beneficiary-history", maria)
    client.force_login(officer)
    assert history not in client.get(url("beneficiary-detail", maria)).content.decode()

    client.force_login(manager)
    assert history in client.get(url("beneficiary-detail", maria)).content.decode()


def _changes(person, by, count: int) -> None:
    for n in range(count):
        services.beneficiary_update(beneficiary=person, by=by, data={"arrival_year": 2000 + n})


@pytest.mark.parametrize("changes", [1, 29])
def test_the_profile_costs_a_fixed_number_of_queries_however_long_the_history(
    client, officer, maria, django_assert_max_num_queries, changes
):
    _changes(maria, officer, changes)
    assert maria.history.count() == changes + 1
    client.force_login(officer)
    client.get(reverse("home"))  # the session and the user are loaded on every page alike

    with django_assert_max_num_queries(PROFILE_QUERIES):
        response = client.get(url("beneficiary-detail", maria))

    assert response.content.decode().count('data-kind="kem.beneficiary.changed"') == changes


# --- edit --------------------------------------------------------------------------------------


def test_opening_the_edit_form_shows_the_values_and_is_traced(client, officer, maria):
    client.force_login(officer)

    response = client.get(url("beneficiary-edit", maria))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{AMKA}"' in html and NOTE in html
    event = AccessEvent.objects.get()
    assert event.action == "kem.beneficiary.edit_opened"
    assert set(event.fields) == {
        "given_name",
        "family_name",
        "phone",
        "date_of_birth",
        "documents",
        "notes",
        "email",
    }


def test_saving_the_edit_form_changes_the_record_and_keeps_the_editor_in_history(client, officer, maria):
    client.force_login(officer)

    response = client.post(url("beneficiary-edit", maria), edit_data(family_name="Παπαδοπούλου-Νίκου"))

    assert response.status_code == 302
    maria.refresh_from_db()
    assert maria.family_name == "Παπαδοπούλου-Νίκου"
    assert maria.id_numbers == {"amka": AMKA}
    assert maria.history.first().history_user == officer


def test_an_amka_held_by_another_person_is_refused_on_edit(client, officer, maria, register):
    other = register(
        given_name="Νίκος", family_name="Νικολάου", documents=[{"kind": "amka", "number": OTHER_AMKA}]
    )
    client.force_login(officer)

    response = client.post(
        url("beneficiary-edit", maria), edit_data(date_of_birth="1980-01-01", amka_number=OTHER_AMKA)
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "This ID number is already registered" in html
    assert f'href="{other.get_absolute_url()}"' in html
    maria.refresh_from_db()
    assert maria.id_numbers == {"amka": AMKA}


def test_keeping_ones_own_amka_on_edit_is_no_duplicate(client, officer, maria):
    client.force_login(officer)

    response = client.post(url("beneficiary-edit", maria), edit_data(municipality="Πειραιάς"))

    assert response.status_code == 302


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST])
def test_a_teacher_or_analyst_may_not_edit(client, make_staff, athens, maria, role):
    client.force_login(make_staff(role, athens))

    assert client.get(url("beneficiary-edit", maria)).status_code == 403
    assert client.post(url("beneficiary-edit", maria), edit_data(family_name="X")).status_code == 403
    maria.refresh_from_db()
    assert maria.family_name == "Παπαδοπούλου"


def test_another_centres_officer_gets_404_for_the_edit_form(client, make_staff, thessaloniki, maria):
    client.force_login(make_staff(Role.FRONT_DESK, thessaloniki))

    assert client.get(url("beneficiary-edit", maria)).status_code == 404
    assert client.post(url("beneficiary-edit", maria), edit_data()).status_code == 404


# --- history -----------------------------------------------------------------------------------


def test_the_history_is_for_managers_only(client, officer, manager, maria):
    client.force_login(officer)
    assert client.get(url("beneficiary-history", maria)).status_code == 403

    client.force_login(manager)
    assert client.get(url("beneficiary-history", maria)).status_code == 200


def test_another_centres_staff_get_404_for_the_history(client, make_staff, thessaloniki, maria):
    client.force_login(make_staff(Role.FRONT_DESK, thessaloniki))
    assert client.get(url("beneficiary-history", maria)).status_code == 404

    client.force_login(make_staff(Role.MANAGER, thessaloniki))
    assert client.get(url("beneficiary-history", maria)).status_code == 404


def test_the_history_names_the_changed_fields_and_shows_no_sealed_value(client, officer, manager, maria):
    services.beneficiary_update(
        beneficiary=maria, by=officer, data={"notes": "Νέα σημείωση", "municipality": "Πειραιάς"}
    )
    client.force_login(manager)

    response = client.get(url("beneficiary-history", maria))

    html = response.content.decode()
    assert NOTE not in html and "Νέα σημείωση" not in html
    assert AMKA not in html and "Μαρία" not in html and "+306912345678" not in html
    assert "Πειραιάς" not in html
    changed_row = html[html.index("<tbody>") : html.index("</tr>", html.index("<tbody>"))]
    assert "notes" in changed_row and "municipality of residence" in changed_row
    assert "given name" not in changed_row  # re-sealed but unchanged: not named
    assert officer.get_full_name() in changed_row
