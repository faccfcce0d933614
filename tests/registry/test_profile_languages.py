"""The profile's languages row shows the person's languages, in the interface's language.

The base template's language switcher once named its list ``languages`` too, and the profile
showed the interface's language records (``{'bidi': False, 'code': 'el', …}``) instead."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"), [("el", "Αραβικά, Φαρσί (Περσικά)"), ("en", "Arabic, Farsi (Persian)")]
)
def test_the_languages_row_lists_the_persons_languages(client, register, officer, language, expected):
    person = register(languages=["ar", "fa"])
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    html = client.get(reverse("beneficiary-detail", args=[person.pk])).content.decode()

    assert expected in html
    assert "bidi" not in html and "name_local" not in html
    # The switcher still offers both interface languages.
    assert 'data-lang="el"' in html and 'data-lang="en"' in html
