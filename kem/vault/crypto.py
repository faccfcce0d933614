"""AES-256-GCM envelopes and HKDF purpose keys: the only module that touches ``cryptography``.

Envelope (text, stored in a ``text`` column)::

    kem1:<key label>:<base64url without padding of nonce(12) | ciphertext | tag(16)>

``kem1`` is the format version. The key label names which key sealed it without tying values to
a person: a person's data key is named by its generation (``g1``, then ``g2`` after a re-key),
which every person shares, so a dump cannot link a person's values across tables by their
header; a root key (for wrapped keys) is named by :func:`key_id`, a labelled hash of the root key,
shared by every wrapped key. Envelopes written before generations were introduced name a data
key by its :func:`key_id`; they still open, and ``vault_rekey`` replaces them. The associated data
is the header ``kem1:<key label>`` plus a context string (table, column and row id), so a value
copied to another row or column, or re-labelled, fails to open. Plaintext is padded to a
multiple of 16 bytes (ISO/IEC 7816-4) so that lengths leak only coarsely.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kem.vault.errors import EnvelopeFormatError, TamperedError, WrongKeyError

VERSION = "kem1"
KEY_BYTES = 32
NONCE_BYTES = 12
PAD_BLOCK = 16
KEY_ID_LABEL = b"kem/v1/key-id"

INFO_SEAL = b"kem/v1/seal"
INFO_WRAP = b"kem/v1/wrap"
_HKDF_SALT = bytes(hashlib.sha256().digest_size)  # RFC 5869: no salt means HashLen zero bytes


def new_key() -> bytes:
    """32 random bytes from the operating system."""
    return os.urandom(KEY_BYTES)


def key_id(key: bytes) -> str:
    """A short public name for a key: 12 hex digits of a labelled SHA-256 (never the key)."""
    return hashlib.sha256(KEY_ID_LABEL + key).hexdigest()[:12]


def derive(key: bytes, info: bytes) -> bytes:
    """A 32-byte purpose key derived from ``key`` with HKDF-SHA256 (RFC 5869) and the label ``info``.

    One output block of HKDF is two HMACs: extract with the default salt (32 zero bytes), then
    expand with ``info || 0x01``. Written with ``hmac`` because ``cryptography``'s HKDF object
    costs about 20 microseconds to set up, and a search derives one key per person it opens;
    ``tests/vault/test_crypto.py`` checks the output against ``cryptography``'s HKDF.
    """
    prk = hmac.digest(_HKDF_SALT, key, "sha256")
    return hmac.digest(prk, info + b"\x01", "sha256")


def blind_digest(key: bytes, term: str, bits: int) -> int:
    """HMAC-SHA256 of ``term`` under ``key``, truncated to its first ``bits`` bits."""
    mac = hmac.new(key, term.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(mac[:4], "big") >> (32 - bits)


def _pad(data: bytes) -> bytes:
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % PAD_BLOCK)


def _unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise TamperedError("Padding is malformed.")
    return stripped[:-1]


@dataclass(frozen=True)
class Sealer:
    """Seals and opens envelopes under one key. ``repr`` shows the key label only.

    ``legacy_kid`` is the hash-based id envelopes of this key carried before labels existed: they
    still open (the header they carry is what their associated data was made with).
    """

    kid: str
    aead: AESGCM = field(repr=False)
    legacy_kid: str | None = field(default=None, repr=False)

    @classmethod
    def for_key(cls, key: bytes, *, info: bytes, label: str | None = None) -> Sealer:
        """A sealer whose AES key is derived from ``key`` for the purpose ``info``.

        ``label`` names the key in envelopes (a person key's generation); without one the key is
        named by :func:`key_id`, as root keys are.
        """
        if label is None:
            return cls(kid=key_id(key), aead=AESGCM(derive(key, info)))
        return cls(kid=label, aead=AESGCM(derive(key, info)), legacy_kid=key_id(key))

    @classmethod
    def direct(cls, key: bytes, *, label: str) -> Sealer:
        """A sealer using ``key`` itself (already a purpose key, e.g. derived from an index key)."""
        return cls(kid=label, aead=AESGCM(key))

    def seal(self, plaintext: bytes, *, context: str) -> str:
        header = f"{VERSION}:{self.kid}"
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.aead.encrypt(nonce, _pad(plaintext), _aad(header, context))
        return f"{header}:{_b64encode(nonce + sealed)}"

    def open(self, envelope: str, *, context: str) -> bytes:
        kid, blob = parse(envelope)
        return self.open_parsed(kid, blob, context=context)

    def open_parsed(self, kid: str, blob: bytes, *, context: str) -> bytes:
        """Open what ``parse`` made of an envelope (for callers that read its key id first)."""
        if kid != self.kid and kid != self.legacy_kid:
            raise WrongKeyError(f"Sealed under key {kid}, not {self.kid} ({context}).")
        try:
            padded = self.aead.decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(f"{VERSION}:{kid}", context)
            )
        except InvalidTag:
            raise TamperedError(f"Envelope does not open at {context}: altered or moved.") from None
        return _unpad(padded)


def parse(envelope: str) -> tuple[str, bytes]:
    """Split an envelope into (key id, nonce|ciphertext|tag); raise on anything else."""
    if not isinstance(envelope, str):
        raise EnvelopeFormatError(f"Expected an envelope string, got {type(envelope).__name__}.")
    parts = envelope.split(":")
    if len(parts) != 3 or parts[0] != VERSION:
        raise EnvelopeFormatError(f"Not a {VERSION} envelope.")
    try:
        blob = _b64decode(parts[2])
    except (binascii.Error, ValueError):
        raise EnvelopeFormatError("Envelope body is not base64url.") from None
    if len(blob) < NONCE_BYTES + 16:
        raise EnvelopeFormatError("Envelope body is too short.")
    return parts[1], blob


def decode_root_key(text: str, *, name: str) -> bytes:
    """Decode a base64 (standard or url-safe) 32-byte key; ``ValueError`` names ``name`` only."""
    try:
        key = base64.b64decode(text.strip().replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{name} is not base64.") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"{name} must decode to {KEY_BYTES} bytes, not {len(key)}.")
    return key


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _aad(header: str, context: str) -> bytes:
    return f"{header}|{context}".encode()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
