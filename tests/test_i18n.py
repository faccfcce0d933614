"""Greek first, English second: both catalogues complete and in step with the source."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ["config", "kem", "cases", "courses", "referrals", "locale"]


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", ["el", "en"])
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)

    untranslated = [e.msgid for e in po if not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]

    assert len(po) > 50
    assert untranslated == []
    assert fuzzy == []
    assert not po.metadata_is_fuzzy


def test_the_greek_catalogue_is_really_greek():
    po = catalogue("el")

    not_greek = [
        e.msgid
        for e in po
        if not any("\u0370" <= ch <= "\u03ff" for ch in e.msgstr + "".join(e.msgstr_plural.values()))
        and e.msgid not in {"KEM"}
    ]

    assert not_greek == [], "entries copied from English instead of translated"


@pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="needs GNU gettext's xgettext to extract messages"
)
def test_the_catalogues_hold_every_string_of_the_source(tmp_path):
    for name in [*SOURCE_DIRS, "manage.py"]:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(src, tmp_path / name)
    env = {**os.environ, "KEM_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "el", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=120,
    )

    extracted = {
        (e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / "locale/el/LC_MESSAGES/django.po"))
    }
    committed = {(e.msgctxt, e.msgid) for e in catalogue("el")}

    assert extracted - committed == set(), "run: python manage.py sync_catalogues, then translate"


@pytest.mark.django_db
def test_pages_are_greek_by_default_and_english_on_request(client: Client):
    greek = client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    english = client.get(reverse("login")).content.decode()

    assert 'lang="el"' in greek and "Σύνδεση" in greek
    assert 'lang="en"' in english and "Log in" in english


@pytest.mark.django_db
def test_an_english_browser_still_gets_greek_until_the_switcher_is_used(client: Client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert 'lang="el"' in html
