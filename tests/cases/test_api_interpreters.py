"""The interpreter-requests API: scoped like the pages, writes through the same services, sealed
fields only for those allowed, and every response holding them traced."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from cases.models import InterpreterGender, InterpreterRequest, InterpretingMode, RequestStatus, Session
from cases.services.interpreters import interpreter_book, interpreter_create, interpreter_request_create
from kem import services as kem_services
from kem.models import AccessEvent, Role

pytestmark = pytest.mark.django_db

LIST = reverse("api:interpreter-request-list")
READ = "api.interpreter_request.read"


def detail(request, name="detail") -> str:
    return reverse(f"api:interpreter-request-{name}", args=[request.pk])


@pytest.fixture
def api(officer) -> APIClient:
    client = APIClient()
    client.force_authenticate(officer)
    return client


@pytest.fixture
def maryam(athens, manager, farsi):
    return interpreter_create(
        centre=athens,
        name="Maryam",
        gender=InterpreterGender.FEMALE,
        languages=[farsi],
        modes=[InterpretingMode.ON_SITE],
        by=manager,
    )


@pytest.fixture
def ask(athens, person, officer, farsi, tomorrow_at):
    def make(**fields):
        fields.setdefault("beneficiary", person)
        fields.setdefault("centre", athens)
        fields.setdefault("language", farsi)
        fields.setdefault("mode", InterpretingMode.ON_SITE)
        fields.setdefault("starts_at", tomorrow_at(10))
        fields.setdefault("duration_minutes", 60)
        fields.setdefault("by", officer)
        return interpreter_request_create(**fields)

    return make


def reads() -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(action=READ).order_by("pk"))


# --- who may use it ----------------------------------------------------------------------------


def test_the_list_holds_only_the_callers_centres_requests(api, ask, thessaloniki, make_staff):
    mine = ask()
    there = make_staff(Role.FRONT_DESK, thessaloniki)
    someone = kem_services.beneficiary_register(
        centre=thessaloniki, by=there, data={"given_name": "Α", "family_name": "Β"}, check_duplicates=False
    )
    ask(beneficiary=someone, centre=thessaloniki, by=there)

    body = api.get(LIST).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert [r["id"] for r in body["results"]] == [str(mine.pk)]


def test_the_list_filters_by_status(api, ask, maryam, officer, tomorrow_at):
    booked = interpreter_book(request=ask(starts_at=tomorrow_at(8)), interpreter=maryam, by=officer)
    ask()

    body = api.get(LIST, {"status": "booked"}).json()

    assert [r["id"] for r in body["results"]] == [str(booked.pk)]


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_book_interpreters_get_403(role, make_staff, athens, ask):
    request = ask(notes="Σημείωση")
    client = APIClient()
    client.force_authenticate(make_staff(role, athens))

    assert client.get(LIST).status_code == 403
    assert client.get(detail(request)).status_code == 403
    assert client.post(detail(request, "cancel"), {"reason": "x"}, format="json").status_code == 403
    assert reads() == []


def test_another_centres_request_is_404(ask, make_staff, thessaloniki):
    request = ask(notes="Σημείωση")
    client = APIClient()
    client.force_authenticate(make_staff(Role.FRONT_DESK, thessaloniki))

    assert client.get(detail(request)).status_code == 404
    assert client.post(detail(request, "cancel"), {"reason": "x"}, format="json").status_code == 404
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_anonymous_callers_are_refused(ask):
    assert APIClient().get(LIST).status_code in (401, 403)


# --- sealed fields and the access log ----------------------------------------------------------


def test_a_response_with_sealed_text_is_traced_once_per_request(api, ask, officer, person, tomorrow_at):
    with_notes = ask(notes="Ήσυχο δωμάτιο", starts_at=tomorrow_at(8))
    ask(starts_at=tomorrow_at(12))

    body = api.get(LIST).json()

    shown = {r["id"]: r for r in body["results"]}
    assert shown[str(with_notes.pk)]["notes"] == "Ήσυχο δωμάτιο"
    events = reads()
    assert len(events) == 1
    assert (events[0].user, events[0].subject_id, events[0].fields) == (
        officer,
        person.pk,
        ["interpreter_request.notes"],
    )


def test_retrieve_returns_the_request_and_traces_its_sealed_fields(api, ask):
    request = ask(gender_preference="female", gender_reason="Λόγος", notes="Σημείωση")

    body = api.get(detail(request)).json()

    assert (body["gender_reason"], body["notes"], body["status"]) == ("Λόγος", "Σημείωση", "requested")
    assert reads()[0].fields == ["interpreter_request.gender_reason", "interpreter_request.notes"]


def test_sealed_fields_are_absent_for_a_caller_not_allowed_to_read_them(ask, officer, monkeypatch):
    from cases.api import interpreters as api_module

    request = ask(notes="Σημείωση")
    monkeypatch.setattr(api_module.InterpreterRequestViewSet, "may_read_sealed", lambda self, obj: False)
    client = APIClient()
    client.force_authenticate(officer)

    body = client.get(detail(request)).json()

    assert "notes" not in body and "gender_reason" not in body
    assert reads() == []


# --- writes ------------------------------------------------------------------------------------


def _create_body(person, farsi, starts_at, **fields):
    return {
        "beneficiary": str(person.pk),
        "language": farsi.pk,
        "mode": "on_site",
        "starts_at": starts_at.isoformat(),
        "duration_minutes": 60,
        "notes": "Φέρνει έγγραφα",
        **fields,
    }


def test_creating_a_request_through_the_api(api, person, farsi, officer, tomorrow_at):
    response = api.post(LIST, _create_body(person, farsi, tomorrow_at(10)), format="json")

    assert response.status_code == 201
    request = InterpreterRequest.objects.get()
    assert (request.requested_by, request.notes, request.starts_at) == (
        officer,
        "Φέρνει έγγραφα",
        tomorrow_at(10),
    )
    assert response.json()["notes"] == "Φέρνει έγγραφα"
    assert len(reads()) == 1


def test_creating_links_an_appointment_of_the_person(
    api, person, farsi, make_case, psychologist, tomorrow_at
):
    session = Session.objects.create(
        case=make_case(psychologist),
        counsellor=psychologist,
        starts_at=tomorrow_at(10),
        created_by=psychologist,
    )

    response = api.post(
        LIST, _create_body(person, farsi, tomorrow_at(10), session=str(session.pk)), format="json"
    )

    assert response.status_code == 201
    session.refresh_from_db()
    assert str(session.interpreter_request_id) == response.json()["id"]


def test_the_services_refusals_come_back_as_400_with_their_codes(api, person, farsi):
    response = api.post(
        LIST,
        _create_body(person, farsi, timezone.now() - dt.timedelta(hours=1), gender_reason="Λόγος"),
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"starts_at", "gender_reason"}
    assert not InterpreterRequest.objects.exists()


def test_a_person_of_another_centre_cannot_be_named(api, farsi, thessaloniki, make_staff, tomorrow_at):
    there = make_staff(Role.FRONT_DESK, thessaloniki)
    someone = kem_services.beneficiary_register(
        centre=thessaloniki, by=there, data={"given_name": "Α", "family_name": "Β"}, check_duplicates=False
    )

    response = api.post(LIST, _create_body(someone, farsi, tomorrow_at(10)), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["beneficiary"]


def test_booking_cancelling_and_marking_through_actions(api, ask, maryam, tomorrow_at):
    first, second = ask(starts_at=tomorrow_at(8)), ask(starts_at=tomorrow_at(10))

    booked = api.post(detail(first, "book"), {"interpreter": maryam.pk}, format="json")
    cancelled = api.post(detail(second, "cancel"), {"reason": "Δεν χρειάζεται πια"}, format="json")
    start = timezone.now() - dt.timedelta(hours=3)
    InterpreterRequest.objects.filter(pk=first.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    missed = api.post(detail(first, "no-show"))

    assert (booked.status_code, booked.json()["status"], booked.json()["interpreter"]) == (
        200,
        "booked",
        maryam.pk,
    )
    assert cancelled.json()["status"] == "cancelled"
    assert missed.json()["status"] == "no_show"


def test_completing_a_held_booking(api, ask, maryam, officer):
    request = interpreter_book(request=ask(), interpreter=maryam, by=officer)
    start = timezone.now() - dt.timedelta(hours=3)
    InterpreterRequest.objects.filter(pk=request.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )

    response = api.post(detail(request, "complete"))

    assert response.json()["status"] == "completed"


def test_booking_a_busy_interpreter_is_400_with_the_code(api, ask, maryam, officer, tomorrow_at):
    interpreter_book(request=ask(starts_at=tomorrow_at(10)), interpreter=maryam, by=officer)
    request = ask(starts_at=tomorrow_at(10, 30))

    response = api.post(detail(request, "book"), {"interpreter": maryam.pk}, format="json")

    assert response.status_code == 400
    assert [error.code for error in response.data["interpreter"]] == ["interpreter_busy"]
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_an_interpreter_of_another_centre_cannot_be_named(api, ask, thessaloniki, make_staff, farsi):
    theirs = interpreter_create(
        centre=thessaloniki,
        name="Other",
        languages=[farsi],
        modes=["on_site"],
        by=make_staff(Role.MANAGER, thessaloniki),
    )

    response = api.post(detail(ask(), "book"), {"interpreter": theirs.pk}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["interpreter"]


def test_cancelling_without_a_reason_is_400(api, ask):
    request = ask()

    response = api.post(detail(request, "cancel"), {"reason": ""}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]


def test_the_schema_describes_the_actions_and_stays_valid(api):
    schema = yaml.safe_load(api.get(reverse("api-schema")).content)

    validate(schema)
    paths = schema["paths"]
    assert set(paths["/api/v1/interpreter-requests/"]) == {"get", "post"}
    for name in ("book", "cancel", "complete", "no-show"):
        assert set(paths[f"/api/v1/interpreter-requests/{{id}}/{name}/"]) == {"post"}
