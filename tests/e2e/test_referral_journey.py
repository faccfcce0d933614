"""A referral that closes its loop, in a real browser: the front desk refers a person to a housing
partner; the partner, who has no account, answers through the e-mailed link in a browser of its
own; the officer sees both answers on the profile; an expired link shows the expiry page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone

from kem.management.commands.seed_demo import DEMO_PASSWORD
from kem.models import Beneficiary, Consent, ConsentMethod, ConsentPurpose
from partners.models import PartnerService, WorkingArea
from referrals.models import PartnerLink, Referral, ReferralStatus
from tests.otp import browser_log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Μένει σε ακατάλληλο χώρο με δύο ανήλικα παιδιά· χρειάζεται φιλοξενία."


@pytest.fixture
def setting(demo, settings, live_server):
    """The demo and directory, a person with a referral consent for a housing partner."""
    settings.KEM_SITE_URL = live_server.url  # the e-mailed link must reach this test server
    officer = get_user_model().objects.get(username="frontdesk.athens")
    centre = officer.memberships.get().centre
    person = Beneficiary.objects.filter(registering_centre=centre).order_by("created_at").first()
    service = (
        PartnerService.objects.filter(area=WorkingArea.HOUSING, active=True, organisation__active=True)
        .exclude(organisation__email="")
        .select_related("organisation")
        .first()
    )
    Consent.objects.create(
        beneficiary=person,
        purpose=ConsentPurpose.REFERRAL,
        organisation=service.organisation,
        partner=service.organisation.name_el,
        method=ConsentMethod.SIGNED_FORM,
        recorded_by=officer,
    )
    return person, service


def test_a_referral_answered_by_a_partner_without_an_account(page, browser, live_server, setting):
    person, service = setting

    # The officer refers the person from the profile and sends it.
    browser_log_in(page, "frontdesk.athens", DEMO_PASSWORD)
    page.locator("section.panel").first.wait_for()
    page.goto(person.get_absolute_url())
    page.click('a[data-action="referral-new"]')
    form = page.locator('form[data-form="referral"]')
    form.locator("#id_service").select_option(str(service.pk))
    form.locator("#id_reason").fill(REASON)
    form.locator('button[data-action="send"]').click()
    page.wait_for_url(lambda url: "/referrals/new/" not in url)
    referral = Referral.objects.get(beneficiary=person)
    assert referral.status == ReferralStatus.SENT

    # The partner's e-mail holds the link and the first name, never the reason or the family name.
    message = mail.outbox[-1]
    assert message.to == [service.organisation.email]
    assert person.given_name in message.body
    assert REASON not in message.body and person.family_name not in message.body
    link = re.search(r"https?://\S+/p/r/\S+/", message.body).group(0)
    assert link.startswith(live_server.url)

    # The partner opens it in a browser of its own (no session, no cookies), accepts…
    partner = browser.new_context(locale="el-GR")
    partner_page = partner.new_page()
    partner_page.goto(link)
    partner_page.locator("[data-partner-referral]").wait_for()
    assert partner_page.locator('[data-field="given-name"]').inner_text() == person.given_name
    assert REASON not in partner_page.content()
    partner_page.click('button[data-action="accept"]')
    partner_page.locator('[data-partner-referral][data-status="accepted"]').wait_for()

    # …and later, coming back through the same link, records a successful outcome.
    partner_page.goto(link)
    outcome = partner_page.locator('form[data-form="outcome"]')
    outcome.locator('input[name="outcome-successful"][value="yes"]').check()
    outcome.locator('textarea[name="outcome-reason"]').fill("Φιλοξενείται στη δομή από τη Δευτέρα.")
    outcome.locator('button[data-action="record-outcome"]').click()
    partner_page.locator('[data-partner-referral][data-status="completed"]').wait_for()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED and referral.outcome_successful is True
    assert list(referral.steps.filter(by_partner=True).values_list("to_status", flat=True)) == [
        ReferralStatus.ACCEPTED,
        ReferralStatus.COMPLETED,
    ]

    # The officer sees both of the partner's steps on the profile's timeline.
    page.goto(person.get_absolute_url())
    timeline = page.locator("section.timeline")
    timeline.locator('li[data-kind="referrals.referral.accepted"]').wait_for()
    assert timeline.locator('li[data-kind="referrals.referral.completed"]').count() == 1

    # Once the link has expired, it shows the expiry page (and nothing of the referral).
    PartnerLink.objects.filter(referral=referral).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = partner_page.goto(link)
    assert response.status == 410
    partner_page.locator('[data-partner-link="invalid"]').wait_for()
    assert person.given_name not in partner_page.content()
    partner.close()
