"""The referrals API: scoped like the pages, writes through the same services (the consent rule
included), sealed reasons only for those allowed, and every response holding them traced."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from kem import services as kem_services
from kem.models import AccessEvent, Consent, ConsentMethod, ConsentPurpose
from referrals.models import Referral, ReferralStatus
from referrals.selectors.referrals import API_READ_ACTION

pytestmark = pytest.mark.django_db

LIST = reverse("api:referral-list")
REASON = "Χρειάζεται στέγη για την ίδια και δύο παιδιά."


def detail(referral, name="detail") -> str:
    return reverse(f"api:referral-{name}", args=[referral.pk])


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(officer) -> APIClient:
    return client_for(officer)


@pytest.fixture
def consent(person, officer, housing_partner):
    return Consent.objects.create(
        beneficiary=person,
        purpose=ConsentPurpose.REFERRAL,
        partner=housing_partner.organisation.name_el,
        organisation=housing_partner.organisation,
        given_on=timezone.localdate(),
        method=ConsentMethod.SIGNED_FORM,
        recorded_by=officer,
    )


def test_the_list_holds_the_centres_referrals_with_their_reasons_traced(api, make_referral, officer):
    referral = make_referral()

    response = api.get(LIST)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == str(referral.pk) and row["reason"] == REASON and row["status"] == "draft"
    event = AccessEvent.objects.get(action=API_READ_ACTION)
    assert (event.user, event.subject_id, event.fields) == (
        officer,
        referral.beneficiary_id,
        ["referral.reason"],
    )


def test_the_list_filters_by_status(api, make_referral):
    make_referral()
    sent = make_referral(status=ReferralStatus.SENT)

    rows = api.get(LIST, {"status": "sent"}).json()["results"]

    assert [row["id"] for row in rows] == [str(sent.pk)]


def test_retrieve_scopes_like_the_pages(make_referral, officer, teacher, other_officer):
    referral = make_referral()

    assert client_for(officer).get(detail(referral)).status_code == 200
    assert client_for(teacher).get(detail(referral)).status_code == 403
    assert client_for(other_officer).get(detail(referral)).status_code == 404
    assert client_for(other_officer).get(LIST).json()["results"] == []
    assert AccessEvent.objects.filter(action=API_READ_ACTION).count() == 1


def test_a_teacher_cannot_use_the_api(teacher):
    assert client_for(teacher).get(LIST).status_code == 403


def test_create_makes_a_draft_with_the_caller_as_contact(api, person, housing_partner, officer):
    response = api.post(
        LIST,
        {"beneficiary": str(person.pk), "service": housing_partner.pk, "reason": REASON, "urgency": "urgent"},
    )

    assert response.status_code == 201
    referral = Referral.objects.get()
    assert response.json()["id"] == str(referral.pk)
    assert (referral.status, referral.contact_person, referral.urgency) == ("draft", officer, "urgent")


def test_create_refuses_another_centres_person_and_staff(person, housing_partner, other_officer, officer):
    refused = client_for(other_officer).post(
        LIST, {"beneficiary": str(person.pk), "service": housing_partner.pk, "reason": REASON}
    )
    assert refused.status_code == 400 and refused.json()["beneficiary"]

    wrong_contact = client_for(officer).post(
        LIST,
        {
            "beneficiary": str(person.pk),
            "service": housing_partner.pk,
            "reason": REASON,
            "contact_person": other_officer.pk,
        },
    )
    assert wrong_contact.status_code == 400 and wrong_contact.json()["contact_person"]
    assert not Referral.objects.exists()


def test_send_without_consent_is_refused_with_its_code(api, make_referral):
    referral = make_referral()

    response = api.post(detail(referral, "send"))

    assert response.status_code == 400
    assert response.data["non_field_errors"][0].code == "consent_missing"
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DRAFT


def test_send_with_consent_and_the_managers_override(
    api, make_referral, consent, manager, person, housing_partner
):
    referral = make_referral()
    response = api.post(detail(referral, "send"))
    assert response.status_code == 200 and response.json()["status"] == "sent"
    assert response.json()["consent"] == consent.pk
    assert len(mail.outbox) == 1

    other = make_referral()
    Referral.objects.filter(pk=referral.pk).update(consent=None)
    Consent.objects.filter(pk=consent.pk).update(withdrawn_on=timezone.localdate())
    overridden = client_for(manager).post(detail(other, "send"), {"override_reason": "Άστεγη απόψε."})
    assert overridden.status_code == 200
    assert overridden.json()["override_by"] == manager.pk
    assert overridden.json()["override_reason"] == "Άστεγη απόψε."


def test_withdraw_and_an_illegal_withdrawal(api, make_referral):
    referral = make_referral(status=ReferralStatus.SENT)

    assert api.post(detail(referral, "withdraw")).json()["status"] == "withdrawn"
    again = api.post(detail(referral, "withdraw"))
    assert again.status_code == 400 and again.data["non_field_errors"][0].code == "transition_not_allowed"


def test_actions_scope_like_the_pages(make_referral, teacher, other_officer):
    referral = make_referral(status=ReferralStatus.SENT)

    assert client_for(teacher).post(detail(referral, "withdraw")).status_code == 403
    assert client_for(other_officer).post(detail(referral, "withdraw")).status_code == 404
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT


def test_the_list_costs_a_fixed_number_of_queries(
    api, make_referral, athens, officer, django_assert_max_num_queries
):
    def referral_of_a_new_person(i: int) -> None:
        # A person each: a key cached for one person must not hide a missing join.
        person = kem_services.beneficiary_register(
            centre=athens,
            by=officer,
            data={"given_name": f"Όνομα{i}", "family_name": "Δοκιμή"},
            check_duplicates=False,
        )
        make_referral(beneficiary=person)

    for i in range(3):
        referral_of_a_new_person(i)
    with django_assert_max_num_queries(20) as three:
        api.get(LIST)
    for i in range(3, 30):
        referral_of_a_new_person(i)

    with django_assert_max_num_queries(len(three.captured_queries)):
        response = api.get(LIST)

    assert response.json()["count"] == 30
