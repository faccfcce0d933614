"""The partner's signed link: sending (e-mail, token), revoking, resolving a token, answering."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kem.models import AccessEvent
from referrals.models import PartnerLink, ReferralStatus, ReferralStep, Urgency
from referrals.services import links

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_referral(make_referral):
    return make_referral(status=ReferralStatus.SENT, sent_at=timezone.now(), urgency=Urgency.URGENT)


@pytest.fixture
def link(sent_referral, officer):
    return links.partner_link_send(referral=sent_referral, by=officer)


def test_sending_makes_a_link_that_expires_after_the_configured_days(sent_referral, officer, settings):
    settings.KEM_PARTNER_LINK_DAYS = 12

    link = links.partner_link_send(referral=sent_referral, by=officer)

    assert link.referral == sent_referral
    assert link.is_usable
    assert abs(link.expires_at - timezone.now() - dt.timedelta(days=12)) < dt.timedelta(minutes=1)
    assert link.history.first().history_user == officer


def test_sending_again_revokes_the_earlier_live_links(link, sent_referral, officer):
    fresh = links.partner_link_send(referral=sent_referral, by=officer)

    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == officer
    assert fresh.is_usable
    assert PartnerLink.objects.filter(referral=sent_referral, revoked_at__isnull=True).get() == fresh


def test_the_e_mail_goes_to_the_partner_with_only_what_it_needs(link, sent_referral, officer, settings):
    settings.KEM_SITE_URL = "https://kem.example.gr"
    mail.outbox.clear()
    links.partner_link_send(referral=sent_referral, by=officer)

    message = mail.outbox[0]
    assert message.to == ["intake@shelter.example.org"]
    assert "Αμίνα" in message.body
    assert "Shelter" in message.body and "Φιλοξενία" in message.body  # both languages
    assert str(Urgency.URGENT.label) in message.body
    assert "KEM Athens" in message.body and officer.get_full_name() in message.body
    fresh = PartnerLink.objects.get(referral=sent_referral, revoked_at__isnull=True)
    assert links.link_url(fresh) in message.body
    assert links.link_url(fresh).startswith("https://kem.example.gr/p/r/")
    for secret in ("Γιουσούφ", "Yusuf", "στέγη για την ίδια", "Amina"):
        assert secret not in message.body and secret not in message.subject


def test_the_disclosure_to_the_partner_is_in_the_access_log(link, sent_referral, officer):
    event = AccessEvent.objects.get(action="referrals.partner_link.sent")

    assert (event.user, event.subject_id, event.fields) == (
        officer,
        sent_referral.beneficiary_id,
        ["beneficiary.given_name"],
    )


def test_the_token_holds_only_the_link_and_referral_ids(link, sent_referral):
    payload = signing.Signer(salt=links.LINK_SALT).unsign_object(links.link_token(link))

    assert payload == {"l": str(link.pk), "r": str(sent_referral.pk)}


def test_only_referring_staff_of_the_centre_send_a_link(sent_referral, teacher, other_officer):
    for user in (teacher, other_officer):
        with pytest.raises(PermissionDenied):
            links.partner_link_send(referral=sent_referral, by=user)
    assert not PartnerLink.objects.exists()


def test_a_draft_or_closed_referral_gets_no_link(make_referral, officer):
    for status in (ReferralStatus.DRAFT, ReferralStatus.DECLINED, ReferralStatus.COMPLETED):
        with pytest.raises(ValidationError) as refused:
            links.partner_link_send(referral=make_referral(status=status), by=officer)
        assert refused.value.code == "link_not_needed"


def test_a_partner_without_an_e_mail_is_refused_clearly(sent_referral, officer):
    organisation = sent_referral.service.organisation
    organisation.email = ""
    organisation.save()

    with pytest.raises(ValidationError) as refused:
        links.partner_link_send(referral=sent_referral, by=officer)

    assert refused.value.code == "partner_without_email"
    assert not mail.outbox


def test_revoking_stops_the_link(link, officer):
    links.partner_link_revoke(link=link, by=officer)

    assert not link.is_usable
    with pytest.raises(links.LinkInvalid) as invalid:
        links.partner_link_resolve(links.link_token(link))
    assert invalid.value.status == 410


def test_revoking_twice_is_refused(link, officer):
    links.partner_link_revoke(link=link, by=officer)

    with pytest.raises(ValidationError):
        links.partner_link_revoke(link=link, by=officer)


def test_only_referring_staff_of_the_centre_revoke(link, teacher, other_officer):
    for user in (teacher, other_officer):
        with pytest.raises(PermissionDenied):
            links.partner_link_revoke(link=link, by=user)


def test_a_valid_token_resolves_to_its_link(link):
    assert links.partner_link_resolve(links.link_token(link)) == link


def test_an_expired_link_is_gone(link):
    PartnerLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    with pytest.raises(links.LinkInvalid) as invalid:
        links.partner_link_resolve(links.link_token(link))
    assert invalid.value.gone


def test_a_token_naming_another_referral_is_invalid(link, make_referral):
    other = make_referral(status=ReferralStatus.SENT)
    token = signing.Signer(salt=links.LINK_SALT).sign_object({"l": str(link.pk), "r": str(other.pk)})

    with pytest.raises(links.LinkInvalid) as invalid:
        links.partner_link_resolve(token)
    assert invalid.value.status == 404


@pytest.mark.parametrize(
    "token",
    [
        "",
        "nonsense",
        "a:b:c",
        signing.Signer(salt=links.LINK_SALT).sign_object("just text"),
        signing.Signer().sign_object({"l": "x"}),
    ],
)
def test_garbage_tokens_are_invalid(db, token):
    with pytest.raises(links.LinkInvalid):
        links.partner_link_resolve(token)


def test_accepting_moves_the_referral_as_the_partner(link, sent_referral):
    links.partner_link_answer(link=link, answer=links.Answer.ACCEPT)

    sent_referral.refresh_from_db()
    assert sent_referral.status == ReferralStatus.ACCEPTED
    step = ReferralStep.objects.get(referral=sent_referral, to_status=ReferralStatus.ACCEPTED)
    assert step.by is None and step.by_partner
    event = AccessEvent.objects.get(action="referrals.partner_link.answered")
    assert event.actor == f"partner:{sent_referral.service.organisation_id}" and event.user is None


def test_declining_needs_a_reason_and_seals_it(link, sent_referral):
    with pytest.raises(ValidationError) as refused:
        links.partner_link_answer(link=link, answer=links.Answer.DECLINE, reason="  ")
    assert "reason" in refused.value.error_dict

    links.partner_link_answer(link=link, answer=links.Answer.DECLINE, reason="Δεν έχουμε θέσεις.")

    sent_referral.refresh_from_db()
    assert sent_referral.status == ReferralStatus.DECLINED
    assert sent_referral.decline_reason == "Δεν έχουμε θέσεις."
    assert "Δεν έχουμε" not in (sent_referral.decline_reason_sealed or "")


def test_the_outcome_is_recorded_only_after_accepting(link, sent_referral):
    with pytest.raises(ValidationError) as refused:
        links.partner_link_answer(
            link=link, answer=links.Answer.OUTCOME, successful=True, reason="Στεγάστηκε."
        )
    assert refused.value.code == "transition_not_allowed"

    links.partner_link_answer(link=link, answer=links.Answer.ACCEPT)
    links.partner_link_answer(link=link, answer=links.Answer.OUTCOME, successful=False, reason="Δεν ήρθε.")

    sent_referral.refresh_from_db()
    assert sent_referral.status == ReferralStatus.COMPLETED
    assert sent_referral.outcome_successful is False
    assert sent_referral.outcome_reason == "Δεν ήρθε."


def test_a_revoked_link_cannot_answer(link, officer, sent_referral):
    links.partner_link_revoke(link=link, by=officer)

    with pytest.raises(ValidationError):
        links.partner_link_answer(link=link, answer=links.Answer.ACCEPT)
    sent_referral.refresh_from_db()
    assert sent_referral.status == ReferralStatus.SENT
