"""Cases: opening, closing, reassigning and employment outcomes, with who may do each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import Case, CloseReason, OpenReason, OutcomeKind, ServiceArea, Session, SessionStatus
from cases.services.cases import case_close, case_open, case_reassign, outcome_record, session_schedule
from kem.models import Discipline, Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def open_case(person, athens):
    """open_case(by, counsellor=by, area=psychosocial) -> a case opened through the service."""

    def make(by, counsellor=None, area=ServiceArea.PSYCHOSOCIAL, beneficiary=None):
        return case_open(
            beneficiary=beneficiary or person,
            centre=athens,
            area=area,
            counsellor=counsellor or by,
            reason=OpenReason.SELF,
            by=by,
        )

    return make


def codes(caught: pytest.ExceptionInfo) -> set[str]:
    error = caught.value
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


# --- opening -----------------------------------------------------------------------------------


def test_a_counsellor_opens_a_case_in_their_discipline(open_case, psychologist, person, athens):
    case = open_case(psychologist)

    assert case.is_open
    assert (case.beneficiary, case.centre, case.counsellor, case.opened_by) == (
        person,
        athens,
        psychologist,
        psychologist,
    )
    assert case.opened_on == TODAY
    assert case.history.get().history_user == psychologist


def test_the_manager_opens_a_case_for_a_counsellor(open_case, manager, lawyer):
    case = open_case(manager, counsellor=lawyer, area=ServiceArea.LEGAL)

    assert case.counsellor == lawyer
    assert case.opened_by == manager


def test_the_counsellor_must_hold_the_areas_discipline(open_case, psychologist, lawyer):
    with pytest.raises(ValidationError) as caught:
        open_case(psychologist, counsellor=lawyer, area=ServiceArea.PSYCHOSOCIAL)

    assert caught.value.error_dict["counsellor"][0].code == "counsellor_wrong_discipline"
    assert not Case.objects.exists()


def test_the_counsellor_must_work_at_that_centre(open_case, manager, other_psychologist):
    with pytest.raises(ValidationError) as caught:
        open_case(manager, counsellor=other_psychologist)

    assert codes(caught) == {"counsellor_wrong_discipline"}


def test_social_benefits_and_administrative_cases_go_to_social_workers(open_case, social_worker):
    assert open_case(social_worker, area=ServiceArea.SOCIAL_BENEFITS).counsellor == social_worker
    assert open_case(social_worker, area=ServiceArea.ADMINISTRATIVE).counsellor == social_worker


def test_a_person_has_one_open_case_per_area_at_a_centre(open_case, psychologist):
    open_case(psychologist)

    with pytest.raises(ValidationError) as caught:
        open_case(psychologist)

    assert caught.value.error_dict["area"][0].code == "case_already_open"
    assert Case.objects.count() == 1


def test_a_closed_case_does_not_stop_a_new_one(open_case, psychologist):
    first = open_case(psychologist)
    case_close(case=first, reason=CloseReason.GOALS_MET, by=psychologist)

    second = open_case(psychologist)

    assert second.pk != first.pk and second.is_open


def test_another_area_is_another_case(open_case, psychologist, lawyer, manager):
    open_case(psychologist)

    assert open_case(manager, counsellor=lawyer, area=ServiceArea.LEGAL).is_open


@pytest.mark.parametrize("who", ["officer", "teacher", "analyst", "dpo", "other_psychologist"])
def test_only_counsellors_and_the_manager_open_cases(who, request, open_case, psychologist):
    with pytest.raises(PermissionDenied):
        open_case(request.getfixturevalue(who), counsellor=psychologist)

    assert not Case.objects.exists()


# --- closing -----------------------------------------------------------------------------------


def test_closing_records_when_why_and_who(open_case, psychologist):
    case = case_close(case=open_case(psychologist), reason=CloseReason.GOALS_MET, by=psychologist)

    case.refresh_from_db()
    assert (case.closed_on, case.close_reason, case.closed_by) == (TODAY, CloseReason.GOALS_MET, psychologist)
    assert case.history.latest().history_user == psychologist


def test_the_manager_may_close_a_case(open_case, psychologist, manager):
    case = case_close(case=open_case(psychologist), reason=CloseReason.NO_CONTACT, by=manager)

    assert not case.is_open


@pytest.mark.parametrize("who", ["officer", "lawyer", "social_worker", "teacher"])
def test_other_staff_do_not_close_a_case(who, request, open_case, psychologist):
    case = open_case(psychologist)

    with pytest.raises(PermissionDenied):
        case_close(case=case, reason=CloseReason.OTHER, by=request.getfixturevalue(who))

    assert Case.objects.get(pk=case.pk).is_open


def test_a_case_is_closed_once(open_case, psychologist):
    case = case_close(case=open_case(psychologist), reason=CloseReason.GOALS_MET, by=psychologist)

    with pytest.raises(ValidationError) as caught:
        case_close(case=case, reason=CloseReason.OTHER, by=psychologist)

    assert codes(caught) == {"case_already_closed"}


def test_a_case_does_not_close_in_the_future_or_before_it_opened(open_case, psychologist):
    case = open_case(psychologist)

    with pytest.raises(ValidationError) as future:
        case_close(case=case, reason=CloseReason.OTHER, closed_on=TODAY + DAY, by=psychologist)
    with pytest.raises(ValidationError) as before:
        case_close(case=case, reason=CloseReason.OTHER, closed_on=TODAY - DAY, by=psychologist)

    assert codes(future) == {"date_in_future"}
    assert codes(before) == {"closed_before_opened"}


def test_closing_cancels_the_appointments_still_scheduled(open_case, psychologist, tomorrow_at):
    case = open_case(psychologist)
    appointment = session_schedule(
        case=case, starts_at=tomorrow_at(10), duration_minutes=45, mode="in_person", by=psychologist
    )

    case_close(case=case, reason=CloseReason.PERSON_LEFT, by=psychologist)

    appointment.refresh_from_db()
    assert appointment.status == SessionStatus.CANCELLED
    assert appointment.history.latest().history_user == psychologist


# --- reassigning -------------------------------------------------------------------------------


@pytest.fixture
def second_psychologist(make_staff, athens):
    return make_staff(Role.COUNSELLOR, athens, Discipline.PSYCHOLOGICAL)


def test_the_manager_reassigns_to_a_counsellor_of_the_discipline(
    open_case, psychologist, second_psychologist, manager
):
    case = case_reassign(case=open_case(psychologist), counsellor=second_psychologist, by=manager)

    case.refresh_from_db()
    assert case.counsellor == second_psychologist
    assert case.history.latest().history_user == manager


def test_reassigning_keeps_appointments_with_who_made_them(
    open_case, psychologist, second_psychologist, manager, tomorrow_at
):
    case = open_case(psychologist)
    appointment = session_schedule(
        case=case, starts_at=tomorrow_at(9), duration_minutes=45, mode="phone", by=psychologist
    )

    case_reassign(case=case, counsellor=second_psychologist, by=manager)

    assert Session.objects.get(pk=appointment.pk).counsellor == psychologist


def test_a_case_is_not_reassigned_to_another_discipline(open_case, psychologist, lawyer, manager):
    case = open_case(psychologist)

    with pytest.raises(ValidationError) as caught:
        case_reassign(case=case, counsellor=lawyer, by=manager)

    assert codes(caught) == {"counsellor_wrong_discipline"}
    assert Case.objects.get(pk=case.pk).counsellor == psychologist


def test_only_the_manager_reassigns(open_case, psychologist, second_psychologist):
    case = open_case(psychologist)

    with pytest.raises(PermissionDenied):
        case_reassign(case=case, counsellor=second_psychologist, by=psychologist)


def test_a_closed_case_is_not_reassigned(open_case, psychologist, second_psychologist, manager):
    case = case_close(case=open_case(psychologist), reason=CloseReason.GOALS_MET, by=manager)

    with pytest.raises(ValidationError) as caught:
        case_reassign(case=case, counsellor=second_psychologist, by=manager)

    assert codes(caught) == {"case_closed"}


# --- employment outcomes -----------------------------------------------------------------------


def test_an_employment_case_records_outcomes(open_case, career_counsellor):
    case = open_case(career_counsellor, area=ServiceArea.EMPLOYMENT)

    outcome = outcome_record(case=case, kind=OutcomeKind.CV_PREPARED, achieved_on=TODAY, by=career_counsellor)

    assert (outcome.case, outcome.kind, outcome.recorded_by) == (
        case,
        OutcomeKind.CV_PREPARED,
        career_counsellor,
    )
    assert outcome.history.get().history_user == career_counsellor


def test_outcomes_belong_to_employment_cases_only(open_case, psychologist):
    case = open_case(psychologist)

    with pytest.raises(ValidationError) as caught:
        outcome_record(case=case, kind=OutcomeKind.EMPLOYED, achieved_on=TODAY, by=psychologist)

    assert codes(caught) == {"not_employment_case"}


def test_an_outcome_is_not_dated_in_the_future_or_before_the_case(open_case, career_counsellor):
    case = open_case(career_counsellor, area=ServiceArea.EMPLOYMENT)

    with pytest.raises(ValidationError) as future:
        outcome_record(case=case, kind=OutcomeKind.JOB_OFFER, achieved_on=TODAY + DAY, by=career_counsellor)
    with pytest.raises(ValidationError) as before:
        outcome_record(case=case, kind=OutcomeKind.JOB_OFFER, achieved_on=TODAY - DAY, by=career_counsellor)

    assert codes(future) == {"date_in_future"}
    assert codes(before) == {"outcome_before_case"}


@pytest.mark.parametrize("who", ["officer", "psychologist", "manager"])
def test_only_employment_counsellors_record_outcomes(who, request, open_case, career_counsellor):
    case = open_case(career_counsellor, area=ServiceArea.EMPLOYMENT)

    with pytest.raises(PermissionDenied):
        outcome_record(
            case=case, kind=OutcomeKind.EMPLOYED, achieved_on=TODAY, by=request.getfixturevalue(who)
        )
