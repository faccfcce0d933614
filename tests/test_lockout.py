"""Lock-out after wrong passwords (django-axes): per account, per address, for the log-in page and
the API's token log-in; in the access log for the DPO; lifted by a manager of the centre."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from kem.models import AccessEvent, Role
from kem.services.auth import LOCKED_OUT, UNLOCKED
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.KEM_LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 5
    settings.KEM_LOGIN_ADDRESS_FAILURE_LIMIT = 20
    settings.KEM_LOCKOUT_MINUTES = 30


def log_in(client, username, password, address="192.0.2.10"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def lock(client, username, address="192.0.2.10", times=5):
    responses = [log_in(client, username, "wrong-password-123", address) for _ in range(times)]
    return responses[-1]


def test_five_wrong_passwords_lock_the_account_and_then_the_right_one_is_refused(client, officer):
    for _ in range(4):
        assert log_in(client, officer.username, "wrong-password-123").status_code == 200  # the form again
    locked = log_in(client, officer.username, "wrong-password-123")

    assert locked.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in locked.templates]
    assert "30" in locked.content.decode()
    right = log_in(client, officer.username, PASSWORD)
    assert right.status_code == 429
    assert SESSION_KEY not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_the_lockout_page_is_translated(client, officer, settings):
    lock(client, officer.username)

    greek = log_in(client, officer.username, PASSWORD).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = log_in(client, officer.username, PASSWORD).content.decode()

    assert "Too many wrong passwords" in english and "Log-in locked" in english
    assert "Πάρα πολλοί λανθασμένοι κωδικοί" in greek and "Too many wrong passwords" not in greek


def test_fewer_failures_do_not_lock_and_a_success_clears_them(client, officer):
    lock(client, officer.username, times=4)

    assert log_in(client, officer.username, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=officer.username).exists()


def test_another_account_from_another_address_is_not_locked(client, officer, manager):
    lock(client, officer.username)

    assert log_in(client, manager.username, PASSWORD, address="198.51.100.7").status_code == 302


def test_a_colleague_logging_in_from_the_same_address_does_not_unlock(client, officer, manager):
    lock(client, officer.username)

    assert log_in(Client(), manager.username, PASSWORD).status_code == 302

    assert log_in(client, officer.username, PASSWORD).status_code == 429


def test_an_address_is_locked_after_its_own_limit_whatever_the_accounts(client, officer, manager):
    for n in range(20):
        log_in(client, f"nobody-{n}", "wrong-password-123", address="203.0.113.5")

    assert log_in(client, officer.username, PASSWORD, address="203.0.113.5").status_code == 429
    assert log_in(client, officer.username, PASSWORD, address="198.51.100.7").status_code == 302


def test_the_address_is_read_by_the_access_logs_client_ip(client, officer, monkeypatch):
    from kem.services import access_log

    monkeypatch.setattr(access_log, "client_ip", lambda request: "203.0.113.99")

    log_in(client, officer.username, "wrong-password-123", address="192.0.2.10")

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.99"]


def test_the_lockout_is_one_access_event_the_dpo_finds_by_its_action(client, officer, dpo):
    lock(client, officer.username)
    lock(client, officer.username, times=3)  # refused while locked: no more events

    events = AccessEvent.objects.filter(action=LOCKED_OUT)
    assert [(e.user_id, e.actor, e.ip) for e in events] == [(officer.pk, officer.username, "192.0.2.10")]
    client.force_login(dpo)
    page = client.get(reverse("access-log"), {"action": LOCKED_OUT})
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.count == 1
    assert officer.username in page.content.decode()


def test_a_lockout_of_an_unknown_name_does_not_keep_the_name(client):
    lock(client, "someone-typed-this")

    event = AccessEvent.objects.get(action=LOCKED_OUT)
    assert (event.user_id, event.actor) == (None, "anonymous")


def test_a_manager_unlocks_their_centres_staff_and_it_is_logged(client, officer, manager, athens):
    lock(client, officer.username)
    staff_client = type(client)()
    staff_client.force_login(manager)

    page = staff_client.get(reverse("centre-staff", args=[athens.pk]))
    assert page.context["locked"] == {officer.username}
    membership_pk = officer.memberships.get(centre=athens).pk
    unlock_url = reverse("membership-unlock", args=[athens.pk, membership_pk])
    assert unlock_url in page.content.decode()

    response = staff_client.post(unlock_url)

    assert response.status_code == 302
    assert log_in(client, officer.username, PASSWORD).status_code == 302
    event = AccessEvent.objects.get(action=UNLOCKED)
    assert (event.user_id, event.centre_id, event.fields) == (manager.pk, athens.pk, [officer.username])


def test_only_a_manager_of_that_centre_may_unlock(client, officer, athens, make_staff, thessaloniki):
    lock(client, officer.username)
    membership_pk = officer.memberships.get(centre=athens).pk
    url = reverse("membership-unlock", args=[athens.pk, membership_pk])

    other_manager = make_staff(Role.MANAGER, thessaloniki)
    colleague = make_staff(Role.FRONT_DESK, athens)
    for user in (other_manager, colleague):
        other = type(client)()
        other.force_login(user)
        assert other.post(url).status_code in (403, 404)
    assert other.get(url).status_code == 405  # a change is a POST

    assert log_in(client, officer.username, PASSWORD).status_code == 429
    assert not AccessEvent.objects.filter(action=UNLOCKED).exists()


def test_the_api_token_log_in_is_locked_out_too(officer):
    api = APIClient(REMOTE_ADDR="192.0.2.20")
    url = reverse("api:token-login")
    for _ in range(4):
        wrong = api.post(url, {"username": officer.username, "password": "wrong-password-123"}, format="json")
        assert wrong.status_code == 400
        assert wrong.json()["code"] == "invalid_credentials"

    locked = api.post(url, {"username": officer.username, "password": "wrong-password-123"}, format="json")
    right = api.post(url, {"username": officer.username, "password": PASSWORD}, format="json")

    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    assert right.status_code == 429 and "token" not in right.json()
    assert AccessEvent.objects.filter(action=LOCKED_OUT, user=officer).count() == 1


def test_the_test_clients_login_is_locked_out_like_a_real_one(client, officer):
    assert Client().login(username=officer.username, password=PASSWORD) is True
    lock(client, officer.username, address="127.0.0.1")

    assert client.login(username=officer.username, password=PASSWORD) is False
    assert Client().login(username="nobody", password="x") is False


def test_the_admin_log_in_is_locked_out_too(client, make_staff, athens):
    admin = make_staff(Role.MANAGER, athens, is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post(
            reverse("admin:login"),
            {"username": admin.username, "password": "wrong-password-123"},
            REMOTE_ADDR="192.0.2.30",
        )

    response = client.post(
        reverse("admin:login"), {"username": admin.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.30"
    )

    assert response.status_code == 429
    assert SESSION_KEY not in client.session
