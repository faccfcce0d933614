"""Two-factor log-in in a real browser: a new manager logs in with the password, can reach no
page until enrolled, scans (reads) the secret, confirms it with a code computed from it as a
phone would, keeps the recovery codes, logs out, and logs in again with password and code; a
wrong code is refused, a recovery code works once."""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from kem.models import Role
from tests.factories import PASSWORD, staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class Phone:
    """An authenticator app: the code of the current 30-second step, a fresh step each time."""

    def __init__(self, secret: str) -> None:
        text = secret.replace(" ", "")
        self.key = b32decode(text + "=" * (-len(text) % 8))
        self.last_step = -1

    def code(self) -> str:
        totp = TOTP(self.key)
        if totp.t() <= self.last_step:  # a code is good once: wait for the next one
            time.sleep(30 - time.time() % 30 + 0.5)
            totp = TOTP(self.key)
        self.last_step = totp.t()
        return f"{totp.token():06d}"


def password_step(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")


def test_a_manager_enrols_a_phone_and_logs_in_with_its_code(page, athens):
    manager = staff(role=Role.MANAGER, centre=athens, username="new.manager")

    password_step(page, manager.username)
    # No page before the second factor: the home page sends to the enrolment.
    page.locator('[data-page="second-factor-setup"]').wait_for()
    page.goto("/centres/")
    page.locator('[data-page="second-factor-setup"]').wait_for()
    assert page.locator("nav.mainnav").count() == 0

    qr = page.locator("img[data-qr]")
    qr.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", qr.element_handle())
    phone = Phone(page.locator("[data-secret]").inner_text())
    page.fill("#id_code", phone.code())
    page.click('button[data-action="confirm"]')

    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    page.click('a[data-action="continue"]')
    page.wait_for_url("**/centres/")  # back to the page first asked for
    page.goto("/")
    page.locator('section.panel[data-role="manager"]').first.wait_for()

    page.click('button[data-action="logout"]')
    page.locator("#id_username").wait_for()

    # The next log-in asks for the code: a wrong one is refused, the phone's is taken.
    password_step(page, manager.username)
    page.locator('form[data-form="login-code"]').wait_for()
    page.fill("#id_code", "12345x")
    page.click('button[data-action="verify"]')
    page.locator(".errorlist").wait_for()
    assert page.locator("nav.mainnav").count() == 0
    time.sleep(1.5)  # the throttle's first wait after one wrong code
    page.fill("#id_code", phone.code())
    page.click('button[data-action="verify"]')
    page.locator('section.panel[data-role="manager"]').first.wait_for()
    assert page.locator("nav.mainnav").count() == 1

    # Without the phone: a recovery code, once.
    page.click('button[data-action="logout"]')
    password_step(page, manager.username)
    page.fill("#id_code", codes[0])
    page.click('button[data-action="verify"]')
    page.locator('section.panel[data-role="manager"]').first.wait_for()
    page.click('button[data-action="logout"]')
    password_step(page, manager.username)
    page.fill("#id_code", codes[0])
    page.click('button[data-action="verify"]')
    page.locator(".errorlist").wait_for()
    assert "/accounts/login/code/" in page.url
