"""Does the configured root key open the vault? Asked at start-up and by /healthz.

A wrong ``KEM_ROOT_KEY`` (or an old key left out of ``KEM_OLD_ROOT_KEYS`` during a rotation) does
not stop Django from starting, but every page with a person on it would fail. The canary is the
vault itself: the newest blind-index key and the newest live person key must unwrap. A vault
that holds no key yet has nothing to check. Errors name key ids and rows, never a value.
"""

from __future__ import annotations

from kem.vault.errors import VaultError
from kem.vault.models import IndexKey, PersonKey


class RootKeyDoesNotOpen(VaultError):
    """The configured root keys do not open the keys the vault holds."""


def check_root_key() -> None:
    """Raise :class:`RootKeyDoesNotOpen` unless the root keys open the vault's newest keys."""
    candidates = [
        IndexKey.objects.order_by("-version").first(),
        PersonKey.objects.live().order_by("-created_at").first(),
    ]
    for key in candidates:
        if key is None:
            continue
        try:
            key.unwrap()
        except VaultError as exc:
            raise RootKeyDoesNotOpen(
                f"KEM_ROOT_KEY does not open {key._meta.db_table} {key.pk} (wrapped by root key "
                f"{key.root_key_id or '?'}): the key is wrong, or an older key is missing from "
                f"KEM_OLD_ROOT_KEYS. ({exc})"
            ) from None
