"""Exceptions of the vault. Messages name keys, tables, columns and row ids, never plaintext."""

from __future__ import annotations

from django.core.exceptions import FieldError


class VaultError(Exception):
    """Base class: a sealed value could not be sealed or opened."""


class EnvelopeFormatError(VaultError):
    """The stored text is not a vault envelope of a version this code knows."""


class UnknownKeyError(VaultError):
    """The envelope names a key that is not configured (a root key removed before rotation?)."""


class WrongKeyError(VaultError):
    """The envelope was sealed under another key than the one its owner holds."""


class TamperedError(VaultError):
    """Authentication failed: the envelope was altered, or moved to another row or column."""


class ShreddedError(VaultError):
    """The person's data key was destroyed: their sealed values can never be opened again."""


class MissingKeyError(VaultError):
    """A record has no person key to seal or open with (its owner is missing)."""


class SealedLookupError(FieldError, VaultError):
    """A query tried to compare a sealed field; only ``isnull`` is possible on ciphertext."""
