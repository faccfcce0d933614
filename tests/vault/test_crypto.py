"""Envelopes, purpose keys and root-key configuration."""

from __future__ import annotations

import os
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from kem.vault import crypto
from kem.vault.errors import EnvelopeFormatError, TamperedError, UnknownKeyError, WrongKeyError
from kem.vault.keyring import root_keyring
from tests.vault.conftest import KEY_A, KEY_B


def sealer(key: str = KEY_A) -> crypto.Sealer:
    return crypto.Sealer.for_key(crypto.decode_root_key(key, name="test"), info=crypto.INFO_SEAL)


def test_envelope_round_trips_and_names_its_key():
    envelope = sealer().seal("Ζωή".encode(), context="t.c:1")
    version, kid, _ = envelope.split(":")
    assert (version, kid) == ("kem1", sealer().kid)
    assert sealer().open(envelope, context="t.c:1").decode() == "Ζωή"


def test_same_plaintext_seals_differently_each_time():
    assert sealer().seal(b"x", context="c") != sealer().seal(b"x", context="c")


def test_lengths_leak_only_in_blocks_of_16():
    short = sealer().seal(b"ab", context="c")
    longer = sealer().seal(b"abcdefghijklmn", context="c")
    assert len(short) == len(longer)


def test_tampered_envelope_raises():
    envelope = sealer().seal(b"secret", context="c")
    body = envelope.rsplit(":", 1)[1]
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    with pytest.raises(TamperedError):
        sealer().open(envelope.rsplit(":", 1)[0] + ":" + flipped, context="c")


def test_other_context_raises():
    envelope = sealer().seal(b"secret", context="t.c:1")
    with pytest.raises(TamperedError):
        sealer().open(envelope, context="t.c:2")


def test_wrong_key_raises():
    with pytest.raises(WrongKeyError):
        sealer(KEY_B).open(sealer(KEY_A).seal(b"secret", context="c"), context="c")


def test_relabelled_key_id_raises():
    envelope = sealer(KEY_A).seal(b"secret", context="c")
    relabelled = envelope.replace(sealer(KEY_A).kid, sealer(KEY_B).kid)
    with pytest.raises(TamperedError):
        sealer(KEY_B).open(relabelled, context="c")


@pytest.mark.parametrize("text", ["", "plain text", "kem1:abc", "kem2:abc:AAAA", "kem1:abc:!!!!"])
def test_malformed_envelope_raises(text):
    with pytest.raises(EnvelopeFormatError):
        sealer().open(text, context="c")


def test_errors_do_not_contain_the_plaintext():
    envelope = sealer().seal(b"Papadopoulos", context="c")
    with pytest.raises(TamperedError) as caught:
        sealer().open(envelope, context="other")
    assert "Papadopoulos" not in str(caught.value) and "Papadopoulos" not in repr(sealer())


def test_purpose_keys_are_separated():
    root = crypto.decode_root_key(KEY_A, name="test")
    labels = [crypto.INFO_SEAL, crypto.INFO_WRAP, b"kem/v1/bidx/beneficiary.name/tok"]
    assert len({crypto.derive(root, label) for label in labels}) == 3
    assert all(crypto.derive(root, label) != root for label in labels)


def test_derive_is_hkdf_sha256_of_rfc_5869():
    # RFC 5869, test case 3 (no salt, no info): the first 32 bytes of its output.
    okm = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
    assert crypto.derive(bytes([0x0B] * 22), b"").hex() == okm


@pytest.mark.parametrize(
    "info", [crypto.INFO_SEAL, crypto.INFO_WRAP, b"kem/v1/bidx/beneficiary.name/pre", b""]
)
def test_derive_gives_what_the_cryptography_hkdf_gives(info):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = os.urandom(32)
    expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)
    assert crypto.derive(key, info) == expected


def test_key_id_is_short_and_not_the_key():
    key = crypto.decode_root_key(KEY_A, name="test")
    assert len(crypto.key_id(key)) == 12 and crypto.key_id(key) not in KEY_A


def test_unknown_root_key_raises(settings):
    wrapped = root_keyring().current.seal(b"k" * 32, context="c")
    settings.KEM_ROOT_KEY = KEY_B
    with pytest.raises(UnknownKeyError):
        root_keyring().open(wrapped, context="c")


def test_malformed_root_key_is_a_configuration_error(settings):
    settings.KEM_ROOT_KEY = "c2hvcnQ="
    with pytest.raises(ImproperlyConfigured, match="KEM_ROOT_KEY"):
        root_keyring()


def test_embedded_profile_creates_a_private_key_file(settings, tmp_path):
    settings.KEM_ROOT_KEY = ""
    settings.KEM_ROOT_KEY_AUTOFILE = tmp_path / "vault-root.key"
    first = root_keyring().current.kid
    assert stat.S_IMODE(os.stat(tmp_path / "vault-root.key").st_mode) == 0o600
    settings.KEM_ROOT_KEY_AUTOFILE = tmp_path / "vault-root.key"  # forget and read it again
    assert root_keyring().current.kid == first


def test_missing_key_without_autofile_names_the_variable(settings):
    settings.KEM_ROOT_KEY = ""
    settings.KEM_ROOT_KEY_AUTOFILE = None
    with pytest.raises(ImproperlyConfigured, match="KEM_ROOT_KEY"):
        root_keyring()


def test_generate_key_command_prints_a_usable_key(capsys):
    call_command("vault_generate_key")
    printed = capsys.readouterr().out.strip()
    assert len(crypto.decode_root_key(printed, name="printed")) == 32
