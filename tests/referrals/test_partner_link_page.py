"""The partner's page behind the signed link: no login, only what the partner needs, one generic
page for every link that does not work, answers with CSRF, every use in the access log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kem.models import AccessEvent
from referrals.models import PartnerLink, ReferralStatus, Urgency
from referrals.services import links

pytestmark = pytest.mark.django_db

GENERIC = "This link does not work any more"


@pytest.fixture
def sent_referral(make_referral):
    return make_referral(status=ReferralStatus.SENT, sent_at=timezone.now(), urgency=Urgency.URGENT)


@pytest.fixture
def link(sent_referral, officer):
    return links.partner_link_send(referral=sent_referral, by=officer)


def page_url(token: str, lang: str = "en") -> str:
    return reverse("partner-referral", kwargs={"token": token}) + (f"?lang={lang}" if lang else "")


def url_of(link: PartnerLink, lang: str = "en") -> str:
    return page_url(links.link_token(link), lang)


def csrf_post(client: Client, url: str, data: dict):
    """GET the page first (as a browser does) and post its CSRF token back."""
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def test_the_page_shows_only_what_the_partner_needs_without_a_login(link, officer, client):
    response = client.get(url_of(link))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Αμίνα" in body
    assert "Shelter" in body and "Solidarity Shelter" in body
    assert "Urgent" in body and "KEM Athens" in body
    assert officer.get_full_name() in body
    for secret in ("Γιουσούφ", "Amina", "στέγη για την ίδια", "1991"):
        assert secret not in body
    assert 'data-action="accept"' in body and 'data-action="decline"' in body


def test_the_page_is_private_to_caches_robots_and_referrers(link, client):
    response = client.get(url_of(link))

    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_page_is_greek_by_default_and_english_on_request(link, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # a staff choice must not decide

    greek = client.get(url_of(link, lang=""))
    english = client.get(url_of(link, lang="en"))

    assert greek["Content-Language"] == "el" and '<html lang="el">' in greek.content.decode()
    assert "Φιλοξενία" in greek.content.decode()
    assert english["Content-Language"] == "en" and "Solidarity Shelter" in english.content.decode()


def test_each_view_is_in_the_access_log_and_marks_the_link_used(link, sent_referral, client):
    client.get(url_of(link))
    client.get(url_of(link))

    events = AccessEvent.objects.filter(action="referrals.partner_link.viewed")
    assert events.count() == 2
    event = events.first()
    assert event.user is None
    assert event.actor == f"partner:{sent_referral.service.organisation_id}"
    assert (event.subject_id, event.centre_id) == (sent_referral.beneficiary_id, sent_referral.centre_id)
    link.refresh_from_db()
    assert link.last_used_at is not None


def _forged(link: PartnerLink) -> str:
    token = links.link_token(link)
    return token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")


@pytest.mark.parametrize(
    ("make_token", "status"),
    [
        (_forged, 404),
        (
            lambda link: signing.Signer(salt="other").sign_object(
                {"l": str(link.pk), "r": str(link.referral_id)}
            ),
            404,
        ),
        (lambda link: signing.Signer().sign_object({"l": str(link.pk), "r": str(link.referral_id)}), 404),
        (lambda link: "not-a-token-at-all", 404),
    ],
    ids=["forged", "another-salt", "no-salt", "garbage"],
)
def test_a_wrong_token_gets_the_generic_page_with_404(link, client, make_token, status):
    response = client.get(page_url(make_token(link)))

    assert response.status_code == status
    assert GENERIC in response.content.decode()
    assert "Αμίνα" not in response.content.decode()


def test_a_token_for_a_deleted_link_gets_the_generic_page_with_404(link, client):
    url = url_of(link)
    PartnerLink.objects.filter(pk=link.pk).delete()

    response = client.get(url)

    assert response.status_code == 404
    assert GENERIC in response.content.decode()


def test_an_expired_link_gets_the_generic_page_with_410(link, client):
    PartnerLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))

    response = client.get(url_of(link))

    assert response.status_code == 410
    assert GENERIC in response.content.decode()
    assert "Αμίνα" not in response.content.decode()


def test_a_revoked_link_gets_the_generic_page_with_410(link, officer, client):
    links.partner_link_revoke(link=link, by=officer)

    response = client.get(url_of(link))

    assert response.status_code == 410
    assert GENERIC in response.content.decode()


def test_every_failing_link_reads_exactly_the_same(link, officer, client, make_referral):
    def main(response) -> str:
        return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)

    pages = [client.get(page_url(_forged(link))), client.get(page_url("x"))]
    expired = links.partner_link_send(referral=make_referral(status=ReferralStatus.SENT), by=officer)
    PartnerLink.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    pages.append(client.get(url_of(expired)))
    links.partner_link_revoke(link=link, by=officer)
    pages.append(client.get(url_of(link)))

    assert len({main(page) for page in pages}) == 1
    assert not AccessEvent.objects.filter(action="referrals.partner_link.viewed").exists()


def test_the_partner_accepts_with_csrf_and_without_a_login(link, sent_referral):
    client = Client(enforce_csrf_checks=True)

    response = csrf_post(client, url_of(link), {"answer": "accept"})

    assert response.status_code == 302
    sent_referral.refresh_from_db()
    assert sent_referral.status == ReferralStatus.ACCEPTED
    assert AccessEvent.objects.filter(action="referrals.partner_link.answered").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert 'data-form="outcome"' in page and "your answer is recorded" in page


def test_a_post_without_the_csrf_token_is_refused(link, sent_referral):
    response = Client(enforce_csrf_checks=True).post(url_of(link), {"answer": "accept"})

    assert response.status_code == 403
    sent_referral.refresh_from_db()
    assert sent_referral.status == ReferralStatus.SENT


def test_declining_without_a_reason_keeps_the_page_with_the_error(link, sent_referral):
    client = Client(enforce_csrf_checks=True)

    response = csrf_post(client, url_of(link), {"answer": "decline", "decline-reason": ""})

    assert response.status_code == 400
    assert "Say why the referral is declined." in response.content.decode()
    sent_referral.refresh_from_db()
    assert sent_referral.status == ReferralStatus.SENT


def test_declining_with_a_reason_closes_the_referral(link, sent_referral):
    client = Client(enforce_csrf_checks=True)

    csrf_post(client, url_of(link), {"answer": "decline", "decline-reason": "Χωρίς θέσεις"})

    sent_referral.refresh_from_db()
    assert sent_referral.status == ReferralStatus.DECLINED
    assert sent_referral.decline_reason == "Χωρίς θέσεις"
    page = client.get(url_of(link)).content.decode()
    assert "data-closed" in page and "Χωρίς θέσεις" not in page


def test_the_outcome_is_recorded_through_the_page(link, sent_referral):
    client = Client(enforce_csrf_checks=True)
    csrf_post(client, url_of(link), {"answer": "accept"})

    csrf_post(
        client,
        url_of(link),
        {"answer": "outcome", "outcome-successful": "yes", "outcome-reason": "Στεγάστηκε"},
    )

    sent_referral.refresh_from_db()
    assert sent_referral.status == ReferralStatus.COMPLETED
    assert sent_referral.outcome_successful is True
    page = client.get(url_of(link)).content.decode()
    assert "Στεγάστηκε" not in page


def test_withdrawing_the_referral_stops_its_link(link, sent_referral, officer, client):
    from referrals.services.referrals import referral_withdraw

    assert client.get(url_of(link)).status_code == 200
    referral_withdraw(referral=sent_referral, by=officer)

    response = client.get(url_of(link))
    assert response.status_code == 410
    assert "Αμίνα" not in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_by == officer


def test_an_answer_that_no_longer_fits_shows_a_message_not_an_error(link, sent_referral, officer):
    client = Client(enforce_csrf_checks=True)
    page = client.get(url_of(link))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    from referrals.services.transitions import referral_transition

    referral_transition(referral=sent_referral, to_status=ReferralStatus.WITHDRAWN, by=officer)

    response = client.post(url_of(link), {"answer": "accept", "csrfmiddlewaretoken": token})

    assert response.status_code == 400
    assert "data-error" in response.content.decode()
    sent_referral.refresh_from_db()
    assert sent_referral.status == ReferralStatus.WITHDRAWN


# --- rate limit ---------------------------------------------------------------------------------


def test_too_many_openings_from_one_address_get_429(link, client, settings):
    settings.KEM_PARTNER_LINK_PER_MINUTE = 3

    statuses = [client.get(url_of(link), REMOTE_ADDR="203.0.113.7").status_code for _ in range(4)]
    elsewhere = client.get(url_of(link), REMOTE_ADDR="192.0.2.44")

    assert statuses == [200, 200, 200, 429]
    limited = client.get(url_of(link), REMOTE_ADDR="203.0.113.7")
    assert "Too many requests" in limited.content.decode()
    assert "Αμίνα" not in limited.content.decode()
    assert limited["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in limited["Cache-Control"]
    assert elsewhere.status_code == 200


def test_guessing_tokens_is_limited_like_opening_a_real_link(client, settings):
    settings.KEM_PARTNER_LINK_PER_MINUTE = 5

    statuses = [client.get(page_url(f"guess-{n}"), REMOTE_ADDR="203.0.113.8").status_code for n in range(7)]

    assert statuses == [404] * 5 + [429] * 2


def test_posting_answers_counts_towards_the_limit(link, client, settings):
    settings.KEM_PARTNER_LINK_PER_MINUTE = 2
    client.get(url_of(link))

    assert client.post(url_of(link), {"answer": "nonsense"}).status_code == 400
    assert client.post(url_of(link), {"answer": "nonsense"}).status_code == 429


def test_rotating_x_forwarded_for_from_an_untrusted_client_does_not_bypass_the_limit(link, client, settings):
    settings.KEM_PARTNER_LINK_PER_MINUTE = 3
    settings.KEM_TRUSTED_PROXIES = []

    statuses = [
        client.get(
            url_of(link), REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(6)
    ]

    assert statuses == [200, 200, 200, 429, 429, 429]


def test_the_limited_page_follows_the_partners_language(link, client, settings):
    settings.KEM_PARTNER_LINK_PER_MINUTE = 1
    client.get(url_of(link, lang="el"))

    limited = client.get(url_of(link, lang=""))

    assert limited.status_code == 429
    assert limited["Content-Language"] == "el" and '<html lang="el">' in limited.content.decode()
