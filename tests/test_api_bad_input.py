"""The API answers bad input with a 400 in JSON naming the field (or the body), never a 500.

Wrong JSON types, JSON nested 1,000 deep, NUL characters (PostgreSQL refuses them in text),
lone surrogates (they cannot be encoded to UTF-8, so cannot be sealed or stored), bodies over
the size limit, and ids too large for the database. Each on SQLite and PostgreSQL (CI runs the
suite on both); nothing of a refused request is saved.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from django.urls import reverse
from rest_framework.test import APIClient

from config.errors import server_error
from kem.api import beneficiaries as beneficiaries_api
from kem.models import Beneficiary, Role

pytestmark = pytest.mark.django_db

PEOPLE = reverse("api:beneficiary-list")
SEARCH = reverse("api:beneficiary-search")
A_PERSON = {"given_name": "Αμίνα", "family_name": "Χασάν", "phone": "691 234 5678", "gender": "female"}


@pytest.fixture
def api(officer) -> APIClient:
    client = APIClient()
    client.force_authenticate(officer)
    return client


def post_raw(api: APIClient, url: str, body: str | bytes, content_type: str = "application/json"):
    return api.generic("POST", url, body, content_type=content_type)


def assert_refused(response, field: str) -> list[str]:
    """A 400 in JSON whose errors name ``field``; its messages."""
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()
    assert field in errors, errors
    assert errors[field] and all(isinstance(message, str) and message for message in errors[field])
    return errors[field]


@pytest.mark.parametrize("wrong", [19300101, 1930.5, {"year": 1930}, ["1930-01-01"], [None, None], True])
@pytest.mark.parametrize("field", ["date_of_birth", "passport_expires_on"])
def test_a_date_of_the_wrong_json_type_is_a_400_naming_it(api, field, wrong):
    response = api.post(PEOPLE, {**A_PERSON, field: wrong}, format="json")

    assert_refused(response, field)
    assert not Beneficiary.objects.exists()


@pytest.mark.parametrize(
    ("field", "wrong"),
    [
        ("given_name", ["Αμίνα"]),
        ("phone", {"n": 1}),
        ("languages", "ar"),
        ("languages", [1, 2]),
        ("birth_year", [1990]),
    ],
)
def test_other_fields_of_the_wrong_json_type_are_400s_naming_them(api, field, wrong):
    assert_refused(api.post(PEOPLE, {**A_PERSON, field: wrong}, format="json"), field)


def test_json_nested_a_thousand_deep_is_a_400_naming_the_body(api):
    deep = "[" * 1000 + "]" * 1000

    assert_refused(post_raw(api, PEOPLE, deep), "body")
    assert_refused(post_raw(api, PEOPLE, '{"notes": ' + "[" * 100_000 + "]" * 100_000 + "}"), "body")


def test_json_nested_past_the_limit_inside_a_field_names_the_field(api, settings):
    nested: object = "x"
    for _ in range(settings.KEM_API_MAX_JSON_DEPTH + 1):
        nested = [nested]

    messages = assert_refused(api.post(PEOPLE, {**A_PERSON, "notes": nested}, format="json"), "notes")

    assert str(settings.KEM_API_MAX_JSON_DEPTH) in messages[0]


@pytest.mark.parametrize("field", ["given_name", "family_name", "notes", "address"])
def test_a_nul_character_is_a_400_naming_the_field_and_nothing_is_saved(api, field):
    response = api.post(PEOPLE, {**A_PERSON, field: "Αμί\x00να"}, format="json")

    assert_refused(response, field)
    assert not Beneficiary.objects.exists()


@pytest.mark.parametrize("field", ["given_name", "family_name", "notes"])
def test_a_lone_surrogate_is_a_400_naming_the_field(api, field):
    # Written as JSON text: "\ud800" is valid JSON syntax but no Unicode character.
    body = json.dumps({**A_PERSON, field: "MARK"}).replace("MARK", "Αμ\\ud800ίνα").encode()

    response = post_raw(api, PEOPLE, body)

    assert_refused(response, field)
    assert not Beneficiary.objects.exists()


def test_a_bad_character_in_a_nested_value_or_a_key_is_refused_too(api):
    assert_refused(api.post(PEOPLE, {**A_PERSON, "languages": ["ar", "f\x00r"]}, format="json"), "languages")
    assert_refused(post_raw(api, PEOPLE, b'{"given\\u0000name": "x"}'), "body")
    assert_refused(post_raw(api, PEOPLE, b'{"decisions": {"\\udfff": "different"}}'), "decisions")


def test_the_search_refuses_a_nul_and_a_lone_surrogate_in_its_query(api):
    assert_refused(api.post(SEARCH, {"q": "Μα\x00ρία"}, format="json"), "q")
    assert_refused(post_raw(api, SEARCH, b'{"q": "\\ud83d\\ud83d"}'), "q")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("given_name=A%00&family_name=B", "application/x-www-form-urlencoded"), ("x", "multipart/form-data")],
)
def test_the_api_reads_json_only_and_answers_another_media_type_with_a_json_415(api, body, content_type):
    response = post_raw(api, PEOPLE, body, content_type=content_type)

    assert response.status_code == 415
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}
    assert not Beneficiary.objects.exists()


def test_a_body_over_the_size_limit_is_a_400_naming_the_body(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = api.post(PEOPLE, {**A_PERSON, "notes": "α" * 20_000}, format="json")

    messages = assert_refused(response, "body")
    assert "9 KB" in messages[0]
    assert not Beneficiary.objects.exists()
    # Just under the limit, the same body is read (and judged on its fields).
    assert api.post(PEOPLE, {**A_PERSON, "notes": "a" * 100}, format="json").status_code == 201


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    response = api.generic("POST", PEOPLE, b"{}", content_type="application/json", CONTENT_LENGTH="5000000")

    assert_refused(response, "body")


@pytest.mark.parametrize("body", [b"{", b'{"given_name": NaN}', b"\xff\xfe", b"[1, 2"])
def test_a_body_that_is_not_json_is_a_400_naming_the_body(api, body):
    assert_refused(post_raw(api, PEOPLE, body), "body")


def test_a_body_that_is_not_an_object_is_a_400(api):
    response = post_raw(api, PEOPLE, b'["given_name", "Amina"]')

    assert_refused(response, "non_field_errors")


def test_an_id_too_large_for_the_database_is_a_400_naming_the_parameter(make_staff, athens):
    client = APIClient()
    client.force_authenticate(make_staff(Role.MANAGER, athens))

    for url, parameter in [
        (reverse("api:partner-service-list"), "organisation"),
        (reverse("api:case-list"), "centre"),
        (reverse("api:class-list"), "course"),
    ]:
        response = client.get(url, {parameter: "8408897043895195575255040"})
        assert_refused(response, parameter)


def test_an_unexpected_error_is_a_json_500_not_an_html_page(api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(beneficiaries_api.BeneficiaryViewSet, "list", broken)
    api.raise_request_exception = False

    response = api.get(PEOPLE)

    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}
    assert "a bug" not in response.content.decode()
    assert any("Unhandled error in the API" in r.getMessage() for r in caplog.records)


# --- the schema describes these answers --------------------------------------------------------


@pytest.fixture
def schema(manager) -> dict:
    client = APIClient()
    client.force_authenticate(manager)
    return yaml.safe_load(client.get(reverse("api-schema")).content)


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield f"{method.upper()} {path}", operation


def test_every_operation_documents_its_errors(schema):
    for name, operation in operations(schema):
        responses = operation["responses"]
        assert {"401", "403"} <= set(responses), name
        if "requestBody" in operation:
            assert {"400", "415"} <= set(responses), name
            assert set(operation["requestBody"]["content"]) == {"application/json"}, name
        if "{" in name:
            assert "404" in responses, name
        assert "500" not in responses, name
        for code, response in responses.items():
            assert code.startswith("2") or "content" in response, (name, code)


def test_the_schema_describes_what_the_api_returns(schema):
    components, paths = schema["components"]["schemas"], schema["paths"]

    # Open cases have no close reason, people enrolled without a placement no level: "" is allowed.
    for component, field in [("Case", "close_reason"), ("Enrolment", "placement_level")]:
        choices = [
            value
            for ref in components[component]["properties"][field]["oneOf"]
            for value in components[ref["$ref"].rsplit("/", 1)[1]]["enum"]
        ]
        assert "" in choices, component
    # Plain lists, not pages.
    my_roles = paths["/api/v1/centres/my-roles/"]["get"]["responses"]["200"]
    assert my_roles["content"]["application/json"]["schema"]["type"] == "array"
    made = paths["/api/v1/classes/{id}/generate-lessons/"]["post"]["responses"]["201"]
    assert made["content"]["application/json"]["schema"]["type"] == "array"
    # The session's record is absent for callers who may not read it.
    assert not {"summary", "confidential_note", "follow_up_on"} & set(components["Session"]["required"])
    # Times of day are local, without an offset.
    starts_at = components["Lesson"]["properties"]["starts_at"]
    assert "format" not in starts_at
    assert re.fullmatch(starts_at["pattern"], "14:00:00") and re.fullmatch(starts_at["pattern"], "09:30")


# --- outside DRF's views ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/classes/0.5/status/", "/api/v1/organisations/-1.5e-07/", "/api/v1/no-such-thing/"]
)
def test_a_path_the_api_router_does_not_match_is_a_json_404(api, path):
    response = api.post(path, {"status": "planned"}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert set(response.json()) == {"detail"}


def test_pages_outside_the_api_keep_their_html_404(client, officer):
    client.force_login(officer)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_crash_outside_drf_under_the_api_is_a_json_500(rf):
    response = server_error(rf.get("/api/v1/centres/"))

    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert set(json.loads(response.content)) == {"detail"}
    assert server_error(rf.get("/")).status_code == 500
    assert server_error(rf.get("/"))["Content-Type"].startswith("text/html")
