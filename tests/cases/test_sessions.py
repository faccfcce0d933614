"""Sessions: appointments, sessions held without one, the record, cancelled and missed ones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from cases.models import (
    CloseReason,
    InterpreterRequest,
    RequestStatus,
    ServiceArea,
    Session,
    SessionMode,
    SessionStatus,
)
from cases.services.cases import case_close, session_log, session_mark, session_record, session_schedule
from kem import services

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def case(make_case, psychologist):
    return make_case(psychologist)


@pytest.fixture
def schedule(case, psychologist):
    """schedule(starts_at, minutes=45, **fields) -> an appointment made by the psychologist."""

    def make(starts_at, minutes=45, **fields):
        fields.setdefault("case", case)
        fields.setdefault("by", psychologist)
        return session_schedule(
            starts_at=starts_at, duration_minutes=minutes, mode=SessionMode.IN_PERSON, **fields
        )

    return make


def past_appointment(case, counsellor, *, hours_ago: int = 2) -> Session:
    """An appointment whose time has come (made on the model: the service refuses the past)."""
    return Session.objects.create(
        case=case,
        counsellor=counsellor,
        starts_at=timezone.now() - hours_ago * HOUR,
        duration_minutes=45,
        status=SessionStatus.SCHEDULED,
        created_by=counsellor,
    )


def only_code(caught: pytest.ExceptionInfo) -> str:
    error = caught.value
    found = (
        [e.code for errors in error.error_dict.values() for e in errors]
        if hasattr(error, "error_dict")
        else [e.code for e in error.error_list]
    )
    assert len(found) == 1, found
    return found[0]


# --- appointments ------------------------------------------------------------------------------


def test_an_appointment_is_scheduled_with_the_cases_counsellor(schedule, case, psychologist, tomorrow_at):
    session = schedule(tomorrow_at(10), minutes=60)

    assert session.status == SessionStatus.SCHEDULED
    assert session.counsellor == psychologist
    assert session.ends_at == tomorrow_at(11)
    assert session.created_by == psychologist
    assert session.history.get().history_user == psychologist


def test_a_double_booking_is_refused_and_says_when_the_clash_is(
    schedule, make_case, psychologist, person, tomorrow_at
):
    schedule(tomorrow_at(10), minutes=60)
    other_case = make_case(psychologist, area=ServiceArea.PSYCHOSOCIAL, beneficiary=_second_person(person))

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        schedule(tomorrow_at(10, 30), case=other_case)

    error = caught.value.error_dict["starts_at"][0]
    assert error.code == "counsellor_double_booked"
    message = error.messages[0]
    assert "10:00" in message and "11:00" in message
    assert str(tomorrow_at(10).year) in message
    assert Session.objects.count() == 1


def test_back_to_back_appointments_do_not_clash(schedule, tomorrow_at):
    schedule(tomorrow_at(10), minutes=60)

    assert schedule(tomorrow_at(11), minutes=30).status == SessionStatus.SCHEDULED
    assert schedule(tomorrow_at(9), minutes=60).status == SessionStatus.SCHEDULED


def test_a_cancelled_appointment_frees_the_time(schedule, psychologist, tomorrow_at):
    first = schedule(tomorrow_at(10))
    session_mark(session=first, status=SessionStatus.CANCELLED, by=psychologist)

    assert schedule(tomorrow_at(10)).status == SessionStatus.SCHEDULED


def test_a_held_session_also_blocks_the_counsellor(case, psychologist, schedule):
    held = session_log(
        case=case,
        starts_at=timezone.now() - HOUR,
        duration_minutes=45,
        mode=SessionMode.PHONE,
        by=psychologist,
    )
    assert held.status == SessionStatus.HELD

    with pytest.raises(ValidationError) as caught:
        session_log(
            case=case,
            starts_at=timezone.now() - 30 * dt.timedelta(minutes=1),
            duration_minutes=10,
            mode=SessionMode.PHONE,
            by=psychologist,
        )

    assert only_code(caught) == "counsellor_double_booked"


def test_another_counsellors_diary_does_not_matter(
    schedule, make_case, career_counsellor, person, tomorrow_at
):
    schedule(tomorrow_at(10))
    employment = make_case(career_counsellor, area=ServiceArea.EMPLOYMENT)

    other = schedule(tomorrow_at(10), case=employment, by=career_counsellor)

    assert other.counsellor == career_counsellor


def test_an_appointment_is_for_a_time_to_come(schedule):
    with pytest.raises(ValidationError) as caught:
        schedule(timezone.now() - HOUR)

    assert only_code(caught) == "appointment_in_past"


@pytest.mark.parametrize("minutes", [0, 481])
def test_a_session_lasts_a_sensible_time(schedule, tomorrow_at, minutes):
    with pytest.raises(ValidationError) as caught:
        schedule(tomorrow_at(10), minutes=minutes)

    assert only_code(caught) == "invalid_duration"


def test_a_closed_case_takes_no_appointments(schedule, case, psychologist, tomorrow_at):
    case_close(case=case, reason=CloseReason.GOALS_MET, by=psychologist)
    case.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        schedule(tomorrow_at(10))

    assert only_code(caught) == "case_closed"


@pytest.mark.parametrize("who", ["officer", "lawyer", "manager", "teacher", "other_psychologist"])
def test_only_counsellors_of_the_discipline_schedule(who, request, schedule, tomorrow_at):
    with pytest.raises(PermissionDenied):
        schedule(tomorrow_at(10), by=request.getfixturevalue(who))

    assert not Session.objects.exists()


# --- interpreter requests ----------------------------------------------------------------------


def _request(person, centre, officer, language, *, starts_at, status=RequestStatus.REQUESTED):
    return InterpreterRequest.objects.create(
        beneficiary=person,
        centre=centre,
        language=language,
        starts_at=starts_at,
        status=status,
        requested_by=officer,
    )


def test_an_appointment_links_the_persons_interpreter_request(
    schedule, person, athens, officer, farsi, tomorrow_at
):
    booked = _request(person, athens, officer, farsi, starts_at=tomorrow_at(10), status=RequestStatus.BOOKED)

    session = schedule(tomorrow_at(10), interpreter_request=booked)

    assert Session.objects.get(pk=session.pk).interpreter_request == booked
    assert session.interpreter_used


@pytest.mark.parametrize("mismatch", ["other_person", "other_centre", "cancelled"])
def test_only_an_open_request_of_the_person_at_the_centre_links(
    mismatch, schedule, person, athens, thessaloniki, officer, farsi, tomorrow_at
):
    owner = _second_person(person) if mismatch == "other_person" else person
    centre = thessaloniki if mismatch == "other_centre" else athens
    status = RequestStatus.CANCELLED if mismatch == "cancelled" else RequestStatus.REQUESTED
    request = _request(owner, centre, officer, farsi, starts_at=tomorrow_at(10), status=status)

    with pytest.raises(ValidationError) as caught:
        schedule(tomorrow_at(10), interpreter_request=request)

    assert only_code(caught) == "interpreter_request_mismatch"


# --- sessions held -----------------------------------------------------------------------------


def test_a_session_held_without_appointment_is_logged_with_its_record(case, psychologist):
    session = session_log(
        case=case,
        starts_at=timezone.now() - HOUR,
        duration_minutes=50,
        mode=SessionMode.VIDEO,
        summary="Talked about sleep.",
        confidential_note="Mentions nightmares.",
        follow_up_on=timezone.localdate() + dt.timedelta(days=7),
        by=psychologist,
    )

    fresh = Session.objects.select_related("case__beneficiary__person_key").get(pk=session.pk)
    assert fresh.status == SessionStatus.HELD
    assert (fresh.summary, fresh.confidential_note) == ("Talked about sleep.", "Mentions nightmares.")
    assert fresh.counsellor == psychologist


def test_a_logged_session_cannot_be_in_the_future(case, psychologist, tomorrow_at):
    with pytest.raises(ValidationError) as caught:
        session_log(
            case=case, starts_at=tomorrow_at(10), duration_minutes=45, mode=SessionMode.PHONE, by=psychologist
        )

    assert only_code(caught) == "session_in_future"


def test_recording_an_appointment_seals_the_text_and_marks_it_held(case, psychologist):
    appointment = past_appointment(case, psychologist)

    session_record(
        session=appointment,
        summary="Discussed the asylum interview.",
        confidential_note="Disclosed violence.",
        follow_up_on=timezone.localdate(),
        by=psychologist,
    )

    fresh = Session.objects.select_related("case__beneficiary__person_key").get(pk=appointment.pk)
    assert fresh.status == SessionStatus.HELD
    assert fresh.summary == "Discussed the asylum interview."
    assert fresh.confidential_note == "Disclosed violence."
    assert fresh.follow_up_on == timezone.localdate()
    assert fresh.history.latest().history_user == psychologist


def test_a_held_session_may_be_recorded_again(case, psychologist):
    appointment = past_appointment(case, psychologist)
    session_record(
        session=appointment, summary="First.", confidential_note="", follow_up_on=None, by=psychologist
    )

    session_record(
        session=appointment, summary="Second.", confidential_note="", follow_up_on=None, by=psychologist
    )

    assert Session.objects.select_related("case__beneficiary__person_key").get(pk=appointment.pk).summary == (
        "Second."
    )
    assert appointment.history.count() == 3


def test_an_appointment_is_recorded_once_it_has_started(schedule, psychologist, tomorrow_at):
    appointment = schedule(tomorrow_at(10))

    with pytest.raises(ValidationError) as caught:
        session_record(
            session=appointment, summary="x", confidential_note="", follow_up_on=None, by=psychologist
        )

    assert only_code(caught) == "session_not_started"


def test_the_follow_up_is_not_before_the_session(case, psychologist):
    appointment = past_appointment(case, psychologist, hours_ago=1)

    with pytest.raises(ValidationError) as caught:
        session_record(
            session=appointment,
            summary="",
            confidential_note="",
            follow_up_on=timezone.localdate() - dt.timedelta(days=3),
            by=psychologist,
        )

    assert only_code(caught) == "follow_up_before_session"


def test_a_cancelled_appointment_has_nothing_to_record(case, psychologist):
    appointment = past_appointment(case, psychologist)
    session_mark(session=appointment, status=SessionStatus.CANCELLED, by=psychologist)

    with pytest.raises(ValidationError) as caught:
        session_record(
            session=appointment, summary="x", confidential_note="", follow_up_on=None, by=psychologist
        )

    assert only_code(caught) == "session_not_held"


@pytest.mark.parametrize("who", ["officer", "lawyer", "manager"])
def test_only_counsellors_of_the_discipline_record(who, request, case, psychologist):
    appointment = past_appointment(case, psychologist)

    with pytest.raises(PermissionDenied):
        session_record(
            session=appointment,
            summary="x",
            confidential_note="",
            follow_up_on=None,
            by=request.getfixturevalue(who),
        )

    assert Session.objects.get(pk=appointment.pk).status == SessionStatus.SCHEDULED


# --- cancelled and no-show ---------------------------------------------------------------------


def test_a_missed_appointment_is_marked_no_show(case, psychologist):
    appointment = past_appointment(case, psychologist)

    session_mark(session=appointment, status=SessionStatus.NO_SHOW, by=psychologist)

    assert Session.objects.get(pk=appointment.pk).status == SessionStatus.NO_SHOW


def test_an_appointment_to_come_is_cancelled_not_missed(schedule, psychologist, tomorrow_at):
    appointment = schedule(tomorrow_at(10))

    with pytest.raises(ValidationError) as caught:
        session_mark(session=appointment, status=SessionStatus.NO_SHOW, by=psychologist)
    session_mark(session=appointment, status=SessionStatus.CANCELLED, by=psychologist)

    assert only_code(caught) == "no_show_before_start"
    assert Session.objects.get(pk=appointment.pk).status == SessionStatus.CANCELLED


@pytest.mark.parametrize("status", [SessionStatus.HELD, SessionStatus.SCHEDULED])
def test_marking_is_only_cancelled_or_no_show(status, schedule, psychologist, tomorrow_at):
    appointment = schedule(tomorrow_at(10))

    with pytest.raises(ValidationError) as caught:
        session_mark(session=appointment, status=status, by=psychologist)

    assert only_code(caught) == "invalid_status"


def test_only_a_scheduled_appointment_is_marked(case, psychologist):
    appointment = past_appointment(case, psychologist)
    session_record(session=appointment, summary="", confidential_note="", follow_up_on=None, by=psychologist)

    with pytest.raises(ValidationError) as caught:
        session_mark(session=appointment, status=SessionStatus.CANCELLED, by=psychologist)

    assert only_code(caught) == "session_not_scheduled"


def test_the_front_desk_does_not_mark_appointments(schedule, officer, tomorrow_at):
    appointment = schedule(tomorrow_at(10))

    with pytest.raises(PermissionDenied):
        session_mark(session=appointment, status=SessionStatus.CANCELLED, by=officer)


def _second_person(person):
    return services.beneficiary_register(
        centre=person.registering_centre,
        by=person.registered_by,
        data={"given_name": "Αχμέτ", "family_name": "Καρίμι", "birth_year": 1988},
        check_duplicates=False,
    )
