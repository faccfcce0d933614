"""The headline report of a scope: its tables, their figures for a known cohort, publishing it,
caching closed periods, and who may ask for which scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import ServiceArea
from courses.models import AttendanceMark, ClassStatus, EnrolmentStatus
from kem.models import Centre, Role
from referrals.models import ReferralStatus
from reports.disclosure import protect
from reports.report import headline
from reports.scope import scope_for, statistics_centres
from reports.types import Scope

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


@pytest.fixture
def scope(athens) -> Scope:
    return Scope(centre_ids=(athens.pk,), start=START, end=END)


@pytest.fixture
def busy_year(
    make_person,
    held_session,
    interpreter_request,
    sent_referral,
    job_placement,
    make_class,
    enrol,
    lesson_marks,
):
    """12 people with employment sessions (2 each), 3 of them also legal sessions; 20 referrals to
    housing (all completed, 10 successfully) and 12 to labour (10 declined, 2 awaiting); 2
    interpreter requests; one Greek A1 class with 3 seated (1 graduated)."""
    people = [make_person(registered=dt.date(2025, 1, 15)) for _ in range(12)]
    for i, person in enumerate(people):
        held_session(person, dt.date(2025, 2, 1 + i))
        held_session(person, dt.date(2025, 3, 1 + i))
        if i < 3:
            held_session(person, dt.date(2025, 4, 1 + i), area=ServiceArea.LEGAL)
    for i in range(20):
        sent_referral(
            people[i % 12], dt.date(2025, 5, 1 + i), status=ReferralStatus.COMPLETED, successful=i < 10
        )
    for i in range(12):
        status = ReferralStatus.DECLINED if i < 10 else ReferralStatus.SENT
        sent_referral(people[i], dt.date(2025, 6, 1 + i), status=status, service=job_placement)
    interpreter_request(people[0], dt.date(2025, 2, 1))
    interpreter_request(people[1], dt.date(2025, 2, 2))
    course_class = make_class(
        start=dt.date(2025, 2, 3), end=dt.date(2025, 5, 30), status=ClassStatus.FINISHED
    )
    seats = [
        enrol(
            people[0],
            course_class,
            dt.date(2025, 2, 3),
            status=EnrolmentStatus.GRADUATED,
            ended=dt.date(2025, 5, 30),
        ),
        enrol(people[1], course_class, dt.date(2025, 2, 3), status=EnrolmentStatus.COMPLETED),
        enrol(people[2], course_class, dt.date(2025, 2, 3), status=EnrolmentStatus.DROPPED),
    ]
    lesson_marks(course_class, dt.date(2025, 2, 4), dict.fromkeys(seats, AttendanceMark.PRESENT))
    return people


def _by_key(tables):
    return {table.key: table for table in tables}


def _rows(table):
    return dict(zip([code for code, _label in table.rows], table.row_totals, strict=True))


def test_the_headline_starts_with_the_figures_and_holds_every_part(busy_year, scope):
    tables = headline(scope)
    assert tables[0].key == "headline.figures"
    assert [t.key for t in tables] == [
        "headline.figures",
        "headline.sessions_by_area",
        "headline.participants_by_area",
        "headline.interpreters_by_language",
        "headline.referrals",
        "headline.classes",
        "headline.class_results",
        "headline.attendance",
    ]
    figures = _rows(tables[0])
    assert figures == {
        "served": 12,
        "registered": 12,
        "session_participants": 12,
        "sessions": 27,
        "interpreter_requests": 2,
        "referrals": 32,
        "enrolments": 3,
        "learners": 3,
        "graduates": 1,
    }
    assert len(tables[0].cols) == 1 and not tables[0].additive and not tables[0].show_totals


def test_sessions_and_participants_by_service_area(busy_year, scope):
    tables = _by_key(headline(scope))
    assert _rows(tables["headline.sessions_by_area"])[ServiceArea.EMPLOYMENT] == 24
    assert _rows(tables["headline.sessions_by_area"])[ServiceArea.LEGAL] == 3
    assert tables["headline.sessions_by_area"].total == 27
    participants = tables["headline.participants_by_area"]
    assert _rows(participants)[ServiceArea.EMPLOYMENT] == 12
    assert _rows(participants)[ServiceArea.LEGAL] == 3
    assert participants.total == 12


def test_published_referrals_show_rates_from_the_counts_left_visible(busy_year, scope):
    published = _by_key(protect(headline(scope)))
    referrals = published["headline.referrals"]
    cols = [code for code, _label in referrals.cols]
    assert cols[-2:] == ["acceptance_rate", "success_rate"] == referrals.rate_cols
    codes = [code for code, _label in referrals.rows]
    housing = dict(zip(cols, referrals.cells[codes.index("housing")], strict=True))
    assert (housing["successful"].display, housing["unsuccessful"].display) == ("10", "10")
    assert housing["success_rate"].display == "50%" and housing["success_rate"].value == 50
    assert housing["acceptance_rate"].display == "100%"
    # Labour: 2 awaiting hide the 10 declined with them, and so the rate built on them.
    labour = dict(zip(cols, referrals.cells[codes.index("labour")], strict=True))
    assert labour["awaiting"].display == "<10"
    assert labour["declined"].suppressed
    assert labour["acceptance_rate"].suppressed and labour["acceptance_rate"].value is None
    assert referrals.row_totals[codes.index("labour")].display == "12"


def test_classes_results_and_attendance(busy_year, scope, greek_a1):
    tables = _by_key(headline(scope))
    classes = tables["headline.classes"]
    assert classes.rows == [(str(greek_a1.pk), greek_a1.name)]
    assert dict(zip([c for c, _l in classes.cols], classes.counts[0], strict=True))[ClassStatus.FINISHED] == 1
    results = tables["headline.class_results"]
    assert dict(zip([c for c, _l in results.cols], results.counts[0], strict=True)) == {
        "enrolled": 0,
        "completed": 1,
        "graduated": 1,
        "withdrawn": 0,
        "dropped": 1,
    }
    attendance = tables["headline.attendance"]
    assert attendance.counts == [[3, 0]]
    published = _by_key(protect([classes, attendance]))
    assert published["headline.classes"].cells[0][3].display == "1"  # classes are not people
    assert published["headline.attendance"].cells[0][0].display == "<10"
    assert published["headline.attendance"].cells[0][2].suppressed  # its rate


def test_no_published_headline_table_shows_a_count_from_one_to_nine(busy_year, scope):
    for table in protect(headline(scope)):
        if table.unit == "classes":
            continue
        cells = [c for row in table.cells for c in row] + table.row_totals + table.col_totals + [table.total]
        assert not [c for c in cells if not c.rate and c.value is not None and 1 <= c.value <= 9], table.key


# --- caching --------------------------------------------------------------------------------


def test_a_closed_period_is_computed_once(busy_year, scope):
    first = headline(scope)
    with CaptureQueriesContext(connection) as queries:
        again = headline(scope)
    assert len(queries) == 0
    assert again[0].counts == first[0].counts


def test_a_back_dated_entry_refreshes_a_closed_period(
    busy_year, scope, held_session, django_capture_on_commit_callbacks
):
    assert _rows(headline(scope)[0])["sessions"] == 27
    with django_capture_on_commit_callbacks(execute=True):
        held_session(busy_year[0], dt.date(2025, 8, 1))
    assert _rows(headline(scope)[0])["sessions"] == 28


def test_an_entry_dated_today_leaves_closed_periods_cached(
    busy_year, scope, held_session, django_capture_on_commit_callbacks
):
    headline(scope)
    with django_capture_on_commit_callbacks(execute=True):
        held_session(busy_year[0], timezone.localdate())
    with CaptureQueriesContext(connection) as queries:
        headline(scope)
    assert len(queries) == 0


def test_a_changed_category_refreshes_past_breakdowns(busy_year, scope, django_capture_on_commit_callbacks):
    from kem.choices import Gender
    from reports.report import breakdown

    def women() -> int:
        table = breakdown(scope, measure="served", rows="gender")
        return dict(zip([c for c, _l in table.rows], table.row_totals, strict=True))[Gender.FEMALE]

    assert women() == 0
    person = busy_year[0]
    person.gender = Gender.FEMALE
    with django_capture_on_commit_callbacks(execute=True):
        person.save()
    assert women() == 1


def test_a_changed_category_refreshes_the_breakdowns_of_centres_that_served_them_elsewhere(
    busy_year, held_session, thessaloniki, django_capture_on_commit_callbacks
):
    """Counted where the activity happened: an edit must reach more than the registering centre."""
    from kem.choices import Gender
    from reports.report import breakdown

    person = busy_year[0]  # registered at Athens
    held_session(person, dt.date(2025, 6, 2), centre=thessaloniki)
    there = Scope(centre_ids=(thessaloniki.pk,), start=START, end=END)

    def women() -> int:
        table = breakdown(there, measure="served", rows="gender")
        return dict(zip([c for c, _l in table.rows], table.row_totals, strict=True)).get(Gender.FEMALE, 0)

    assert women() == 0
    person.gender = Gender.FEMALE
    with django_capture_on_commit_callbacks(execute=True):
        person.save()
    assert women() == 1


def test_a_running_period_follows_its_own_setting(busy_year, athens, settings):
    settings.KEM_STATISTICS_OPEN_CACHE_SECONDS = 0
    running = Scope(centre_ids=(athens.pk,), start=START, end=timezone.localdate())
    headline(running)
    with CaptureQueriesContext(connection) as queries:
        headline(running)
    assert len(queries) > 0


# --- scope ----------------------------------------------------------------------------------


def test_managers_and_analysts_get_their_statistics_centres(manager, make_staff, athens, thessaloniki):
    analyst = make_staff(Role.ANALYST, athens)
    make_staff(Role.ANALYST, thessaloniki, username=analyst.username)
    assert list(statistics_centres(manager)) == [athens]
    assert set(statistics_centres(analyst)) == {athens, thessaloniki}
    assert scope_for(analyst, centre_ids=None, start=START, end=END).centre_ids == tuple(
        sorted((athens.pk, thessaloniki.pk))
    )
    assert scope_for(manager, centre_ids=[athens.pk], start=START, end=END) == Scope(
        centre_ids=(athens.pk,), start=START, end=END
    )


def test_a_centre_outside_the_users_statistics_is_refused(manager, make_staff, athens, thessaloniki):
    with pytest.raises(PermissionDenied):
        scope_for(manager, centre_ids=[thessaloniki.pk], start=START, end=END)
    officer = make_staff(Role.FRONT_DESK, athens)
    with pytest.raises(PermissionDenied):
        scope_for(officer, centre_ids=None, start=START, end=END)
    Centre.objects.filter(pk=athens.pk).update(active=False)
    with pytest.raises(PermissionDenied):
        scope_for(manager, centre_ids=[athens.pk], start=START, end=END)


def test_a_period_must_run_forward_and_last_at_most_five_years(manager, athens):
    with pytest.raises(ValidationError) as reversed_period:
        scope_for(manager, centre_ids=None, start=END, end=START)
    assert reversed_period.value.code == "period_reversed"
    assert scope_for(manager, centre_ids=None, start=dt.date(2020, 1, 1), end=dt.date(2024, 12, 31))
    with pytest.raises(ValidationError) as too_long:
        scope_for(manager, centre_ids=None, start=dt.date(2020, 1, 1), end=dt.date(2025, 1, 1))
    assert too_long.value.code == "period_too_long"
