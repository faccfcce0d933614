from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "vault": "ok"}}


def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.KEM_HEALTH_BROKER_TIMEOUT = 1
    from config.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = None

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "error"


def test_healthz_answers_any_host_without_redirect(client, settings):
    settings.ALLOWED_HOSTS = ["kem.example.gr"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200


def test_other_pages_still_check_the_host(client, settings):
    settings.ALLOWED_HOSTS = ["kem.example.gr"]

    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400


@pytest.fixture
def a_vault_with_keys(db):
    """The vault holds a blind-index key and a person key, wrapped by the test root key."""
    from kem.vault import crypto
    from kem.vault.blind import index_keys
    from kem.vault.models import PersonKey

    index_keys()
    person_key = PersonKey()
    person_key.wrap(crypto.new_key())
    person_key.save()
    return person_key


@pytest.fixture
def another_root_key(settings):
    import base64
    import os

    from kem.vault.keyring import forget_root_keys

    settings.KEM_ROOT_KEY = base64.b64encode(os.urandom(32)).decode()
    forget_root_keys()
    yield
    forget_root_keys()


def test_healthz_says_so_when_the_root_key_does_not_open_the_vault(
    client, a_vault_with_keys, another_root_key
):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "vault": "error"}


def test_the_web_app_and_the_worker_refuse_to_start_with_a_root_key_that_does_not_open_the_vault(
    a_vault_with_keys, another_root_key
):
    from django.core.exceptions import ImproperlyConfigured

    from config.health import refuse_to_serve_without_the_root_key

    with pytest.raises(ImproperlyConfigured, match="KEM_ROOT_KEY does not open kem_vault_"):
        refuse_to_serve_without_the_root_key()


def test_the_right_root_key_or_an_empty_vault_starts(db, settings):
    from config.health import refuse_to_serve_without_the_root_key
    from kem.vault.blind import index_keys

    refuse_to_serve_without_the_root_key()  # nothing in the vault yet
    index_keys()
    refuse_to_serve_without_the_root_key()  # the key that wrapped it
