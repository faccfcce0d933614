"""Two-factor log-in: who must use it, the code step, recovery codes, the admin, the API, and
re-authentication before changing the password or the second factor.

These tests log in through the real pages (the password form, then the code); force_login's
shortcut past the code (tests/otp.py) is off for them.
"""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kem.models import Role
from kem.permissions import needs_second_factor
from kem.second_factor import REAUTH_SESSION_KEY
from kem.services import second_factor
from tests.factories import PASSWORD
from tests.otp import enrol, next_code

pytestmark = [pytest.mark.django_db, pytest.mark.real_second_factor]

HOME = "/"


def log_in_with_password(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password step failed"
    return response


def code_for(device, *, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
    return f"{totp.token():06d}"


def wrong_code(device) -> str:
    """A six-digit code the device does not accept now (none of the steps it would take)."""
    accepted = {code_for(device, offset=o) for o in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in accepted)


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)


# --- Who must use it -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.DPO])
def test_managers_and_dpos_need_it_front_desk_counsellors_teachers_analysts_do_not(make_staff, athens, role):
    assert needs_second_factor(make_staff(role, athens))
    for optional in (Role.FRONT_DESK, Role.COUNSELLOR, Role.TEACHER, Role.ANALYST):
        assert not needs_second_factor(make_staff(optional, athens))


def test_superusers_and_admin_staff_need_it(superuser, officer):
    assert needs_second_factor(superuser)
    officer.is_staff = True
    assert needs_second_factor(officer)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.DPO])
def test_a_manager_or_dpo_reaches_no_page_until_enrolled_then_reaches_them(client, make_staff, athens, role):
    user = make_staff(role, athens)
    log_in_with_password(client, user)

    for path in (HOME, reverse("centre-list"), reverse("account-security"), "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("second-factor-setup")), path
    api = client.get("/api/v1/centres/")
    assert api.status_code == 403
    assert api.json()["detail"]

    # The enrolment: the page shows the secret and the QR code, one code from the app confirms it.
    page = client.get(reverse("second-factor-setup"))
    assert page.status_code == 200
    assert b"data-qr" in page.content and b"data-secret" in page.content
    device = second_factor.pending_device(user)
    response = client.post(reverse("second-factor-setup"), {"code": next_code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", response.content.decode())
    assert len(codes) == second_factor.RECOVERY_CODE_COUNT

    assert client.get(HOME).status_code == 200
    assert client.get("/api/v1/centres/").status_code == 200


def test_the_front_desk_goes_on_without_a_second_factor_and_may_enrol(client, officer):
    log_in_with_password(client, officer)
    assert client.get(HOME).status_code == 200
    page = client.get(reverse("account-security"))
    assert b'data-status="not-enrolled"' in page.content

    assert client.get(reverse("second-factor-setup")).status_code == 200
    device = second_factor.pending_device(officer)
    client.post(reverse("second-factor-setup"), {"code": next_code(device)})
    assert second_factor.is_enrolled(officer)

    # Once enrolled, their next log-in asks for the code too.
    client.logout()
    log_in_with_password(client, officer)
    response = client.get(HOME)
    assert response["Location"].startswith(reverse("login-code"))


def test_a_wrong_code_at_enrolment_enrols_nothing(client, officer):
    log_in_with_password(client, officer)
    client.get(reverse("second-factor-setup"))
    device = second_factor.pending_device(officer)

    response = client.post(reverse("second-factor-setup"), {"code": wrong_code(device)})

    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert not second_factor.is_enrolled(officer)


# --- The code step ---------------------------------------------------------------------------


def test_an_enrolled_manager_gives_the_code_after_the_password(client, manager):
    device, _codes = enrol(manager)
    log_in_with_password(client, manager)

    response = client.get(HOME)
    assert response["Location"] == reverse("login-code") + "?next=%2F"
    assert client.get("/api/v1/centres/").status_code == 403
    session_before = client.session.session_key

    response = client.post(reverse("login-code"), {"code": next_code(device), "next": "/centres/"})

    assert response.status_code == 302
    assert response["Location"] == "/centres/"
    assert client.session.session_key != session_before  # a new session key once verified
    assert client.get(HOME).status_code == 200


def test_a_wrong_code_is_refused_and_the_next_try_is_throttled(client, manager):
    device, _codes = enrol(manager)
    log_in_with_password(client, manager)

    first = client.post(reverse("login-code"), {"code": wrong_code(device)})
    assert first.status_code == 200
    assert "errorlist" in first.content.decode()

    # django-otp's throttling: right after a failure even the right code waits.
    second = client.post(reverse("login-code"), {"code": next_code(device)})
    assert second.status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    assert client.get(HOME).status_code == 302

    device.throttling_failure_timestamp = None
    device.throttling_failure_count = 0
    device.save()
    assert client.post(reverse("login-code"), {"code": next_code(device)}).status_code == 302


def test_a_code_is_good_once(client, manager):
    device, _codes = enrol(manager)
    code = next_code(device)
    log_in_with_password(client, manager)
    assert client.post(reverse("login-code"), {"code": code}).status_code == 302

    client.logout()
    log_in_with_password(client, manager)
    device.refresh_from_db()
    device.throttling_failure_timestamp = None
    device.save()
    response = client.post(reverse("login-code"), {"code": code})
    assert response.status_code == 200  # a replay is refused
    assert client.get(HOME).status_code == 302


def test_a_recovery_code_logs_in_once(client, manager):
    _device, codes = enrol(manager)
    log_in_with_password(client, manager)

    response = client.post(reverse("login-code"), {"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302
    assert second_factor.recovery_codes_left(manager) == len(codes) - 1

    client.logout()
    log_in_with_password(client, manager)
    again = client.post(reverse("login-code"), {"code": codes[0]})
    assert again.status_code == 200
    assert client.get(HOME).status_code == 302
    assert second_factor.recovery_codes_left(manager) == len(codes) - 1


def test_recovery_codes_are_stored_as_digests_only(manager):
    _device, codes = enrol(manager)
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == len(codes)
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored


def test_recovery_codes_survive_a_secret_key_rotation_while_the_old_key_is_a_fallback(
    client, manager, settings
):
    _device, codes = enrol(manager)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "y" * 40
    log_in_with_password(client, manager)
    assert client.post(reverse("login-code"), {"code": codes[0]}).status_code == 200  # digest unknown

    settings.SECRET_KEY_FALLBACKS = [old_key]
    reset = StaticToken.objects.first().device
    reset.throttling_failure_count = 0
    reset.throttling_failure_timestamp = None
    reset.save()
    assert client.post(reverse("login-code"), {"code": codes[0]}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, manager):
    _device, old = enrol(manager)
    new = second_factor.recovery_codes_renew(manager)
    log_in_with_password(client, manager)
    assert client.post(reverse("login-code"), {"code": new[0]}).status_code == 302

    client.logout()
    log_in_with_password(client, manager)
    assert client.post(reverse("login-code"), {"code": old[0]}).status_code == 200
    assert client.get(HOME).status_code == 302


def test_the_code_step_does_not_redirect_off_site(client, manager):
    device, _codes = enrol(manager)
    log_in_with_password(client, manager)
    response = client.post(
        reverse("login-code"), {"code": next_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


# --- The admin -------------------------------------------------------------------------------


def test_the_admin_needs_the_second_factor(client, superuser):
    device, _codes = enrol(superuser)
    log_in_with_password(client, superuser)

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login-code"))

    client.post(reverse("login-code"), {"code": next_code(device)})
    assert client.get("/admin/").status_code == 200


def test_the_admin_site_refuses_an_unverified_staff_session(rf, superuser):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = superuser
    superuser.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    superuser.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_the_admin_has_no_log_in_form_of_its_own(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Re-authentication -----------------------------------------------------------------------


def _age_reauthentication(client, seconds: int = 3600) -> None:
    session = client.session
    session[REAUTH_SESSION_KEY] = int(time.time()) - seconds
    session.save()


def test_the_password_change_asks_for_a_code_when_enrolled(client, officer):
    device, _codes = enrol(officer)
    log_in_with_password(client, officer)
    client.post(reverse("login-code"), {"code": next_code(device)})
    new = "a-brand-new-passphrase"
    fields = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}

    without = client.post(reverse("password_change"), fields)
    assert without.status_code == 200
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)

    with_code = client.post(reverse("password_change"), {**fields, "code": next_code(device)})
    assert with_code.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(new)


def test_the_password_change_asks_for_the_current_password(client, officer):
    log_in_with_password(client, officer)
    new = "a-brand-new-passphrase"
    response = client.post(
        reverse("password_change"), {"old_password": "not-it", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_changing_the_second_factor_asks_for_password_and_code_after_a_while(client, manager):
    device, _codes = enrol(manager)
    log_in_with_password(client, manager)
    client.post(reverse("login-code"), {"code": next_code(device)})
    _age_reauthentication(client)

    for response in (
        client.get(reverse("second-factor-setup")),
        client.post(reverse("recovery-codes-renew")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("reauthenticate"))
    assert second_factor.recovery_codes_left(manager) == second_factor.RECOVERY_CODE_COUNT

    wrong = client.post(
        reverse("reauthenticate"), {"password": "not-it", "code": next_code(device), "next": "/x/"}
    )
    assert wrong.status_code == 200
    no_code = client.post(reverse("reauthenticate"), {"password": PASSWORD})
    assert no_code.status_code == 200

    right = client.post(
        reverse("reauthenticate"),
        {"password": PASSWORD, "code": next_code(device), "next": reverse("second-factor-setup")},
    )
    assert right["Location"] == reverse("second-factor-setup")
    assert client.get(reverse("second-factor-setup")).status_code == 200
    assert client.post(reverse("recovery-codes-renew")).status_code == 200


def test_a_manager_cannot_remove_the_second_factor_the_front_desk_can(client, manager, officer):
    enrol(manager)
    enrol(officer)
    for user, expected in ((manager, 403), (officer, 302)):
        client.logout()
        log_in_with_password(client, user)
        client.post(reverse("login-code"), {"code": next_code(TOTPDevice.objects.get(user=user))})
        assert client.post(reverse("second-factor-remove")).status_code == expected
    assert second_factor.is_enrolled(manager)
    assert not second_factor.is_enrolled(officer)


# --- The QR code and the demo ----------------------------------------------------------------


def test_the_qr_code_is_an_svg_image_of_its_own_never_cached(client, officer):
    log_in_with_password(client, officer)
    assert client.get(reverse("second-factor-qr")).status_code == 404  # nothing being enrolled
    client.get(reverse("second-factor-setup"))

    response = client.get(reverse("second-factor-qr"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "no-store" in response["Cache-Control"]
    assert b"<script" not in response.content and response.content.startswith(b"<svg")


def test_the_demo_enrols_managers_dpos_and_admin_and_shows_the_code(client, demo, settings):
    users = get_user_model().objects
    enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert {"manager.athens", "dpo.athens", "manager.thessaloniki", "admin"} <= enrolled
    assert "frontdesk.athens" not in enrolled

    manager = users.get(username="manager.athens")
    from kem.management.commands.seed_demo import DEMO_PASSWORD

    client.post(reverse("login"), {"username": manager.username, "password": DEMO_PASSWORD})
    page = client.get(reverse("login-code")).content.decode()
    code = re.search(r'data-demo-code="(\d{6})"', page).group(1)
    assert client.post(reverse("login-code"), {"code": code}).status_code == 302

    settings.DEMO_MODE = False
    client.logout()
    client.post(reverse("login"), {"username": manager.username, "password": DEMO_PASSWORD})
    assert "data-demo-code" not in client.get(reverse("login-code")).content.decode()


# --- API tokens ------------------------------------------------------------------------------


def token_login(**fields):
    from rest_framework.test import APIClient

    return APIClient().post(reverse("api:token-login"), fields, format="json")


def test_an_api_token_needs_the_code_of_those_who_log_in_with_one(manager, officer, make_staff, athens):
    device, _codes = enrol(manager)
    credentials = {"username": manager.username, "password": PASSWORD}

    assert token_login(**credentials).json()["code"] == "second_factor_required"
    assert token_login(**credentials, code=wrong_code(device)).json()["code"] == "invalid_second_factor"
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    answer = token_login(**credentials, code=next_code(device))
    assert answer.status_code == 200 and answer.json()["token"]

    not_enrolled = make_staff(Role.DPO, athens)
    refused = token_login(username=not_enrolled.username, password=PASSWORD)
    assert refused.status_code == 400
    assert refused.json()["code"] == "second_factor_enrolment_required"

    # Those with no second factor get a token with their password, as before.
    assert token_login(username=officer.username, password=PASSWORD).status_code == 200
