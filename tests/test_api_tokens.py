"""API tokens (django-rest-knox): hashed, expiring, revocable; and nothing a database dump holds
(token rows, session rows) opens the API or a page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from kem.tasks import clear_expired_sessions
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

CENTRES = "api:centre-list"


def token_for(user, password=PASSWORD) -> str:
    response = APIClient().post(
        reverse("api:token-login"), {"username": user.username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def opens_the_api(token: str) -> bool:
    return with_token(token).get(reverse(CENTRES)).status_code == 200


def test_a_token_is_issued_for_the_right_password_and_opens_the_api(officer, athens):
    response = APIClient().post(
        reverse("api:token-login"), {"username": officer.username, "password": PASSWORD}, format="json"
    )

    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"token", "expiry"}
    expiry = dt.datetime.fromisoformat(body["expiry"])
    assert dt.timedelta(hours=9, minutes=59) < expiry - timezone.now() <= dt.timedelta(hours=10)
    assert [c["id"] for c in with_token(body["token"]).get(reverse(CENTRES)).json()["results"]] == [athens.pk]


@pytest.mark.parametrize("body", [{}, {"username": "x"}, {"username": ["a"], "password": {"b": 1}}])
def test_a_malformed_token_request_is_a_400_naming_the_field(body):
    response = APIClient().post(reverse("api:token-login"), body, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


def test_an_inactive_user_gets_no_token(officer):
    officer.is_active = False
    officer.save()

    response = APIClient().post(
        reverse("api:token-login"), {"username": officer.username, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400


def test_log_out_revokes_that_token_only(officer):
    first, second = token_for(officer), token_for(officer)

    assert with_token(first).post(reverse("api:token-logout")).status_code == 204

    assert not opens_the_api(first)
    assert opens_the_api(second)


def test_log_out_everywhere_revokes_every_token(officer):
    first, second = token_for(officer), token_for(officer)

    assert with_token(first).post(reverse("api:token-logout-all")).status_code == 204

    assert not opens_the_api(first)
    assert not opens_the_api(second)


def test_an_expired_token_is_refused_and_swept(officer):
    token = token_for(officer)
    AuthToken.objects.update(expiry=timezone.now() - dt.timedelta(seconds=1))

    assert not opens_the_api(token)
    token_for(officer)
    AuthToken.objects.update(expiry=timezone.now() - dt.timedelta(seconds=1))
    clear_expired_sessions.run()
    assert not AuthToken.objects.exists()


def test_a_password_change_revokes_every_token(officer):
    token = token_for(officer)

    officer.set_password("a-brand-new-passphrase")
    officer.save()

    assert not opens_the_api(token)
    assert not AuthToken.objects.filter(user=officer).exists()


def test_deactivating_a_user_revokes_every_token(officer):
    token = token_for(officer)

    officer.is_active = False
    officer.save()

    assert not opens_the_api(token)
    assert not AuthToken.objects.filter(user=officer).exists()


def test_saving_a_user_otherwise_keeps_their_tokens(officer):
    token = token_for(officer)

    officer.first_name = "Μαρία"
    officer.save()

    assert opens_the_api(token)


def test_a_user_holds_at_most_ten_tokens(officer):
    for _ in range(10):
        token_for(officer)

    response = APIClient().post(
        reverse("api:token-login"), {"username": officer.username, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "too_many_tokens"


def test_drf_plaintext_tokens_are_gone():
    assert "authtoken_token" not in connection.introspection.table_names()


# --- a database dump ------------------------------------------------------------------------------


def dumped(model) -> list[dict]:
    """Every column of every row, as a dump (pg_dump, a copied SQLite file) holds them."""
    return list(model.objects.values())


def test_nothing_a_dump_holds_opens_the_api_or_a_page(officer):
    # A live token and a live session, both working (else the test below proves nothing).
    token = token_for(officer)
    browser = Client()
    browser.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    cookie = browser.cookies["sessionid"].value
    assert opens_the_api(token)
    assert browser.get(reverse("home")).status_code == 200

    token_rows, session_rows = dumped(AuthToken), dumped(Session)
    assert token_rows and session_rows

    # No column of a token row is the token, and none of them opens the API.
    candidates = {str(value) for row in token_rows for value in row.values() if value is not None}
    assert token not in candidates
    assert all(not opens_the_api(value) for value in candidates)
    assert all(not opens_the_api(row["token_key"] + row["digest"]) for row in token_rows)
    # No column of a session row is the cookie, and none of them opens a page or the API.
    values = {str(value) for row in session_rows for value in row.values() if value is not None}
    assert cookie not in values
    for value in values:
        thief = Client()
        thief.cookies["sessionid"] = value
        assert thief.get(reverse("home")).status_code == 302
        assert thief.get(reverse(CENTRES)).status_code in (401, 403)
    # The session's data names no token or key either.
    assert all(token not in row["session_data"] and cookie not in row["session_data"] for row in session_rows)


@pytest.mark.django_db(transaction=True)
def test_the_migration_removes_plaintext_tokens_and_sessions():
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("kem", "0012_jobs_heartbeat_and_queue")],
        [("kem", "0013_no_live_credentials_in_the_database")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('0123456789abcdef0123456789abcdef01234567', 1)")
    Session.objects.create(
        session_key="plainkeyplainkeyplainkeyplainkey",
        session_data="x",
        expire_date=timezone.now() + dt.timedelta(hours=1),
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    assert "authtoken_token" not in connection.introspection.table_names()
    assert not Session.objects.exists()
    # The tests after this one (same database) need every later migration applied again.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
