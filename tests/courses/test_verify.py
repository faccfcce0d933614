"""The public verification page: no log-in, valid / revoked / no such code, the holder's name as
printed (traced as a public check), not indexed, no referrer, and rate-limited per address."""

from __future__ import annotations

import pytest
from django.conf import settings as conf
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from courses.models import EnrolmentStatus
from courses.selectors.certificates import VERIFIED_ACTION, VERIFIER
from courses.services.certificates import certificate_issue
from kem.models import AccessEvent
from kem.vault.services import shred

pytestmark = pytest.mark.django_db

UNKNOWN = "There is no certificate with this code."


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The limit counts per address in the cache; each test starts with none spent.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificate(course_class, person, enrol_in, teacher):
    enrolment = enrol_in(course_class, person, status=EnrolmentStatus.GRADUATED, completed=True)
    return certificate_issue(enrolment=enrolment, by=teacher)


def _check(client, code: str, ip: str = "203.0.113.7"):
    """The answer in English (the page follows the language switcher's cookie)."""
    client.cookies[conf.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(reverse("certificate-verify-code", args=[code]), REMOTE_ADDR=ip)


def test_a_valid_code_shows_the_certificate_without_logging_in(client, certificate, course_class):
    response = _check(client, certificate.code)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-result="valid"' in html
    assert "Αμίνα Γιουσούφ (Amina Yusuf)" in html
    assert certificate.number in html
    assert course_class.start_date.strftime("%d/%m/%Y") in html
    assert course_class.end_date.strftime("%d/%m/%Y") in html
    assert response.context["course_class"] == course_class


def test_the_page_is_not_indexed_and_sends_no_referrer(client, certificate):
    response = _check(client, certificate.code)

    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]


def test_each_answer_with_a_name_is_traced_as_a_public_check(client, certificate, athens):
    _check(client, certificate.code, ip="198.51.100.23")

    event = AccessEvent.objects.get(action=VERIFIED_ACTION)
    assert (event.user, event.actor, event.subject_id, event.centre, event.ip) == (
        None,
        VERIFIER,
        certificate.enrolment.beneficiary_id,
        athens,
        "198.51.100.23",
    )
    assert "certificate.holder_name" in event.fields


def test_the_form_takes_a_code_typed_loosely(client, certificate):
    typed = certificate.code.replace("-", " ").lower()

    response = client.get(reverse("certificate-verify"), {"code": typed}, REMOTE_ADDR="203.0.113.8")

    assert 'data-result="valid"' in response.content.decode()


def test_the_bare_form_asks_for_a_code(client):
    response = client.get(reverse("certificate-verify"))

    assert response.status_code == 200
    assert 'data-form="verify"' in response.content.decode()
    assert "data-result" not in response.content.decode()


def test_a_wrong_code_and_a_malformed_one_get_the_same_answer(client, certificate):
    wrong = ("0" if certificate.code[0] != "0" else "1") + certificate.code[1:]

    answers = [_check(client, code) for code in (wrong, "not-a-code", "ABCDE")]

    for response in answers:
        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-result="unknown"' in html and UNKNOWN in html
        assert "Αμίνα" not in html
    assert not AccessEvent.objects.filter(action=VERIFIED_ACTION).exists()


def test_a_revoked_certificate_says_so(client, certificate):
    certificate.revoked_at = timezone.now()
    certificate.save()

    html = _check(client, certificate.code).content.decode()

    assert 'data-result="revoked"' in html
    assert "This certificate was revoked." in html


def test_the_certificate_of_an_erased_person_is_not_found(client, certificate):
    shred(certificate.enrolment.beneficiary)

    html = _check(client, certificate.code).content.decode()

    assert 'data-result="unknown"' in html


def test_too_many_checks_from_one_address_get_429(client, certificate, settings):
    settings.KEM_VERIFY_PER_MINUTE = 3

    statuses = [_check(client, certificate.code).status_code for _ in range(3)]
    limited = _check(client, certificate.code)
    elsewhere = _check(client, certificate.code, ip="192.0.2.44")

    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert "Too many checks" in limited.content.decode()
    assert "Αμίνα" not in limited.content.decode()
    assert limited["X-Robots-Tag"].startswith("noindex")
    assert elsewhere.status_code == 200
    assert AccessEvent.objects.filter(action=VERIFIED_ACTION).count() == 4


def test_rotating_x_forwarded_for_from_an_untrusted_client_does_not_bypass_the_limit(
    client, certificate, settings
):
    settings.KEM_VERIFY_PER_MINUTE = 3
    settings.KEM_TRUSTED_PROXIES = []

    statuses = [
        client.get(
            reverse("certificate-verify-code", args=[certificate.code]),
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(6)
    ]

    assert statuses == [200, 200, 200, 429, 429, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(client, certificate, settings):
    settings.KEM_VERIFY_PER_MINUTE = 2
    settings.KEM_TRUSTED_PROXIES = ["10.0.0.0/8"]

    def check(client_address: str, claimed: str = "") -> int:
        forwarded = f"{claimed}, {client_address}" if claimed else client_address
        return client.get(
            reverse("certificate-verify-code", args=[certificate.code]),
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code

    # One client rotating what it claims: the proxy's own entry decides, so it is limited.
    assert [check("198.51.100.1", claimed=f"192.0.2.{n}") for n in range(3)] == [200, 200, 429]
    # Another client behind the same proxy is counted apart.
    assert check("198.51.100.2") == 200


def test_a_malformed_x_forwarded_for_is_not_a_500(client, certificate, settings):
    settings.KEM_TRUSTED_PROXIES = ["127.0.0.1"]

    response = client.get(
        reverse("certificate-verify-code", args=[certificate.code]), HTTP_X_FORWARDED_FOR="not-an-ip"
    )

    assert response.status_code == 200
    assert AccessEvent.objects.get(action=VERIFIED_ACTION).ip == "127.0.0.1"
