"""django-simple-history keeps envelopes, never plaintext."""

from __future__ import annotations

import pytest
from django.db import connection

from kem.models import Beneficiary

pytestmark = pytest.mark.django_db

SEALED_COLUMNS = ("given_name", "family_name", "phone", "date_of_birth", "id_numbers", "notes")


def historical_rows(person: Beneficiary) -> list[tuple]:
    table = connection.ops.quote_name(Beneficiary.history.model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in SEALED_COLUMNS)
    key = person.pk.hex if connection.vendor == "sqlite" else person.pk
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s ORDER BY history_id", [key])  # noqa: S608
        return cursor.fetchall()


def test_history_rows_hold_envelopes_only(full_person):
    full_person.notes = "Δεύτερη σημείωση"
    full_person.save()
    rows = historical_rows(full_person)
    assert len(rows) == 2
    for row in rows:
        assert all(value.startswith("kem1:") for value in row)
        text = repr(row)
        # Whole values only: a 3-digit piece of a phone turns up in random base64 now and then.
        for plaintext in (
            "Μοχάμεντ",
            "Χασάν",
            "+30 694 123 4567",
            "6941234567",
            "17059012345",
            "σημείωση",
            "1990-05-17",
        ):
            assert plaintext not in text


def test_history_copies_the_envelope_of_the_row(full_person):
    record = full_person.history.latest()
    assert record.family_name_sealed == full_person.family_name_sealed


def test_historical_values_open_through_the_record_instance(full_person):
    full_person.notes = "Δεύτερη σημείωση"
    full_person.save()
    first, second = full_person.history.order_by("history_id")
    assert first.instance.notes == "Χρειάζεται διερμηνέα αραβικών."
    assert second.instance.notes == "Δεύτερη σημείωση"
    assert first.instance.id_numbers["passport"] == "P1234567"


def test_historical_sealed_fields_cannot_be_queried(full_person):
    from kem.vault.errors import SealedLookupError

    with pytest.raises(SealedLookupError):
        list(Beneficiary.history.filter(family_name_sealed="x"))
