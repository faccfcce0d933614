"""The cases and sessions API: the services and policy of the pages, scoped and traced the same way."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from cases.models import Case, OpenReason, ServiceArea, Session, SessionStatus
from kem import services
from kem.models import AccessEvent, Discipline, Role

pytestmark = pytest.mark.django_db

CASES = reverse("api:case-list")
SESSIONS = reverse("api:session-list")
HOUR = dt.timedelta(hours=1)


def case_url(case) -> str:
    return reverse("api:case-detail", args=[case.pk])


def session_url(session) -> str:
    return reverse("api:session-detail", args=[session.pk])


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def reads() -> list[AccessEvent]:
    return list(AccessEvent.objects.filter(action="api.session.read").order_by("pk"))


@pytest.fixture
def case(make_case, psychologist):
    return make_case(psychologist)


@pytest.fixture
def elsewhere(thessaloniki, make_staff):
    officer = make_staff(Role.FRONT_DESK, thessaloniki)
    person = services.beneficiary_register(
        centre=thessaloniki,
        by=officer,
        data={"given_name": "Ομάρ", "family_name": "Αλί"},
        check_duplicates=False,
    )
    counsellor = make_staff(Role.COUNSELLOR, thessaloniki, Discipline.PSYCHOLOGICAL)
    return Case.objects.create(
        beneficiary=person,
        centre=thessaloniki,
        area=ServiceArea.PSYCHOSOCIAL,
        counsellor=counsellor,
        open_reason=OpenReason.SELF,
        opened_by=counsellor,
    )


def held(
    case, *, hours_ago: float = 2, summary: str = "", note: str = "", status=SessionStatus.HELD
) -> Session:
    return Session.objects.create(
        case=case,
        counsellor=case.counsellor,
        starts_at=timezone.now() - hours_ago * HOUR,
        duration_minutes=45,
        status=status,
        created_by=case.counsellor,
        summary=summary,
        confidential_note=note,
    )


# --- who may use it ---------------------------------------------------------------------------


def test_the_case_list_holds_only_the_callers_centres_cases(case, elsewhere, officer):
    body = api_for(officer).get(CASES).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert [c["id"] for c in body["results"]] == [case.pk]
    assert body["results"][0]["beneficiary"] == str(case.beneficiary_id)


@pytest.mark.parametrize("who", ["teacher", "analyst", "dpo"])
def test_roles_that_see_no_cases_get_403(who, request, case):
    session = held(case, summary="x")
    api = api_for(request.getfixturevalue(who))

    assert api.get(CASES).status_code == 403
    assert api.get(case_url(case)).status_code == 403
    assert api.get(SESSIONS).status_code == 403
    assert api.get(session_url(session)).status_code == 403
    assert reads() == []


def test_another_centres_case_and_session_are_404(elsewhere, psychologist, manager):
    session = held(elsewhere, summary="x")

    assert api_for(psychologist).get(case_url(elsewhere)).status_code == 404
    assert api_for(psychologist).get(session_url(session)).status_code == 404
    assert (
        api_for(manager).patch(case_url(elsewhere), {"close_reason": "other"}, format="json").status_code
        == 404
    )
    assert (
        api_for(psychologist).patch(session_url(session), {"summary": "y"}, format="json").status_code == 404
    )
    assert reads() == []


def test_the_case_list_filters_open_and_closed(make_case, psychologist, case, officer):
    Case.objects.filter(pk=case.pk).update(closed_on=timezone.localdate(), close_reason="goals_met")
    api = api_for(officer)

    assert api.get(CASES).json()["count"] == 0
    assert [c["id"] for c in api.get(CASES, {"state": "closed"}).json()["results"]] == [case.pk]
    assert api.get(CASES, {"state": "all", "area": ServiceArea.LEGAL}).json()["count"] == 0


# --- cases through the services ---------------------------------------------------------------


def test_a_counsellor_opens_a_case(psychologist, person):
    response = api_for(psychologist).post(
        CASES,
        {
            "beneficiary": str(person.pk),
            "area": "psychosocial",
            "counsellor": psychologist.pk,
            "open_reason": "self",
        },
        format="json",
    )

    assert response.status_code == 201
    case = Case.objects.get()
    assert response.json()["id"] == case.pk
    assert case.history.get().history_user == psychologist


def test_opening_with_a_counsellor_of_another_discipline_is_400(manager, lawyer, person):
    response = api_for(manager).post(
        CASES,
        {
            "beneficiary": str(person.pk),
            "area": "psychosocial",
            "counsellor": lawyer.pk,
            "open_reason": "self",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "counsellor" in response.json()
    assert not Case.objects.exists()


def test_the_front_desk_may_not_open_cases(officer, psychologist, person):
    response = api_for(officer).post(
        CASES,
        {
            "beneficiary": str(person.pk),
            "area": "psychosocial",
            "counsellor": psychologist.pk,
            "open_reason": "self",
        },
        format="json",
    )

    assert response.status_code == 403


def test_opening_for_another_centres_person_is_404(psychologist, elsewhere):
    response = api_for(psychologist).post(
        CASES,
        {
            "beneficiary": str(elsewhere.beneficiary_id),
            "area": "psychosocial",
            "counsellor": psychologist.pk,
            "open_reason": "self",
        },
        format="json",
    )

    assert response.status_code == 404


def test_unknown_fields_are_refused(psychologist, person):
    response = api_for(psychologist).post(
        CASES,
        {
            "beneficiary": str(person.pk),
            "area": "psychosocial",
            "counsellor": psychologist.pk,
            "open_reason": "self",
            "opened_on": "2000-01-01",
        },
        format="json",
    )

    assert response.status_code == 400
    assert "opened_on" in response.json()


def test_the_manager_reassigns_and_a_counsellor_may_not(case, manager, psychologist, make_staff, athens):
    colleague = make_staff(Role.COUNSELLOR, athens, Discipline.PSYCHOLOGICAL)

    refused = api_for(psychologist).patch(case_url(case), {"counsellor": colleague.pk}, format="json")
    done = api_for(manager).patch(case_url(case), {"counsellor": colleague.pk}, format="json")

    assert refused.status_code == 403
    assert done.status_code == 200 and done.json()["counsellor"] == colleague.pk
    assert Case.objects.get(pk=case.pk).counsellor == colleague


def test_a_case_is_closed_through_the_api(case, psychologist):
    response = api_for(psychologist).patch(case_url(case), {"close_reason": "goals_met"}, format="json")

    assert response.status_code == 200
    assert response.json()["is_open"] is False
    assert Case.objects.get(pk=case.pk).closed_by == psychologist


def test_a_case_update_is_either_a_reassignment_or_a_closing(case, manager, psychologist):
    response = api_for(manager).patch(
        case_url(case), {"counsellor": psychologist.pk, "close_reason": "other"}, format="json"
    )

    assert response.status_code == 400


def test_the_front_desk_may_not_close(case, officer):
    assert api_for(officer).patch(case_url(case), {"close_reason": "other"}, format="json").status_code == 403
    assert Case.objects.get(pk=case.pk).is_open


def test_there_is_no_delete(case, manager):
    assert api_for(manager).delete(case_url(case)).status_code == 405


# --- sessions ---------------------------------------------------------------------------------


def test_status_scheduled_lists_the_appointments(case, officer, tomorrow_at):
    held(case)
    appointment = Session.objects.create(
        case=case, counsellor=case.counsellor, starts_at=tomorrow_at(10), created_by=case.counsellor
    )

    body = api_for(officer).get(SESSIONS, {"status": "scheduled"}).json()

    assert [s["id"] for s in body["results"]] == [str(appointment.pk)]


def test_an_appointment_is_made_through_the_api(case, psychologist, tomorrow_at):
    response = api_for(psychologist).post(
        SESSIONS,
        {"case": case.pk, "starts_at": tomorrow_at(10).isoformat(), "duration_minutes": 45, "mode": "phone"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "scheduled"
    assert body["summary"] == "" and body["confidential_note"] == ""
    assert Session.objects.get().counsellor == psychologist


def test_a_double_booking_is_400_with_its_code(case, psychologist, tomorrow_at):
    Session.objects.create(
        case=case, counsellor=psychologist, starts_at=tomorrow_at(10), created_by=psychologist
    )

    response = api_for(psychologist).post(
        SESSIONS,
        {"case": case.pk, "starts_at": tomorrow_at(10, 30).isoformat(), "duration_minutes": 45},
        format="json",
    )

    assert response.status_code == 400
    assert "10:00" in response.json()["starts_at"][0]
    assert Session.objects.count() == 1


def test_an_appointment_carries_no_record(case, psychologist, tomorrow_at):
    response = api_for(psychologist).post(
        SESSIONS,
        {"case": case.pk, "starts_at": tomorrow_at(10).isoformat(), "duration_minutes": 45, "summary": "x"},
        format="json",
    )

    assert response.status_code == 400
    assert not Session.objects.exists()


def test_a_held_session_is_logged_and_its_text_returned_and_traced(case, psychologist):
    response = api_for(psychologist).post(
        SESSIONS,
        {
            "case": case.pk,
            "starts_at": (timezone.now() - 2 * HOUR).isoformat(),
            "duration_minutes": 45,
            "status": "held",
            "summary": "Talked.",
            "confidential_note": "Private.",
        },
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["summary"], response.json()["confidential_note"]) == ("Talked.", "Private.")
    [event] = reads()
    assert (event.subject_id, event.fields) == (case.beneficiary_id, ["confidential_note", "summary"])


def test_recording_through_the_api_keeps_what_is_not_sent(case, psychologist):
    session = held(case, status=SessionStatus.SCHEDULED, summary="", note="Kept.")

    response = api_for(psychologist).patch(session_url(session), {"summary": "New."}, format="json")

    assert response.status_code == 200
    fresh = Session.objects.select_related("case__beneficiary__person_key").get(pk=session.pk)
    assert (fresh.status, fresh.summary, fresh.confidential_note) == (SessionStatus.HELD, "New.", "Kept.")


def test_an_appointment_is_cancelled_through_the_api(case, psychologist, tomorrow_at):
    appointment = Session.objects.create(
        case=case, counsellor=psychologist, starts_at=tomorrow_at(10), created_by=psychologist
    )

    response = api_for(psychologist).patch(session_url(appointment), {"status": "cancelled"}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"


def test_the_front_desk_may_not_write_sessions(case, officer, tomorrow_at):
    appointment = Session.objects.create(
        case=case, counsellor=case.counsellor, starts_at=tomorrow_at(10), created_by=case.counsellor
    )
    api = api_for(officer)

    created = api.post(
        SESSIONS,
        {"case": case.pk, "starts_at": tomorrow_at(12).isoformat(), "duration_minutes": 45},
        format="json",
    )
    marked = api.patch(session_url(appointment), {"status": "cancelled"}, format="json")

    assert (created.status_code, marked.status_code) == (403, 403)
    assert Session.objects.get(pk=appointment.pk).status == SessionStatus.SCHEDULED


# --- what each caller reads, and the trace ----------------------------------------------------


def test_hidden_parts_are_absent_not_null(case, officer, lawyer):
    session = held(case, summary="S", note="N")

    desk = api_for(officer).get(session_url(session)).json()
    colleague = api_for(lawyer).get(session_url(session)).json()

    assert "summary" not in desk and "confidential_note" not in desk and "follow_up_on" not in desk
    assert colleague["summary"] == "S" and "confidential_note" not in colleague


def test_a_list_traces_each_session_shown_with_text_in_one_insert(case, psychologist):
    for i in range(3):
        held(case, hours_ago=2 + i, summary=f"s{i}")
    held(case, hours_ago=10)

    with CaptureQueriesContext(connection) as queries:
        body = api_for(psychologist).get(SESSIONS).json()

    assert body["count"] == 4
    assert len(reads()) == 3
    assert len([q for q in queries.captured_queries if 'INSERT INTO "kem_accessevent"' in q["sql"]]) == 1


def test_responses_without_sealed_text_leave_no_trace(case, officer):
    held(case, summary="S", note="N")

    api_for(officer).get(SESSIONS)

    assert reads() == []


def test_the_session_list_costs_the_same_queries_for_3_or_30_sessions(case, psychologist):
    api = api_for(psychologist)
    api.get(SESSIONS)  # the forced user object remembers its access after the first request

    def count_for(n: int) -> int:
        Session.objects.all().delete()
        for i in range(n):
            held(case, hours_ago=2 + i, summary=f"s{i}", note=f"n{i}")
        with CaptureQueriesContext(connection) as queries:
            assert api.get(SESSIONS).json()["count"] == n
        return len(queries)

    assert count_for(3) == count_for(30)


def test_the_schema_describes_cases_and_sessions(manager):
    response = api_for(manager).get(reverse("api-schema"))

    schema = yaml.safe_load(response.content)
    validate(schema)
    assert {"/api/v1/cases/", "/api/v1/sessions/", "/api/v1/sessions/{id}/"} <= set(schema["paths"])
