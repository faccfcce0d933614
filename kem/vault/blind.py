"""Blind indexes: truncated keyed digests of normalised terms, written with the person's row.

A person model lists its indexes in ``vault_indexes``::

    vault_indexes = (
        NameIndex("name", fields=("given_name", "family_name")),
        PhoneIndex("phone", fields=("phone",)),
        IdIndex("id", fields=("id_numbers",)),
    )

Each (index, kind) pair has its own HMAC key, derived with HKDF from the versioned index key
(``IndexKey``) under the label ``kem/v1/bidx/<model>.<index>/<kind>``. Digests are cut to
``DIGEST_BITS`` bits on purpose: at a million people every digest is shared by several
unrelated people, so the table alone does not tell who shares a name (docs/SECURITY.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from kem.vault import crypto, keycache
from kem.vault.fields import Pending, SealedField
from kem.vault.keyring import root_keyring
from kem.vault.models import BlindIndexEntry, IndexKey, IndexKeyState, PersonKey, VaultPerson
from kem.vault.normalise import id_canonical, name_tokens, phone_digits, phonetic_key, prefixes

DIGEST_BITS = 18
PREFIX_MIN = 3
PREFIX_MAX = 12

TOKEN, PREFIX, PHONETIC, PHONE, ID = "tok", "pre", "pho", "tel", "id"


@dataclass(frozen=True)
class NameIndex:
    """Name tokens (folded, Greek transliterated), their prefixes and their phonetic keys."""

    name: str
    fields: tuple[str, ...]

    def terms(self, value: Any) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for token in name_tokens(str(value)):
            found.add((TOKEN, token))
            found.update((PREFIX, p) for p in prefixes(token, min_len=PREFIX_MIN, max_len=PREFIX_MAX))
            if key := phonetic_key(token):
                found.add((PHONETIC, key))
        return found


@dataclass(frozen=True)
class PhoneIndex:
    """Phone numbers as E.164 digits."""

    name: str
    fields: tuple[str, ...]

    def terms(self, value: Any) -> set[tuple[str, str]]:
        digits = phone_digits(str(value))
        return {(PHONE, digits)} if digits else set()


@dataclass(frozen=True)
class IdIndex:
    """ID-document numbers in canonical form; the field may hold one string or a dict of them."""

    name: str
    fields: tuple[str, ...]

    def terms(self, value: Any) -> set[tuple[str, str]]:
        values = value.values() if isinstance(value, dict) else [value]
        return {(ID, c) for v in values if v and len(c := id_canonical(str(v))) >= 4}


Index = NameIndex | PhoneIndex | IdIndex


def label(model: type[VaultPerson], index: Index) -> str:
    return f"{model._meta.model_name}.{index.name}"


def person_terms(person: VaultPerson, *, labels: set[str] | None = None) -> set[tuple[str, str, str]]:
    """Every (index label, kind, term) of a person, opening only the fields of ``labels``."""
    terms: set[tuple[str, str, str]] = set()
    for index in type(person).vault_indexes:
        if labels is not None and label(type(person), index) not in labels:
            continue
        for field_name in index.fields:
            value = getattr(person, field_name)
            if value not in (None, "", {}, []):
                terms.update((label(type(person), index), kind, term) for kind, term in index.terms(value))
    return terms


def indexed_fields_changed(person: VaultPerson) -> bool:
    """Whether an indexed field holds a newly assigned value (checked before saving)."""
    names = {f for index in type(person).vault_indexes for f in index.fields}
    return any(isinstance(person.__dict__.get(f"{name}_sealed"), Pending) for name in names) or any(
        _mutated(person, name) for name in names
    )


def _mutated(person: VaultPerson, name: str) -> bool:
    field = person._meta.get_field(name)
    assert isinstance(field, SealedField)
    return isinstance(field._pending_if_mutated(person, person.__dict__.get(field.attname)), Pending)


# --- keys ---------------------------------------------------------------------------------
def index_keys() -> list[IndexKey]:
    """The active and building index keys (creating version 1 on first use), cached per request."""
    keys: list[IndexKey] = keycache.remembered(("index-keys",), _load_index_keys)
    return keys


def _load_index_keys() -> list[IndexKey]:
    keys = list(IndexKey.objects.exclude(state=IndexKeyState.RETIRED).order_by("version"))
    if not keys:
        keys = [create_index_key(version=1, state=IndexKeyState.ACTIVE)]
    _seen(keys)
    return keys


def create_index_key(*, version: int, state: str) -> IndexKey:
    """A new random index key, wrapped under the newest root key."""
    with transaction.atomic():
        index_key, created = IndexKey.objects.get_or_create(version=version, defaults={"state": state})
        if created:
            index_key.wrap(crypto.new_key())
            index_key.save(update_fields=["wrapped_key", "root_key_id"])
    return index_key


def active_key() -> IndexKey:
    """The active index key, as read once per request."""
    return next(k for k in index_keys() if k.state == IndexKeyState.ACTIVE)


# Per process, for one root keyring: the active index key as last seen (``search_key``) and the
# HMAC keys derived from index keys, {(version, wrapped index key, label, kind): key}. Index keys
# are not per person, so nothing that shredding must destroy is kept here. The key material of
# a version never changes (a rotation makes a new version), so a derived key stays right while
# its version is live; every read of the index keys drops those of versions no longer active or
# building. Another root keyring (a restart with other root keys, a test's settings) starts a
# new state; the state is replaced whole, never cleared, so a thread never sees it half-reset.
_state: dict[str, Any] = {"ring": None, "active": None, "derived": {}}


def _current() -> dict[str, Any]:
    global _state
    state, ring = _state, root_keyring()
    if state["ring"] is not ring:
        state = _state = {"ring": ring, "active": None, "derived": {}}
    return state


def _seen(keys: list[IndexKey]) -> None:
    """Remember the active key for searches and forget derived keys of versions no longer live."""
    state = _current()
    live = {(k.version, k.wrapped_key) for k in keys}
    derived = state["derived"]
    for cache_key in list(derived):  # a copy: another thread may change the dict meanwhile
        if cache_key[:2] not in live:
            derived.pop(cache_key, None)
    # While the first index key is still being built there is none to search with yet.
    state["active"] = next((k for k in keys if k.state == IndexKeyState.ACTIVE), state["active"])


def search_key(seen: IndexKey | None = None, *, reload: bool = False) -> IndexKey:
    """The active index key as this process last saw it, for searching without reading it again.

    A search confirms it (version and wrapped key) in the same query that reads the index
    (``search._entries``); when that query found another active key (another process switched
    versions or re-wrapped it, or a database was restored) the search passes it as ``seen`` and
    repeats with it. ``reload`` reads the keys again (when that query found no active key). Writes
    do not use this: they read the keys once per request (``index_keys``), since they must also
    write the entries of a key still being built.
    """
    state = _current()
    if seen is not None:
        state["active"] = seen
    elif reload or state["active"] is None:
        keycache.forget(("index-keys",))
        index_keys()
    active: IndexKey = state["active"]
    return active


def derived_key(index_key: IndexKey, index_label: str, kind: str) -> bytes:
    """The HMAC key of one (index, kind) under ``index_key``, derived once per process."""
    derived = _current()["derived"]
    cache_key = (index_key.version, index_key.wrapped_key, index_label, kind)
    key: bytes | None = derived.get(cache_key)
    if key is None:
        root = keycache.remembered(("index-root", index_key.version, index_key.wrapped_key), index_key.unwrap)
        key = derived[cache_key] = crypto.derive(root, f"kem/v1/bidx/{index_label}/{kind}".encode())
    return key


def digest(index_key: IndexKey, index_label: str, kind: str, term: str) -> int:
    return crypto.blind_digest(derived_key(index_key, index_label, kind), term, DIGEST_BITS)


# --- writing --------------------------------------------------------------------------------
def entries_for(person: VaultPerson, keys: Iterable[IndexKey]) -> Iterator[BlindIndexEntry]:
    terms = person_terms(person)
    for index_key in keys:
        seen = {(lab, kind, digest(index_key, lab, kind, term)) for lab, kind, term in terms}
        for lab, kind, value in seen:
            yield BlindIndexEntry(
                person_key_id=person.person_key_id,
                version=index_key.version,
                field=lab,
                kind=kind,
                digest=value,
            )


def model_labels(model: type[VaultPerson]) -> list[str]:
    return [label(model, index) for index in model.vault_indexes]


def index_person(person: VaultPerson, *, using: str | None = None) -> None:
    """Replace the person's entries (every writable version) by those of their current values."""
    index_people([person], keys=index_keys(), using=using)


def index_people(people: Sequence[VaultPerson], *, keys: list[IndexKey], using: str | None = None) -> None:
    """Rewrite the entries of ``people`` (all of one model) under index ``keys``, in one transaction."""
    if not people:
        return
    labels = model_labels(type(people[0]))
    with transaction.atomic(using=using):
        # Lock the person keys (as ``shred`` does) and index only those still live: whoever read
        # a person before they were shredded cannot write their entries back afterwards.
        ids = [p.person_key_id for p in people]
        live = set(
            PersonKey.objects.using(using)
            .select_for_update()
            .filter(pk__in=ids, shredded_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        people = [p for p in people if p.person_key_id in live]
        BlindIndexEntry.objects.using(using).filter(
            person_key_id__in=ids,
            version__in=[k.version for k in keys],
            field__in=labels,
        ).delete()
        entries = [entry for person in people for entry in entries_for(person, keys)]
        BlindIndexEntry.objects.using(using).bulk_create(entries, batch_size=2000)
