"""The API's lists read their query parameters through django-filter: a value that cannot be read
is a 400 naming the parameter, in the caller's language, never a 500 or a value ignored; and the
OpenAPI schema lists every parameter."""

from __future__ import annotations

import pytest
import yaml
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

# (list, parameter, a value it cannot take)
BAD_VALUES = [
    ("case", "centre", "abc"),
    ("case", "counsellor", "1.5"),
    ("case", "area", "nonsense"),
    ("case", "state", "nonsense"),
    ("session", "status", "nonsense"),
    ("session", "case", "abc"),
    ("session", "counsellor", "abc"),
    ("session", "centre", "abc"),
    ("interpreter-request", "status", "nonsense"),
    ("referral", "status", "nonsense"),
    ("referral", "area", "nonsense"),
    ("referral", "overdue", "maybe"),
    ("course", "inactive", "maybe"),
    ("class", "status", "nonsense"),
    ("class", "course", "abc"),
    ("enrolment", "course_class", "abc"),
    ("enrolment", "status", "nonsense"),
    ("lesson", "date", "2026-13-45"),
    ("lesson", "class", "abc"),
    ("organisation", "area", "nonsense"),
    ("organisation", "category", "nonsense"),
    ("organisation", "type", "nonsense"),
    ("organisation", "include_inactive", "maybe"),
    ("partner-service", "organisation", "abc"),
    ("partner-service", "area", "nonsense"),
    ("partner-service", "category", "nonsense"),
    ("partner-service", "include_inactive", "maybe"),
]

FILTERS = {
    "/api/v1/cases/": {"centre", "counsellor", "area", "state"},
    "/api/v1/sessions/": {"status", "case", "counsellor", "centre"},
    "/api/v1/interpreter-requests/": {"status"},
    "/api/v1/referrals/": {"status", "area", "overdue"},
    "/api/v1/courses/": {"inactive"},
    "/api/v1/classes/": {"status", "course"},
    "/api/v1/enrolments/": {"course_class", "status"},
    "/api/v1/lessons/": {"date", "class"},
    "/api/v1/organisations/": {"q", "area", "category", "type", "language", "include_inactive"},
    "/api/v1/partner-services/": {"organisation", "area", "category", "include_inactive"},
}


@pytest.fixture
def api(manager) -> APIClient:
    client = APIClient()
    client.force_authenticate(manager)
    return client


def _is_greek(text: str) -> bool:
    return any("\u0370" <= ch <= "\u03ff" for ch in text)


@pytest.mark.parametrize(("basename", "parameter", "value"), BAD_VALUES)
def test_a_value_that_cannot_be_read_is_a_400_naming_the_parameter(api, basename, parameter, value):
    response = api.get(reverse(f"api:{basename}-list"), {parameter: value})

    assert response.status_code == 400
    messages = response.json()
    assert list(messages) == [parameter]
    assert messages[parameter] and all(_is_greek(message) for message in messages[parameter])


@pytest.mark.parametrize(("basename", "parameter", "value"), BAD_VALUES)
def test_the_refusal_speaks_english_to_those_who_chose_it(api, settings, basename, parameter, value):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = api.get(reverse(f"api:{basename}-list"), {parameter: value})

    assert response.status_code == 400
    assert not any(_is_greek(message) for message in response.json()[parameter])


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "0", "false", "no", ""])
def test_yes_and_no_are_read_as_before(api, value):
    assert api.get(reverse("api:referral-list"), {"overdue": value}).status_code == 200
    assert api.get(reverse("api:course-list"), {"inactive": value}).status_code == 200


def test_the_schema_lists_each_lists_filters(api):
    schema = yaml.safe_load(api.get(reverse("api-schema")).content)

    for path, names in FILTERS.items():
        listed = {p["name"] for p in schema["paths"][path]["get"]["parameters"] if p["in"] == "query"}
        assert names <= listed, path


def test_the_schema_gives_each_filter_its_type(api):
    schema = yaml.safe_load(api.get(reverse("api-schema")).content)

    def parameter(path: str, name: str) -> dict:
        (found,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
        return found["schema"]

    assert parameter("/api/v1/cases/", "centre")["type"] == "integer"
    assert parameter("/api/v1/cases/", "state")["enum"] == ["all", "closed", "open"]
    assert parameter("/api/v1/referrals/", "overdue")["type"] == "boolean"
    assert parameter("/api/v1/lessons/", "date") == {"type": "string", "format": "date"}
    assert parameter("/api/v1/lessons/", "class")["type"] == "integer"
    assert "cancelled" in parameter("/api/v1/sessions/", "status")["enum"]
