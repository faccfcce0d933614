"""A counsellor's appointment with a Farsi interpreter, in a real browser: from the caseload to a
confidential note that a counsellor of another discipline cannot read, and the front desk's day
calendar showing the appointment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.models import (
    Case,
    Interpreter,
    InterpreterRequest,
    InterpretingMode,
    Language,
    OpenReason,
    RequestStatus,
    ServiceArea,
    Session,
    SessionStatus,
)
from kem.management.commands.seed_demo import DEMO_PASSWORD
from kem.models import AccessEvent, Beneficiary
from tests.otp import browser_log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOTE = "Αναφέρει εφιάλτες από το ταξίδι· συμφωνήσαμε εβδομαδιαίες συναντήσεις."
SUMMARY = "Πρώτη συνεδρία ψυχοκοινωνικής υποστήριξης με διερμηνεία στα φαρσί."


@pytest.fixture
def setting(demo):
    """The demo, a psychosocial case of the Athens psychologist, and a Farsi interpreter."""
    users = get_user_model().objects
    psychologist = users.get(username="psychologist.athens")
    centre = psychologist.memberships.get().centre
    person = Beneficiary.objects.filter(registering_centre=centre).order_by("created_at").first()
    case = Case.objects.create(
        beneficiary=person,
        centre=centre,
        area=ServiceArea.PSYCHOSOCIAL,
        counsellor=psychologist,
        open_reason=OpenReason.FRONT_DESK,
        opened_by=psychologist,
    )
    interpreter = Interpreter.objects.create(
        centre=centre, name="Leila Moradi", organisation="METAdrasi", modes=[InterpretingMode.ON_SITE]
    )
    interpreter.languages.add(Language.objects.get(code="fa", dialect=""))
    return case, interpreter


def log_in(page, username):
    browser_log_in(page, username, DEMO_PASSWORD)
    page.locator("section.panel").first.wait_for()


def log_out(page):
    page.click('button[data-action="logout"]')
    page.locator("#id_username").wait_for()


def test_appointment_with_an_interpreter_a_sealed_note_and_the_front_desk_calendar(page, setting):
    case, interpreter = setting
    tomorrow_ten = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(
        days=1
    )
    at = tomorrow_ten.strftime("%Y-%m-%dT%H:%M")

    # The psychologist opens the case from their caseload.
    log_in(page, "psychologist.athens")
    page.click(f'[data-panel="open-cases"] li[data-case="{case.pk}"] a')
    page.wait_for_url(f"**/cases/{case.pk}/")

    # A Farsi interpreter is requested from the person's profile and booked.
    page.goto(case.beneficiary.get_absolute_url())
    page.click('a[data-action="interpreter-request"]')
    form = page.locator('form[data-form="interpreter-request"]')
    form.locator("#id_language").select_option(label="Φαρσί")
    form.locator("#id_starts_at").fill(at)
    form.locator("#id_duration_minutes").fill("60")
    form.locator("button[type=submit]").click()
    page.locator('form[data-form="book"]').wait_for()
    page.check(f'input[name="interpreter"][value="{interpreter.pk}"]')
    page.click('form[data-form="book"] button[type=submit]')
    page.locator(f'section[data-status="{RequestStatus.BOOKED}"]').wait_for()
    booking = InterpreterRequest.objects.get(beneficiary=case.beneficiary)
    assert booking.status == RequestStatus.BOOKED and booking.interpreter_id == interpreter.pk

    # The appointment, at the interpreter's time, linked to the booking.
    page.goto(case.get_absolute_url())
    page.click('a[data-action="schedule"]')
    form = page.locator('form[data-form="session-schedule"]')
    form.locator("#id_starts_at").fill(at)
    form.locator("#id_duration_minutes").fill("60")
    form.locator("#id_interpreter_request").select_option(str(booking.pk))
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    session = Session.objects.get(case=case)
    assert session.status == SessionStatus.SCHEDULED and session.interpreter_request_id == booking.pk
    assert page.locator(f'li[data-session="{session.pk}"]').inner_text().count("Φαρσί") == 1

    # Tomorrow comes: the appointment starts (moved to a minute ago, still today).
    now = timezone.localtime()
    started = max(now - dt.timedelta(minutes=1), now.replace(hour=0, minute=0, second=0, microsecond=0))
    Session.objects.filter(pk=session.pk).update(starts_at=started, ends_at=started + dt.timedelta(hours=1))
    InterpreterRequest.objects.filter(pk=booking.pk).update(
        starts_at=started, ends_at=started + dt.timedelta(hours=1)
    )

    # Marked held, with a summary and a confidential note.
    page.goto(case.get_absolute_url())
    page.click(f'li[data-session="{session.pk}"] a[data-action="record"]')
    form = page.locator('form[data-form="session-record"]')
    form.locator("#id_summary").fill(SUMMARY)
    form.locator("#id_confidential_note").fill(NOTE)
    form.locator("button[type=submit]").click()
    item = page.locator(f'li[data-session="{session.pk}"][data-status="held"]')
    item.wait_for()
    assert NOTE in item.locator('[data-part="confidential_note"]').inner_text()
    session.refresh_from_db()
    assert session.status == SessionStatus.HELD and session.confidential_note == NOTE
    assert (
        NOTE
        not in Session.objects.filter(pk=session.pk).values_list("confidential_note_sealed", flat=True)[0]
    )
    log_out(page)

    # The lawyer of the same centre opens the case: the summary, never the note.
    log_in(page, "lawyer.athens")
    page.goto(case.get_absolute_url())
    item = page.locator(f'li[data-session="{session.pk}"]')
    item.wait_for()
    assert SUMMARY in item.inner_text()
    assert item.locator('[data-part="confidential_note"]').count() == 0
    assert NOTE not in page.content()
    assert AccessEvent.objects.filter(action="cases.session.read", actor="lawyer.athens").exists()
    log_out(page)

    # The front desk sees the appointment on today's calendar, and nothing of what was said.
    log_in(page, "frontdesk.athens")
    page.click('nav [data-nav="calendar"]')
    entry = page.locator(f'[data-session="{session.pk}"]')
    entry.wait_for()
    assert case.beneficiary.given_name in entry.inner_text()
    assert SUMMARY not in page.content() and NOTE not in page.content()
