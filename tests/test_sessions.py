"""Sessions: a new key at log-in, idle and absolute timeouts, every session ended by a password
change or a deactivation (database and cache stores alike), passwords of 12 characters at least."""

from __future__ import annotations

import io
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from kem import sessions
from kem.models import Role
from tests.factories import PASSWORD
from tests.otp import pass_second_factor

pytestmark = pytest.mark.django_db


class Clock:
    """``time.time`` as kem.sessions reads it, moved by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def forward(self, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(sessions.time, "time", fake)
    return fake


def logged_in(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the log-in itself must work"
    return client


def is_logged_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


# --- a new session key at log-in ------------------------------------------------------------------


def test_log_in_gives_a_new_session_key_and_the_old_one_is_gone(client, officer):
    session = client.session
    session["before"] = "log-in"
    session.save()
    before = session.session_key

    client.post(reverse("login"), {"username": officer.username, "password": PASSWORD})

    after = client.cookies["sessionid"].value
    assert after != before
    assert not sessions.SessionStore().exists(before)
    assert sessions.SessionStore(after).load()[SESSION_KEY] == str(officer.pk)


# --- timeouts -------------------------------------------------------------------------------------


def test_an_idle_session_ends_after_30_minutes(officer, clock, settings):
    assert settings.KEM_SESSION_IDLE_MINUTES == 30
    client = logged_in(officer)

    clock.forward(29)
    assert is_logged_in(client)
    clock.forward(29)  # 29 minutes after the last request, 58 after the log-in
    assert is_logged_in(client)
    clock.forward(31)
    response = client.get(reverse("home"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"])
    assert [m.message for m in page.context["messages"]] == [
        str(sessions._("Your session has ended. Please log in again."))
    ]


def test_a_session_ends_10_hours_after_log_in_however_active(officer, clock, settings):
    assert settings.KEM_SESSION_MAX_HOURS == 10
    client = logged_in(officer)

    for _ in range(29):  # 9 h 40 min of a request every 20 minutes
        clock.forward(20)
        assert is_logged_in(client)
    clock.forward(21)

    assert not is_logged_in(client)


def test_the_idle_time_is_a_setting(officer, clock, settings):
    settings.KEM_SESSION_IDLE_MINUTES = 5
    client = logged_in(officer)

    clock.forward(6)

    assert not is_logged_in(client)


def test_the_api_by_session_times_out_too(officer, clock):
    client = logged_in(officer)
    assert client.get(reverse("api:centre-list")).status_code == 200

    clock.forward(31)

    assert client.get(reverse("api:centre-list")).status_code in (401, 403)


def test_a_session_without_a_log_in_time_counts_as_expired(officer):
    client = logged_in(officer)
    session = client.session
    del session[sessions.LOGGED_IN_AT]
    session.save()

    assert not is_logged_in(client)


# --- ending every session of a user ---------------------------------------------------------------


@pytest.fixture(params=["database", "cache"])
def session_store(request, settings):
    """Both stores the settings can choose: hashed rows in the database, or a cache (Redis)."""
    if request.param == "cache":
        settings.CACHES = {
            **settings.CACHES,
            "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "s"},
        }
        settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
        settings.SESSION_CACHE_ALIAS = "sessions"
    return request.param


def test_a_password_change_ends_every_other_session(session_store, officer):
    laptop, phone = logged_in(officer), logged_in(officer)

    response = laptop.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )

    assert response.status_code == 302
    assert is_logged_in(laptop)  # the session that made the change goes on
    assert not is_logged_in(phone)


def test_a_password_set_by_someone_else_ends_every_session(session_store, officer):
    laptop, phone = logged_in(officer), logged_in(officer)

    officer.set_password("set-by-the-administrator")
    officer.save()

    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)


def test_deactivating_a_user_ends_every_session(session_store, officer):
    laptop, phone = logged_in(officer), logged_in(officer)

    officer.is_active = False
    officer.save()

    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)


def test_reactivating_a_user_does_not_bring_their_old_sessions_back(session_store, officer):
    laptop = logged_in(officer)
    officer.is_active = False
    officer.save()
    assert not is_logged_in(laptop)

    officer.is_active = True
    officer.save()

    assert not is_logged_in(laptop)
    assert is_logged_in(logged_in(officer))


def test_an_administrator_ends_every_session_and_token_of_one_user(session_store, officer, manager):
    laptop, phone, colleague = logged_in(officer), logged_in(officer), logged_in(manager)
    pass_second_factor(colleague, manager)  # a manager's session goes on only past the code
    token = (
        APIClient()
        .post(reverse("api:token-login"), {"username": officer.username, "password": PASSWORD}, format="json")
        .json()["token"]
    )
    out = io.StringIO()

    call_command("end_sessions", user=officer.username, stdout=out)

    assert "revoked 1 API token" in out.getvalue()
    assert not is_logged_in(laptop) and not is_logged_in(phone)
    assert is_logged_in(colleague)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get(reverse("api:centre-list")).status_code in (401, 403)
    assert is_logged_in(logged_in(officer))  # they may log in again


def test_an_administrator_ends_everybodys_sessions(session_store, officer, manager):
    clients = [logged_in(officer), logged_in(manager)]

    call_command("end_sessions", all=True, stdout=io.StringIO())

    assert not any(is_logged_in(client) for client in clients)


def test_end_sessions_names_an_unknown_user():
    with pytest.raises(CommandError, match="nobody-here"):
        call_command("end_sessions", user="nobody-here")


def test_the_cache_store_keeps_no_session_in_the_database(settings, officer):
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.SESSION_CACHE_ALIAS = "sessions"

    client = logged_in(officer)

    assert is_logged_in(client)
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("session_cache_url", "engine"),
    [("redis://127.0.0.1:6379/3", "django.contrib.sessions.backends.cache"), (None, "kem.sessions")],
)
def test_production_keeps_sessions_in_redis_or_hashed(session_cache_url, engine):
    from tests.test_settings_env import production_env, run_django

    shown = run_django(
        ["shell", "--no-imports", "-c", "from django.conf import settings as s; print(s.SESSION_ENGINE)"],
        production_env(SESSION_CACHE_URL=session_cache_url),
    )

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == [engine]


# --- passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Kem2026kem!", "password_too_short"),  # 11 characters
        ("qwerty123456", "password_too_common"),
        ("maria.papadopoulou", "password_too_similar"),
    ],
)
def test_weak_passwords_are_refused(make_staff, athens, password, code):
    user = make_staff(Role.FRONT_DESK, athens, username="maria.papadopoulou", first_name="Maria")

    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)

    assert code in [error.code for error in refused.value.error_list]


def test_a_long_unusual_password_is_accepted(officer):
    validate_password("bright-harbour-lantern", officer)  # raises if refused


@pytest.mark.parametrize(
    "password",
    ["Kem2026kem!!", "Kentro-Athens-2026", "ΚΈΝΤΡΟ-ΑΘΗΝΑ-2026", "frontdesk2026!", "Manager-Thessaloniki-1"],
)
def test_passwords_made_of_the_places_words_are_refused(officer, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, officer)

    assert "password_context_words" in [error.code for error in refused.value.error_list]


def test_the_places_words_are_a_setting_too(officer, settings):
    validate_password("Kallithea-2026-xyz", officer)  # 12 letters of its own: accepted
    settings.KEM_PASSWORD_CONTEXT_WORDS = ["kallithea"]

    with pytest.raises(ValidationError):
        validate_password("Kallithea-2026-xyz", officer)


def test_a_password_with_enough_letters_of_its_own_beside_a_places_word_is_accepted(officer):
    validate_password("MyDogLovesKem2026", officer)  # raises if refused


# --- log out on every other device ----------------------------------------------------------------


def test_log_out_on_every_other_device_keeps_this_one(session_store, officer):
    laptop, phone = logged_in(officer), logged_in(officer)
    api = APIClient()
    token = api.post(
        reverse("api:token-login"), {"username": officer.username, "password": PASSWORD}, format="json"
    )
    assert token.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get(reverse("api:centre-list")).status_code == 200

    response = laptop.post(reverse("log-out-other-devices"))

    assert response.status_code == 302
    assert is_logged_in(laptop)
    assert not is_logged_in(phone)
    assert api.get(reverse("api:centre-list")).status_code == 401
    # The kept session can still be ended with the others later (it stays in the user's list).
    call_command("end_sessions", "--user", officer.username, stdout=io.StringIO())
    assert not is_logged_in(laptop)


def test_log_out_on_every_other_device_asks_for_the_password_again_after_a_while(officer, clock):
    laptop, phone = logged_in(officer), logged_in(officer)
    clock.forward(10)  # minutes: past KEM_REAUTH_SECONDS, within the idle timeout

    response = laptop.post(reverse("log-out-other-devices"))

    assert response.status_code == 302 and reverse("reauthenticate") in response["Location"]
    assert is_logged_in(phone)


def test_log_out_on_every_other_device_is_a_post(officer):
    assert logged_in(officer).get(reverse("log-out-other-devices")).status_code == 405


@pytest.mark.real_second_factor
def test_a_session_that_passed_the_code_step_is_ended_with_the_others(settings, manager):
    """The code step renews the session key; the cache store must know the new key, or
    "end every session" would miss exactly the sessions of those who use a second factor."""
    from tests.otp import enrol, next_code

    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sc"},
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.SESSION_CACHE_ALIAS = "sessions"
    device, _codes = enrol(manager)
    client = Client()
    assert (
        client.post(reverse("login"), {"username": manager.username, "password": PASSWORD}).status_code == 302
    )
    assert client.post(reverse("login-code"), {"code": next_code(device)}).status_code == 302
    assert is_logged_in(client)

    call_command("end_sessions", "--user", manager.username, stdout=io.StringIO())

    assert not is_logged_in(client)
