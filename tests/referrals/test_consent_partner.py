"""Consent to a directory partner: recording it, and ``referral_consent_for``, the question every
referral asks (valid on the day, for that organisation, by the directory or by its name)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kem.models import Consent, ConsentMethod, ConsentPurpose
from kem.services.people import consent_record, consent_withdraw
from partners.models import Organisation
from referrals.selectors.directory import referral_consent_for
from referrals.services.directory import organisation_deactivate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def shelter(housing_partner):
    return housing_partner.organisation


@pytest.fixture
def unhcr(db):
    return Organisation.objects.get(name_en__contains="UNHCR")


@pytest.fixture
def give(person, officer):
    """give(**fields) -> a referral consent recorded for ``person`` by the officer."""

    def make(beneficiary=None, **fields):
        fields.setdefault("purpose", ConsentPurpose.REFERRAL)
        fields.setdefault("given_on", TODAY - 10 * DAY)
        fields.setdefault("method", ConsentMethod.SIGNED_FORM)
        return consent_record(beneficiary=beneficiary or person, by=officer, **fields)

    return make


# --- recording ---------------------------------------------------------------------------------


def test_a_referral_consent_may_name_a_directory_organisation(give, shelter, officer):
    consent = give(organisation=shelter)

    assert consent.organisation == shelter
    assert consent.partner == shelter.name_el
    assert consent.history.get().history_user == officer


def test_a_referral_consent_names_an_organisation_or_a_partner(give):
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        give(organisation=None, partner="  ")

    assert caught.value.error_dict["partner"][0].code == "partner_required"
    assert "directory" in caught.value.error_dict["partner"][0].message
    assert not Consent.objects.exists()


def test_a_free_text_partner_still_works_for_others(give):
    consent = give(partner="Ενορία Αγίου Παύλου")

    assert consent.organisation is None
    assert consent.partner == "Ενορία Αγίου Παύλου"


def test_naming_the_partner_twice_is_refused(give, shelter):
    with pytest.raises(ValidationError) as caught:
        give(organisation=shelter, partner="Κάποιος άλλος")

    assert caught.value.error_dict["partner"][0].code == "partner_twice"


def test_only_a_referral_consent_names_an_organisation(give, shelter):
    with pytest.raises(ValidationError) as caught:
        give(purpose=ConsentPurpose.PHOTOS, organisation=shelter)

    assert caught.value.error_dict["organisation"][0].code == "organisation_not_referral"


def test_an_inactive_organisation_cannot_be_consented_to(give, shelter, manager):
    organisation_deactivate(organisation=shelter, by=manager)
    shelter.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        give(organisation=shelter)

    assert caught.value.error_dict["organisation"][0].code == "organisation_inactive"


def test_the_partner_rule_and_the_dates_are_reported_together(give):
    with pytest.raises(ValidationError) as caught:
        give(partner="", given_on=TODAY, expires_on=TODAY - DAY)

    assert set(caught.value.error_dict) == {"partner", "expires_on"}


def test_the_consent_page_offers_the_active_directory(client, officer, person, shelter, manager, unhcr):
    organisation_deactivate(organisation=unhcr, by=manager)
    client.force_login(officer)

    html = client.get(reverse("consent-create", args=[person.pk])).content.decode()

    assert f'<option value="{shelter.pk}">' in html
    assert f'<option value="{unhcr.pk}">' not in html


def test_the_consent_page_records_a_consent_to_a_directory_organisation(client, officer, person, shelter):
    client.force_login(officer)

    response = client.post(
        reverse("consent-create", args=[person.pk]),
        {
            "purpose": "referral",
            "organisation": shelter.pk,
            "given_on": TODAY.isoformat(),
            "method": "signed_form",
        },
    )

    assert response.status_code == 302
    assert Consent.objects.get(beneficiary=person).organisation == shelter


def test_the_consent_page_shows_the_partner_error_by_the_field(client, officer, person):
    client.force_login(officer)

    response = client.post(
        reverse("consent-create", args=[person.pk]),
        {"purpose": "referral", "given_on": TODAY.isoformat(), "method": "verbal"},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"partner"}
    assert 'value="verbal" selected' in response.content.decode()


# --- referral_consent_for ----------------------------------------------------------------------


def test_a_valid_consent_to_the_organisation_is_found(give, person, shelter):
    consent = give(organisation=shelter, expires_on=TODAY + 30 * DAY)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) == consent


def test_no_consent_means_none(person, shelter):
    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) is None


def test_an_expired_consent_does_not_count_after_its_expiry(give, person, shelter):
    give(organisation=shelter, given_on=TODAY - 30 * DAY, expires_on=TODAY - DAY)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) is None
    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY - DAY) is not None


def test_a_consent_does_not_count_before_it_was_given(give, person, shelter):
    give(organisation=shelter, given_on=TODAY)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY - DAY) is None


def test_a_withdrawn_consent_does_not_count(give, person, shelter, officer):
    consent_withdraw(consent=give(organisation=shelter), withdrawn_on=TODAY, by=officer)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) is None


def test_a_consent_to_another_organisation_does_not_count(give, person, shelter, unhcr):
    give(organisation=unhcr)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) is None
    assert referral_consent_for(beneficiary=person, organisation=unhcr, on=TODAY) is not None


def test_a_consent_for_another_purpose_does_not_count(give, person, shelter):
    give(purpose=ConsentPurpose.DATA_PROCESSING, partner=shelter.name_en)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) is None


def test_another_persons_consent_does_not_count(give, person, shelter, athens, officer):
    from kem import services

    other = services.beneficiary_register(
        centre=athens, by=officer, data={"given_name": "Ωμάρ", "family_name": "Σαλέχ"}, check_duplicates=False
    )
    give(beneficiary=other, organisation=shelter)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) is None


@pytest.mark.parametrize(
    "written",
    [
        "Solidarity Shelter",
        "  solidarity   SHELTER ",
        "Στέγη Αλληλεγγύης",
        "ΣΤΕΓΗ ΑΛΛΗΛΕΓΓΥΗΣ",
        "στέγη αλληλεγγύης",
    ],
)
def test_a_free_text_consent_naming_the_organisation_counts(give, person, shelter, written):
    consent = give(partner=written)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) == consent


@pytest.mark.parametrize("written", ["Solidarity", "Shelter of Solidarity", "Στέγη"])
def test_a_free_text_consent_naming_something_else_does_not_count(give, person, shelter, written):
    give(partner=written)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) is None


def test_a_consent_to_another_directory_organisation_never_counts_by_its_text(give, person, shelter, unhcr):
    consent = give(organisation=unhcr)
    # Its text is that organisation's name; even renamed to look like ours, the link decides.
    Consent.objects.filter(pk=consent.pk).update(partner=shelter.name_en)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) is None


def test_the_most_recently_given_valid_consent_is_returned(give, person, shelter):
    give(organisation=shelter, given_on=TODAY - 100 * DAY)
    newer = give(partner="Solidarity Shelter", given_on=TODAY - 5 * DAY)

    assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) == newer


def test_the_check_is_one_query(give, person, shelter, django_assert_num_queries):
    for n in range(5):
        give(partner=f"Άλλος συνεργάτης {n}")
    give(organisation=shelter)

    with django_assert_num_queries(1):
        assert referral_consent_for(beneficiary=person, organisation=shelter, on=TODAY) is not None
