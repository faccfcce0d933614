"""A session's summary and confidential note are stored sealed: in its row and in its history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from cases.models import Session, SessionMode
from cases.services.cases import session_log, session_record, session_schedule

pytestmark = pytest.mark.django_db

SUMMARY = "Summary-plaintext-4e1: talked about the family"
NOTE = "Note-plaintext-c07: disclosed a trauma"
ENVELOPE_PREFIX = "kem1:"


@pytest.fixture
def recorded(make_case, psychologist) -> Session:
    """An appointment whose time came, then recorded with a summary and a note."""
    case = make_case(psychologist)
    appointment = Session.objects.create(
        case=case,
        counsellor=psychologist,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        created_by=psychologist,
    )
    return session_record(
        session=appointment, summary=SUMMARY, confidential_note=NOTE, follow_up_on=None, by=psychologist
    )


def test_the_row_holds_envelopes_not_the_text(recorded):
    row = Session.objects.values("summary_sealed", "confidential_note_sealed").get(pk=recorded.pk)

    for value in row.values():
        assert value.startswith(ENVELOPE_PREFIX)
    assert SUMMARY not in str(row) and NOTE not in str(row)


def test_the_raw_columns_hold_envelopes_not_the_text(recorded):
    table = Session._meta.db_table
    pk = Session._meta.pk.get_db_prep_value(recorded.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT summary, confidential_note FROM {table} WHERE id = %s", [pk])  # noqa: S608
        rows = cursor.fetchall()

    [(summary, note)] = rows
    assert summary.startswith(ENVELOPE_PREFIX) and note.startswith(ENVELOPE_PREFIX)
    assert SUMMARY not in summary + note and NOTE not in summary + note


def test_every_history_row_holds_envelopes_not_the_text(recorded, psychologist):
    session_record(
        session=recorded,
        summary=SUMMARY + " (edited)",
        confidential_note=NOTE,
        follow_up_on=None,
        by=psychologist,
    )

    rows = list(recorded.history.values_list("summary_sealed", "confidential_note_sealed"))
    table = Session.history.model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT summary, confidential_note FROM {table}")  # noqa: S608
        raw = cursor.fetchall()

    assert len(rows) == len(raw) == 3
    for summary, note in rows + raw:
        assert summary.startswith(ENVELOPE_PREFIX) and note.startswith(ENVELOPE_PREFIX)
        assert SUMMARY not in summary + note and NOTE not in summary + note


def test_a_session_logged_in_one_go_is_sealed_too(make_case, psychologist):
    session = session_log(
        case=make_case(psychologist),
        starts_at=timezone.now() - dt.timedelta(hours=2),
        duration_minutes=30,
        mode=SessionMode.PHONE,
        summary=SUMMARY,
        confidential_note=NOTE,
        by=psychologist,
    )

    stored = Session.history.filter(id=session.pk).values("summary_sealed", "confidential_note_sealed").get()
    assert all(v.startswith(ENVELOPE_PREFIX) for v in stored.values())
    assert SUMMARY not in str(stored) and NOTE not in str(stored)


def test_the_text_opens_again_with_the_persons_key(recorded):
    fresh = Session.objects.select_related("case__beneficiary__person_key").get(pk=recorded.pk)

    assert (fresh.summary, fresh.confidential_note) == (SUMMARY, NOTE)


def test_an_appointment_has_no_text_to_leak(make_case, psychologist, tomorrow_at):
    appointment = session_schedule(
        case=make_case(psychologist),
        starts_at=tomorrow_at(10),
        duration_minutes=45,
        mode="in_person",
        by=psychologist,
    )

    row = Session.objects.values("summary_sealed").get(pk=appointment.pk)
    assert row["summary_sealed"] is None or row["summary_sealed"].startswith(ENVELOPE_PREFIX)
