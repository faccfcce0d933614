"""Pseudonyms: full-length keyed HMACs of row ids, for facts kept apart from the rows they are about.

A statistical fact about a person (``kem.models.SpecialCategoryFact``) is stored under
``pseudonym(label, person id)`` instead of the person's id or a foreign key, so that a dump of
the database alone cannot tell whose fact it is: the HMAC key (derived from the wrapped
``PseudonymKey``) is not in the data backup, and without it nobody can compute the pseudonym of
a given id. The running server, which has the root key, computes the pseudonyms of the people a
report counts and looks their facts up, without opening anybody's sealed data.

Pseudonyms are 256 bits (no truncation): counts built on them are exact. The key is read once
per request (``key_cache``) and its derived HMAC key is remembered per process and root keyring,
like the blind-index keys; it is not per person, so shredding has nothing to erase here.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from django.db import transaction

from kem.vault import crypto, keycache
from kem.vault.keyring import root_keyring
from kem.vault.models import PseudonymKey

VERSION = 1
INFO = b"kem/v1/pseudonym"

_derived: dict[tuple[Any, str], bytes] = {}


def _key_row() -> PseudonymKey:
    row = PseudonymKey.objects.filter(version=VERSION).first()
    if row is None:
        with transaction.atomic():
            row, created = PseudonymKey.objects.get_or_create(version=VERSION, defaults={"wrapped_key": ""})
            if created:
                row.wrap(crypto.new_key())
                row.save(update_fields=["wrapped_key", "root_key_id"])
    return row


def _hmac_key() -> bytes:
    row: PseudonymKey = keycache.remembered(("pseudonym-key",), _key_row)
    cache_key = (root_keyring(), row.wrapped_key)
    key = _derived.get(cache_key)
    if key is None:
        _derived.clear()
        key = _derived[cache_key] = crypto.derive(row.unwrap(), INFO)
    return key


def pseudonymiser(label: str) -> Callable[[Any], str]:
    """A function from a row id to its pseudonym under ``label`` (e.g. the table's name).

    Reads the key once; use it for every id of one report or one batch of writes.
    """
    key = _hmac_key()
    prefix = f"{label}:".encode()

    def pseudonym(row_id: Any) -> str:
        return hmac.new(key, prefix + str(row_id).encode("utf-8"), hashlib.sha256).hexdigest()

    return pseudonym


def pseudonym(label: str, row_id: Any) -> str:
    """The pseudonym of one row id under ``label``."""
    return pseudonymiser(label)(row_id)
