"""Consent: the rules of recording and withdrawing, the referral check, the pages and the home page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kem.models import Consent, ConsentMethod, ConsentPurpose, ConsentStatus, Role
from kem.selectors.people import consent_valid_for_referral, profile_people_context
from kem.selectors.timeline import beneficiary_timeline
from kem.services.people import consent_record, consent_withdraw

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def person(register):
    return register(
        given_name="Αμίνα", family_name="Χασάν", given_name_latin="Amina", family_name_latin="Hassan"
    )


@pytest.fixture
def give(person, officer):
    """give(**fields) -> a consent recorded for ``person`` by the officer."""

    def make(beneficiary=None, **fields):
        fields.setdefault("purpose", ConsentPurpose.DATA_PROCESSING)
        fields.setdefault("given_on", TODAY)
        fields.setdefault("method", ConsentMethod.SIGNED_FORM)
        return consent_record(beneficiary=beneficiary or person, by=officer, **fields)

    return make


# --- rules -------------------------------------------------------------------------------------


def test_recording_a_consent_keeps_who_recorded_it(give, officer):
    consent = give(expires_on=TODAY + 365 * DAY)

    assert consent.recorded_by == officer
    assert consent.history.get().history_user == officer
    assert consent.status == ConsentStatus.VALID


def test_a_consent_cannot_be_given_in_the_future(give):
    with pytest.raises(ValidationError) as caught:
        give(given_on=TODAY + DAY)

    assert caught.value.error_dict["given_on"][0].code == "date_in_future"
    assert not Consent.objects.exists()


def test_a_consent_must_expire_after_it_was_given(give):
    with pytest.raises(ValidationError) as caught:
        give(given_on=TODAY, expires_on=TODAY - DAY)

    assert caught.value.error_dict["expires_on"][0].code == "expiry_before_given"


def test_a_referral_consent_names_its_partner(give):
    with pytest.raises(ValidationError) as caught:
        give(purpose=ConsentPurpose.REFERRAL, partner="   ")

    assert caught.value.error_dict["partner"][0].code == "partner_required"


def test_withdrawing_keeps_the_date_and_who_withdrew(give, make_staff, athens):
    consent = give()
    manager = make_staff(Role.MANAGER, athens)

    consent_withdraw(consent=consent, withdrawn_on=TODAY, by=manager)

    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY
    assert consent.status == ConsentStatus.WITHDRAWN
    assert consent.history.first().history_user == manager


def test_a_consent_is_withdrawn_once_and_not_in_the_future(give, officer):
    consent = give()
    with pytest.raises(ValidationError) as future:
        consent_withdraw(consent=consent, withdrawn_on=TODAY + DAY, by=officer)
    consent_withdraw(consent=consent, withdrawn_on=TODAY, by=officer)
    with pytest.raises(ValidationError) as twice:
        consent_withdraw(consent=consent, withdrawn_on=TODAY, by=officer)

    assert future.value.error_dict["withdrawn_on"][0].code == "date_in_future"
    assert twice.value.error_dict["withdrawn_on"][0].code == "already_withdrawn"


def test_status_tells_valid_expiring_expired_and_withdrawn(give, officer):
    valid = give(expires_on=TODAY + 31 * DAY)
    expiring = give(expires_on=TODAY + 30 * DAY)
    expired = give(given_on=TODAY - 10 * DAY, expires_on=TODAY - DAY)
    withdrawn = consent_withdraw(consent=give(), withdrawn_on=TODAY, by=officer)

    assert [c.status for c in (valid, expiring, expired, withdrawn)] == [
        ConsentStatus.VALID,
        ConsentStatus.EXPIRING,
        ConsentStatus.EXPIRED,
        ConsentStatus.WITHDRAWN,
    ]


# --- referral check ----------------------------------------------------------------------------


def test_a_valid_referral_consent_counts_for_its_partner_only(give, person):
    give(purpose=ConsentPurpose.REFERRAL, partner="UNHCR", expires_on=TODAY + 90 * DAY)

    assert consent_valid_for_referral(beneficiary=person, partner="UNHCR")
    assert consent_valid_for_referral(beneficiary=person, partner=" unhcr ")
    assert not consent_valid_for_referral(beneficiary=person, partner="IOM")


def test_an_expired_referral_consent_does_not_count(give, person):
    give(purpose=ConsentPurpose.REFERRAL, partner="IOM", given_on=TODAY - 40 * DAY, expires_on=TODAY - DAY)

    assert not consent_valid_for_referral(beneficiary=person, partner="IOM")
    assert consent_valid_for_referral(beneficiary=person, partner="IOM", on=TODAY - 2 * DAY)


def test_a_withdrawn_referral_consent_does_not_count(give, person, officer):
    consent = give(purpose=ConsentPurpose.REFERRAL, partner="IOM")
    consent_withdraw(consent=consent, withdrawn_on=TODAY, by=officer)

    assert not consent_valid_for_referral(beneficiary=person, partner="IOM")


def test_a_consent_for_another_purpose_is_no_referral_consent(give, person, register):
    give(purpose=ConsentPurpose.SMS_CONTACT, partner="IOM")
    other = register(given_name="Άλλος", family_name="Άνθρωπος")
    give(beneficiary=other, purpose=ConsentPurpose.REFERRAL, partner="IOM")

    assert not consent_valid_for_referral(beneficiary=person, partner="IOM")


# --- profile panel and timeline ----------------------------------------------------------------


def test_the_profile_panel_lists_consents_with_their_status(give, person, officer):
    give(purpose=ConsentPurpose.REFERRAL, partner="Κοινωνικό Παντοπωλείο", expires_on=TODAY + 10 * DAY)
    consent_withdraw(consent=give(purpose=ConsentPurpose.PHOTOS), withdrawn_on=TODAY, by=officer)

    html = render_to_string(
        "kem/people/_profile_panels.html", profile_people_context(beneficiary=person, user=officer)
    )

    assert 'data-status="expiring"' in html
    assert 'data-status="withdrawn"' in html
    assert "Κοινωνικό Παντοπωλείο" in html
    assert reverse("consent-create", args=[person.pk]) in html


def test_the_timeline_shows_consents_given_and_withdrawn(give, person, officer):
    consent_withdraw(consent=give(), withdrawn_on=TODAY, by=officer)

    entries = beneficiary_timeline(beneficiary=person, user=officer)

    kinds = {(e.kind, e.actor) for e in entries}
    assert ("kem.consent.given", officer.username) in kinds
    assert ("kem.consent.withdrawn", officer.username) in kinds


# --- pages -------------------------------------------------------------------------------------


def _consent_post(**fields):
    data = {"purpose": "referral", "partner": "UNHCR", "given_on": TODAY.isoformat(), "method": "signed_form"}
    return {**data, **fields}


def test_the_front_desk_records_a_consent_from_the_profile(client, officer, person):
    client.force_login(officer)

    response = client.post(reverse("consent-create", args=[person.pk]), _consent_post())

    assert response.status_code == 302
    assert response.url == person.get_absolute_url()
    consent = Consent.objects.get(beneficiary=person)
    assert (consent.partner, consent.recorded_by) == ("UNHCR", officer)


def test_an_invalid_consent_shows_the_error_and_keeps_the_input(client, officer, person):
    client.force_login(officer)

    response = client.post(
        reverse("consent-create", args=[person.pk]),
        _consent_post(partner="", expires_on=(TODAY - DAY).isoformat(), method="verbal_interpreter"),
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"partner", "expires_on"}
    assert 'value="verbal_interpreter" selected' in response.content.decode()
    assert not Consent.objects.exists()


def test_a_teacher_of_the_centre_may_not_record_a_consent(client, make_staff, athens, person):
    client.force_login(make_staff(Role.TEACHER, athens))

    assert client.get(reverse("consent-create", args=[person.pk])).status_code == 403
    assert client.post(reverse("consent-create", args=[person.pk]), _consent_post()).status_code == 403


def test_another_centre_gets_404_for_a_consent_page(client, make_staff, thessaloniki, person):
    client.force_login(make_staff(Role.FRONT_DESK, thessaloniki))

    assert client.get(reverse("consent-create", args=[person.pk])).status_code == 404


def test_withdrawing_asks_first_then_withdraws(client, officer, give):
    consent = give()
    client.force_login(officer)
    url = reverse("consent-withdraw", args=[consent.pk])

    confirmation = client.get(url)
    consent.refresh_from_db()
    assert confirmation.status_code == 200
    assert consent.withdrawn_on is None

    response = client.post(url, {"withdrawn_on": TODAY.isoformat()})
    consent.refresh_from_db()
    assert response.status_code == 302
    assert consent.withdrawn_on == TODAY


def test_withdrawing_is_403_for_a_teacher_and_404_for_another_centre(
    client, make_staff, athens, thessaloniki, give
):
    consent = give()
    url = reverse("consent-withdraw", args=[consent.pk])

    client.force_login(make_staff(Role.TEACHER, athens))
    assert client.post(url, {"withdrawn_on": TODAY.isoformat()}).status_code == 403
    client.force_login(make_staff(Role.FRONT_DESK, thessaloniki))
    assert client.get(url).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


# --- the front-desk home page ------------------------------------------------------------------


def test_the_front_desk_home_lists_consents_expiring_within_30_days(
    client, officer, give, register, thessaloniki, make_staff
):
    soon = give(expires_on=TODAY + 5 * DAY)
    give(expires_on=TODAY + 45 * DAY)  # later
    give(given_on=TODAY - 9 * DAY, expires_on=TODAY - DAY)  # already expired
    consent_withdraw(consent=give(expires_on=TODAY + 3 * DAY), withdrawn_on=TODAY, by=officer)
    elsewhere = register(
        centre=thessaloniki,
        by=make_staff(Role.FRONT_DESK, thessaloniki),
        given_name="Γιουσούφ",
        family_name="Αλί",
    )
    give(beneficiary=elsewhere, expires_on=TODAY + 2 * DAY)
    client.force_login(officer)

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-consent="{soon.pk}"' in html
    assert html.count("data-consent=") == 1
    assert "Αμίνα Χασάν (Amina Hassan)" in html
    assert soon.beneficiary.get_absolute_url() in html
    assert "Γιουσούφ" not in html


def test_the_front_desk_home_costs_the_same_queries_however_many_consents_expire(
    client, officer, give, register
):
    client.force_login(officer)
    give(expires_on=TODAY + 5 * DAY)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for n in range(4):
        give(
            beneficiary=register(given_name=f"Όνομα{n}", family_name="Δοκιμή"),
            expires_on=TODAY + (n + 1) * DAY,
        )
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse("home"))

    assert response.content.decode().count("data-consent=") == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_the_profile_page_shows_the_consent_panel(client, officer, give, person):
    consent = give(purpose=ConsentPurpose.REFERRAL, partner="UNHCR")
    client.force_login(officer)

    html = client.get(reverse("beneficiary-detail", args=[person.pk])).content.decode()

    assert f'data-consent="{consent.pk}"' in html
    assert reverse("consent-withdraw", args=[consent.pk]) in html


# --- consent to a directory partner ------------------------------------------------------------


def test_a_referral_consent_may_name_an_organisation_of_the_directory(give):
    from partners.models import Organisation

    unhcr = Organisation.objects.get(name_en__contains="UNHCR")

    consent = give(purpose=ConsentPurpose.REFERRAL, organisation=unhcr)

    assert (consent.organisation, consent.partner) == (unhcr, unhcr.name_el)


def test_the_consent_page_records_an_organisation_chosen_from_the_directory(client, officer, person):
    from partners.models import Organisation

    iom = Organisation.objects.get(name_en__contains="IOM")
    client.force_login(officer)

    response = client.post(
        reverse("consent-create", args=[person.pk]), _consent_post(partner="", organisation=iom.pk)
    )

    assert response.status_code == 302
    consent = Consent.objects.get(beneficiary=person)
    assert consent.organisation == iom
