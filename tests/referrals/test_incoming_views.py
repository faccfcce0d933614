"""Incoming-referral pages: recording from the profile, updating (its notes traced in the access log),
the centre's list with filters; the three access rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kem import services as kem_services
from kem.models import AccessEvent
from partners.models import Organisation, WorkingArea
from referrals.models import IncomingReferral, IncomingStatus
from referrals.services.incoming import incoming_referral_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
LIST = reverse("incoming-referral-list")
NOTES = "Χρειάζεται βοήθεια με την εγγραφή στη ΔΥΠΑ."


@pytest.fixture
def iom(db):
    return Organisation.objects.get(name_en__contains="IOM")


@pytest.fixture
def record(person, athens, officer, iom):
    def make(**fields):
        values = {
            "beneficiary": person,
            "centre": athens,
            "organisation": iom,
            "area": WorkingArea.LABOUR,
            "received_on": TODAY,
            "notes": NOTES,
            "by": officer,
        }
        values.update(fields)
        return incoming_referral_record(**values)

    return make


def _post(organisation, **fields):
    data = {
        "organisation": organisation.pk,
        "area": WorkingArea.EDUCATION,
        "received_on": TODAY.isoformat(),
        "notes": "Για μαθήματα ελληνικών.",
    }
    return {**data, **fields}


# --- recording from the profile ----------------------------------------------------------------


def test_the_profile_offers_to_record_an_incoming_referral(client, officer, person):
    client.force_login(officer)

    html = client.get(person.get_absolute_url()).content.decode()

    assert reverse("incoming-referral-new", args=[person.pk]) in html


def test_the_front_desk_records_an_incoming_referral_from_the_profile(client, officer, person, iom):
    client.force_login(officer)
    url = reverse("incoming-referral-new", args=[person.pk])

    form = client.get(url)
    response = client.post(url, _post(iom))

    assert form.status_code == 200
    assert response.status_code == 302
    assert response.url == person.get_absolute_url()
    incoming = IncomingReferral.objects.get(beneficiary=person)
    assert (incoming.organisation, incoming.area, incoming.recorded_by) == (
        iom,
        WorkingArea.EDUCATION,
        officer,
    )
    assert incoming.notes == "Για μαθήματα ελληνικών."


def test_an_invalid_incoming_referral_shows_errors_and_keeps_the_input(client, officer, person, iom):
    client.force_login(officer)

    response = client.post(
        reverse("incoming-referral-new", args=[person.pk]),
        _post(iom, received_on=(TODAY + DAY).isoformat(), notes="Κράτα με"),
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"received_on"}
    assert "Κράτα με" in response.content.decode()
    assert not IncomingReferral.objects.exists()


def test_a_teacher_gets_403_for_recording(client, teacher, person, iom):
    client.force_login(teacher)
    url = reverse("incoming-referral-new", args=[person.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, _post(iom)).status_code == 403
    assert not IncomingReferral.objects.exists()


def test_another_centre_gets_404_for_recording(client, other_officer, person, iom):
    client.force_login(other_officer)
    url = reverse("incoming-referral-new", args=[person.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, _post(iom)).status_code == 404


# --- updating ----------------------------------------------------------------------------------


def test_opening_a_referral_shows_its_notes_and_traces_the_reading(client, social_worker, record):
    incoming = record()
    client.force_login(social_worker)

    response = client.get(reverse("incoming-referral-edit", args=[incoming.pk]))

    assert response.status_code == 200
    assert NOTES in response.content.decode()
    event = AccessEvent.objects.get(action="referrals.incoming_referral.read")
    assert (event.user, event.subject_id, event.fields) == (
        social_worker,
        incoming.beneficiary_id,
        ["incoming_referral.notes"],
    )


def test_a_referral_without_notes_leaves_no_access_event(client, officer, record):
    incoming = record(notes="")
    client.force_login(officer)

    client.get(reverse("incoming-referral-edit", args=[incoming.pk]))

    assert not AccessEvent.objects.filter(action="referrals.incoming_referral.read").exists()


def test_the_officer_moves_a_referral_forward(client, officer, record, iom):
    incoming = record()
    client.force_login(officer)

    response = client.post(
        reverse("incoming-referral-edit", args=[incoming.pk]),
        _post(iom, area=WorkingArea.LABOUR, status=IncomingStatus.IN_PROGRESS, notes=NOTES),
    )

    assert response.status_code == 302
    incoming.refresh_from_db()
    assert incoming.status == IncomingStatus.IN_PROGRESS


def test_moving_back_shows_the_error_by_the_status(client, officer, record, iom):
    incoming = record()
    client.force_login(officer)
    url = reverse("incoming-referral-edit", args=[incoming.pk])
    client.post(url, _post(iom, status=IncomingStatus.CLOSED))

    response = client.post(url, _post(iom, status=IncomingStatus.RECEIVED))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"status"}
    incoming.refresh_from_db()
    assert incoming.status == IncomingStatus.CLOSED


def test_a_teacher_gets_403_and_another_centre_404_for_a_referral(
    client, teacher, other_officer, record, iom
):
    incoming = record()
    url = reverse("incoming-referral-edit", args=[incoming.pk])

    client.force_login(teacher)
    assert client.get(url).status_code == 403
    assert client.post(url, _post(iom, status=IncomingStatus.CLOSED)).status_code == 403
    client.force_login(other_officer)
    assert client.get(url).status_code == 404
    incoming.refresh_from_db()
    assert incoming.status == IncomingStatus.RECEIVED
    assert not AccessEvent.objects.filter(action="referrals.incoming_referral.read").exists()


# --- the centre's list -------------------------------------------------------------------------


def test_the_list_shows_the_centres_incoming_referrals_without_notes(client, officer, record):
    incoming = record()
    client.force_login(officer)

    response = client.get(LIST)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-incoming="{incoming.pk}"' in html
    assert NOTES not in html


def test_the_list_filters_by_status_area_and_organisation(client, officer, record, iom):
    unicef = Organisation.objects.get(name_en__contains="UNICEF")
    labour = record()
    education = record(area=WorkingArea.EDUCATION, organisation=unicef)
    client.force_login(officer)

    by_area = client.get(LIST, {"area": WorkingArea.EDUCATION}).context["incoming_rows"]
    by_organisation = client.get(LIST, {"organisation": iom.pk}).context["incoming_rows"]
    closed = client.get(LIST, {"status": IncomingStatus.CLOSED}, headers={"HX-Request": "true"})

    assert by_area == [education]
    assert by_organisation == [labour]
    assert closed.context["incoming_rows"] == []
    assert 'data-empty="filtered"' in closed.content.decode()
    assert "<form" not in closed.content.decode()


def test_the_list_filters_by_dates(client, officer, record):
    old = record(received_on=TODAY - 20 * DAY)
    new = record(received_on=TODAY - DAY)
    client.force_login(officer)

    rows = client.get(LIST, {"date_from": (TODAY - 5 * DAY).isoformat()}).context["incoming_rows"]
    bad = client.get(LIST, {"date_from": TODAY.isoformat(), "date_to": (TODAY - DAY).isoformat()})

    assert rows == [new]
    assert old not in rows
    assert "date_to" in bad.context["form"].errors


def test_the_empty_list_says_how_to_record_one(client, officer):
    client.force_login(officer)

    assert 'data-empty="none"' in client.get(LIST).content.decode()


def test_a_teacher_gets_403_for_the_list(client, teacher):
    client.force_login(teacher)

    assert client.get(LIST).status_code == 403


def test_another_centres_officer_does_not_see_this_centres_referrals(client, other_officer, record):
    record()
    client.force_login(other_officer)

    response = client.get(LIST)

    assert response.status_code == 200
    assert response.context["incoming_rows"] == []


def test_the_list_costs_the_same_for_3_or_30_referrals(
    client, officer, athens, record, django_assert_max_num_queries
):
    for n in range(3):
        record(
            beneficiary=kem_services.beneficiary_register(
                centre=athens,
                by=officer,
                data={"given_name": f"Άτομο {n}", "family_name": "Α"},
                check_duplicates=False,
            )
        )
    client.force_login(officer)
    client.get(LIST)
    with django_assert_max_num_queries(15) as few:
        client.get(LIST)
    for n in range(27):
        record(
            beneficiary=kem_services.beneficiary_register(
                centre=athens,
                by=officer,
                data={"given_name": f"Πρόσωπο {n}", "family_name": "Β"},
                check_duplicates=False,
            )
        )

    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get(LIST)

    assert len(response.context["incoming_rows"]) == 30
    assert len(many.captured_queries) == len(few.captured_queries)
