"""Every move of TRANSITIONS is allowed, every other pair is refused — through
``referral_transition`` and through the staff services that use it."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError

from referrals.models import TRANSITIONS, Referral, ReferralStatus, ReferralStep
from referrals.services.referrals import referral_record_answer, referral_record_outcome, referral_withdraw
from referrals.services.transitions import referral_transition

pytestmark = pytest.mark.django_db

PAIRS = list(itertools.product(ReferralStatus.values, repeat=2))
ALLOWED = [(a, b) for a, b in PAIRS if b in TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in PAIRS if b not in TRANSITIONS[a]]
# What a move needs with it (reasons are required where the issue says).
FIELDS = {
    ReferralStatus.DECLINED: {"decline_reason": "Δεν υπάρχει θέση."},
    ReferralStatus.COMPLETED: {"outcome_successful": True, "outcome_reason": "Βρήκε στέγη."},
}


def test_the_table_is_what_the_issue_says():
    assert ALLOWED == [
        ("draft", "sent"),
        ("draft", "withdrawn"),
        ("sent", "accepted"),
        ("sent", "declined"),
        ("sent", "withdrawn"),
        ("accepted", "completed"),
        ("accepted", "withdrawn"),
    ]
    assert len(REFUSED) == 36 - 7


def _in(make_referral, status: str) -> Referral:
    referral = make_referral()
    Referral.objects.filter(pk=referral.pk).update(status=status)
    referral.refresh_from_db()
    return referral


@pytest.mark.parametrize(("current", "to"), ALLOWED)
def test_an_allowed_move_is_made_and_recorded(make_referral, officer, current, to):
    referral = _in(make_referral, current)

    referral_transition(referral=referral, to_status=to, by=officer, **FIELDS.get(to, {}))

    assert Referral.objects.get(pk=referral.pk).status == to
    step = ReferralStep.objects.get(referral=referral)
    assert (step.from_status, step.to_status, step.by) == (current, to, officer)


@pytest.mark.parametrize(("current", "to"), REFUSED)
def test_any_other_move_is_refused_and_nothing_changes(make_referral, officer, current, to):
    referral = _in(make_referral, current)

    with pytest.raises(ValidationError) as refused:
        referral_transition(referral=referral, to_status=to, by=officer, **FIELDS.get(to, {}))

    assert [e.code for e in refused.value.error_list] == ["transition_not_allowed"]
    assert Referral.objects.get(pk=referral.pk).status == current
    assert not ReferralStep.objects.exists()


@pytest.mark.parametrize("current", ReferralStatus.values)
def test_withdrawing_follows_the_table(make_referral, officer, current):
    referral = _in(make_referral, current)
    allowed = ReferralStatus.WITHDRAWN in TRANSITIONS[current]

    if allowed:
        referral_withdraw(referral=referral, by=officer)
    else:
        with pytest.raises(ValidationError):
            referral_withdraw(referral=referral, by=officer)

    expected = ReferralStatus.WITHDRAWN if allowed else current
    assert Referral.objects.get(pk=referral.pk).status == expected


@pytest.mark.parametrize("current", ReferralStatus.values)
@pytest.mark.parametrize("accepted", [True, False])
def test_an_answer_is_recorded_only_for_a_sent_referral(make_referral, officer, current, accepted):
    referral = _in(make_referral, current)

    if current == ReferralStatus.SENT:
        referral_record_answer(referral=referral, accepted=accepted, decline_reason="Γεμάτοι.", by=officer)
        expected = ReferralStatus.ACCEPTED if accepted else ReferralStatus.DECLINED
    else:
        with pytest.raises(ValidationError) as refused:
            referral_record_answer(referral=referral, accepted=accepted, decline_reason="", by=officer)
        assert [e.code for e in refused.value.error_list] == ["transition_not_allowed"]
        expected = current
    assert Referral.objects.get(pk=referral.pk).status == expected


@pytest.mark.parametrize("current", ReferralStatus.values)
def test_an_outcome_is_recorded_only_for_an_accepted_referral(make_referral, officer, current):
    referral = _in(make_referral, current)

    if current == ReferralStatus.ACCEPTED:
        referral_record_outcome(referral=referral, successful=True, reason="Βρήκε στέγη.", by=officer)
        expected = ReferralStatus.COMPLETED
    else:
        with pytest.raises(ValidationError) as refused:
            referral_record_outcome(referral=referral, successful=True, reason="", by=officer)
        assert [e.code for e in refused.value.error_list] == ["transition_not_allowed"]
        expected = current
    assert Referral.objects.get(pk=referral.pk).status == expected


def test_a_stale_copy_cannot_overwrite_a_newer_status(make_referral, officer):
    """The row is read again under lock: a copy loaded before a withdrawal cannot accept."""
    referral = _in(make_referral, ReferralStatus.SENT)
    stale = Referral.objects.get(pk=referral.pk)
    referral_withdraw(referral=referral, by=officer)

    with pytest.raises(ValidationError):
        referral_record_answer(referral=stale, accepted=True, by=officer)

    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.WITHDRAWN
