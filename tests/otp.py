"""The second factor in tests.

Most tests are about something else than the log-in: ``client.force_login(user)`` (and
``client.login``) there also pass the second factor, as the person would after their code, for
whoever must use one (the autouse fixture ``second_factor_on_force_login`` in conftest). The
tests of the second factor itself log in through the real pages (``log_in_with_password``), or
ask for ``real_second_factor`` to switch that off.

Browser journeys log in with :func:`browser_log_in`: the password, then, for the demo's managers,
data-protection officers and admin, a code computed from the demo's published secret.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from kem.permissions import forget_access, needs_second_factor


def next_code(device: Any) -> str:
    """The next code ``device`` accepts (a code is good once per 30-second step, and the device
    accepts one step ahead): the current step's, or the next one's if the current one was used."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now_t = totp.t()
    if device.last_t >= now_t + device.tolerance:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.5)
        return next_code(device)
    totp.drift = device.drift + max(0, device.last_t + 1 - now_t)
    return f"{totp.token():0{device.digits}d}"


def enrol(user: Any) -> tuple[Any, list[str]]:
    """Enrol ``user`` as the setup page does (a pending device confirmed with its code)."""
    from kem.services import second_factor

    device = second_factor.enrolment_start(user)
    result, codes = second_factor.enrolment_confirm(user, next_code(device))
    assert result.ok
    return result.device, codes


def pass_second_factor(client: Client, user: Any) -> None:
    """Mark the client's session as verified by a second factor.

    By the user's TOTP device if they have one, else by a token-less device of the tests' own
    (which nothing else counts as an enrolment, so no page starts asking for codes).
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device, _created = StaticDevice.objects.get_or_create(user=user, name="tests", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def _needs_it(user: Any) -> bool:
    needed = needs_second_factor(user) or TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    forget_access(user)  # the test may change the user's permissions after logging in
    return needed


@pytest.fixture(autouse=True)
def second_factor_on_force_login(request, monkeypatch):
    if request.node.get_closest_marker("real_second_factor"):
        return
    force_login = Client.force_login
    login = Client.login

    def patched_force_login(self, user, backend=None):
        force_login(self, user, backend)
        if _needs_it(user):
            pass_second_factor(self, user)

    def patched_login(self, **credentials):
        done = login(self, **credentials)
        if done:
            user = self.session.get("_auth_user_id")
            from django.contrib.auth import get_user_model

            account = get_user_model().objects.get(pk=user)
            if _needs_it(account):
                pass_second_factor(self, account)
        return done

    monkeypatch.setattr(Client, "force_login", patched_force_login)
    monkeypatch.setattr(Client, "login", patched_login)


def browser_log_in(page, username: str, password: str) -> None:
    """Log in through the real pages; give the code when the log-in asks for one."""
    from django.contrib.auth import get_user_model

    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    if "/accounts/login/code/" in page.url:
        user = get_user_model().objects.get(username=username)
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        page.fill("#id_code", next_code(device))
        page.click('button[data-action="verify"]')
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
