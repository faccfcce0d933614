"""The statistics pages: the dashboard of headline figures, breakdowns, ESF+ indicators, the home
panel and the export form. Only managers and network analysts; every table published."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kem import services
from kem.models import DownloadJob, DownloadKind, DownloadStatus, Role

pytestmark = pytest.mark.django_db

YEAR_2025 = {"period": "custom", "start": "2025-01-01", "end": "2025-12-31"}
SPRING = dt.date(2025, 3, 3)


@pytest.fixture(autouse=True)
def english(client, settings):
    """Pages in English (the language switcher's cookie), so the tests can read their words."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def cohort(make_person, held_session):
    """Twelve people registered in Athens in 2025 (Afghan men, and a few Syrian women); two of them
    in counselling."""
    people = [make_person(registered=SPRING, nationality="AF", gender="male") for _ in range(9)]
    people += [make_person(registered=SPRING, nationality="SY", gender="female") for _ in range(3)]
    held_session(people[0], SPRING)
    held_session(people[1], SPRING)
    return people


def page(client, user, name="statistics-dashboard", **params):
    client.force_login(user)
    return client.get(reverse(name), params)


def figures_row(html: str, label: str) -> str:
    """The <tr> of the headline table whose row header is ``label``."""
    match = re.search(
        rf"<tr><th scope=\"row\">(?:<a [^>]*>)?{re.escape(label)}(?:</a>)?</th>(.*?)</tr>", html, re.S
    )
    assert match, f"no row {label!r}"
    return match.group(1)


# --- the dashboard -----------------------------------------------------------------------------


def test_a_manager_sees_the_headline_figures_published(client, manager, cohort):
    response = page(client, manager, **YEAR_2025)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-table="headline.figures"' in html
    assert '<td class="num">12</td>' in figures_row(html, "Unique beneficiaries served")
    # Two people in counselling: below the threshold, shown as the label and marked.
    participants = figures_row(html, "Unique participants in counselling")
    assert 'class="num suppressed"' in participants and "&lt;10" in participants
    assert "2</td>" not in participants


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.TEACHER, Role.COUNSELLOR, Role.DPO])
def test_roles_without_statistics_get_403(role, client, make_staff, athens):
    for name in ("statistics-dashboard", "statistics-breakdown", "statistics-esf"):
        assert page(client, make_staff(role, athens), name).status_code == 403


def test_another_centres_statistics_are_404(client, other_manager, athens, cohort):
    for name in ("statistics-dashboard", "statistics-breakdown", "statistics-esf"):
        assert page(client, other_manager, name, centre=athens.pk).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("statistics-dashboard"))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_analyst_compares_the_centres_side_by_side(client, analyst, thessaloniki, make_person, cohort):
    services.membership_grant(centre=thessaloniki, user=analyst, role=Role.ANALYST)
    for _ in range(3):
        make_person(centre=thessaloniki, registered=SPRING)

    html = page(client, analyst, **YEAR_2025).content.decode()

    head = re.search(r'data-table="headline.figures">.*?<thead>(.*?)</thead>', html, re.S).group(1)
    assert "KEM Athens" in head and "KEM Thessaloniki" in head
    served = figures_row(html, "Unique beneficiaries served")
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", served)
    assert cells == ["12", "&lt;10"]
    # No network total next to the centres: it would give Thessaloniki's 3 away by difference.
    assert "15" not in served


def test_an_analyst_may_choose_one_of_the_centres(client, analyst, cohort):
    response = page(client, analyst, centre=analyst.memberships.get().centre_id, **YEAR_2025)

    assert response.status_code == 200
    assert '<td class="num">12</td>' in figures_row(response.content.decode(), "Unique beneficiaries served")


def test_changing_the_period_changes_the_figures(client, manager, cohort):
    before = page(client, manager, period="custom", start="2024-01-01", end="2024-12-31").content.decode()
    during = page(client, manager, **YEAR_2025).content.decode()

    assert '<td class="num">0</td>' in figures_row(before, "Unique beneficiaries served")
    assert '<td class="num">12</td>' in figures_row(during, "Unique beneficiaries served")
    assert "From 01/01/2024 to 31/12/2024" in before


def test_the_named_periods_cover_their_dates(client, manager):
    year = timezone.localdate().year

    html = page(client, manager, period="last_year").content.decode()
    quarter = page(client, manager, period=f"{year}-q1").content.decode()

    assert f"From 01/01/{year - 1} to 31/12/{year - 1}" in html
    assert f"From 01/01/{year} to 31/03/{year}" in quarter


def test_a_reversed_period_is_refused_with_a_message(client, manager):
    response = page(client, manager, period="custom", start="2025-06-01", end="2025-01-01")

    html = response.content.decode()
    assert response.status_code == 200
    assert "The period ends before it starts." in html
    assert "data-table=" not in html


def test_a_custom_period_needs_both_dates(client, manager):
    html = page(client, manager, period="custom", start="2025-06-01").content.decode()

    assert "Give both dates of a custom period." in html


def test_the_charts_are_drawn_from_the_published_values_only(client, manager, cohort):
    html = page(client, manager, **YEAR_2025).content.decode()

    scripts = re.findall(r'<script id="(stat-\d+)" type="application/json">(.*?)</script>', html, re.S)
    charts = {json.loads(body)["key"]: json.loads(body) for _id, body in scripts}
    figures = charts["headline.figures"]
    (dataset,) = figures["datasets"]
    values = dict(zip(figures["labels"], dataset["data"], strict=True))
    shown = dict(zip(figures["labels"], dataset["display"], strict=True))
    assert values["Unique beneficiaries served"] == 12
    assert values["Unique participants in counselling"] is None
    assert shown["Unique participants in counselling"] == "<10"
    assert 2 not in dataset["data"]
    # Chart.js comes from this site, never a CDN.
    assert "/static/reports/vendor/chart.umd.min.js" in html and "cdn" not in html.lower()


def test_each_headline_figure_drills_into_its_breakdown(client, manager, cohort):
    html = page(client, manager, **YEAR_2025).content.decode()

    link = (
        re.search(r'<a href="([^"]+)" data-drill="session_participants"', html).group(1).replace("&amp;", "&")
    )
    response = client.get(link)

    assert link.startswith(reverse("statistics-breakdown") + "?period=custom&start=2025-01-01&end=2025-12-31")
    assert response.status_code == 200
    assert 'data-table="' in response.content.decode()
    assert 'value="session_participants" selected' in response.content.decode()


def test_the_page_has_a_table_view_toggle(client, manager, cohort):
    html = page(client, manager, **YEAR_2025).content.decode()

    assert 'data-action="toggle-view"' in html
    assert 'class="stats" data-view="table"' in html  # tables until the charts are drawn


# --- breakdowns and the ESF+ indicators -------------------------------------------------------


def test_a_breakdown_by_nationality_and_gender(client, manager, cohort):
    response = page(
        client,
        manager,
        "statistics-breakdown",
        measure="served",
        rows="nationality",
        cols="gender",
        **YEAR_2025,
    )

    html = response.content.decode()
    assert response.status_code == 200
    table = re.search(r'<table class="stats-table" data-table="([^"]+)">(.*?)</table>', html, re.S)
    head = re.search(r"<thead>(.*?)</thead>", table.group(2), re.S).group(1)
    assert "Female" in head and "Male" in head
    body = table.group(2)
    assert "Afghanistan" in body and "Syria" in body
    # Every count here is from 1 to 9: published as the label, marked, never the count itself.
    assert body.count('class="num suppressed"') >= 3
    assert re.search(r">[1-9]</td>", body) is None


def test_the_breakdown_tab_opens_with_the_period_only(client, manager, cohort):
    response = page(client, manager, "statistics-breakdown", **YEAR_2025)

    html = response.content.decode()
    assert response.status_code == 200
    assert "errorlist" not in html
    assert "Afghanistan" in html  # served by nationality, the default


def test_a_dimension_the_count_cannot_use_is_refused(client, manager, cohort):
    response = page(client, manager, "statistics-breakdown", measure="served", rows="language", **YEAR_2025)

    html = response.content.decode()
    assert response.status_code == 200
    assert "This count cannot be broken down by" in html
    assert "data-table=" not in html


def test_the_same_dimension_twice_is_refused(client, manager):
    html = page(client, manager, "statistics-breakdown", rows="gender", cols="gender").content.decode()

    assert "Choose two different dimensions." in html


def test_the_esf_indicators_page(client, manager, cohort):
    response = page(client, manager, "statistics-esf", **YEAR_2025)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-table="esf.participants"' in html


def test_the_tabs_keep_the_period_and_centre(client, manager, cohort):
    html = page(client, manager, **YEAR_2025).content.decode()

    link = re.search(r'<a href="([^"]+)" data-tab="breakdown"', html).group(1)
    assert link.startswith(
        reverse("statistics-breakdown") + "?period=custom&amp;start=2025-01-01&amp;end=2025-12-31"
    )


# --- exports -----------------------------------------------------------------------------------


def export(client, user, **data):
    client.force_login(user)
    return client.post(reverse("statistics-export"), data)


def test_the_export_form_queues_a_download_and_goes_to_its_page(
    client, manager, athens, cohort, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = export(
            client,
            manager,
            report="breakdown",
            format="xlsx",
            round_to_5="on",
            measure="served",
            rows="nationality",
            cols="gender",
            top_n="10",
            centre=str(athens.pk),
            **YEAR_2025,
        )

    job = DownloadJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.kind == DownloadKind.STATISTICS and job.created_by == manager and job.centre == athens
    assert job.params == {
        "kind": "breakdown",
        "start": "2025-01-01",
        "end": "2025-12-31",
        "centre": athens.pk,
        "measure": "served",
        "rows": "nationality",
        "cols": "gender",
        "top_n": 10,
        "rounding": 5,
        "format": "xlsx",
    }
    job.refresh_from_db()
    assert job.status == DownloadStatus.READY  # tasks run in-process in the tests
    assert job.filename == "kem-statistics-served-nationality-gender-20250101-20251231.xlsx"


def test_the_page_carries_its_report_into_the_export_form(client, manager, cohort):
    html = page(
        client, manager, "statistics-breakdown", measure="served", rows="gender", **YEAR_2025
    ).content.decode()

    form = re.search(r'<form method="post" action="/statistics/export/".*?</form>', html, re.S).group(0)
    for name, value in [
        ("period", "custom"),
        ("start", "2025-01-01"),
        ("rows", "gender"),
        ("report", "breakdown"),
    ]:
        assert re.search(rf'name="{name}" value="{value}"', form), name


def test_an_export_of_a_bad_period_is_refused_before_it_is_queued(client, manager):
    response = export(
        client,
        manager,
        report="headline",
        format="csv",
        period="custom",
        start="2025-06-01",
        end="2025-01-01",
    )

    assert response.status_code == 302
    assert not DownloadJob.objects.exists()


def test_exports_are_posted(client, manager):
    client.force_login(manager)

    assert client.get(reverse("statistics-export")).status_code == 405


def test_a_role_without_statistics_cannot_export(client, officer):
    assert export(client, officer, report="headline", format="csv").status_code == 403
    assert not DownloadJob.objects.exists()


def test_another_centres_export_is_404(client, other_manager, athens):
    assert (
        export(client, other_manager, report="headline", format="csv", centre=str(athens.pk)).status_code
        == 404
    )
    assert not DownloadJob.objects.exists()


# --- the home panel and the navigation ---------------------------------------------------------


def test_the_managers_home_shows_this_years_figures_and_a_link(client, manager, make_person):
    today = timezone.localdate()
    for _ in range(11):
        make_person(registered=today)
    client.force_login(manager)

    html = client.get(reverse("home")).content.decode()

    panel = re.search(r'<section data-panel="statistics">(.*?)</section>', html, re.S).group(1)
    assert f"Statistics of {today.year}" in panel
    assert '<td class="num">11</td>' in figures_row(panel, "Unique beneficiaries served")
    assert reverse("statistics-dashboard") in panel


def test_the_analysts_home_shows_the_figures_too(client, analyst, make_person):
    for _ in range(2):
        make_person(registered=timezone.localdate())
    client.force_login(analyst)

    html = client.get(reverse("home")).content.decode()

    panel = re.search(r'<section data-panel="statistics">(.*?)</section>', html, re.S).group(1)
    assert 'class="num suppressed"' in figures_row(
        panel, re.search(r'<th scope="row">([^<]+)</th>', panel).group(1)
    )


def test_the_front_desk_home_has_no_statistics(client, officer):
    client.force_login(officer)

    html = client.get(reverse("home")).content.decode()

    assert 'data-panel="statistics"' not in html
    assert 'data-nav="statistics"' not in html


def test_the_navigation_offers_statistics_to_managers_and_analysts(client, manager, analyst):
    for user in (manager, analyst):
        client.force_login(user)
        assert 'data-nav="statistics"' in client.get(reverse("home")).content.decode()
