"""The statistics API: headline, breakdown and ESF+ reports, published tables only, for managers and
network analysts only."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.urls import reverse
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from kem import services
from kem.models import Role

pytestmark = pytest.mark.django_db

SPRING = dt.date(2025, 3, 3)
YEAR_2025 = {"start": "2025-01-01", "end": "2025-12-31"}


@pytest.fixture
def cohort(make_person, held_session):
    people = [make_person(registered=SPRING, nationality="AF", gender="male") for _ in range(12)]
    held_session(people[0], SPRING)
    return people


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def row(table: dict, code: str) -> list[dict]:
    return table["cells"][[r["code"] for r in table["rows"]].index(code)]


def test_a_manager_gets_the_headline_figures_published(manager, athens, cohort):
    response = api_for(manager).get(reverse("api:statistics-headline"), YEAR_2025)

    assert response.status_code == 200
    body = response.json()
    assert body["report"] == "headline" and body["start"] == "2025-01-01" and body["end"] == "2025-12-31"
    assert body["threshold"] == 9 and body["suppressed_label"] == "<10"
    (section,) = body["sections"]
    assert section["centres"] == [athens.pk]
    figures = next(t for t in section["tables"] if t["key"] == "headline.figures")
    assert row(figures, "served")[0]["value"] == 12
    assert row(figures, "session_participants")[0] == {
        "value": None,
        "display": "<10",
        "suppressed": True,
        "rate": False,
    }


def test_an_analyst_gets_a_section_per_centre(analyst, thessaloniki, cohort):
    services.membership_grant(centre=thessaloniki, user=analyst, role=Role.ANALYST)

    body = api_for(analyst).get(reverse("api:statistics-headline"), YEAR_2025).json()

    assert len(body["sections"]) == 2
    served = [
        row(next(t for t in s["tables"] if t["key"] == "headline.figures"), "served")[0]
        for s in body["sections"]
    ]
    assert [c["value"] for c in served] == [12, 0]


def test_a_breakdown_by_nationality_and_gender(manager, cohort):
    response = api_for(manager).get(
        reverse("api:statistics-breakdown"),
        {"measure": "served", "rows": "nationality", "cols": "gender", **YEAR_2025},
    )

    assert response.status_code == 200
    (table,) = response.json()["sections"][0]["tables"]
    assert table["row_dim"] == "nationality" and table["col_dim"] == "gender"
    afghans = row(table, "AF")
    male = [c["code"] for c in table["cols"]].index("male")
    assert afghans[male]["value"] == 12


def test_a_breakdown_by_centre_is_refused(analyst, thessaloniki, cohort):
    # Centres are compared side by side, never in one table with a network total (which, less the
    # other centres' published figures, would give a suppressed centre's count away).
    services.membership_grant(centre=thessaloniki, user=analyst, role=Role.ANALYST)

    response = api_for(analyst).get(
        reverse("api:statistics-breakdown"), {"measure": "served", "rows": "centre", **YEAR_2025}
    )

    assert response.status_code == 400 and "rows" in response.json()


def test_the_esf_indicators(manager, cohort):
    response = api_for(manager).get(reverse("api:statistics-esf"), YEAR_2025)

    assert response.status_code == 200
    assert response.json()["sections"][0]["tables"][0]["key"] == "esf.participants"


def test_rounding_to_5(manager, cohort):
    body = api_for(manager).get(reverse("api:statistics-headline"), {**YEAR_2025, "rounding": 5}).json()

    figures = next(t for t in body["sections"][0]["tables"] if t["key"] == "headline.figures")
    assert body["rounding"] == 5 and row(figures, "served")[0]["value"] == 10


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.COUNSELLOR, Role.TEACHER, Role.DPO])
def test_roles_without_statistics_get_403(role, make_staff, athens):
    api = api_for(make_staff(role, athens))

    for name in ("api:statistics-headline", "api:statistics-breakdown", "api:statistics-esf"):
        assert api.get(reverse(name), {"measure": "served", "rows": "gender"}).status_code == 403


def test_anonymous_callers_are_refused():
    assert APIClient().get(reverse("api:statistics-headline")).status_code in (401, 403)


def test_another_centre_is_404(other_manager, athens):
    response = api_for(other_manager).get(reverse("api:statistics-headline"), {"centre": athens.pk})

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"measure": "served", "rows": "language"}, "rows"),
        ({"measure": "nothing", "rows": "gender"}, "measure"),
        (
            {"measure": "served", "rows": "gender", "start": "2025-06-01", "end": "2025-01-01"},
            "non_field_errors",
        ),
        (
            {"measure": "served", "rows": "gender", "start": "2015-01-01", "end": "2025-01-01"},
            "non_field_errors",
        ),
        ({"measure": "served", "rows": "gender", "colour": "red"}, "colour"),
        ({"measure": "served", "rows": "gender", "rounding": "10"}, "rounding"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(params, field, manager):
    response = api_for(manager).get(reverse("api:statistics-breakdown"), params)

    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors


def test_the_schema_describes_the_statistics_endpoints_and_stays_valid(manager):
    response = api_for(manager).get(reverse("api-schema"))

    schema = yaml.safe_load(response.content)
    validate(schema)
    for path in ("/api/v1/statistics/headline/", "/api/v1/statistics/breakdown/", "/api/v1/statistics/esf/"):
        assert path in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/statistics/breakdown/"]["get"]["parameters"]}
    assert {"centre", "start", "end", "measure", "rows", "cols"} <= parameters
