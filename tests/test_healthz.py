from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


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
