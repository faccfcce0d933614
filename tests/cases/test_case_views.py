"""The case pages: list, open, detail, close, reassign, sessions, outcomes, and the profile timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    Case,
    EmploymentOutcome,
    InterpreterRequest,
    OpenReason,
    OutcomeKind,
    RequestStatus,
    ServiceArea,
    Session,
    SessionStatus,
)
from cases.selectors.cases import case_timeline
from kem import services
from kem.models import AccessEvent, Discipline, Role
from kem.permissions import access_for

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)
TODAY = timezone.localdate()


@pytest.fixture
def case(make_case, psychologist):
    return make_case(psychologist)


@pytest.fixture
def elsewhere(thessaloniki, make_staff):
    """A psychosocial case at Thessaloniki, with its own person and psychologist."""
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


def people(officer, centre, n: int) -> list:
    return [
        services.beneficiary_register(
            centre=centre,
            by=officer,
            data={"given_name": f"Όνομα{i}", "family_name": "Δοκιμή", "birth_year": 1990},
            check_duplicates=False,
        )
        for i in range(n)
    ]


def login(client, user):
    client.force_login(user)
    return client


# --- the case list -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "psychologist", "lawyer", "manager"])
def test_the_centres_staff_see_its_case_list(who, request, client, case, elsewhere):
    html = login(client, request.getfixturevalue(who)).get(reverse("case-list")).content.decode()

    assert f'data-case="{case.pk}"' in html
    assert f'data-case="{elsewhere.pk}"' not in html
    assert "Ζαχρά" in html


@pytest.mark.parametrize("who", ["teacher", "analyst", "dpo"])
def test_roles_that_see_no_cases_get_403_on_the_list(who, request, client, case):
    assert login(client, request.getfixturevalue(who)).get(reverse("case-list")).status_code == 403


def test_another_centres_list_is_404(client, psychologist, thessaloniki):
    response = login(client, psychologist).get(reverse("case-list"), {"centre": thessaloniki.pk})

    assert response.status_code == 404


def test_the_list_filters_by_counsellor_area_and_state(client, make_case, psychologist, lawyer, officer):
    mine = make_case(psychologist)
    legal = make_case(lawyer, area=ServiceArea.LEGAL)
    closed = make_case(
        psychologist, area=ServiceArea.PSYCHOSOCIAL, beneficiary=people(officer, mine.centre, 1)[0]
    )
    Case.objects.filter(pk=closed.pk).update(closed_on=TODAY, close_reason="goals_met")
    login(client, officer)

    def shown(**params) -> set[int]:
        html = client.get(reverse("case-list"), params).content.decode()
        return {c.pk for c in (mine, legal, closed) if f'data-case="{c.pk}"' in html}

    assert shown() == {mine.pk, legal.pk}
    assert shown(counsellor=lawyer.pk) == {legal.pk}
    assert shown(area=ServiceArea.PSYCHOSOCIAL) == {mine.pk}
    assert shown(state="closed") == {closed.pk}
    assert shown(state="all") == {mine.pk, legal.pk, closed.pk}


def test_a_manager_of_two_centres_picks_the_centre(
    client, manager, case, elsewhere, thessaloniki, make_staff
):
    services.membership_grant(centre=thessaloniki, user=manager, role=Role.MANAGER)
    login(client, manager)

    first = client.get(reverse("case-list")).content.decode()
    other = client.get(reverse("case-list"), {"centre": thessaloniki.pk}).content.decode()
    # A counsellor of the other centre is a filter that does not hold there: it is dropped.
    mixed = client.get(reverse("case-list"), {"centre": thessaloniki.pk, "counsellor": case.counsellor_id})

    assert 'data-form="case-centre"' in first
    assert f'data-case="{case.pk}"' in first and f'data-case="{elsewhere.pk}"' not in first
    assert f'data-case="{elsewhere.pk}"' in other and f'data-case="{case.pk}"' not in other
    assert f'data-case="{elsewhere.pk}"' in mixed.content.decode()


def test_the_list_answers_htmx_with_its_rows_only(client, officer, case):
    response = login(client, officer).get(reverse("case-list"), {"state": "all"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert f'data-case="{case.pk}"' in html
    assert "<html" not in html


def test_an_empty_list_says_how_cases_come(client, officer, athens):
    html = login(client, officer).get(reverse("case-list")).content.decode()

    assert 'data-empty="cases"' in html


def test_the_list_costs_the_same_queries_for_3_or_30_cases(
    client, officer, psychologist, athens, make_case, django_assert_max_num_queries
):
    crowd = people(officer, athens, 30)
    login(client, officer)

    def count_for(n: int) -> int:
        Case.objects.all().delete()
        for person in crowd[:n]:
            held(make_case(psychologist, beneficiary=person))
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("case-list")).content.decode()
        assert html.count("data-case=") == n
        return len(queries)

    Session.objects.all().delete()
    few = count_for(3)
    Session.objects.all().delete()
    many = count_for(30)
    assert few == many
    with django_assert_max_num_queries(few):
        client.get(reverse("case-list"), {"state": "all"})


# --- opening a case ----------------------------------------------------------------------------


def test_a_counsellor_opens_a_case_from_a_person(client, psychologist, person):
    url = reverse("case-open", args=[person.pk])
    page = login(client, psychologist).get(url).content.decode()
    assert 'data-form="case-open"' in page

    response = client.post(
        url, {"area": ServiceArea.PSYCHOSOCIAL, "counsellor": psychologist.pk, "open_reason": OpenReason.SELF}
    )

    case = Case.objects.get()
    assert response.status_code == 302 and response.url == case.get_absolute_url()
    assert (case.beneficiary, case.counsellor, case.opened_by) == (person, psychologist, psychologist)


def test_a_refused_opening_keeps_what_was_typed_and_says_why(client, manager, lawyer, person):
    response = login(client, manager).post(
        reverse("case-open", args=[person.pk]),
        {"area": ServiceArea.PSYCHOSOCIAL, "counsellor": lawyer.pk, "open_reason": OpenReason.PARTNER},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="errorlist' in html
    assert f'<option value="{lawyer.pk}" selected' in html
    assert '<option value="partner" selected' in html
    assert not Case.objects.exists()


def test_the_front_desk_may_not_open_cases(client, officer, person):
    assert login(client, officer).get(reverse("case-open", args=[person.pk])).status_code == 403


def test_another_centres_person_is_404_when_opening(client, psychologist, elsewhere):
    response = login(client, psychologist).get(reverse("case-open", args=[elsewhere.beneficiary.pk]))

    assert response.status_code == 404


# --- the case page -----------------------------------------------------------------------------


def test_the_case_page_shows_the_person_area_counsellor_and_sessions_newest_first(client, psychologist, case):
    older = held(case, hours_ago=48)
    newer = held(case, hours_ago=2)

    html = login(client, psychologist).get(case.get_absolute_url()).content.decode()

    assert "Ζαχρά" in html and 'data-field="area"' in html and 'data-field="counsellor"' in html
    assert html.index(f'data-session="{newer.pk}"') < html.index(f'data-session="{older.pk}"')


def test_the_front_desk_sees_the_case_but_may_not_act_on_it(client, officer, case):
    html = login(client, officer).get(case.get_absolute_url()).content.decode()

    assert f'data-case="{case.pk}"' in html
    assert 'data-action="schedule"' not in html and 'data-action="close"' not in html


@pytest.mark.parametrize("who", ["teacher", "dpo", "other_psychologist"])
def test_who_sees_no_cases_gets_404_on_a_case(who, request, client, case):
    assert login(client, request.getfixturevalue(who)).get(case.get_absolute_url()).status_code == 404


def test_a_network_analyst_gets_403_on_a_case(client, analyst, case):
    # An analyst sees aggregates only and is refused every person page outright
    # (tests/statistics/test_analyst_isolation.py checks every such page).
    assert login(client, analyst).get(case.get_absolute_url()).status_code == 403


def test_each_shown_session_text_leaves_one_access_event_in_one_insert(client, psychologist, case):
    for i in range(3):
        held(case, hours_ago=2 + 24 * i, summary=f"summary {i}", note=f"note {i}" if i else "")
    held(case, hours_ago=100)  # nothing written: nothing revealed

    with CaptureQueriesContext(connection) as queries:
        login(client, psychologist).get(case.get_absolute_url())

    events = list(AccessEvent.objects.filter(action="cases.session.read").order_by("pk"))
    assert len(events) == 3
    assert {e.subject_id for e in events} == {case.beneficiary_id}
    assert sorted(tuple(e.fields) for e in events) == [
        ("confidential_note", "summary"),
        ("confidential_note", "summary"),
        ("summary",),
    ]
    inserts = [q for q in queries.captured_queries if 'INSERT INTO "kem_accessevent"' in q["sql"]]
    assert len(inserts) == 1


def test_the_front_desk_reading_a_case_leaves_no_read_event(client, officer, case):
    held(case, summary="private")

    response = login(client, officer).get(case.get_absolute_url())

    assert response.status_code == 200 and "data-session=" in response.content.decode()
    assert not AccessEvent.objects.filter(action="cases.session.read").exists()


def test_the_case_page_costs_the_same_queries_for_3_or_30_sessions(
    client, psychologist, case, django_assert_max_num_queries
):
    login(client, psychologist)

    def count_for(n: int) -> int:
        Session.objects.all().delete()
        for i in range(n):
            held(case, hours_ago=2 + i, summary=f"s{i}", note=f"n{i}")
        with CaptureQueriesContext(connection) as queries:
            html = client.get(case.get_absolute_url()).content.decode()
        assert html.count('data-part="confidential_note"') == n
        return len(queries)

    few, many = count_for(3), count_for(30)

    assert few == many
    with django_assert_max_num_queries(few):
        client.get(case.get_absolute_url())


# --- closing and reassigning -------------------------------------------------------------------


def test_closing_asks_first_then_closes(client, psychologist, case, tomorrow_at):
    Session.objects.create(
        case=case, counsellor=psychologist, starts_at=tomorrow_at(10), created_by=psychologist
    )
    url = reverse("case-close", args=[case.pk])

    page = login(client, psychologist).get(url).content.decode()
    assert 'data-warning="appointments"' in page
    assert Case.objects.get(pk=case.pk).is_open

    response = client.post(url, {"close_reason": "goals_met", "closed_on": TODAY.isoformat()})

    assert response.status_code == 302
    assert not Case.objects.get(pk=case.pk).is_open
    assert Session.objects.get(case=case).status == SessionStatus.CANCELLED


def test_closing_in_the_future_is_refused_on_the_form(client, psychologist, case):
    response = login(client, psychologist).post(
        reverse("case-close", args=[case.pk]),
        {"close_reason": "goals_met", "closed_on": (TODAY + dt.timedelta(days=2)).isoformat()},
    )

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert Case.objects.get(pk=case.pk).is_open


def test_the_front_desk_gets_403_on_closing(client, officer, case):
    assert login(client, officer).get(reverse("case-close", args=[case.pk])).status_code == 403
    assert client.post(reverse("case-close", args=[case.pk]), {"close_reason": "other"}).status_code == 403


def test_another_centres_case_is_404_on_closing(client, psychologist, elsewhere):
    assert login(client, psychologist).get(reverse("case-close", args=[elsewhere.pk])).status_code == 404


def test_the_manager_reassigns_a_case(client, manager, case, make_staff, athens):
    colleague = make_staff(Role.COUNSELLOR, athens, Discipline.PSYCHOLOGICAL)
    url = reverse("case-reassign", args=[case.pk])

    page = login(client, manager).get(url).content.decode()
    assert f'value="{colleague.pk}"' in page

    response = client.post(url, {"counsellor": colleague.pk})

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).counsellor == colleague


def test_reassigning_offers_only_the_cases_discipline(client, manager, case, lawyer):
    page = login(client, manager).get(reverse("case-reassign", args=[case.pk])).content.decode()

    assert f'value="{lawyer.pk}"' not in page
    assert 'data-empty="counsellors"' in page


def test_a_counsellor_gets_403_on_reassigning(client, psychologist, case):
    assert login(client, psychologist).get(reverse("case-reassign", args=[case.pk])).status_code == 403


def test_another_centres_case_is_404_on_reassigning(client, manager, elsewhere):
    assert login(client, manager).get(reverse("case-reassign", args=[elsewhere.pk])).status_code == 404


# --- sessions ----------------------------------------------------------------------------------


def _interpreter_request(person, centre, officer, language, starts_at, status):
    return InterpreterRequest.objects.create(
        beneficiary=person,
        centre=centre,
        language=language,
        starts_at=starts_at,
        status=status,
        requested_by=officer,
    )


def test_the_schedule_form_offers_the_persons_open_interpreter_requests(
    client, psychologist, case, person, athens, officer, farsi, tomorrow_at
):
    requested = _interpreter_request(person, athens, officer, farsi, tomorrow_at(10), RequestStatus.REQUESTED)
    booked = _interpreter_request(person, athens, officer, farsi, tomorrow_at(12), RequestStatus.BOOKED)
    cancelled = _interpreter_request(person, athens, officer, farsi, tomorrow_at(14), RequestStatus.CANCELLED)

    page = login(client, psychologist).get(reverse("session-schedule", args=[case.pk])).content.decode()

    assert f'value="{requested.pk}"' in page and f'value="{booked.pk}"' in page
    assert f'value="{cancelled.pk}"' not in page


def test_an_appointment_is_made_from_the_form(
    client, psychologist, case, person, athens, officer, farsi, tomorrow_at
):
    booked = _interpreter_request(person, athens, officer, farsi, tomorrow_at(10), RequestStatus.BOOKED)

    response = login(client, psychologist).post(
        reverse("session-schedule", args=[case.pk]),
        {
            "starts_at": tomorrow_at(10).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": 60,
            "mode": "in_person",
            "interpreter_request": booked.pk,
        },
    )

    session = Session.objects.get()
    assert response.status_code == 302
    assert (session.status, session.interpreter_request) == (SessionStatus.SCHEDULED, booked)


def test_a_double_booking_is_shown_by_the_field_and_keeps_the_form(client, psychologist, case, tomorrow_at):
    Session.objects.create(
        case=case, counsellor=psychologist, starts_at=tomorrow_at(10), created_by=psychologist
    )
    typed = tomorrow_at(10, 15).strftime("%Y-%m-%dT%H:%M")

    response = login(client, psychologist).post(
        reverse("session-schedule", args=[case.pk]),
        {"starts_at": typed, "duration_minutes": 30, "mode": "phone"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="errorlist' in html and "10:00" in html and "10:45" in html
    assert f'value="{typed}"' in html
    assert Session.objects.count() == 1


def test_a_session_held_without_appointment_is_recorded_from_the_form(client, psychologist, case):
    starts = timezone.localtime(timezone.now() - 2 * HOUR).strftime("%Y-%m-%dT%H:%M")

    response = login(client, psychologist).post(
        reverse("session-log", args=[case.pk]),
        {
            "starts_at": starts,
            "duration_minutes": 45,
            "mode": "video",
            "summary": "Talked.",
            "confidential_note": "",
        },
    )

    assert response.status_code == 302
    assert Session.objects.get().status == SessionStatus.HELD


@pytest.mark.parametrize("name", ["session-schedule", "session-log"])
def test_the_front_desk_gets_403_on_session_forms(name, client, officer, case):
    assert login(client, officer).get(reverse(name, args=[case.pk])).status_code == 403


@pytest.mark.parametrize("name", ["session-schedule", "session-log"])
def test_another_centres_case_is_404_on_session_forms(name, client, psychologist, elsewhere):
    assert login(client, psychologist).get(reverse(name, args=[elsewhere.pk])).status_code == 404


def test_recording_a_session_from_the_form(client, psychologist, case):
    appointment = held(case, status=SessionStatus.SCHEDULED)
    url = reverse("session-record", args=[appointment.pk])

    assert 'data-form="session-record"' in login(client, psychologist).get(url).content.decode()
    response = client.post(
        url, {"summary": "Went well.", "confidential_note": "Private.", "follow_up_on": ""}
    )

    fresh = Session.objects.select_related("case__beneficiary__person_key").get(pk=appointment.pk)
    assert response.status_code == 302
    assert (fresh.status, fresh.summary, fresh.confidential_note) == (
        SessionStatus.HELD,
        "Went well.",
        "Private.",
    )


def test_opening_a_record_to_edit_it_is_a_read(client, psychologist, case):
    session = held(case, summary="Written before.")

    html = login(client, psychologist).get(reverse("session-record", args=[session.pk])).content.decode()

    assert "Written before." in html
    assert AccessEvent.objects.filter(action="cases.session.read", fields=["summary"]).count() == 1


def test_the_front_desk_gets_403_on_recording(client, officer, case):
    session = held(case, status=SessionStatus.SCHEDULED)

    assert login(client, officer).get(reverse("session-record", args=[session.pk])).status_code == 403


def test_another_centres_session_is_404(client, psychologist, elsewhere):
    session = held(elsewhere, summary="x")
    login(client, psychologist)

    for name in ("session-detail", "session-record", "session-mark"):
        assert client.get(reverse(name, args=[session.pk])).status_code == 404


def test_marking_asks_first_then_marks(client, psychologist, case):
    appointment = held(case, status=SessionStatus.SCHEDULED)
    url = reverse("session-mark", args=[appointment.pk])

    assert 'data-form="session-mark"' in login(client, psychologist).get(url).content.decode()
    assert Session.objects.get(pk=appointment.pk).status == SessionStatus.SCHEDULED

    response = client.post(url, {"status": SessionStatus.NO_SHOW})

    assert response.status_code == 302
    assert Session.objects.get(pk=appointment.pk).status == SessionStatus.NO_SHOW


def test_the_front_desk_gets_403_on_marking(client, officer, case):
    appointment = held(case, status=SessionStatus.SCHEDULED)

    assert (
        login(client, officer)
        .post(reverse("session-mark", args=[appointment.pk]), {"status": "cancelled"})
        .status_code
        == 403
    )
    assert Session.objects.get(pk=appointment.pk).status == SessionStatus.SCHEDULED


def test_the_session_page_shows_the_session(client, officer, case):
    session = held(case, summary="hidden from the desk")

    html = login(client, officer).get(reverse("session-detail", args=[session.pk])).content.decode()

    assert f'data-session="{session.pk}"' in html
    assert "hidden from the desk" not in html


# --- employment outcomes -----------------------------------------------------------------------


def test_an_employment_case_shows_and_records_outcomes(client, career_counsellor, make_case):
    case = make_case(career_counsellor, area=ServiceArea.EMPLOYMENT)
    login(client, career_counsellor)
    assert 'data-empty="outcomes"' in client.get(case.get_absolute_url()).content.decode()

    response = client.post(
        reverse("outcome-record", args=[case.pk]),
        {"kind": OutcomeKind.EMPLOYED, "achieved_on": TODAY.isoformat()},
    )

    assert response.status_code == 302
    assert EmploymentOutcome.objects.get().kind == OutcomeKind.EMPLOYED
    assert 'data-outcome="employed"' in client.get(case.get_absolute_url()).content.decode()


def test_other_cases_have_no_outcomes_page(client, psychologist, case):
    html = login(client, psychologist).get(case.get_absolute_url()).content.decode()

    assert 'data-panel="outcomes"' not in html
    assert client.get(reverse("outcome-record", args=[case.pk])).status_code == 404


def test_the_front_desk_gets_403_on_outcomes(client, officer, career_counsellor, make_case):
    case = make_case(career_counsellor, area=ServiceArea.EMPLOYMENT)

    assert login(client, officer).get(reverse("outcome-record", args=[case.pk])).status_code == 403


def test_another_centres_case_is_404_on_outcomes(client, career_counsellor, elsewhere):
    Case.objects.filter(pk=elsewhere.pk).update(area=ServiceArea.EMPLOYMENT)

    assert (
        login(client, career_counsellor).get(reverse("outcome-record", args=[elsewhere.pk])).status_code
        == 404
    )


# --- the profile timeline ----------------------------------------------------------------------


def test_the_profile_timeline_shows_cases_and_sessions_without_their_text(client, officer, case, tomorrow_at):
    held(case, summary="SECRET SUMMARY", note="SECRET NOTE")
    Session.objects.create(
        case=case, counsellor=case.counsellor, starts_at=tomorrow_at(9), created_by=case.counsellor
    )
    Case.objects.filter(pk=case.pk).update(
        closed_on=TODAY, close_reason="goals_met", closed_by=case.counsellor
    )

    html = login(client, officer).get(case.beneficiary.get_absolute_url()).content.decode()

    for kind in ("cases.case.opened", "cases.case.closed", "cases.session.held", "cases.session.scheduled"):
        assert f'data-kind="{kind}"' in html
    assert case.get_absolute_url() in html
    assert "SECRET" not in html


@pytest.mark.parametrize("who", ["teacher", "analyst", "dpo", "other_psychologist"])
def test_the_timeline_has_no_cases_for_who_sees_no_cases(who, request, case):
    held(case)

    assert case_timeline(case.beneficiary, request.getfixturevalue(who)) == []


def test_the_timeline_costs_the_same_queries_for_3_or_30_sessions(officer, case):
    access_for(officer)  # what the user may see is looked up once per request, before any source

    def count_for(n: int) -> int:
        Session.objects.all().delete()
        for i in range(n):
            held(case, hours_ago=2 + i)
        with CaptureQueriesContext(connection) as queries:
            entries = case_timeline(case.beneficiary, officer)
        assert len(entries) == n + 1
        return len(queries)

    assert count_for(3) == count_for(30)
