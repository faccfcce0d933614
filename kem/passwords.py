"""A password validator against the words of this place (ASVS 6.2.11): the product, the centre,
its cities and its roles are the first words someone guessing a staff password tries.

A password is refused when, after every listed word, every digit and every symbol is taken out,
fewer than ``min_letters`` letters are left: "Kem2026kem!!" and "Kentro-Athens-2026" leave none,
"MyDogLovesKem2026" leaves ten and is accepted. Words are compared without case or accents, so
"ΚΈΝΤΡΟ" and "kentro" are both caught. ``KEM_PASSWORD_CONTEXT_WORDS`` adds a deployment's own
words (its municipality, its street) to the list below.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The product, the kind of centre, the cities of the network, the roles, and the usual suspects.
CONTEXT_WORDS: tuple[str, ...] = (
    "kem",
    "κεμ",
    "kentro",
    "κεντρο",
    "centre",
    "center",
    "entaxis",
    "ενταξης",
    "ενταξη",
    "metanaston",
    "μεταναστων",
    "μεταναστ",
    "migrant",
    "integration",
    "dimos",
    "δημος",
    "δημου",
    "athens",
    "athina",
    "αθηνα",
    "αθηνων",
    "αθηναιων",
    "thessaloniki",
    "θεσσαλονικη",
    "piraeus",
    "πειραιας",
    "patra",
    "πατρα",
    "heraklion",
    "ηρακλειο",
    "ioannina",
    "ιωαννινα",
    "larisa",
    "λαρισα",
    "frontdesk",
    "reception",
    "υποδοχη",
    "counsellor",
    "counselor",
    "συμβουλος",
    "teacher",
    "εκπαιδευτικος",
    "manager",
    "υπευθυνος",
    "analyst",
    "αναλυτης",
    "dpo",
    "admin",
    "staff",
    "password",
    "kodikos",
    "κωδικος",
    "welcome",
    "kalimera",
    "καλημερα",
)


def fold(text: str) -> str:
    """Lower case without accents ("ΚΈΝΤΡΟ" -> "κεντρο")."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class ContextWordsValidator:
    def __init__(self, min_letters: int = 6) -> None:
        self.min_letters = min_letters

    def words(self) -> list[str]:
        extra = getattr(settings, "KEM_PASSWORD_CONTEXT_WORDS", ())
        words = {fold(word) for word in (*CONTEXT_WORDS, *extra) if word}
        return sorted(words, key=len, reverse=True)

    def validate(self, password: str, user: Any = None) -> None:
        rest = fold(password)
        pattern = "|".join(re.escape(word) for word in self.words())
        if pattern:
            rest = re.sub(pattern, "", rest)
        letters = sum(1 for ch in rest if ch.isalpha())
        if letters < self.min_letters:
            raise ValidationError(
                _(
                    "This password is made mostly of words anyone would guess here (the centre, "
                    "the city, a role, KEM) and digits. Add at least %(count)d letters of your own."
                ),
                code="password_context_words",
                params={"count": self.min_letters},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password cannot be made mostly of the centre's, the city's or a role's name and digits."
        )
