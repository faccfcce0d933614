"""A referral's reason, a manager's override reason, the partner's decline reason and the outcome
are stored sealed: in the referral's row and in every history row."""

from __future__ import annotations

import pytest
from django.db import connection

from referrals.models import Referral
from referrals.services.referrals import (
    referral_create,
    referral_record_answer,
    referral_record_outcome,
    referral_send,
)

pytestmark = pytest.mark.django_db

ENVELOPE_PREFIX = "kem1:"
REASON = "Reason-plaintext-a41: fled violence at home"
OVERRIDE = "Override-plaintext-b52: sleeping rough tonight"
DECLINE = "Decline-plaintext-c63: no beds"
OUTCOME = "Outcome-plaintext-d74: housed with her children"
COLUMNS = ("reason", "override_reason", "decline_reason", "outcome_reason")
PLAINTEXTS = (REASON, OVERRIDE, DECLINE, OUTCOME)


def _raw(table: str, where: str = "", params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {table} {where}", params or [])  # noqa: S608
        return cursor.fetchall()


def _assert_sealed(rows: list[tuple]) -> None:
    for row in rows:
        for value in row:
            assert value.startswith(ENVELOPE_PREFIX)
            assert not any(text in value for text in PLAINTEXTS)


@pytest.fixture
def override_sent(person, athens, housing_partner, manager):
    referral = referral_create(
        beneficiary=person,
        centre=athens,
        service=housing_partner,
        reason=REASON,
        contact_person=manager,
        by=manager,
    )
    return referral_send(referral=referral, by=manager, override_reason=OVERRIDE)


def test_the_row_holds_envelopes_for_reason_and_override(override_sent):
    pk = Referral._meta.pk.get_db_prep_value(override_sent.pk, connection)

    [(reason, override, decline, outcome)] = _raw(Referral._meta.db_table, "WHERE id = %s", [pk])

    assert reason.startswith(ENVELOPE_PREFIX) and override.startswith(ENVELOPE_PREFIX)
    _assert_sealed([(reason, override, decline, outcome)])
    stored = Referral.objects.get(pk=override_sent.pk)
    assert (stored.reason, stored.override_reason) == (REASON, OVERRIDE)


def test_a_decline_reason_is_sealed_in_the_row_and_the_history(override_sent, manager):
    referral_record_answer(referral=override_sent, accepted=False, decline_reason=DECLINE, by=manager)

    pk = Referral._meta.pk.get_db_prep_value(override_sent.pk, connection)
    [row] = _raw(Referral._meta.db_table, "WHERE id = %s", [pk])
    history = _raw(Referral.history.model._meta.db_table)

    assert row[2].startswith(ENVELOPE_PREFIX)
    assert len(history) == 3
    assert all(r[2].startswith(ENVELOPE_PREFIX) for r in history)
    _assert_sealed([row, *history])


def test_an_outcome_is_sealed_in_the_row_and_every_history_row(override_sent, manager):
    referral_record_answer(referral=override_sent, accepted=True, by=manager)
    referral_record_outcome(referral=override_sent, successful=True, reason=OUTCOME, by=manager)

    pk = Referral._meta.pk.get_db_prep_value(override_sent.pk, connection)
    [row] = _raw(Referral._meta.db_table, "WHERE id = %s", [pk])
    history = _raw(Referral.history.model._meta.db_table)

    assert row[3].startswith(ENVELOPE_PREFIX)
    assert len(history) == 4
    assert all(r[0].startswith(ENVELOPE_PREFIX) and r[3].startswith(ENVELOPE_PREFIX) for r in history)
    _assert_sealed([row, *history])
    assert Referral.objects.get(pk=override_sent.pk).outcome_reason == OUTCOME
