"""Follow-up: sent referrals past their follow-up date are marked overdue (once), and the centre's
overdue and awaiting referrals sit on the front-desk and manager home panels."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kem.models import Role
from referrals.models import Referral, ReferralStatus
from referrals.selectors.followup import SHOWN, referral_followup
from referrals.services.followup import referrals_mark_overdue
from referrals.tasks import referrals_mark_overdue as overdue_task

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 3, 10)


@pytest.fixture
def sent(make_referral):
    def make(follow_up_on, **fields):
        return make_referral(
            status=ReferralStatus.SENT, sent_at=timezone.now(), follow_up_on=follow_up_on, **fields
        )

    return make


def test_a_sent_referral_past_its_follow_up_date_becomes_overdue(sent):
    late = sent(TODAY - dt.timedelta(days=1))
    due_today = sent(TODAY)
    no_date = sent(None)

    assert referrals_mark_overdue(today=TODAY) == 1

    late.refresh_from_db()
    due_today.refresh_from_db()
    no_date.refresh_from_db()
    assert late.overdue_since == TODAY and late.is_overdue
    assert due_today.overdue_since is None and no_date.overdue_since is None


def test_only_referrals_awaiting_an_answer_become_overdue(make_referral):
    past = TODAY - dt.timedelta(days=5)
    for status in (
        ReferralStatus.DRAFT,
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.WITHDRAWN,
    ):
        make_referral(status=status, follow_up_on=past)

    assert referrals_mark_overdue(today=TODAY) == 0
    assert not Referral.objects.filter(overdue_since__isnull=False).exists()


def test_marking_is_done_once_and_keeps_the_first_day(sent):
    late = sent(TODAY - dt.timedelta(days=3))
    referrals_mark_overdue(today=TODAY)

    assert referrals_mark_overdue(today=TODAY) == 0
    assert referrals_mark_overdue(today=TODAY + dt.timedelta(days=1)) == 0

    late.refresh_from_db()
    assert late.overdue_since == TODAY
    assert late.history.filter(overdue_since=TODAY).count() == 1


def test_the_mark_is_in_the_history(sent):
    late = sent(TODAY - dt.timedelta(days=1))

    referrals_mark_overdue(today=TODAY)

    latest = late.history.first()
    assert latest.overdue_since == TODAY and latest.history_user is None


def test_the_task_marks_with_todays_date(sent):
    late = sent(timezone.localdate() - dt.timedelta(days=2))

    assert overdue_task.delay().get() == 1

    late.refresh_from_db()
    assert late.overdue_since == timezone.localdate()


# --- the home panels ---------------------------------------------------------------------------


def test_the_front_desk_home_shows_overdue_and_awaiting_referrals(client, officer, sent):
    late = sent(timezone.localdate() - dt.timedelta(days=2))
    waiting = sent(timezone.localdate() + dt.timedelta(days=5))
    referrals_mark_overdue()
    client.force_login(officer)

    body = client.get(reverse("home")).content.decode()

    assert body.count('data-panel="referral-followup"') == 1
    assert f'data-referral="{late.pk}" data-overdue="true"' in body
    assert f'data-referral="{waiting.pk}"' in body
    assert late.get_absolute_url() in body
    assert "Αμίνα Γιουσούφ" in body
    assert "Solidarity Shelter" in body or "Στέγη Αλληλεγγύης" in body
    assert 'data-count="overdue" data-n="1"' in body and 'data-count="awaiting" data-n="1"' in body


def test_the_manager_home_shows_the_block_too(client, manager, sent):
    sent(timezone.localdate() + dt.timedelta(days=5))
    client.force_login(manager)

    body = client.get(reverse("home")).content.decode()

    assert 'data-count="awaiting" data-n="1"' in body


def test_a_front_desk_manager_sees_the_block_once(client, manager, athens, sent):
    from kem import services

    services.membership_grant(centre=athens, user=manager, role=Role.FRONT_DESK)
    sent(timezone.localdate() + dt.timedelta(days=5))
    client.force_login(manager)

    body = client.get(reverse("home")).content.decode()

    assert body.count('data-panel="referral-followup"') == 1


def test_other_roles_and_centres_do_not_see_the_block(client, teacher, other_officer, sent):
    sent(timezone.localdate() + dt.timedelta(days=5))
    for user in (teacher, other_officer):
        client.force_login(user)
        body = client.get(reverse("home")).content.decode()
        assert 'data-count="awaiting" data-n="1"' not in body
        assert "Αμίνα" not in body


def test_an_empty_block_says_what_will_appear(client, officer):
    client.force_login(officer)

    body = client.get(reverse("home")).content.decode()

    assert 'data-empty="referral-followup"' in body


def test_the_lists_are_capped_and_the_counts_are_whole(officer, athens, sent):
    for _ in range(SHOWN + 2):
        sent(timezone.localdate() + dt.timedelta(days=3))

    followup = referral_followup(centre=athens, user=officer)

    assert len(followup["awaiting"]) == SHOWN
    assert followup["awaiting_count"] == SHOWN + 2


def _home_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries)


def test_the_block_costs_the_same_queries_for_3_or_30_referrals(client, officer, athens, sent):
    from kem import services

    def add(n: int) -> None:
        for i in range(n):
            person = services.beneficiary_register(
                centre=athens,
                by=officer,
                data={"given_name": f"Όνομα{i}", "family_name": f"Επώνυμο{i}"},
                check_duplicates=False,
            )
            days = dt.timedelta(days=1 + i % 3)
            sent(timezone.localdate() + days, beneficiary=person)
            sent(timezone.localdate() - days, beneficiary=person)
        referrals_mark_overdue()

    add(3)
    few = _home_queries(client, officer)
    add(27)
    many = _home_queries(client, officer)

    assert many == few
