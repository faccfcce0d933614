"""Interpreting pages: the pool, requesting from a profile, the centre's list, a request's page,
booking, and the actions on a request; who may use them; what is traced."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases.models import (
    GenderPreference,
    Interpreter,
    InterpreterGender,
    InterpreterRequest,
    InterpretingMode,
    Language,
    RequestStatus,
    Session,
)
from cases.services.interpreters import interpreter_book, interpreter_create, interpreter_request_create
from kem import services as kem_services
from kem.models import AccessEvent, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_interpreter(athens, manager, farsi):
    def make(name="Maryam", centre=None, by=None, **fields):
        fields.setdefault("languages", [farsi])
        fields.setdefault("modes", [InterpretingMode.ON_SITE])
        fields.setdefault("gender", InterpreterGender.FEMALE)
        return interpreter_create(centre=centre or athens, name=name, by=by or manager, **fields)

    return make


@pytest.fixture
def ask(athens, person, officer, farsi, tomorrow_at):
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


@pytest.fixture
def stranger(make_staff, thessaloniki):
    """Front desk of another centre."""
    return make_staff(Role.FRONT_DESK, thessaloniki)


def _past(request: InterpreterRequest) -> InterpreterRequest:
    start = timezone.now() - dt.timedelta(hours=2)
    InterpreterRequest.objects.filter(pk=request.pk).update(
        starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    request.refresh_from_db()
    return request


# --- the pool ----------------------------------------------------------------------------------


def _pool_post(farsi, **fields):
    data = {"name": "Ahmad", "gender": "male", "languages": [farsi.pk], "modes": ["on_site", "phone"]}
    return {**data, **fields}


def test_the_manager_lists_the_pool_with_edit_links(client, manager, add_interpreter):
    interpreter = add_interpreter()
    client.force_login(manager)

    response = client.get(reverse("interpreter-list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-interpreter="{interpreter.pk}"' in html
    assert reverse("interpreter-edit", args=[interpreter.pk]) in html
    with translation.override("el"):
        assert str(InterpretingMode.ON_SITE.label) in html


def test_the_front_desk_looks_at_the_pool_but_gets_403_for_changes(client, officer, add_interpreter, farsi):
    interpreter = add_interpreter()
    client.force_login(officer)

    listing = client.get(reverse("interpreter-list"))

    assert listing.status_code == 200
    assert f'data-interpreter="{interpreter.pk}"' in listing.content.decode()
    assert reverse("interpreter-edit", args=[interpreter.pk]) not in listing.content.decode()
    assert client.get(reverse("interpreter-new")).status_code == 403
    assert client.post(reverse("interpreter-new"), _pool_post(farsi)).status_code == 403
    assert client.get(reverse("interpreter-edit", args=[interpreter.pk])).status_code == 403
    assert client.post(reverse("interpreter-deactivate", args=[interpreter.pk])).status_code == 403
    assert Interpreter.objects.filter(active=True).count() == 1


def test_a_teacher_gets_403_for_the_pool(client, make_staff, athens):
    client.force_login(make_staff(Role.TEACHER, athens))

    assert client.get(reverse("interpreter-list")).status_code == 403


def test_another_centres_interpreter_is_404(client, make_staff, thessaloniki, add_interpreter, athens):
    interpreter = add_interpreter()
    client.force_login(make_staff(Role.MANAGER, thessaloniki))

    assert client.get(reverse("interpreter-edit", args=[interpreter.pk])).status_code == 404
    assert client.post(reverse("interpreter-deactivate", args=[interpreter.pk])).status_code == 404
    assert client.get(reverse("interpreter-list"), {"centre": athens.pk}).status_code == 404
    assert (
        f'data-interpreter="{interpreter.pk}"' not in client.get(reverse("interpreter-list")).content.decode()
    )


def test_the_manager_adds_an_interpreter_from_the_page(client, manager, farsi, athens):
    client.force_login(manager)

    response = client.post(reverse("interpreter-new"), _pool_post(farsi, centre=athens.pk))

    assert response.status_code == 302
    interpreter = Interpreter.objects.get(name="Ahmad")
    assert (interpreter.centre, interpreter.modes) == (athens, ["on_site", "phone"])


def test_an_interpreter_without_a_language_shows_the_error_and_keeps_the_input(
    client, manager, farsi, athens
):
    client.force_login(manager)

    response = client.post(reverse("interpreter-new"), _pool_post(farsi, centre=athens.pk, languages=[]))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"languages"}
    assert 'value="Ahmad"' in response.content.decode()
    assert not Interpreter.objects.exists()


def test_the_manager_edits_an_interpreter(client, manager, add_interpreter, farsi):
    interpreter = add_interpreter()
    client.force_login(manager)

    form = client.get(reverse("interpreter-edit", args=[interpreter.pk]))
    response = client.post(
        reverse("interpreter-edit", args=[interpreter.pk]),
        _pool_post(farsi, name="Maryam K.", gender="female", email="maryam@example.org", active="on"),
    )

    assert form.status_code == 200
    assert response.status_code == 302
    interpreter.refresh_from_db()
    assert (interpreter.name, interpreter.email, interpreter.active) == (
        "Maryam K.",
        "maryam@example.org",
        True,
    )


def test_deactivating_an_interpreter_asks_first(client, manager, add_interpreter):
    interpreter = add_interpreter()
    client.force_login(manager)
    url = reverse("interpreter-deactivate", args=[interpreter.pk])

    assert client.get(url).status_code == 200
    interpreter.refresh_from_db()
    assert interpreter.active

    client.post(url)
    interpreter.refresh_from_db()
    assert not interpreter.active


# --- requesting from a profile -----------------------------------------------------------------


def _request_post(farsi, starts_at, **fields):
    data = {
        "language": farsi.pk,
        "mode": "on_site",
        "starts_at": timezone.localtime(starts_at).strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 60,
        "gender_preference": "female",
        "gender_reason": "Προτιμά γυναίκα",
        "notes": "Φέρνει το παιδί της",
    }
    return {**data, **fields}


def test_the_front_desk_requests_an_interpreter_for_a_person(client, officer, person, farsi, tomorrow_at):
    client.force_login(officer)

    response = client.post(
        reverse("interpreter-request-new", args=[person.pk]), _request_post(farsi, tomorrow_at(10))
    )

    request = InterpreterRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("interpreter-request-book", args=[request.pk])
    assert (request.beneficiary, request.requested_by, request.notes) == (
        person,
        officer,
        "Φέρνει το παιδί της",
    )
    assert request.starts_at == tomorrow_at(10)


def test_the_request_form_suggests_the_persons_language(client, officer, person):
    person.languages = ["ti", "en"]
    person.save()
    client.force_login(officer)

    response = client.get(reverse("interpreter-request-new", args=[person.pk]))

    assert response.context["form"].initial["language"] == Language.objects.get(code="ti").pk


def test_a_request_in_the_past_shows_the_error_by_the_field_and_keeps_the_input(
    client, officer, person, farsi
):
    client.force_login(officer)

    response = client.post(
        reverse("interpreter-request-new", args=[person.pk]),
        _request_post(farsi, timezone.now() - dt.timedelta(days=1)),
    )

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["starts_at"]] == ["in_the_past"]
    assert "Φέρνει το παιδί της" in response.content.decode()
    assert not InterpreterRequest.objects.exists()


def test_a_request_for_an_appointment_is_prefilled_and_linked(
    client, psychologist, person, farsi, make_case, tomorrow_at
):
    session = Session.objects.create(
        case=make_case(psychologist),
        counsellor=psychologist,
        starts_at=tomorrow_at(12),
        duration_minutes=50,
        mode="video",
        created_by=psychologist,
    )
    client.force_login(psychologist)
    url = reverse("interpreter-request-new", args=[person.pk])

    form = client.get(url, {"session": session.pk}).context["form"]
    client.post(
        url, _request_post(farsi, tomorrow_at(12), session=session.pk, mode="video", duration_minutes=50)
    )

    assert (form.initial["duration_minutes"], form.initial["mode"]) == (50, "video")
    session.refresh_from_db()
    assert session.interpreter_request == InterpreterRequest.objects.get()


def test_another_persons_appointment_is_404_on_the_request_form(
    client, officer, person, make_case, psychologist, athens, tomorrow_at
):
    other = kem_services.beneficiary_register(
        centre=athens,
        by=officer,
        data={"given_name": "Άλλος", "family_name": "Κάποιος"},
        check_duplicates=False,
    )
    session = Session.objects.create(
        case=make_case(psychologist, beneficiary=other),
        counsellor=psychologist,
        starts_at=tomorrow_at(12),
        created_by=psychologist,
    )
    client.force_login(officer)

    response = client.get(reverse("interpreter-request-new", args=[person.pk]), {"session": session.pk})

    assert response.status_code == 404


def test_a_teacher_gets_403_and_another_centre_404_for_the_request_form(
    client, make_staff, athens, stranger, person, farsi, tomorrow_at
):
    url = reverse("interpreter-request-new", args=[person.pk])

    client.force_login(make_staff(Role.TEACHER, athens))
    assert client.get(url).status_code == 403
    assert client.post(url, _request_post(farsi, tomorrow_at(10))).status_code == 403
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert not InterpreterRequest.objects.exists()


# --- the centre's list -------------------------------------------------------------------------


def test_the_list_shows_the_centres_requests_only(
    client, officer, ask, stranger, thessaloniki, farsi, tomorrow_at
):
    mine = ask()
    someone = kem_services.beneficiary_register(
        centre=thessaloniki, by=stranger, data={"given_name": "Α", "family_name": "Β"}, check_duplicates=False
    )
    theirs = ask(beneficiary=someone, centre=thessaloniki, by=stranger)
    client.force_login(officer)

    html = client.get(reverse("interpreter-request-list")).content.decode()

    assert f'data-request="{mine.pk}"' in html
    assert f'data-request="{theirs.pk}"' not in html
    assert "Ζαχρά" in html


def test_the_list_filters_by_status_language_and_dates(client, officer, ask, add_interpreter, tomorrow_at):
    dari = Language.objects.get(code="prs", dialect="")
    booked = interpreter_book(request=ask(), interpreter=add_interpreter(), by=officer)
    waiting = ask(language=dari)
    later = ask(starts_at=tomorrow_at(10) + dt.timedelta(days=7))
    client.force_login(officer)
    url = reverse("interpreter-request-list")
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()

    def shown(**params):
        return {r.pk for r in client.get(url, params).context["requests"]}

    assert shown() == {booked.pk, waiting.pk, later.pk}
    assert shown(status="booked") == {booked.pk}
    assert shown(language=dari.pk) == {waiting.pk}
    assert shown(date_from=tomorrow, date_to=tomorrow) == {booked.pk, waiting.pk}


def test_the_list_answers_htmx_with_the_rows_only(client, officer, ask):
    ask()
    client.force_login(officer)

    response = client.get(
        reverse("interpreter-request-list"), {"status": "requested"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert 'data-table="interpreter-requests"' in html
    assert "<html" not in html


def test_an_empty_list_says_how_to_start(client, officer):
    client.force_login(officer)

    html = client.get(reverse("interpreter-request-list")).content.decode()

    assert 'data-empty="none"' in html


def test_the_list_costs_a_fixed_number_of_queries(
    client, officer, ask, add_interpreter, tomorrow_at, athens, django_assert_max_num_queries
):
    interpreter = add_interpreter()
    client.force_login(officer)
    url = reverse("interpreter-request-list")
    ask()
    client.get(url)
    with django_assert_max_num_queries(10) as one:
        client.get(url)
    for i in range(8):
        person = kem_services.beneficiary_register(
            centre=athens,
            by=officer,
            data={"given_name": f"Όνομα{i}", "family_name": "Δοκιμή"},
            check_duplicates=False,
        )
        request = ask(beneficiary=person, starts_at=tomorrow_at(8 + i))
        interpreter_book(request=request, interpreter=interpreter, by=officer)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)

    assert len(response.context["requests"]) == 9


def test_a_teacher_gets_403_for_the_list(client, make_staff, athens):
    client.force_login(make_staff(Role.TEACHER, athens))

    assert client.get(reverse("interpreter-request-list")).status_code == 403


# --- a request's page --------------------------------------------------------------------------


def test_the_request_page_shows_sealed_text_and_traces_it(client, officer, ask, person):
    request = ask(
        gender_preference=GenderPreference.FEMALE, gender_reason="Λόγος υγείας", notes="Ήσυχο δωμάτιο"
    )
    client.force_login(officer)

    html = client.get(request.get_absolute_url()).content.decode()

    assert "Λόγος υγείας" in html and "Ήσυχο δωμάτιο" in html
    event = AccessEvent.objects.get(action="cases.interpreter_request.read")
    assert (event.user, event.subject_id, event.centre_id) == (officer, person.pk, request.centre_id)
    assert event.fields == ["interpreter_request.gender_reason", "interpreter_request.notes"]
    assert event.role == "front_desk"


def test_a_request_without_sealed_text_leaves_no_read_event(client, officer, ask):
    request = ask()
    client.force_login(officer)

    assert client.get(request.get_absolute_url()).status_code == 200
    assert not AccessEvent.objects.filter(action="cases.interpreter_request.read").exists()


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_of_the_centre_that_do_not_book_get_403_for_a_request(client, make_staff, athens, ask, role):
    request = ask(notes="Σημείωση")
    client.force_login(make_staff(role, athens))

    response = client.get(request.get_absolute_url())

    assert response.status_code == 403
    assert "Σημείωση" not in response.content.decode()
    assert not AccessEvent.objects.filter(action="cases.interpreter_request.read").exists()


def test_another_centre_gets_404_for_a_request_and_its_actions(client, stranger, ask):
    request = ask(notes="Σημείωση")
    client.force_login(stranger)

    assert client.get(request.get_absolute_url()).status_code == 404
    assert client.get(reverse("interpreter-request-book", args=[request.pk])).status_code == 404
    assert (
        client.post(reverse("interpreter-request-cancel", args=[request.pk]), {"reason": "x"}).status_code
        == 404
    )
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


# --- booking and the actions -------------------------------------------------------------------


def test_the_booking_page_marks_busy_interpreters(client, officer, ask, add_interpreter, tomorrow_at):
    busy, free = add_interpreter("Busy"), add_interpreter("Free")
    interpreter_book(request=ask(starts_at=tomorrow_at(9, 30)), interpreter=busy, by=officer)
    request = ask()
    client.force_login(officer)

    html = client.get(reverse("interpreter-request-book", args=[request.pk])).content.decode()

    assert f'data-interpreter="{busy.pk}" data-busy="true"' in html
    assert f'data-interpreter="{free.pk}" data-busy="false"' in html


def test_a_counsellor_books_from_the_page(client, psychologist, ask, add_interpreter):
    interpreter = add_interpreter()
    request = ask()
    client.force_login(psychologist)

    response = client.post(
        reverse("interpreter-request-book", args=[request.pk]), {"interpreter": interpreter.pk}
    )

    request.refresh_from_db()
    assert response.status_code == 302
    assert (request.status, request.interpreter) == (RequestStatus.BOOKED, interpreter)


def test_booking_a_busy_interpreter_shows_why_by_the_field(
    client, officer, ask, add_interpreter, tomorrow_at
):
    interpreter = add_interpreter()
    interpreter_book(request=ask(starts_at=tomorrow_at(10, 30)), interpreter=interpreter, by=officer)
    request = ask()
    client.force_login(officer)

    response = client.post(
        reverse("interpreter-request-book", args=[request.pk]), {"interpreter": interpreter.pk}
    )

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["interpreter"]] == ["interpreter_busy"]
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_booking_with_nobody_speaking_the_language_says_so(client, officer, ask):
    request = ask()
    client.force_login(officer)

    html = client.get(reverse("interpreter-request-book", args=[request.pk])).content.decode()

    assert 'data-empty="no-interpreters"' in html


def test_completing_and_no_show_are_posts_on_a_booked_request(
    client, officer, ask, add_interpreter, tomorrow_at
):
    interpreter = add_interpreter()
    held = _past(interpreter_book(request=ask(starts_at=tomorrow_at(8)), interpreter=interpreter, by=officer))
    missed = _past(
        interpreter_book(request=ask(starts_at=tomorrow_at(10)), interpreter=interpreter, by=officer)
    )
    client.force_login(officer)

    assert client.get(reverse("interpreter-request-complete", args=[held.pk])).status_code == 405
    client.post(reverse("interpreter-request-complete", args=[held.pk]))
    client.post(reverse("interpreter-request-no-show", args=[missed.pk]))

    held.refresh_from_db()
    missed.refresh_from_db()
    assert (held.status, missed.status) == (RequestStatus.COMPLETED, RequestStatus.NO_SHOW)


def test_completing_too_early_shows_an_error(client, officer, ask, add_interpreter):
    request = interpreter_book(request=ask(), interpreter=add_interpreter(), by=officer)
    client.force_login(officer)

    response = client.post(reverse("interpreter-request-complete", args=[request.pk]), follow=True)

    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    request.refresh_from_db()
    assert request.status == RequestStatus.BOOKED


def test_cancelling_asks_first_and_needs_a_reason(client, officer, ask):
    request = ask()
    client.force_login(officer)
    url = reverse("interpreter-request-cancel", args=[request.pk])

    confirmation = client.get(url)
    without = client.post(url, {"reason": ""})
    request.refresh_from_db()
    assert confirmation.status_code == 200 and without.status_code == 200
    assert set(without.context["form"].errors) == {"reason"}
    assert request.status == RequestStatus.REQUESTED

    response = client.post(url, {"reason": "Το ραντεβού μετατέθηκε"})
    request.refresh_from_db()
    assert response.status_code == 302
    assert (request.status, request.cancel_reason) == (RequestStatus.CANCELLED, "Το ραντεβού μετατέθηκε")


def test_a_teacher_gets_403_for_the_actions(client, make_staff, athens, ask):
    request = ask()
    client.force_login(make_staff(Role.TEACHER, athens))

    assert (
        client.post(reverse("interpreter-request-cancel", args=[request.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert client.post(reverse("interpreter-request-complete", args=[request.pk])).status_code == 403


# --- the home page -----------------------------------------------------------------------------


def test_the_front_desk_home_counts_waiting_requests_and_tomorrows_bookings(
    client, officer, ask, add_interpreter, tomorrow_at
):
    interpreter_book(request=ask(starts_at=tomorrow_at(9)), interpreter=add_interpreter(), by=officer)
    ask(starts_at=tomorrow_at(11))
    ask(starts_at=tomorrow_at(13))
    client.force_login(officer)

    html = client.get(reverse("home")).content.decode()

    assert html.count('data-panel="interpreters"') == 1
    assert 'data-count="waiting" data-n="2"' in html
    assert 'data-count="today" data-n="0"' in html
    assert 'data-count="tomorrow" data-n="1"' in html


def test_a_user_with_two_booking_roles_sees_the_block_once(client, make_staff, athens, officer):
    kem_services.membership_grant(centre=athens, user=officer, role=Role.MANAGER)
    client.force_login(officer)

    html = client.get(reverse("home")).content.decode()

    assert html.count('data-panel="interpreters"') == 1
    assert reverse("language-list") in html
