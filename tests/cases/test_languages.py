"""Interpreting languages: the seeded list, ISO 639 codes, the managers' pages.

Languages are the network's, not a centre's: any centre's manager keeps them, those who book
interpreters may look, and there is no other centre's language to answer 404 for: an unknown
one is the 404.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.models import Language
from cases.services.interpreters import iso639_check, language_create, language_deactivate, language_update
from kem.models import Role

pytestmark = pytest.mark.django_db


def _post(**fields):
    return {"code": "am", "dialect": "", "name_el": "Αμχαρικά", "name_en": "Amharic", **fields}


# --- the list and its codes --------------------------------------------------------------------


def test_the_migration_seeds_the_languages_centres_meet_most(db):
    codes = set(Language.objects.values_list("code", "dialect"))

    assert {("fa", ""), ("prs", ""), ("ar", "levantine"), ("ti", ""), ("uk", "")} <= codes
    assert Language.objects.filter(active=True).count() == Language.objects.count()


@pytest.mark.parametrize(("typed", "stored"), [("fa", "fa"), (" PRS ", "prs"), ("kmr", "kmr")])
def test_an_iso_639_code_is_two_or_three_letters_stored_lowercase(typed, stored):
    assert iso639_check(typed) == stored


@pytest.mark.parametrize("code", ["", "f", "fars", "f4", "fa-IR", "und", "mul", "zxx", "qaa", "qtz"])
def test_what_is_not_an_iso_639_language_code_is_refused(code):
    with pytest.raises(ValidationError) as caught:
        iso639_check(code)

    assert caught.value.error_dict["code"][0].code == "iso639"


# --- services ----------------------------------------------------------------------------------


def test_a_manager_adds_a_language_with_a_dialect(manager):
    language = language_create(
        code="AR", dialect=" sudanese ", name_el="Αραβικά (Σουδάν)", name_en="Arabic (Sudanese)", by=manager
    )

    assert (language.code, language.dialect, language.active) == ("ar", "sudanese", True)
    assert language.history.get().history_user == manager


def test_the_same_language_and_dialect_is_listed_once(manager):
    with pytest.raises(ValidationError) as caught:
        language_create(code="ar", dialect="Levantine", name_el="Αραβικά", name_en="Arabic", by=manager)

    assert caught.value.error_dict["dialect"][0].code == "language_exists"


def test_only_managers_keep_the_languages(officer, psychologist):
    for user in (officer, psychologist):
        with pytest.raises(PermissionDenied):
            language_create(code="am", name_el="Αμχαρικά", name_en="Amharic", by=user)


def test_editing_and_deactivating_a_language(manager, farsi):
    language_update(
        language=farsi,
        code="fa",
        dialect="",
        name_el="Φαρσί (Περσικά)",
        name_en="Farsi (Persian)",
        active=True,
        by=manager,
    )
    language_deactivate(language=farsi, by=manager)

    farsi.refresh_from_db()
    assert (farsi.name_en, farsi.active) == ("Farsi (Persian)", False)
    with pytest.raises(ValidationError) as caught:
        language_deactivate(language=farsi, by=manager)
    assert caught.value.code == "already_inactive"


# --- pages -------------------------------------------------------------------------------------


def test_a_manager_sees_the_list_with_edit_links(client, manager, farsi):
    client.force_login(manager)

    response = client.get(reverse("language-list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-language="{farsi.pk}"' in html
    assert reverse("language-edit", args=[farsi.pk]) in html
    assert reverse("language-new") in html


def test_the_front_desk_may_look_at_the_list_but_not_change_it(client, officer, farsi):
    client.force_login(officer)

    listing = client.get(reverse("language-list"))

    assert listing.status_code == 200
    assert reverse("language-edit", args=[farsi.pk]) not in listing.content.decode()
    assert client.get(reverse("language-new")).status_code == 403
    assert client.post(reverse("language-new"), _post()).status_code == 403
    assert client.get(reverse("language-edit", args=[farsi.pk])).status_code == 403
    assert client.post(reverse("language-deactivate", args=[farsi.pk])).status_code == 403
    farsi.refresh_from_db()
    assert farsi.active
    assert not Language.objects.filter(code="am").exists()


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_book_interpreters_get_403_for_the_list(client, make_staff, athens, role):
    client.force_login(make_staff(role, athens))

    assert client.get(reverse("language-list")).status_code == 403


def test_an_unknown_language_is_404(client, manager):
    client.force_login(manager)

    assert client.get(reverse("language-edit", args=[999_999])).status_code == 404
    assert client.post(reverse("language-deactivate", args=[999_999])).status_code == 404


def test_a_manager_adds_a_language_from_the_page(client, manager):
    client.force_login(manager)

    response = client.post(reverse("language-new"), _post(code="AM"))

    assert response.status_code == 302
    assert Language.objects.filter(code="am", name_en="Amharic").exists()


def test_a_wrong_code_shows_the_error_by_the_field_and_keeps_the_input(client, manager):
    client.force_login(manager)

    response = client.post(reverse("language-new"), _post(code="amharic"))

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"code"}
    assert 'value="Αμχαρικά"' in response.content.decode()
    assert not Language.objects.filter(name_en="Amharic").exists()


def test_a_duplicate_shows_the_services_error_by_the_dialect(client, manager):
    client.force_login(manager)

    response = client.post(reverse("language-new"), _post(code="fa", name_en="Farsi again"))

    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["dialect"]] == ["language_exists"]


def test_a_manager_edits_a_language_and_can_reactivate_it(client, manager, farsi):
    client.force_login(manager)
    Language.objects.filter(pk=farsi.pk).update(active=False)

    response = client.post(
        reverse("language-edit", args=[farsi.pk]),
        _post(code="fa", name_el="Φαρσί", name_en="Farsi", active="on"),
    )

    farsi.refresh_from_db()
    assert response.status_code == 302
    assert farsi.active


def test_deactivating_asks_first(client, manager, farsi):
    client.force_login(manager)
    url = reverse("language-deactivate", args=[farsi.pk])

    confirmation = client.get(url)
    farsi.refresh_from_db()
    assert confirmation.status_code == 200 and farsi.active
    assert 'data-action="confirm"' in confirmation.content.decode()

    response = client.post(url)
    farsi.refresh_from_db()
    assert response.status_code == 302
    assert not farsi.active


def test_the_greek_list_shows_dialects_in_the_names_not_as_codes(client, manager):
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "el"

    html = client.get(reverse("language-list")).content.decode()

    assert "Αραβικά (Λεβαντίνικα)" in html and "Αραβικά (Ιρακινά)" in html
    for code in ("levantine", "iraqi", "maghrebi"):
        assert code not in html
