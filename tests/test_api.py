"""The API: authenticated, scoped like the pages, described by a valid OpenAPI schema."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse
from knox.models import AuthToken
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from kem.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_the_schema_is_valid_openapi_3(api, manager):
    api.force_authenticate(manager)

    response = api.get(reverse("api-schema"))

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/v1/centres/" in schema["paths"]


def test_the_docs_page_serves_its_assets_locally(client, manager):
    client.force_login(manager)

    html = client.get(reverse("api-docs")).content.decode()

    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_anonymous_callers_get_401_or_403(api, athens):
    assert api.get(reverse("api:centre-list")).status_code in (401, 403)


def test_a_token_authenticates(api, make_staff, athens):
    user = make_staff(Role.FRONT_DESK, athens)
    _instance, token = AuthToken.objects.create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api.get(reverse("api:centre-list"))

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [athens.pk]


def test_the_api_shows_only_own_centres_and_404s_the_rest(api, make_staff, athens, thessaloniki):
    api.force_authenticate(make_staff(Role.TEACHER, athens))

    assert api.get(reverse("api:centre-detail", args=[athens.pk])).status_code == 200
    assert api.get(reverse("api:centre-detail", args=[thessaloniki.pk])).status_code == 404


def test_my_roles_lists_the_callers_memberships(api, make_staff, athens):
    api.force_authenticate(make_staff(Role.COUNSELLOR, athens, discipline="legal"))

    response = api.get(reverse("api:centre-my-roles"))

    assert response.json() == [
        {"id": response.json()[0]["id"], "centre": athens.pk, "role": "counsellor", "discipline": "legal"}
    ]


def test_lists_are_paginated(api, make_staff, athens):
    api.force_authenticate(make_staff(Role.MANAGER, athens))

    body = api.get(reverse("api:centre-list")).json()

    assert set(body) == {"count", "next", "previous", "results"}
