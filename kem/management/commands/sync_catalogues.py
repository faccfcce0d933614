"""Refresh the catalogues from the source and list what still needs a Greek translation.

Runs ``makemessages`` for el and en (needs GNU gettext, a developer tool), then fills the English
catalogue with the English source text (English is the source language) and prints every Greek
entry that is untranslated or fuzzy, so a translator sees exactly what is left.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

IGNORE = [".venv", "var", "tests", "bench", "build", "node_modules"]


class Command(BaseCommand):
    help = "makemessages for el and en, fill en from the source, list Greek entries still to translate."

    def handle(self, *args, **options) -> None:
        # Unwrapped: one line per message, so an empty msgstr "" always means "not translated"
        # (wrapped long strings start with msgstr "" too, which misleads a grep).
        call_command(
            "makemessages",
            locale=["el", "en"],
            ignore_patterns=IGNORE,
            no_obsolete=True,
            no_wrap=True,
            verbosity=0,
        )
        base = Path(settings.LOCALE_PATHS[0])
        english = polib.pofile(str(base / "en/LC_MESSAGES/django.po"), wrapwidth=0)
        for entry in english:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        _set_header(english, "en")
        english.save()
        greek = polib.pofile(str(base / "el/LC_MESSAGES/django.po"), wrapwidth=0)
        _set_header(greek, "el")
        greek.save()
        missing = [e for e in greek if not e.translated() or "fuzzy" in e.flags]
        for entry in missing:
            self.stdout.write(f"untranslated: {entry.msgid!r}")
        if missing:
            raise CommandError(f"{len(missing)} Greek entries still need a translation")
        self.stdout.write(self.style.SUCCESS(f"catalogues complete: {len(greek)} entries"))


def _set_header(catalogue: polib.POFile, language: str) -> None:
    catalogue.metadata_is_fuzzy = False
    catalogue.header = "KEM back-office message catalogue."
    catalogue.metadata.update(
        {
            "Project-Id-Version": "kem-backoffice",
            "Language": language,
            "Language-Team": {"el": "Ελληνικά", "en": "English"}[language],
            "Last-Translator": "KEM developers",
        }
    )
    catalogue.metadata.pop("PO-Revision-Date", None)
    catalogue.metadata.pop("Report-Msgid-Bugs-To", None)
