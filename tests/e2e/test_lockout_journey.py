"""Lock-out in a browser: wrong passwords lock a front-desk officer out, even the right password
is refused, the centre's manager unlocks them from the staff page, and the log-in works again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kem.models import AccessEvent
from kem.services.auth import LOCKED_OUT, UNLOCKED
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def submit_login(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")


def test_a_locked_out_officer_is_unlocked_by_their_manager(
    browser, live_server, settings, officer, manager, athens
):
    settings.KEM_LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5
    officer_context = browser.new_context(base_url=live_server.url, locale="en-US")
    officer_context.set_default_timeout(15_000)
    manager_context = browser.new_context(base_url=live_server.url, locale="en-US")
    manager_context.set_default_timeout(15_000)
    try:
        desk = officer_context.new_page()
        for attempt in range(4):
            submit_login(desk, officer.username, f"not-the-password-{attempt}")
            assert desk.locator("p.error[role=alert]").count() == 1  # the ordinary "did not match"
        submit_login(desk, officer.username, "not-the-password-4")
        desk.locator("#locked-out").wait_for()
        assert desk.locator("#locked-out [role=alert]").inner_text().strip()

        # Even the right password is refused now.
        submit_login(desk, officer.username, PASSWORD)
        desk.locator("#locked-out").wait_for()
        desk.goto("/")
        assert "/accounts/login/" in desk.url

        # The manager sees the officer locked out on the staff page and unlocks them.
        office = manager_context.new_page()
        submit_login(office, manager.username, PASSWORD)
        office.locator("section.panel").first.wait_for()
        office.goto(reverse("centre-staff", args=[athens.pk]))
        row = office.locator("tr", has_text=officer.username)
        row.locator("strong.error").wait_for()
        row.locator("button[type=submit]").click()
        office.locator(".messages li").first.wait_for()
        assert officer.username in office.locator(".messages").inner_text()
        assert office.locator("tr", has_text=officer.username).locator("strong.error").count() == 0

        # The officer logs in.
        submit_login(desk, officer.username, PASSWORD)
        desk.locator("section.panel").first.wait_for()
        assert "/accounts/login/" not in desk.url
    finally:
        officer_context.close()
        manager_context.close()

    assert AccessEvent.objects.filter(action=LOCKED_OUT, user=officer).count() == 1
    assert AccessEvent.objects.filter(action=UNLOCKED, user=manager, centre=athens).count() == 1
