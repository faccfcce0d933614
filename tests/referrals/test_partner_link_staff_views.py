"""The staff's link actions: revoke a partner's link, send a fresh one (ask first, then POST)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from referrals.models import PartnerLink, ReferralStatus
from referrals.services import links

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_referral(make_referral):
    return make_referral(status=ReferralStatus.SENT, sent_at=timezone.now())


@pytest.fixture
def link(sent_referral, officer):
    return links.partner_link_send(referral=sent_referral, by=officer)


def revoke_url(link: PartnerLink) -> str:
    return reverse("partner-link-revoke", kwargs={"pk": link.pk})


def resend_url(referral) -> str:
    return reverse("partner-link-resend", kwargs={"pk": referral.pk})


def test_revoking_asks_first(client, officer, link):
    client.force_login(officer)

    response = client.get(revoke_url(link))

    assert response.status_code == 200
    assert 'data-form="revoke-link"' in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_front_desk_revokes_a_link(client, officer, link, sent_referral):
    client.force_login(officer)

    response = client.post(revoke_url(link))

    assert response.status_code == 302
    assert response["Location"] == sent_referral.get_absolute_url()
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == officer


def test_a_teacher_of_the_centre_may_not_revoke(client, teacher, link):
    client.force_login(teacher)

    assert client.get(revoke_url(link)).status_code == 403
    assert client.post(revoke_url(link)).status_code == 403
    link.refresh_from_db()
    assert link.revoked_at is None


def test_another_centre_gets_404_for_a_link(client, other_officer, link):
    client.force_login(other_officer)

    assert client.post(revoke_url(link)).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_an_unknown_link_is_404(client, officer, db):
    client.force_login(officer)

    assert (
        client.get(
            reverse("partner-link-revoke", kwargs={"pk": "00000000-0000-0000-0000-000000000000"})
        ).status_code
        == 404
    )


def test_revoking_needs_a_login(client, link):
    response = client.post(revoke_url(link))

    assert response.status_code == 302 and "login" in response["Location"]


def test_the_manager_sends_a_fresh_link(client, manager, link, sent_referral):
    client.force_login(manager)
    mail.outbox.clear()

    assert 'data-form="resend-link"' in client.get(resend_url(sent_referral)).content.decode()
    response = client.post(resend_url(sent_referral))

    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    fresh = PartnerLink.objects.get(referral=sent_referral, revoked_at__isnull=True)
    assert links.link_url(fresh) in mail.outbox[0].body


def test_a_teacher_of_the_centre_may_not_resend(client, teacher, link, sent_referral):
    client.force_login(teacher)

    assert client.post(resend_url(sent_referral)).status_code == 403
    assert PartnerLink.objects.filter(referral=sent_referral).count() == 1


def test_another_centre_gets_404_when_resending(client, other_officer, link, sent_referral):
    client.force_login(other_officer)

    assert client.post(resend_url(sent_referral)).status_code == 404
    assert PartnerLink.objects.filter(referral=sent_referral).count() == 1


def test_resending_for_a_closed_referral_says_why(client, officer, make_referral, settings):
    closed = make_referral(status=ReferralStatus.DECLINED)
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post(resend_url(closed), follow=True)

    assert "Only a referral the partner still has to answer can have a link." in response.content.decode()
    assert not PartnerLink.objects.exists()
