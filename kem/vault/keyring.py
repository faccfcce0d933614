"""Root keys, read from settings (never from SECRET_KEY) and remembered per process.

The newest root key wraps new person keys; older ones (``KEM_OLD_ROOT_KEYS``) only unwrap until
``rotate_keys`` has re-wrapped everything. In the embedded profile with no key configured, a
key file is created on first use (``settings.KEM_ROOT_KEY_AUTOFILE``, mode 0600).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from kem.vault import crypto
from kem.vault.errors import UnknownKeyError

_SETTINGS = ("KEM_ROOT_KEY", "KEM_OLD_ROOT_KEYS", "KEM_ROOT_KEY_AUTOFILE")


@dataclass(frozen=True)
class RootKeyring:
    """The wrapping sealers of every configured root key, newest first."""

    sealers: tuple[crypto.Sealer, ...]

    @property
    def current(self) -> crypto.Sealer:
        return self.sealers[0]

    def by_id(self, kid: str) -> crypto.Sealer:
        for sealer in self.sealers:
            if sealer.kid == kid:
                return sealer
        raise UnknownKeyError(f"Root key {kid} is not configured (KEM_ROOT_KEY / KEM_OLD_ROOT_KEYS).")

    def open(self, envelope: str, *, context: str) -> bytes:
        """Open a wrapped key with the root key its envelope names."""
        kid, blob = crypto.parse(envelope)
        return self.by_id(kid).open_parsed(kid, blob, context=context)

    @property
    def old_ids(self) -> tuple[str, ...]:
        return tuple(s.kid for s in self.sealers[1:])


_cache: dict[str, RootKeyring] = {}


def root_keyring() -> RootKeyring:
    """The configured root keys (built once per process, rebuilt when settings change)."""
    if "ring" not in _cache:
        keys = [_current_root_key(), *(_decode(k, "KEM_OLD_ROOT_KEYS") for k in _old_root_keys())]
        unique = list(dict.fromkeys(keys))
        _cache["ring"] = RootKeyring(tuple(crypto.Sealer.for_key(k, info=crypto.INFO_WRAP) for k in unique))
    return _cache["ring"]


def _old_root_keys() -> list[str]:
    value = getattr(settings, "KEM_OLD_ROOT_KEYS", [])
    return [value] if isinstance(value, str) else list(value)


def _current_root_key() -> bytes:
    configured = getattr(settings, "KEM_ROOT_KEY", "")
    if configured:
        return _decode(configured, "KEM_ROOT_KEY")
    autofile = getattr(settings, "KEM_ROOT_KEY_AUTOFILE", None)
    if not autofile:
        raise ImproperlyConfigured(
            "KEM_ROOT_KEY (or KEM_ROOT_KEY_FILE) is not set; generate one with "
            "`python manage.py vault_generate_key` and keep a copy off the server."
        )
    return _read_or_create_key_file(Path(autofile))


def _read_or_create_key_file(path: Path) -> bytes:
    """Read the embedded profile's key file, creating it (mode 0600) if it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _decode(path.read_text(encoding="ascii"), str(path))
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(crypto.encode_key(crypto.new_key()) + "\n")
    return _decode(path.read_text(encoding="ascii"), str(path))


def _decode(text: str, name: str) -> bytes:
    try:
        return crypto.decode_root_key(text, name=name)
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from None


@receiver(setting_changed)
def _forget_on_setting_change(*, setting: str, **kwargs: object) -> None:
    if setting in _SETTINGS:
        _cache.clear()


def forget_root_keys() -> None:
    """Drop the remembered keyring (after the configuration changed in this process)."""
    _cache.clear()
