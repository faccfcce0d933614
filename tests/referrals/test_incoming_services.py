"""Incoming referrals: recording one against a person, moving it forward, its sealed notes, who may
do it, and its entries on the profile timeline and button."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kem.models import Role
from kem.selectors.timeline import beneficiary_timeline, profile_actions
from partners.models import Organisation, WorkingArea
from referrals.models import IncomingReferral, IncomingStatus
from referrals.services.directory import organisation_deactivate
from referrals.services.incoming import incoming_referral_record, incoming_referral_update

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def iom(db):
    return Organisation.objects.get(name_en__contains="IOM")


@pytest.fixture
def record(person, athens, officer, iom):
    """record(**fields) -> an incoming referral of the person from IOM, recorded by the officer."""

    def make(**fields):
        values = {
            "beneficiary": person,
            "centre": athens,
            "organisation": iom,
            "area": WorkingArea.EDUCATION,
            "received_on": TODAY - DAY,
            "notes": "Θέλει μαθήματα ελληνικών το απόγευμα.",
            "by": officer,
        }
        values.update(fields)
        return incoming_referral_record(**values)

    return make


def _update(incoming, by, **fields):
    values = {
        "incoming": incoming,
        "organisation": incoming.organisation,
        "area": incoming.area,
        "received_on": incoming.received_on,
        "notes": incoming.notes,
        "status": incoming.status,
        "by": by,
    }
    values.update(fields)
    return incoming_referral_update(**values)


def test_recording_an_incoming_referral_keeps_who_and_seals_the_notes(record, officer, iom):
    incoming = record()

    assert (incoming.status, incoming.organisation, incoming.recorded_by) == (
        IncomingStatus.RECEIVED,
        iom,
        officer,
    )
    assert incoming.history.get().history_user == officer
    stored = IncomingReferral.objects.filter(pk=incoming.pk).values_list("notes", flat=True).get()
    assert "ελληνικών" not in str(stored)
    assert IncomingReferral.objects.get(pk=incoming.pk).notes == "Θέλει μαθήματα ελληνικών το απόγευμα."


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_serve_people_may_not_record(record, make_staff, athens, role):
    with pytest.raises(PermissionDenied):
        record(by=make_staff(role, athens))
    assert not IncomingReferral.objects.exists()


def test_another_centres_officer_may_not_record_for_this_centre(record, other_officer):
    with pytest.raises(PermissionDenied):
        record(by=other_officer)


def test_the_person_must_be_registered_at_the_centre(record, thessaloniki, make_staff):
    with pytest.raises(ValidationError) as caught:
        record(centre=thessaloniki, by=make_staff(Role.FRONT_DESK, thessaloniki))

    assert caught.value.error_dict["beneficiary"][0].code == "beneficiary_elsewhere"


def test_the_date_cannot_be_in_the_future_nor_the_partner_inactive(record, iom, manager):
    organisation_deactivate(organisation=iom, by=manager)
    iom.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        record(received_on=TODAY + DAY, organisation=iom)

    assert caught.value.error_dict["received_on"][0].code == "date_in_future"
    assert caught.value.error_dict["organisation"][0].code == "organisation_inactive"


def test_an_unknown_area_is_refused(record):
    with pytest.raises(ValidationError) as caught:
        record(area="cooking")

    assert "area" in caught.value.error_dict


def test_a_referral_moves_forward_to_being_served_then_closed(record, social_worker):
    incoming = record()

    served = _update(incoming, social_worker, status=IncomingStatus.IN_PROGRESS)
    closed = _update(served, social_worker, status=IncomingStatus.CLOSED, notes="Γράφτηκε στο Α1.")

    assert closed.status == IncomingStatus.CLOSED
    assert closed.notes == "Γράφτηκε στο Α1."
    assert closed.history.first().history_user == social_worker
    assert closed.history.count() == 3


def test_a_referral_may_be_closed_without_being_served(record, officer):
    assert _update(record(), officer, status=IncomingStatus.CLOSED).status == IncomingStatus.CLOSED


def test_a_status_never_moves_back(record, officer):
    incoming = _update(record(), officer, status=IncomingStatus.CLOSED)

    with pytest.raises(ValidationError) as caught:
        _update(incoming, officer, status=IncomingStatus.RECEIVED)

    assert caught.value.error_dict["status"][0].code == "status_backwards"
    incoming.refresh_from_db()
    assert incoming.status == IncomingStatus.CLOSED


def test_a_partner_deactivated_since_may_stay_but_not_be_newly_chosen(record, iom, manager, officer):
    unicef = Organisation.objects.get(name_en__contains="UNICEF")
    incoming = record()
    organisation_deactivate(organisation=iom, by=manager)
    organisation_deactivate(organisation=unicef, by=manager)
    iom.refresh_from_db()
    unicef.refresh_from_db()

    kept = _update(incoming, officer, organisation=iom, status=IncomingStatus.IN_PROGRESS)
    assert kept.status == IncomingStatus.IN_PROGRESS
    with pytest.raises(ValidationError) as caught:
        _update(kept, officer, organisation=unicef)
    assert caught.value.error_dict["organisation"][0].code == "organisation_inactive"


def test_a_teacher_may_not_update(record, teacher):
    with pytest.raises(PermissionDenied):
        _update(record(), teacher, status=IncomingStatus.CLOSED)


# --- the profile -------------------------------------------------------------------------------


def test_the_timeline_shows_the_referral_and_its_statuses_without_the_notes(record, person, officer):
    incoming = _update(record(), officer, status=IncomingStatus.IN_PROGRESS)
    _update(incoming, officer, status=IncomingStatus.CLOSED)

    entries = [
        e for e in beneficiary_timeline(beneficiary=person, user=officer) if e.kind.startswith("referrals.")
    ]

    kinds = {e.kind for e in entries}
    assert kinds == {
        "referrals.incoming_referral.recorded",
        "referrals.incoming_referral.in_progress",
        "referrals.incoming_referral.closed",
    }
    assert all("ελληνικών" not in e.title + e.detail for e in entries)
    assert any("IOM" in e.title for e in entries)


def test_the_timeline_shows_nothing_to_a_teacher(record, person, teacher):
    record()

    entries = beneficiary_timeline(beneficiary=person, user=teacher)

    assert not [e for e in entries if e.kind.startswith("referrals.incoming")]


def test_the_timeline_costs_two_queries_however_many_referrals(
    record, person, officer, django_assert_num_queries
):
    from referrals.selectors.incoming import incoming_referral_timeline

    for _n in range(5):
        _update(record(), officer, status=IncomingStatus.IN_PROGRESS)
    incoming_referral_timeline(person, officer)

    with django_assert_num_queries(2):
        entries = incoming_referral_timeline(person, officer)

    assert len(entries) == 10


def test_the_profile_offers_the_button_to_those_who_record(person, officer, teacher):
    assert "incoming-referral" in {a.key for a in profile_actions(beneficiary=person, user=officer)}
    assert "incoming-referral" not in {a.key for a in profile_actions(beneficiary=person, user=teacher)}
