"""Interpreting services: the pool, requests and their status flow, bookings' refusals, the
figures for statistics and the profile timeline."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from cases.models import (
    GenderPreference,
    InterpreterGender,
    InterpreterRequest,
    InterpretingMode,
    Language,
    RequestStatus,
    Session,
)
from cases.selectors.interpreters import (
    booking_options,
    interpreter_request_figures,
    interpreter_request_timeline,
)
from cases.services import interpreters as services_module
from cases.services.interpreters import (
    interpreter_book,
    interpreter_create,
    interpreter_deactivate,
    interpreter_request_cancel,
    interpreter_request_complete,
    interpreter_request_create,
    interpreter_request_no_show,
    interpreter_update,
)
from kem import services as kem_services
from kem.models import Role
from kem.selectors.timeline import beneficiary_timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def dari(db):
    return Language.objects.get(code="prs", dialect="")


@pytest.fixture
def add_interpreter(athens, manager, farsi):
    """add_interpreter(name, **fields) -> an interpreter of Athens' pool (Farsi, on site, a woman)."""

    def make(name="Maryam", centre=None, by=None, **fields):
        fields.setdefault("languages", [farsi])
        fields.setdefault("modes", [InterpretingMode.ON_SITE, InterpretingMode.PHONE])
        fields.setdefault("gender", InterpreterGender.FEMALE)
        return interpreter_create(centre=centre or athens, name=name, by=by or manager, **fields)

    return make


@pytest.fixture
def ask(athens, person, officer, farsi, tomorrow_at):
    """ask(**fields) -> a request for ``person`` at Athens, tomorrow 10:00–11:00, by the officer."""

    def make(**fields):
        fields.setdefault("beneficiary", person)
        fields.setdefault("centre", athens)
        fields.setdefault("language", farsi)
        fields.setdefault("mode", InterpretingMode.ON_SITE)
        fields.setdefault("starts_at", tomorrow_at(10))
        fields.setdefault("duration_minutes", 60)
        fields.setdefault("by", officer)
        return interpreter_request_create(**fields)

    return make


def _move_to_past(request: InterpreterRequest, hours: int = 2) -> InterpreterRequest:
    start = timezone.now() - dt.timedelta(hours=hours)
    InterpreterRequest.objects.filter(pk=request.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(minutes=request.duration_minutes)
    )
    request.refresh_from_db()
    return request


def _codes(caught: pytest.ExceptionInfo, field: str | None = None) -> set[str]:
    error = caught.value
    if field is None:
        return {e.code for e in error.error_list}
    return {e.code for e in error.error_dict[field]}


# --- the pool ----------------------------------------------------------------------------------


def test_the_manager_adds_an_interpreter_with_languages_and_modes(add_interpreter, manager, farsi, dari):
    interpreter = add_interpreter(languages=[farsi, dari], modes=["video", "on_site"])

    assert set(interpreter.languages.all()) == {farsi, dari}
    assert interpreter.modes == ["on_site", "video"]
    assert {row.history_user for row in interpreter.history.all()} == {manager}


def test_an_interpreter_needs_a_language_and_a_mode(add_interpreter):
    with pytest.raises(ValidationError) as caught:
        add_interpreter(languages=[], modes=[])

    assert _codes(caught, "languages") == {"languages_required"}
    assert _codes(caught, "modes") == {"modes_required"}


def test_only_the_centres_manager_keeps_its_pool(add_interpreter, officer, make_staff, thessaloniki, athens):
    with pytest.raises(PermissionDenied):
        add_interpreter(by=officer)
    with pytest.raises(PermissionDenied):
        add_interpreter(by=make_staff(Role.MANAGER, thessaloniki), centre=athens)


def test_editing_and_deactivating_an_interpreter_keeps_history(add_interpreter, manager, dari):
    interpreter = add_interpreter()

    interpreter_update(
        interpreter=interpreter, name="Maryam K.", languages=[dari], modes=["video"], active=True, by=manager
    )
    interpreter_deactivate(interpreter=interpreter, by=manager)

    interpreter.refresh_from_db()
    assert (interpreter.name, interpreter.modes, interpreter.active) == ("Maryam K.", ["video"], False)
    assert list(interpreter.languages.all()) == [dari]
    assert interpreter.history.first().active is False
    assert {row.history_user for row in interpreter.history.all()} == {manager}
    with pytest.raises(ValidationError) as caught:
        interpreter_deactivate(interpreter=interpreter, by=manager)
    assert _codes(caught) == {"already_inactive"}


# --- requests ----------------------------------------------------------------------------------


def test_a_request_seals_its_notes_and_gender_reason(ask, person, officer):
    request = ask(
        gender_preference=GenderPreference.FEMALE, gender_reason="Θέμα υγείας", notes="Ήσυχο δωμάτιο"
    )

    stored = InterpreterRequest.objects.filter(pk=request.pk).values("notes", "gender_reason").get()
    fresh = InterpreterRequest.objects.get(pk=request.pk)
    assert "Ήσυχο" not in stored["notes"] and "υγείας" not in stored["gender_reason"]
    assert (fresh.notes, fresh.gender_reason) == ("Ήσυχο δωμάτιο", "Θέμα υγείας")
    assert fresh.status == RequestStatus.REQUESTED
    assert fresh.ends_at == fresh.starts_at + dt.timedelta(minutes=60)
    assert (fresh.requested_by, fresh.history.get().history_user) == (officer, officer)


def test_a_request_is_for_the_future_an_active_language_and_a_sensible_duration(ask, farsi, tomorrow_at):
    Language.objects.filter(pk=farsi.pk).update(active=False)
    farsi.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        ask(starts_at=timezone.now() - dt.timedelta(minutes=5), duration_minutes=5)

    assert _codes(caught, "starts_at") == {"in_the_past"}
    assert _codes(caught, "duration_minutes") == {"duration"}
    assert _codes(caught, "language") == {"language_inactive"}
    assert not InterpreterRequest.objects.exists()


def test_a_gender_reason_needs_a_gender_preference(ask):
    with pytest.raises(ValidationError) as caught:
        ask(gender_preference=GenderPreference.ANY, gender_reason="Προτιμά γυναίκα")

    assert _codes(caught, "gender_reason") == {"reason_without_preference"}


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_book_interpreters_may_not_request_one(ask, make_staff, athens, role):
    with pytest.raises(PermissionDenied):
        ask(by=make_staff(role, athens))


def test_a_person_of_another_centre_cannot_be_requested_for_here(ask, thessaloniki, make_staff, athens):
    there = make_staff(Role.FRONT_DESK, thessaloniki)
    stranger = kem_services.beneficiary_register(
        centre=thessaloniki,
        by=there,
        data={"given_name": "Άλλη", "family_name": "Μία"},
        check_duplicates=False,
    )

    with pytest.raises(ValidationError) as caught:
        ask(beneficiary=stranger)

    assert _codes(caught, "beneficiary") == {"beneficiary_elsewhere"}


def _session(case, counsellor, starts_at) -> Session:
    return Session.objects.create(
        case=case, counsellor=counsellor, starts_at=starts_at, created_by=counsellor
    )


def test_a_request_for_an_appointment_is_linked_to_it(ask, make_case, psychologist, tomorrow_at):
    session = _session(make_case(psychologist), psychologist, tomorrow_at(10))

    request = ask(session=session, by=psychologist)

    session.refresh_from_db()
    assert session.interpreter_request == request
    assert session.history.first().history_user == psychologist


def test_an_appointment_of_another_person_cannot_be_linked(
    ask, make_case, psychologist, tomorrow_at, athens, officer
):
    other = kem_services.beneficiary_register(
        centre=athens,
        by=officer,
        data={"given_name": "Άλλος", "family_name": "Κάποιος"},
        check_duplicates=False,
    )
    session = _session(make_case(psychologist, beneficiary=other), psychologist, tomorrow_at(10))

    with pytest.raises(ValidationError) as caught:
        ask(session=session)

    assert _codes(caught, "session") == {"session_other_person"}
    assert not InterpreterRequest.objects.exists()


def test_an_appointment_gets_one_live_interpreter_request(ask, make_case, psychologist, tomorrow_at, officer):
    session = _session(make_case(psychologist), psychologist, tomorrow_at(10))
    first = ask(session=session)

    with pytest.raises(ValidationError) as caught:
        ask(session=session)
    interpreter_request_cancel(request=first, reason="Άλλαξε η ώρα", by=officer)
    second = ask(session=session)

    assert _codes(caught, "session") == {"session_has_interpreter"}
    session.refresh_from_db()
    assert session.interpreter_request == second


# --- booking -----------------------------------------------------------------------------------


def test_booking_sets_the_interpreter_and_status(ask, add_interpreter, officer):
    request = ask()
    interpreter = add_interpreter()

    booked = interpreter_book(request=request, interpreter=interpreter, by=officer)

    assert (booked.status, booked.interpreter) == (RequestStatus.BOOKED, interpreter)
    assert booked.history.first().history_user == officer


def test_an_interpreter_cannot_be_booked_twice_at_overlapping_times(
    ask, add_interpreter, officer, tomorrow_at
):
    interpreter = add_interpreter()
    interpreter_book(request=ask(starts_at=tomorrow_at(10)), interpreter=interpreter, by=officer)
    overlapping = ask(starts_at=tomorrow_at(10, 30))
    back_to_back = ask(starts_at=tomorrow_at(11))

    with pytest.raises(ValidationError) as caught:
        interpreter_book(request=overlapping, interpreter=interpreter, by=officer)
    interpreter_book(request=back_to_back, interpreter=interpreter, by=officer)

    assert _codes(caught, "interpreter") == {"interpreter_busy"}
    overlapping.refresh_from_db()
    assert overlapping.status == RequestStatus.REQUESTED


def test_a_cancelled_booking_frees_the_interpreter(ask, add_interpreter, officer, tomorrow_at):
    interpreter = add_interpreter()
    first = interpreter_book(request=ask(), interpreter=interpreter, by=officer)
    interpreter_request_cancel(request=first, reason="Η συνάντηση ακυρώθηκε", by=officer)

    second = interpreter_book(request=ask(), interpreter=interpreter, by=officer)

    assert second.status == RequestStatus.BOOKED


@pytest.mark.parametrize(
    ("fields", "request_fields", "code"),
    [
        ({"active": False}, {}, "interpreter_inactive"),
        ({"languages": "dari"}, {}, "language_not_spoken"),
        ({"modes": ["phone"]}, {}, "mode_not_offered"),
        (
            {"gender": InterpreterGender.MALE},
            {"gender_preference": GenderPreference.FEMALE},
            "gender_mismatch",
        ),
    ],
)
def test_booking_refuses_an_interpreter_who_does_not_fit(
    ask, add_interpreter, officer, manager, dari, fields, request_fields, code
):
    interpreter = add_interpreter()
    if fields.get("languages") == "dari":
        fields = {**fields, "languages": [dari]}
    current = {
        "name": interpreter.name,
        "languages": list(interpreter.languages.all()),
        "modes": interpreter.modes,
        "gender": interpreter.gender,
        "active": True,
    }
    interpreter_update(interpreter=interpreter, by=manager, **{**current, **fields})
    request = ask(**request_fields)

    with pytest.raises(ValidationError) as caught:
        interpreter_book(request=request, interpreter=interpreter, by=officer)

    assert _codes(caught, "interpreter") == {code}
    request.refresh_from_db()
    assert (request.status, request.interpreter) == (RequestStatus.REQUESTED, None)


def test_a_woman_interpreter_matches_a_request_for_a_woman(ask, add_interpreter, officer):
    request = ask(gender_preference=GenderPreference.FEMALE, gender_reason="Προσωπικός λόγος")

    booked = interpreter_book(request=request, interpreter=add_interpreter(), by=officer)

    assert booked.status == RequestStatus.BOOKED


def test_an_interpreter_of_another_centre_cannot_be_booked(
    ask, add_interpreter, officer, thessaloniki, make_staff
):
    theirs = add_interpreter(centre=thessaloniki, by=make_staff(Role.MANAGER, thessaloniki))

    with pytest.raises(ValidationError) as caught:
        interpreter_book(request=ask(), interpreter=theirs, by=officer)

    assert _codes(caught, "interpreter") == {"other_centre"}


def test_booking_options_mark_busy_and_unsuitable_interpreters(
    ask, add_interpreter, officer, dari, tomorrow_at
):
    busy = add_interpreter("Busy")
    free = add_interpreter("Free")
    phone_only = add_interpreter("Phone only", modes=["phone"])
    add_interpreter("Dari only", languages=[dari])
    interpreter_book(request=ask(starts_at=tomorrow_at(9, 30)), interpreter=busy, by=officer)

    options = {o.interpreter.name: o for o in booking_options(request=ask())}

    assert set(options) == {"Busy", "Free", "Phone only"}
    assert options["Busy"].busy and not options["Busy"].available
    assert options["Free"].available
    assert not options["Phone only"].busy and options["Phone only"].problems
    assert phone_only.pk == options["Phone only"].interpreter.pk
    assert free.pk == options["Free"].interpreter.pk


# --- the status flow ---------------------------------------------------------------------------


def test_a_booked_request_is_completed_once_its_time_has_come(ask, add_interpreter, officer):
    request = interpreter_book(request=ask(), interpreter=add_interpreter(), by=officer)
    with pytest.raises(ValidationError) as early:
        interpreter_request_complete(request=request, by=officer)

    done = interpreter_request_complete(request=_move_to_past(request), by=officer)

    assert _codes(early) == {"not_started"}
    assert done.status == RequestStatus.COMPLETED


def test_a_no_show_is_recorded_on_a_booked_request_only(ask, add_interpreter, officer):
    unbooked = _move_to_past(ask())
    booked = _move_to_past(interpreter_book(request=ask(), interpreter=add_interpreter(), by=officer))

    with pytest.raises(ValidationError) as caught:
        interpreter_request_no_show(request=unbooked, by=officer)
    missed = interpreter_request_no_show(request=booked, by=officer)

    assert _codes(caught) == {"not_booked"}
    assert missed.status == RequestStatus.NO_SHOW


def test_cancelling_needs_a_reason_and_a_live_request(ask, add_interpreter, officer):
    request = ask()
    with pytest.raises(ValidationError) as no_reason:
        interpreter_request_cancel(request=request, reason="  ", by=officer)

    cancelled = interpreter_request_cancel(request=request, reason="Το άτομο δεν μπορεί", by=officer)
    with pytest.raises(ValidationError) as twice:
        interpreter_request_cancel(request=request, reason="Ξανά", by=officer)
    with pytest.raises(ValidationError) as book_after:
        interpreter_book(request=request, interpreter=add_interpreter(), by=officer)

    assert _codes(no_reason, "reason") == {"reason_required"}
    assert (cancelled.status, cancelled.cancel_reason) == (RequestStatus.CANCELLED, "Το άτομο δεν μπορεί")
    assert _codes(twice) == {"not_cancellable"}
    assert _codes(book_after) == {"not_bookable"}


def test_a_held_request_can_no_longer_be_cancelled(ask, add_interpreter, officer):
    request = _move_to_past(interpreter_book(request=ask(), interpreter=add_interpreter(), by=officer))
    interpreter_request_complete(request=request, by=officer)

    with pytest.raises(ValidationError) as caught:
        interpreter_request_cancel(request=request, reason="Λάθος", by=officer)

    assert _codes(caught) == {"not_cancellable"}


def test_another_centres_staff_cannot_act_on_a_request(ask, make_staff, thessaloniki):
    request = ask()
    stranger = make_staff(Role.FRONT_DESK, thessaloniki)

    with pytest.raises(PermissionDenied):
        interpreter_request_cancel(request=request, reason="Όχι", by=stranger)


# --- figures -----------------------------------------------------------------------------------


def test_figures_count_requests_per_language_and_local_month_without_cancelled(
    ask, officer, farsi, dari, athens, thessaloniki, make_staff
):
    def at(day: dt.date, hour: int = 10) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    rows = [
        ask(language=farsi),
        ask(language=farsi),
        ask(language=dari),
        ask(language=dari),
    ]
    interpreter_request_cancel(request=rows[3], reason="Ακύρωση", by=officer)
    # 1 February 01:00 in Athens is still 31 January in UTC: months and dates are the local ones.
    places = [
        at(dt.date(2024, 1, 31), 12),
        at(dt.date(2024, 2, 1), 1),
        at(dt.date(2024, 2, 10)),
        at(dt.date(2024, 2, 11)),
    ]
    for row, start in zip(rows, places, strict=True):
        InterpreterRequest.objects.filter(pk=row.pk).update(
            starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    there = make_staff(Role.FRONT_DESK, thessaloniki)
    elsewhere = interpreter_request_create(
        beneficiary=kem_services.beneficiary_register(
            centre=thessaloniki,
            by=there,
            data={"given_name": "Α", "family_name": "Β"},
            check_duplicates=False,
        ),
        centre=thessaloniki,
        language=farsi,
        mode="on_site",
        starts_at=timezone.now() + dt.timedelta(days=1),
        duration_minutes=60,
        by=there,
    )
    InterpreterRequest.objects.filter(pk=elsewhere.pk).update(starts_at=at(dt.date(2024, 2, 5)))

    figures = interpreter_request_figures(
        centre_ids=[athens.pk], start=dt.date(2024, 1, 1), end=dt.date(2024, 2, 29)
    )
    narrower = interpreter_request_figures(
        centre_ids=[athens.pk], start=dt.date(2024, 2, 1), end=dt.date(2024, 2, 9)
    )

    assert sorted(figures) == sorted(
        [(farsi.pk, "2024-01", 1), (farsi.pk, "2024-02", 1), (dari.pk, "2024-02", 1)]
    )
    assert narrower == [(farsi.pk, "2024-02", 1)]


def test_figures_take_one_query(django_assert_num_queries, athens):
    with django_assert_num_queries(1):
        interpreter_request_figures(
            centre_ids=[athens.pk], start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31)
        )


# --- timeline ----------------------------------------------------------------------------------


def test_the_timeline_shows_a_requests_life_without_sealed_text(ask, add_interpreter, officer, person):
    request = ask(
        gender_preference=GenderPreference.FEMALE, gender_reason="Ευαίσθητος λόγος", notes="Σημείωση"
    )
    interpreter = add_interpreter("Maryam")
    interpreter_book(request=request, interpreter=interpreter, by=officer)
    interpreter_request_cancel(request=request, reason="Δεν ήρθε ο διερμηνέας", by=officer)

    entries = [
        e for e in beneficiary_timeline(beneficiary=person, user=officer) if e.kind.startswith("cases.")
    ]

    assert [e.kind for e in sorted(entries, key=lambda e: e.at)] == [
        "cases.interpreter_request.created",
        "cases.interpreter_request.booked",
        "cases.interpreter_request.cancelled",
    ]
    text = " ".join(f"{e.title} {e.detail}" for e in entries)
    assert "Maryam" in text
    assert "Ευαίσθητος" not in text and "Σημείωση" not in text and "Δεν ήρθε" not in text
    assert all(e.url == request.get_absolute_url() for e in entries)


def test_the_timeline_shows_requests_only_to_roles_that_book_interpreters(ask, person, make_staff, athens):
    ask()

    assert interpreter_request_timeline(person, make_staff(Role.COUNSELLOR, athens))
    assert interpreter_request_timeline(person, make_staff(Role.TEACHER, athens)) == []
    assert interpreter_request_timeline(person, make_staff(Role.DPO, athens)) == []


def test_the_timeline_costs_two_queries_however_many_requests(
    ask, add_interpreter, officer, person, django_assert_max_num_queries, tomorrow_at
):
    interpreter = add_interpreter()
    for hour in (8, 10, 12):
        interpreter_book(request=ask(starts_at=tomorrow_at(hour)), interpreter=interpreter, by=officer)

    with django_assert_max_num_queries(2):
        entries = interpreter_request_timeline(person, officer)

    assert len(entries) == 6


# --- concurrency -------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_desks_booking_one_interpreter_at_once_cannot_both_succeed(
    ask, add_interpreter, officer, monkeypatch
):
    """Both bookings check for overlaps at the same moment unless the interpreter's row lock makes
    the second wait for the first to commit."""
    interpreter = add_interpreter()
    first, second = ask(), ask()
    together = threading.Barrier(2)
    check = services_module._booking_errors

    def check_together(request, interpreter):
        # When the other desk is waiting for the lock, the barrier breaks and this one goes on alone.
        with contextlib.suppress(threading.BrokenBarrierError):
            together.wait(timeout=2)
        return check(request, interpreter)

    monkeypatch.setattr(services_module, "_booking_errors", check_together)
    outcomes: list[str] = []

    def book(request):
        try:
            interpreter_book(request=request, interpreter=interpreter, by=officer)
            outcomes.append("booked")
        except ValidationError as refused:
            outcomes.append(refused.error_dict["interpreter"][0].code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(r,)) for r in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked", "interpreter_busy"]
    assert InterpreterRequest.objects.booked().count() == 1
