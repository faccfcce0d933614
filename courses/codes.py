"""Certificate verification codes: unguessable, and easy to read aloud and type.

A code is 100 random bits (``secrets``) written in Crockford's base32 — digits and capitals
without I, L, O and U, so nothing is mistaken for something else — in four groups of five:
``7K2QF-M9XHD-R4TZA-0WBCE``. Reading a typed code forgives case, spaces, dashes, and the letters
people type for look-alike digits (O for 0, I and L for 1).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHARS = 20  # 5 bits each: 100 bits
GROUP = 5
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _grouped(chars: str) -> str:
    return "-".join(chars[i : i + GROUP] for i in range(0, len(chars), GROUP))


def new_code() -> str:
    """A fresh random code in its printed form."""
    return _grouped("".join(secrets.choice(ALPHABET) for _ in range(CHARS)))


def normalise_code(text: str) -> str | None:
    """The printed form of a typed code, or None when it cannot be a code at all."""
    cleaned = "".join((text or "").split()).replace("-", "").upper().translate(_LOOK_ALIKES)
    if len(cleaned) != CHARS or any(char not in ALPHABET for char in cleaned):
        return None
    return _grouped(cleaned)
