"""The beneficiaries API: scoped like the pages, validated like the form, every read traced."""

from __future__ import annotations

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from kem import services
from kem.api.beneficiaries import RECORD_FIELDS, BeneficiarySerializer
from kem.models import AccessEvent, Beneficiary, DuplicateDecision, Role

pytestmark = pytest.mark.django_db

AMKA = "01013099997"  # valid check digit, born 01/01/1930
LIST = reverse("api:beneficiary-list")
SEARCH = reverse("api:beneficiary-search")


def detail(person) -> str:
    return reverse("api:beneficiary-detail", args=[person.pk])


@pytest.fixture
def api(officer) -> APIClient:
    client = APIClient()
    client.force_authenticate(officer)
    return client


def reads() -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(action="api.beneficiary.read").order_by("pk"))


# --- who may use it ---------------------------------------------------------------------------


def test_the_list_holds_only_the_callers_centres_people(api, register, thessaloniki, make_staff):
    mine = register()
    register(centre=thessaloniki, by=make_staff(Role.FRONT_DESK, thessaloniki))

    body = api.get(LIST).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert [p["id"] for p in body["results"]] == [str(mine.pk)]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_work_with_people_get_403_everywhere(role, make_staff, athens, register):
    person = register()
    client = APIClient()
    client.force_authenticate(make_staff(role, athens))

    assert client.get(LIST).status_code == 403
    assert client.get(detail(person)).status_code == 403
    assert client.post(SEARCH, {"q": "Μαρία"}, format="json").status_code == 403
    assert client.post(LIST, {"given_name": "Α", "family_name": "Β"}, format="json").status_code == 403
    assert client.patch(detail(person), {"phone": ""}, format="json").status_code == 403
    assert reads() == []


def test_another_centres_person_is_404(api, register, thessaloniki, make_staff):
    elsewhere = register(centre=thessaloniki, by=make_staff(Role.FRONT_DESK, thessaloniki))

    assert api.get(detail(elsewhere)).status_code == 404
    assert api.patch(detail(elsewhere), {"phone": ""}, format="json").status_code == 404
    assert reads() == []


def test_there_is_no_delete(api, register):
    person = register()

    assert api.delete(detail(person)).status_code == 405
    assert Beneficiary.objects.filter(pk=person.pk).exists()


def test_anonymous_callers_are_refused(register):
    person = register()

    assert APIClient().get(detail(person)).status_code in (401, 403)


# --- reading ----------------------------------------------------------------------------------


def test_retrieving_returns_sealed_and_plain_fields_and_traces_the_read(api, register, officer, athens):
    person = register(phone="+306912345678", documents=[{"kind": "amka", "number": AMKA}], birth_year=1930)

    body = api.get(detail(person), HTTP_X_REQUEST_ID="req-12345678").json()

    assert body["given_name"] == "Μαρία" and body["phone"] == "+306912345678"
    assert body["documents"][0]["number"] == AMKA and body["birth_year"] == 1930
    (event,) = reads()
    assert event.subject_id == person.pk and event.user == officer and event.centre == athens
    assert event.role == Role.FRONT_DESK and event.request_id == "req-12345678" and event.ip == "127.0.0.1"
    # The disability is special-category data: returning "no" is a read of it too.
    assert event.fields == ["disability", "documents", "family_name", "given_name", "phone"]


def test_listing_writes_one_event_per_listed_person(api, register):
    people = {register().pk for _n in range(3)}

    api.get(LIST)

    assert {e.subject_id for e in reads()} == people and len(reads()) == 3


def test_a_list_page_costs_the_same_queries_however_many_people(register, officer):
    api = APIClient()
    api.force_login(officer)  # the user is loaded per request, as in production

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(LIST).status_code == 200
        return len(captured)

    register()
    few = queries()
    for _n in range(15):
        register()

    assert queries() == few
    assert len(reads()) == 1 + 16


def test_a_person_outside_the_callers_serving_centres_keeps_only_the_record_fields(register):
    person = register()

    shown = BeneficiarySerializer(person, context={"serving_centre_ids": frozenset()}).data

    assert set(shown) == set(RECORD_FIELDS)


def test_search_goes_in_the_body_and_traces_each_result(api, register):
    found = register(given_name="Μοχάμεντ", family_name="Ραχίμι")
    register(given_name="Ελένη", family_name="Ιωάννου")

    response = api.post(SEARCH, {"q": "Mohammad"}, format="json")

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["results"]] == [str(found.pk)]
    assert [e.subject_id for e in reads()] == [found.pk]


def test_search_refuses_a_query_string(api, register):
    register()

    assert api.get(SEARCH, {"q": "Μαρία"}).status_code == 405
    assert reads() == []


def test_search_needs_a_query(api):
    response = api.post(SEARCH, {}, format="json")

    assert response.status_code == 400 and "q" in response.json()


# --- registering ------------------------------------------------------------------------------


def test_registering_a_valid_person(api, officer, athens):
    response = api.post(
        LIST,
        {
            "given_name": "Αμίνα",
            "family_name": "Χασάν",
            "date_of_birth": "1930-01-01",
            "amka_number": AMKA,
            "phone": "691 234 5678",
            "languages": ["ar", "fr"],
            "gender": "female",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    person = Beneficiary.objects.get(pk=response.json()["id"])
    assert person.registering_centre == athens and person.registered_by == officer
    assert person.phone == "+306912345678" and person.id_numbers == {"amka": AMKA}
    assert response.json()["languages"] == ["ar", "fr"]
    assert [e.subject_id for e in reads()] == [person.pk]


def test_invalid_fields_each_get_their_message_and_nothing_is_saved(api):
    response = api.post(
        LIST,
        {
            "given_name": "Αμίνα",
            "amka_number": "01013099998",
            "phone": "12",
            "passport_issued_on": "2020-01-01",
        },
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()
    assert {"family_name", "amka_number", "phone", "passport_number"} <= set(errors)
    assert errors["amka_number"] and all(isinstance(m, str) for m in errors["amka_number"])
    assert Beneficiary.objects.count() == 0


def test_an_unknown_field_is_refused(api):
    response = api.post(LIST, {"given_name": "Α", "family_name": "Β", "documents": []}, format="json")

    assert response.status_code == 400 and "documents" in response.json()
    assert Beneficiary.objects.count() == 0


def test_a_registered_amka_is_409_with_the_existing_id_and_saves_nothing(api, register):
    existing = register(documents=[{"kind": "amka", "number": AMKA}])

    response = api.post(
        LIST, {"given_name": "Άλλη", "family_name": "Γυναίκα", "amka_number": AMKA}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate_id" and body["detail"]
    assert body["existing"] == [str(existing.pk)]
    assert Beneficiary.objects.count() == 1


def test_an_amka_registered_at_another_centre_stops_without_naming_the_record(
    api, register, thessaloniki, make_staff
):
    register(
        centre=thessaloniki,
        by=make_staff(Role.FRONT_DESK, thessaloniki),
        documents=[{"kind": "amka", "number": AMKA}],
    )

    response = api.post(
        LIST, {"given_name": "Νέα", "family_name": "Εγγραφή", "amka_number": AMKA}, format="json"
    )

    assert response.status_code == 409 and response.json()["existing"] == []
    assert Beneficiary.objects.count() == 1


def test_similar_people_are_409_candidates_then_registered_with_decisions(api, register, officer):
    existing = register(given_name="Μοχάμεντ", family_name="Ραχίμι", birth_year=1990)
    payload = {"given_name": "Mohammad", "family_name": "Rahimi", "birth_year": 1990}

    first = api.post(LIST, payload, format="json")

    assert first.status_code == 409
    assert first.json()["code"] == "possible_duplicates"
    assert first.json()["candidates"] == [str(existing.pk)]
    assert Beneficiary.objects.count() == 1

    second = api.post(LIST, {**payload, "decisions": {str(existing.pk): "different"}}, format="json")

    assert second.status_code == 201
    decision = DuplicateDecision.objects.get()
    assert decision.candidate == existing and decision.decided_by == officer
    assert str(decision.beneficiary.pk) == second.json()["id"]


def test_decisions_about_people_the_caller_was_not_shown_are_refused(api, register, thessaloniki, make_staff):
    elsewhere = register(centre=thessaloniki, by=make_staff(Role.FRONT_DESK, thessaloniki))

    response = api.post(
        LIST,
        {"given_name": "Α", "family_name": "Β", "decisions": {str(elsewhere.pk): "different"}},
        format="json",
    )

    assert response.status_code == 400 and "decisions" in response.json()
    assert DuplicateDecision.objects.count() == 0


def test_a_decision_must_be_different_or_same(api, register):
    existing = register(given_name="Ahmad", family_name="Karimi", birth_year=2001)

    response = api.post(
        LIST,
        {"given_name": "Ahmed", "family_name": "Karimi", "decisions": {str(existing.pk): "maybe"}},
        format="json",
    )

    assert response.status_code == 400 and "decisions" in response.json()
    assert Beneficiary.objects.count() == 1


def test_staff_of_several_centres_choose_one_they_serve(make_staff, athens, thessaloniki):
    user = make_staff(Role.FRONT_DESK, athens)
    services.membership_grant(centre=thessaloniki, user=user, role=Role.FRONT_DESK)
    client = APIClient()
    client.force_authenticate(user)
    person = {"given_name": "Α", "family_name": "Β"}

    assert "centre" in client.post(LIST, person, format="json").json()
    created = client.post(LIST, {**person, "centre": thessaloniki.pk}, format="json")

    assert created.status_code == 201 and created.json()["registering_centre"] == thessaloniki.pk


def test_a_centre_the_caller_does_not_serve_is_refused(api, thessaloniki):
    response = api.post(
        LIST, {"given_name": "Α", "family_name": "Β", "centre": thessaloniki.pk}, format="json"
    )

    assert response.status_code == 400 and "centre" in response.json()


# --- editing ----------------------------------------------------------------------------------


def test_a_partial_update_changes_only_what_it_sends(api, register, officer):
    person = register(phone="+306912345678", documents=[{"kind": "amka", "number": AMKA}], date_of_birth=None)

    response = api.patch(detail(person), {"municipality": "Πειραιάς"}, format="json")

    assert response.status_code == 200, response.json()
    person = Beneficiary.objects.get(pk=person.pk)
    assert person.municipality == "Πειραιάς" and person.phone == "+306912345678"
    assert person.id_numbers == {"amka": AMKA} and person.given_name == "Μαρία"
    assert person.history.first().history_user == officer
    assert [e.subject_id for e in reads()] == [person.pk]


def test_a_full_update_replaces_the_details(api, register):
    person = register(phone="+306912345678")

    response = api.put(detail(person), {"given_name": "Μαρίνα", "family_name": "Παπά"}, format="json")

    assert response.status_code == 200
    person = Beneficiary.objects.get(pk=person.pk)
    assert (person.given_name, person.family_name, person.phone) == ("Μαρίνα", "Παπά", "")


def test_an_update_is_validated_like_the_form(api, register):
    person = register()

    response = api.patch(detail(person), {"phone": "12", "family_name": ""}, format="json")

    assert response.status_code == 400 and {"phone", "family_name"} <= set(response.json())
    assert Beneficiary.objects.get(pk=person.pk).family_name == "Παπαδοπούλου"


def test_an_update_to_an_amka_held_by_another_person_is_409(api, register):
    holder = register(given_name="Άλλη", family_name="Κάτοχος", documents=[{"kind": "amka", "number": AMKA}])
    person = register()

    response = api.patch(detail(person), {"amka_number": AMKA}, format="json")

    assert response.status_code == 409 and response.json()["existing"] == [str(holder.pk)]
    assert Beneficiary.objects.get(pk=person.pk).id_numbers == {}


def test_an_update_cannot_move_a_person_to_another_centre(api, register, thessaloniki):
    person = register()

    response = api.patch(detail(person), {"centre": thessaloniki.pk}, format="json")

    assert response.status_code == 400 and "centre" in response.json()


# --- schema -----------------------------------------------------------------------------------


def test_the_schema_describes_the_api_and_stays_valid(api):
    schema = yaml.safe_load(api.get(reverse("api-schema")).content)

    validate(schema)
    assert "/api/v1/beneficiaries/search/" in schema["paths"]
    assert set(schema["paths"]["/api/v1/beneficiaries/search/"]) == {"post"}
    assert "delete" not in schema["paths"]["/api/v1/beneficiaries/{id}/"]
    assert "409" in schema["paths"]["/api/v1/beneficiaries/"]["post"]["responses"]
