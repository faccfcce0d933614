"""First journey: every demo role logs in, sees its own home in Greek, switches to English, logs out."""

from __future__ import annotations

import pytest

from kem.management.commands.seed_demo import DEMO_PASSWORD, ROLES
from kem.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GREEK_HEADINGS = {
    Role.FRONT_DESK: "Υποδοχή",
    Role.COUNSELLOR: "Ο φάκελός μου",
    Role.TEACHER: "Τα τμήματά μου",
    Role.MANAGER: "Το κέντρο",
    Role.ANALYST: "Στατιστικά δικτύου",
    Role.DPO: "Προστασία δεδομένων",
}
ENGLISH_HEADINGS = {
    Role.FRONT_DESK: "Front desk",
    Role.COUNSELLOR: "My caseload",
    Role.TEACHER: "My classes",
    Role.MANAGER: "The centre",
    Role.ANALYST: "Network statistics",
    Role.DPO: "Data protection",
}


@pytest.mark.parametrize(("username", "role"), [(f"{part}.athens", role) for part, role, _d in ROLES])
def test_each_demo_role_logs_in_sees_its_home_in_greek_switches_to_english_and_logs_out(
    page, demo, username, role
):
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "el"

    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    if role in (Role.MANAGER, Role.DPO):
        # Their log-in asks for a code; the demo page shows the demo secret's current one.
        page.locator('form[data-form="login-code"]').wait_for()
        page.fill("#id_code", page.locator("[data-demo-code]").get_attribute("data-demo-code"))
        page.click('button[data-action="verify"]')

    panel = page.locator(f'section.panel[data-role="{role}"]').first
    panel.wait_for()
    assert GREEK_HEADINGS[role] in panel.inner_text()
    assert page.locator("h1").inner_text().startswith("Καλώς ήρθατε")
    other_roles = [r for r in Role if r != role]
    for other in other_roles:
        assert page.locator(f'section.panel[data-role="{other}"]').count() == 0

    page.click('button[data-lang="en"]')
    page.locator("html[lang=en]").wait_for()
    assert ENGLISH_HEADINGS[role] in page.locator(f'section.panel[data-role="{role}"]').first.inner_text()
    assert page.locator("h1").inner_text().startswith("Welcome")

    page.click('button[data-action="logout"]')
    page.locator("#id_username").wait_for()
    assert "/accounts/login/" in page.url
    page.goto("/")
    assert "/accounts/login/" in page.url
