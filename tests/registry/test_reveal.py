"""Revealing hidden details: a reason every time, an access event every time, nothing cached."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from kem.models import AccessEvent, RevealReason, Role

pytestmark = pytest.mark.django_db

AMKA = "01013099997"
NOTE = "Χρειάζεται συνοδεία στο νοσοκομείο"


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def maria(register):
    return register(
        date_of_birth=dt.date(1930, 1, 1),
        documents=[{"kind": "amka", "number": AMKA}],
        notes=NOTE,
        father_name="Γεώργιος",
        phone="+306912345678",
    )


def reveal(client, person, **data):
    return client.post(reverse("beneficiary-reveal", args=[person.pk]), data, HTTP_HX_REQUEST="true")


def test_revealing_the_documents_shows_them_and_records_fields_and_reason(client, officer, maria, athens):
    client.force_login(officer)

    response = reveal(client, maria, group="documents", reason=RevealReason.VERIFYING_IDENTITY)

    html = response.content.decode()
    assert response.status_code == 200
    assert AMKA in html
    assert NOTE not in html and "01/01/1930" not in html
    assert "<html" not in html  # the partial, swapped in by htmx
    event = AccessEvent.objects.get()
    assert event.action == "kem.beneficiary.revealed"
    assert event.subject_id == maria.pk
    assert event.fields == ["documents"]
    assert event.reason == RevealReason.VERIFYING_IDENTITY
    assert event.centre == athens and event.role == Role.FRONT_DESK


def test_revealing_personal_details_names_exactly_those_fields(client, officer, maria):
    client.force_login(officer)

    html = reveal(client, maria, group="personal", reason=RevealReason.APPLICATION).content.decode()

    assert "01/01/1930" in html and "Γεώργιος" in html and "+306912345678" in html
    assert AMKA not in html and NOTE not in html
    assert AccessEvent.objects.get().fields == [
        "address",
        "date_of_birth",
        "email",
        "father_name",
        "mother_name",
        "phone",
    ]


def test_the_profile_shows_no_contact_detail_until_revealed(client, officer, maria):
    """The README says contact details stay hidden until revealed: the phone too."""
    client.force_login(officer)

    html = client.get(reverse("beneficiary-detail", args=[maria.pk])).content.decode()

    assert "6912345678" not in html and "tel:" not in html


def test_revealing_notes(client, officer, maria):
    client.force_login(officer)

    html = reveal(client, maria, group="notes", reason=RevealReason.SERVING_NOW).content.decode()

    assert NOTE in html
    assert AccessEvent.objects.get().fields == ["notes"]


def test_the_reveal_is_never_cached(client, officer, maria):
    client.force_login(officer)

    response = reveal(client, maria, group="documents", reason=RevealReason.SERVING_NOW)

    assert "no-store" in response["Cache-Control"]


def test_without_a_reason_nothing_is_revealed_and_nothing_recorded(client, officer, maria):
    client.force_login(officer)

    response = reveal(client, maria, group="documents", reason="")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose why you need to see these details." in html
    assert AMKA not in html
    assert not AccessEvent.objects.exists()


def test_an_unknown_reason_is_refused_too(client, officer, maria):
    client.force_login(officer)

    html = reveal(client, maria, group="documents", reason="curiosity").content.decode()

    assert AMKA not in html
    assert not AccessEvent.objects.exists()


def test_without_javascript_the_reveal_renders_a_whole_page(client, officer, maria):
    client.force_login(officer)

    response = client.post(
        reverse("beneficiary-reveal", args=[maria.pk]), {"group": "documents", "reason": "serving_now"}
    )

    html = response.content.decode()
    assert "<html" in html and AMKA in html
    assert maria.get_absolute_url() in html


def test_the_reveal_refuses_get(client, officer, maria):
    client.force_login(officer)

    assert client.get(reverse("beneficiary-reveal", args=[maria.pk])).status_code == 405


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST])
def test_a_teacher_or_analyst_may_not_reveal(client, make_staff, athens, maria, role):
    client.force_login(make_staff(role, athens))

    response = reveal(client, maria, group="documents", reason=RevealReason.SERVING_NOW)

    assert response.status_code == 403
    assert not AccessEvent.objects.exists()


def test_another_centres_officer_gets_404_for_a_reveal(client, make_staff, thessaloniki, maria):
    client.force_login(make_staff(Role.FRONT_DESK, thessaloniki))

    response = reveal(client, maria, group="documents", reason=RevealReason.SERVING_NOW)

    assert response.status_code == 404
    assert not AccessEvent.objects.exists()
