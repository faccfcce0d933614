"""The calendar: a centre's or a counsellor's sessions and interpreter bookings, by day and week.

Sessions and interpreter requests are made directly on the models: these tests are about the
calendar, not about the services that book them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    InterpreterRequest,
    RequestStatus,
    ServiceArea,
    Session,
    SessionMode,
    SessionStatus,
)
from cases.selectors.calendar import calendar_period
from kem import services as kem_services
from kem.models import Role

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
# A Wednesday, so that its week runs from Monday 2030-06-10 to Sunday 2030-06-16.
WEDNESDAY = dt.date(2030, 6, 12)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def book(psychologist):
    """book(case, starts_at, **fields) -> a session on the model (no service)."""

    def make(case, starts_at, **fields):
        fields.setdefault("counsellor", case.counsellor)
        fields.setdefault("created_by", case.counsellor)
        return Session.objects.create(case=case, starts_at=starts_at, **fields)

    return make


@pytest.fixture
def ask_interpreter(athens, farsi, officer):
    """ask_interpreter(beneficiary, starts_at, **fields) -> an interpreter request on the model."""

    def make(beneficiary, starts_at, **fields):
        fields.setdefault("requested_by", officer)
        return InterpreterRequest.objects.create(
            beneficiary=beneficiary, centre=athens, language=farsi, starts_at=starts_at, **fields
        )

    return make


def _calendar(client, **params):
    return client.get(reverse("calendar"), {k: str(v) for k, v in params.items()})


# --- periods -----------------------------------------------------------------------------------


def test_a_week_runs_from_monday_to_sunday():
    period = calendar_period(view="week", on=WEDNESDAY)

    assert (period.first, period.last) == (dt.date(2030, 6, 10), dt.date(2030, 6, 16))
    assert (period.previous, period.next) == (dt.date(2030, 6, 3), dt.date(2030, 6, 17))
    assert len(period.dates) == 7


def test_a_day_leads_to_the_day_before_and_after():
    period = calendar_period(view="day", on=WEDNESDAY)

    assert (period.first, period.last, period.previous, period.next) == (
        WEDNESDAY,
        WEDNESDAY,
        WEDNESDAY - DAY,
        WEDNESDAY + DAY,
    )


# --- what it shows -----------------------------------------------------------------------------


def test_the_day_view_shows_the_days_sessions_in_time_order(
    client, officer, make_case, psychologist, lawyer, book
):
    afternoon = book(make_case(psychologist), at(WEDNESDAY, 15))
    morning = book(make_case(lawyer, area=ServiceArea.LEGAL), at(WEDNESDAY, 9, 30))
    book(make_case(psychologist, area=ServiceArea.EMPLOYMENT), at(WEDNESDAY + DAY, 9))
    client.force_login(officer)

    response = _calendar(client, date=WEDNESDAY.isoformat())

    assert response.status_code == 200
    html = response.content.decode()
    assert [e.obj.pk for e in response.context["days"][0].entries] == [morning.pk, afternoon.pk]
    assert html.index(f'data-session="{morning.pk}"') < html.index(f'data-session="{afternoon.pk}"')
    assert "Ζαχρά Χοσεϊνί" in html
    assert "09:30" in html


def test_a_session_shows_its_occurrence_and_never_what_was_said(
    client, manager, make_case, psychologist, book
):
    session = book(
        make_case(psychologist),
        at(WEDNESDAY, 11),
        duration_minutes=50,
        mode=SessionMode.VIDEO,
        summary="ΠΕΡΙΛΗΨΗ-ΜΥΣΤΙΚΗ",
        confidential_note="ΣΗΜΕΙΩΣΗ-ΕΜΠΙΣΤΕΥΤΙΚΗ",
    )
    client.force_login(manager)

    html = _calendar(client, date=WEDNESDAY.isoformat()).content.decode()

    entry = html[html.index(f'data-session="{session.pk}"') :].split("</li>")[0]
    assert "11:00" in entry and "11:50" in entry
    assert psychologist.get_full_name() in entry
    assert 'data-area="psychosocial"' in entry and 'data-mode="video"' in entry
    assert "ΠΕΡΙΛΗΨΗ-ΜΥΣΤΙΚΗ" not in html
    assert "ΣΗΜΕΙΩΣΗ-ΕΜΠΙΣΤΕΥΤΙΚΗ" not in html


def test_cancelled_sessions_and_no_shows_are_shown_greyed(client, officer, make_case, psychologist, book):
    case = make_case(psychologist)
    held = book(case, at(WEDNESDAY, 9), status=SessionStatus.HELD)
    cancelled = book(case, at(WEDNESDAY, 10), status=SessionStatus.CANCELLED)
    no_show = book(case, at(WEDNESDAY, 11), status=SessionStatus.NO_SHOW)
    client.force_login(officer)

    html = _calendar(client, date=WEDNESDAY.isoformat()).content.decode()

    assert f'class="entry" data-session="{held.pk}" data-status="held"' in html
    assert f'class="entry muted" data-session="{cancelled.pk}"' in html
    assert f'class="entry muted" data-session="{no_show.pk}"' in html


def test_interpreter_bookings_show_without_their_notes(client, officer, person, ask_interpreter):
    booked = ask_interpreter(
        person, at(WEDNESDAY, 10), status=RequestStatus.BOOKED, notes="ΣΗΜΕΙΩΣΗ", gender_reason="ΛΟΓΟΣ"
    )
    requested = ask_interpreter(person, at(WEDNESDAY, 12))
    done = ask_interpreter(person, at(WEDNESDAY, 8), status=RequestStatus.COMPLETED)
    dropped = ask_interpreter(person, at(WEDNESDAY, 14), status=RequestStatus.CANCELLED)
    client.force_login(officer)

    html = _calendar(client, date=WEDNESDAY.isoformat()).content.decode()

    assert f'data-interpreter-request="{booked.pk}"' in html
    assert f'data-interpreter-request="{requested.pk}"' in html
    assert f'data-interpreter-request="{done.pk}"' not in html
    assert f'data-interpreter-request="{dropped.pk}"' not in html
    assert "ΣΗΜΕΙΩΣΗ" not in html and "ΛΟΓΟΣ" not in html


def test_a_session_says_whether_an_interpreter_is_booked(
    client, officer, person, make_case, psychologist, book, ask_interpreter
):
    request = ask_interpreter(person, at(WEDNESDAY, 10), status=RequestStatus.BOOKED)
    with_interpreter = book(make_case(psychologist), at(WEDNESDAY, 10), interpreter_request=request)
    client.force_login(officer)

    html = _calendar(client, date=WEDNESDAY.isoformat()).content.decode()

    entry = html[html.index(f'data-session="{with_interpreter.pk}"') :].split("</li>")[0]
    assert 'data-interpreter="booked"' in entry


def test_the_week_view_holds_monday_to_sunday(client, officer, make_case, psychologist, book):
    case = make_case(psychologist)
    monday = book(case, at(dt.date(2030, 6, 10), 9))
    sunday = book(case, at(dt.date(2030, 6, 16), 18))
    next_monday = book(case, at(dt.date(2030, 6, 17), 9))
    sunday_before = book(case, at(dt.date(2030, 6, 9), 9))
    client.force_login(officer)

    response = _calendar(client, view="week", date=WEDNESDAY.isoformat())

    html = response.content.decode()
    assert [d.date for d in response.context["days"]] == [dt.date(2030, 6, 10) + n * DAY for n in range(7)]
    assert f'data-session="{monday.pk}"' in html and f'data-session="{sunday.pk}"' in html
    assert f'data-session="{next_monday.pk}"' not in html
    assert f'data-session="{sunday_before.pk}"' not in html
    assert 'data-calendar="week"' in html


def test_one_counsellors_calendar_holds_their_sessions_and_interpreter_requests(
    client, officer, person, make_case, psychologist, lawyer, book, ask_interpreter
):
    theirs = book(make_case(psychologist), at(WEDNESDAY, 9))
    not_theirs = book(make_case(lawyer, area=ServiceArea.LEGAL), at(WEDNESDAY, 10))
    for_their_session = ask_interpreter(person, at(WEDNESDAY, 11), status=RequestStatus.BOOKED)
    book(
        make_case(psychologist, area=ServiceArea.EMPLOYMENT),
        at(WEDNESDAY, 11),
        interpreter_request=for_their_session,
    )
    asked_by_them = ask_interpreter(person, at(WEDNESDAY, 13), requested_by=psychologist)
    asked_by_front_desk = ask_interpreter(person, at(WEDNESDAY, 15))
    client.force_login(officer)

    html = _calendar(client, date=WEDNESDAY.isoformat(), counsellor=psychologist.pk).content.decode()

    assert f'data-session="{theirs.pk}"' in html
    assert f'data-session="{not_theirs.pk}"' not in html
    assert f'data-interpreter-request="{for_their_session.pk}"' in html
    assert f'data-interpreter-request="{asked_by_them.pk}"' in html
    assert f'data-interpreter-request="{asked_by_front_desk.pk}"' not in html


def test_navigation_leads_to_the_previous_and_next_week_and_today(client, psychologist):
    client.force_login(psychologist)

    response = _calendar(client, view="week", date=WEDNESDAY.isoformat(), counsellor=psychologist.pk)

    html = response.content.decode()
    assert "date=2030-06-03" in html and "date=2030-06-17" in html
    assert f"date={timezone.localdate().isoformat()}" in html
    assert f"counsellor={psychologist.pk}" in html


def test_without_a_date_it_is_today_and_a_bad_date_is_ignored(client, officer):
    client.force_login(officer)

    assert _calendar(client).context["period"].first == timezone.localdate()
    assert _calendar(client, date="not-a-date").context["period"].first == timezone.localdate()


def test_nothing_scheduled_says_so(client, officer):
    client.force_login(officer)

    assert 'data-empty="day"' in _calendar(client, date=WEDNESDAY.isoformat()).content.decode()
    assert 'data-empty="week"' in _calendar(client, view="week", date=WEDNESDAY.isoformat()).content.decode()


def test_a_user_of_two_centres_picks_the_centre(client, make_staff, athens, thessaloniki, make_case, book):
    worker = make_staff(Role.FRONT_DESK, athens)
    kem_services.membership_grant(centre=thessaloniki, user=worker, role=Role.FRONT_DESK)
    psychologist = make_staff(Role.COUNSELLOR, athens, "psychological")
    athens_session = book(make_case(psychologist), at(WEDNESDAY, 9))
    client.force_login(worker)

    at_athens = _calendar(client, date=WEDNESDAY.isoformat(), centre=athens.pk)
    at_thessaloniki = _calendar(client, date=WEDNESDAY.isoformat(), centre=thessaloniki.pk)

    assert f'data-session="{athens_session.pk}"' in at_athens.content.decode()
    assert f'data-session="{athens_session.pk}"' not in at_thessaloniki.content.decode()
    assert 'name="centre"' in at_athens.content.decode()


# --- cost --------------------------------------------------------------------------------------


def test_the_calendar_costs_the_same_for_3_and_30_sessions(
    client,
    officer,
    athens,
    make_case,
    psychologist,
    lawyer,
    social_worker,
    book,
    ask_interpreter,
    django_assert_max_num_queries,
):
    people = [
        kem_services.beneficiary_register(
            centre=athens,
            by=officer,
            data={"given_name": f"Όνομα{n}", "family_name": "Δοκιμή"},
            check_duplicates=False,
        )
        for n in range(6)
    ]
    counsellors = [psychologist, lawyer, social_worker]
    areas = [ServiceArea.PSYCHOSOCIAL, ServiceArea.LEGAL, ServiceArea.ADMINISTRATIVE]
    cases = [make_case(counsellors[n % 3], area=areas[n % 3], beneficiary=people[n]) for n in range(6)]

    def add_sessions(count: int, day: dt.date) -> None:
        for n in range(count):
            request = ask_interpreter(people[n % 6], at(day, 8 + n % 10), status=RequestStatus.BOOKED)
            book(cases[n % 6], at(day, 8 + n % 10, n % 60), interpreter_request=request if n % 2 else None)

    add_sessions(3, WEDNESDAY)
    add_sessions(30, WEDNESDAY + 7 * DAY)
    client.force_login(officer)
    _calendar(client)  # the first page of the session pays for the session itself

    with django_assert_max_num_queries(20) as small:
        three = _calendar(client, view="week", date=WEDNESDAY.isoformat())
    with django_assert_max_num_queries(len(small.captured_queries)):
        thirty = _calendar(client, view="week", date=(WEDNESDAY + 7 * DAY).isoformat())

    assert sum(len(d.entries) for d in three.context["days"]) == 6
    assert sum(len(d.entries) for d in thirty.context["days"]) == 60


# --- who may see it ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer", "psychologist", "manager"])
def test_the_front_desk_counsellors_and_the_manager_see_the_calendar(
    client, request, who, make_case, psychologist, book
):
    session = book(make_case(psychologist), at(WEDNESDAY, 9))
    client.force_login(request.getfixturevalue(who))

    response = _calendar(client, date=WEDNESDAY.isoformat())

    assert response.status_code == 200
    assert f'data-session="{session.pk}"' in response.content.decode()


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_see_no_cases_get_403(client, make_staff, athens, role):
    client.force_login(make_staff(role, athens))

    assert _calendar(client).status_code == 403
    assert _calendar(client, centre=athens.pk).status_code == 403


def test_another_centre_gets_404(client, other_psychologist, athens, psychologist):
    client.force_login(other_psychologist)

    assert _calendar(client, centre=athens.pk).status_code == 404
    assert _calendar(client, counsellor=psychologist.pk).status_code == 404  # not a counsellor of theirs
