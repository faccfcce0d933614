"""The day-before reminders of interpreter bookings: who gets them, what they say (and what they
never say), and that a second run sends nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import GenderPreference, InterpreterGender, InterpreterRequest, InterpretingMode
from cases.services.interpreters import (
    interpreter_book,
    interpreter_create,
    interpreter_reminders_send,
    interpreter_request_cancel,
    interpreter_request_create,
)
from cases.tasks import interpreter_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_with_mail(officer):
    officer.email = "desk@kem.example.org"
    officer.save()
    return officer


@pytest.fixture
def maryam(athens, manager, farsi):
    return interpreter_create(
        centre=athens,
        name="Maryam",
        gender=InterpreterGender.FEMALE,
        languages=[farsi],
        modes=[InterpretingMode.ON_SITE, InterpretingMode.PHONE],
        email="maryam@mediators.example.org",
        by=manager,
    )


@pytest.fixture
def booking(athens, person, officer_with_mail, farsi, maryam, tomorrow_at):
    """booking(starts_at=tomorrow 10:00, interpreter=maryam) -> a booked request with sealed text."""

    def make(starts_at=None, interpreter=maryam):
        request = interpreter_request_create(
            beneficiary=person,
            centre=athens,
            language=farsi,
            mode=InterpretingMode.PHONE,
            starts_at=starts_at or tomorrow_at(10),
            duration_minutes=45,
            gender_preference=GenderPreference.FEMALE,
            gender_reason="ΜΥΣΤΙΚΟΣ-ΛΟΓΟΣ",
            notes="ΜΥΣΤΙΚΗ-ΣΗΜΕΙΩΣΗ",
            by=officer_with_mail,
        )
        return interpreter_book(request=request, interpreter=interpreter, by=officer_with_mail)

    return make


def test_tomorrows_booking_is_mailed_to_the_interpreter_and_the_requester(booking, mailoutbox):
    request = booking()

    sent = interpreter_reminders_send()

    assert sent == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["desk@kem.example.org", "maryam@mediators.example.org"]
    request.refresh_from_db()
    assert request.reminder_sent_at is not None


def test_the_reminder_holds_the_facts_and_no_name_nor_sealed_text(booking, mailoutbox, person, farsi, athens):
    request = booking()

    interpreter_reminders_send()

    message = mailoutbox[0]
    text = f"{message.subject}\n{message.body}"
    start = timezone.localtime(request.starts_at)
    assert start.strftime("%d/%m/%Y") in text
    assert start.strftime("%H:%M") in text
    assert "45" in message.body
    assert farsi.name_el in message.body
    assert athens.name_el in message.body
    assert str(request.pk)[:8] in text
    assert reverse("interpreter-request-detail", args=[request.pk]) in message.body
    every_text = "\n".join(f"{m.subject}\n{m.body}" for m in mailoutbox)
    for secret in ("ΜΥΣΤΙΚΟΣ-ΛΟΓΟΣ", "ΜΥΣΤΙΚΗ-ΣΗΜΕΙΩΣΗ", person.given_name, person.family_name, "Zahra"):
        assert secret not in every_text  # in any of the reminders, the requester's as well


def test_a_second_run_sends_nothing(booking, mailoutbox):
    booking()
    interpreter_reminders_send()

    assert interpreter_reminders_send() == 0
    assert len(mailoutbox) == 2


def test_only_tomorrows_live_bookings_are_reminded(booking, mailoutbox, tomorrow_at, officer_with_mail):
    booking(starts_at=tomorrow_at(10) + dt.timedelta(days=1))
    cancelled = booking(starts_at=tomorrow_at(14))
    interpreter_request_cancel(request=cancelled, reason="Ακυρώθηκε", by=officer_with_mail)
    today = booking(starts_at=timezone.now() + dt.timedelta(minutes=30))
    if timezone.localtime(today.starts_at).date() != timezone.localdate():
        # Run late in the evening: "in 30 minutes" is already tomorrow, so leave it out.
        InterpreterRequest.objects.filter(pk=today.pk).delete()

    assert interpreter_reminders_send() == 0
    assert mailoutbox == []


def test_the_first_and_last_minute_of_tomorrow_count(
    booking, mailoutbox, tomorrow_at, athens, manager, farsi
):
    other = interpreter_create(
        centre=athens, name="Leila", gender="female", languages=[farsi], modes=["phone"], by=manager
    )
    booking(starts_at=tomorrow_at(0, 0))
    booking(starts_at=tomorrow_at(23, 59), interpreter=other)

    # Maryam and the requester for the first; only the requester for Leila, who has no e-mail.
    assert interpreter_reminders_send() == 3


def test_the_requester_alone_is_reminded_when_the_interpreter_has_no_email(booking, mailoutbox, maryam):
    maryam.email = ""
    maryam.save()
    booking()

    assert interpreter_reminders_send() == 1
    assert mailoutbox[0].to == ["desk@kem.example.org"]


def test_rebooking_another_interpreter_reminds_the_new_one(
    booking, mailoutbox, athens, manager, farsi, officer_with_mail
):
    request = booking()
    interpreter_reminders_send()
    leila = interpreter_create(
        centre=athens,
        name="Leila",
        gender="female",
        languages=[farsi],
        modes=["phone"],
        email="leila@mediators.example.org",
        by=manager,
    )
    interpreter_book(request=request, interpreter=leila, by=officer_with_mail)
    mailoutbox.clear()

    assert interpreter_reminders_send() == 2
    assert "leila@mediators.example.org" in [m.to[0] for m in mailoutbox]


def test_the_daily_task_runs_the_service(booking, mailoutbox):
    booking()

    assert interpreter_reminders.apply().get() == 2
    assert len(mailoutbox) == 2
