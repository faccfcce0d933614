"""The profile as the front desk sees it in a real browser: the languages row."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from kem import services
from kem.management.commands.seed_demo import DEMO_PASSWORD
from tests.otp import browser_log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_profile_lists_the_persons_languages_in_greek(page, demo):
    officer = get_user_model().objects.get(username="frontdesk.athens")
    person = services.beneficiary_register(
        centre=officer.memberships.get().centre,
        by=officer,
        data={"given_name": "Ναζανίν", "family_name": "Καριμί", "languages": ["fa", "prs"]},
        check_duplicates=False,
    )
    browser_log_in(page, "frontdesk.athens", DEMO_PASSWORD)
    page.locator("section.panel").first.wait_for()
    page.click('button[data-lang="el"]')
    page.goto(person.get_absolute_url())

    row = page.locator("dt", has_text="Γλώσσες").locator("xpath=following-sibling::dd[1]")
    assert row.inner_text().startswith("Φαρσί (Περσικά), Νταρί")
    assert "bidi" not in page.content()
