"""The front desk's day in a real browser: register, be warned of a cross-script duplicate, find by
a three-letter prefix, record a referral consent, reveal an AMKA with a reason; then the DPO sees
that reveal in the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from kem import services
from kem.demo_people import amka_for
from kem.management.commands.seed_demo import DEMO_PASSWORD
from kem.models import AccessEvent, Beneficiary, Consent, DuplicateDecision
from tests.otp import browser_log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXISTING_AMKA = amka_for(dt.date(1990, 3, 4), 4321)
NEW_AMKA = amka_for(dt.date(1990, 7, 15), 8765)


@pytest.fixture
def existing(demo):
    """The demo, plus Samir Nouri, registered earlier in Latin script only."""
    officer = get_user_model().objects.get(username="frontdesk.athens")
    centre = officer.memberships.get().centre
    return services.beneficiary_register(
        centre=centre,
        by=officer,
        data={
            "given_name": "Samir",
            "family_name": "Nouri",
            "date_of_birth": dt.date(1990, 3, 4),
            "documents": [{"kind": "amka", "number": EXISTING_AMKA}],
        },
        check_duplicates=False,
    )


def log_in(page, username):
    browser_log_in(page, username, DEMO_PASSWORD)
    page.locator("section.panel").first.wait_for()


def test_front_desk_registers_finds_records_consent_reveals_and_the_dpo_sees_it(page, existing):
    log_in(page, "frontdesk.athens")

    # Register Σαμίρ Νούρι with an AMKA, by keyboard-friendly fields only.
    page.goto("/beneficiaries/new/")
    page.fill("#id_given_name", "Σαμίρ")
    page.fill("#id_family_name", "Νούρι")
    page.fill("#id_date_of_birth", "1990-07-15")
    page.fill("#id_amka_number", NEW_AMKA)
    page.click("form.beneficiary-form > button[type=submit].primary")

    # The Latin-script record with the same birth year is offered as a likely duplicate.
    warning = page.locator("section.duplicates")
    warning.wait_for()
    assert "Samir Nouri" in warning.inner_text()
    assert page.input_value("#id_given_name") == "Σαμίρ"  # what was typed is kept
    page.check(f'input[name="decision_{existing.pk}"][value="different"]')
    warning.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/beneficiaries/new/" not in url)

    registered = Beneficiary.objects.get(pk=page.url.rstrip("/").rsplit("/", 1)[-1])
    assert registered.pk != existing.pk and registered.id_numbers == {"amka": NEW_AMKA}
    assert (registered.given_name, registered.family_name) == ("Σαμίρ", "Νούρι")
    decision = DuplicateDecision.objects.get(beneficiary=registered)
    assert decision.candidate_id == existing.pk and decision.decision == "different"

    # Find the existing person by three Greek letters: the Latin record answers too.
    page.goto("/beneficiaries/")
    page.locator("#id_q").press_sequentially("Νου", delay=50)
    result = page.locator(f'#search-results a[href*="{existing.pk}"]')
    result.wait_for()
    assert "Samir Nouri" in result.inner_text()
    assert "Νου" not in page.url  # search text never travels in the URL
    result.click()
    page.wait_for_url(f"**/beneficiaries/{existing.pk}/")

    # Record a referral consent.
    page.click('#consents a.button[href$="/consents/new/"]')
    page.select_option("#id_purpose", "referral")
    page.fill("#id_partner", "UNHCR")
    page.select_option("#id_method", "signed_form")
    page.click("form button[type=submit].primary")
    page.locator('#consents tr[data-status="valid"]').wait_for()
    consent = Consent.objects.get(beneficiary=existing)
    assert consent.purpose == "referral" and consent.partner == "UNHCR"

    # Reveal the AMKA, giving a reason.
    page.select_option("#id_group", "documents")
    page.select_option("#id_reason", "verifying_identity")
    page.click("form.reveal-form button[type=submit]")
    revealed = page.locator('[data-revealed="documents"]')
    revealed.wait_for()
    assert EXISTING_AMKA in revealed.inner_text()
    reveal = AccessEvent.objects.get(action="kem.beneficiary.revealed", subject_id=existing.pk)
    assert reveal.reason == "verifying_identity"

    # The DPO sees that reveal, with its reason, in the access log.
    page.click('button[data-action="logout"]')
    page.locator("#id_username").wait_for()
    log_in(page, "dpo.athens")
    page.click('nav [data-nav="access_log"]')
    row = page.locator(f'tr[data-event="{reveal.pk}"]')
    row.wait_for()
    text = row.inner_text()
    assert "frontdesk.athens" in text
    assert str(existing.pk)[:8] in text  # the DPO sees whom by a short id, never by name
    assert "Nouri" not in text
    assert "Επαλήθευση ταυτότητας" in text  # the reason, in Greek
