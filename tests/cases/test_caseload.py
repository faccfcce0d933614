"""The counsellor's home panel: open cases, today's sessions, follow-ups due and quiet cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, ServiceArea, Session, SessionStatus
from cases.selectors.cases import caseload
from kem import services
from kem.selectors.staff import home_panels

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


def session(case, *, at, status=SessionStatus.HELD, follow_up_on=None) -> Session:
    return Session.objects.create(
        case=case,
        counsellor=case.counsellor,
        starts_at=at,
        duration_minutes=45,
        status=status,
        created_by=case.counsellor,
        follow_up_on=follow_up_on,
    )


def today_at(hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(TODAY, dt.time(hour)))


def days_ago(days: int) -> dt.datetime:
    return timezone.now() - days * DAY


@pytest.fixture
def crowd(athens, officer):
    """crowd(n) -> n more people registered at Athens."""

    def make(n: int) -> list:
        return [
            services.beneficiary_register(
                centre=athens,
                by=officer,
                data={"given_name": f"Πρόσωπο{i}", "family_name": "Δοκιμαστικό"},
                check_duplicates=False,
            )
            for i in range(n)
        ]

    return make


def test_the_caseload_holds_only_the_counsellors_open_cases_at_the_centre(
    make_case, psychologist, lawyer, athens, crowd
):
    mine = make_case(psychologist)
    make_case(lawyer, area=ServiceArea.LEGAL)
    closed = make_case(psychologist, beneficiary=crowd(1)[0])
    Case.objects.filter(pk=closed.pk).update(closed_on=TODAY, close_reason="goals_met")

    load = caseload(user=psychologist, centre=athens)

    assert [c.pk for c in load.cases] == [mine.pk]


def test_todays_sessions_are_listed_in_time_order(make_case, psychologist, athens, crowd):
    case = make_case(psychologist)
    other = make_case(psychologist, beneficiary=crowd(1)[0])
    late = session(other, at=today_at(15), status=SessionStatus.SCHEDULED)
    early = session(case, at=today_at(9))
    session(case, at=today_at(11), status=SessionStatus.CANCELLED)
    session(case, at=today_at(12) + DAY, status=SessionStatus.SCHEDULED)

    load = caseload(user=psychologist, centre=athens)

    assert [s.pk for s in load.today] == [early.pk, late.pk]


def test_a_follow_up_is_due_when_the_latest_held_sessions_date_has_come(
    make_case, psychologist, athens, crowd
):
    due, later, superseded = (make_case(psychologist, beneficiary=p) for p in crowd(3))
    session(due, at=days_ago(8), follow_up_on=TODAY - DAY)
    session(later, at=days_ago(2), follow_up_on=TODAY + 5 * DAY)
    # An older session's follow-up no longer counts once a later session was held.
    session(superseded, at=days_ago(10), follow_up_on=TODAY - 3 * DAY)
    session(superseded, at=days_ago(1), follow_up_on=None)

    load = caseload(user=psychologist, centre=athens)

    assert [c.pk for c in load.follow_ups] == [due.pk]


def test_quiet_cases_had_no_held_session_in_30_days(make_case, psychologist, athens, crowd):
    recent, stale, never, only_booked = (make_case(psychologist, beneficiary=p) for p in crowd(4))
    session(recent, at=days_ago(29))
    session(stale, at=days_ago(31))
    session(only_booked, at=timezone.now() + DAY, status=SessionStatus.SCHEDULED)

    load = caseload(user=psychologist, centre=athens)

    assert {c.pk for c in load.quiet} == {stale.pk, never.pk, only_booked.pk}


def test_the_home_page_shows_the_caseload_to_the_counsellor(client, make_case, psychologist):
    case = make_case(psychologist)
    today = session(case, at=today_at(10), status=SessionStatus.SCHEDULED)
    client.force_login(psychologist)

    html = client.get(reverse("home")).content.decode()

    for panel in ("sessions-today", "follow-ups", "quiet-cases", "open-cases"):
        assert f'data-panel="{panel}"' in html
    assert f'data-session="{today.pk}"' in html
    assert f'data-case="{case.pk}"' in html
    assert "Ζαχρά" in html


def test_the_caseload_is_a_counsellors_part_only(make_case, psychologist, athens, officer, manager):
    make_case(psychologist)

    def caseload_parts(user) -> list[str]:
        return [
            panel.role
            for panel in home_panels(user=user)
            for part in panel.parts
            if part.template == "cases/_caseload.html"
        ]

    assert caseload_parts(officer) == []
    assert caseload_parts(manager) == []
    assert caseload_parts(psychologist) == ["counsellor"]


def test_the_home_panel_costs_the_same_queries_for_3_or_30_cases(
    client, make_case, psychologist, crowd, django_assert_max_num_queries
):
    people = crowd(30)
    client.force_login(psychologist)

    def count_for(n: int) -> int:
        Session.objects.all().delete()
        Case.objects.all().delete()
        for i, person in enumerate(people[:n]):
            case = make_case(psychologist, beneficiary=person)
            session(case, at=days_ago(40 if i % 2 else 1), follow_up_on=TODAY - DAY)
            session(case, at=today_at(8) + dt.timedelta(minutes=i), status=SessionStatus.SCHEDULED)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("home")).content.decode()
        assert html.count('data-panel="open-cases"') == 1
        assert html.count("data-session=") == n
        return len(queries)

    few, many = count_for(3), count_for(30)

    assert few == many
    with django_assert_max_num_queries(many):
        client.get(reverse("home"))
