"""Blind indexes: truncated keyed digests of normalised terms, written with the person's row.

A person model lists its indexes in ``vault_indexes``::

    vault_indexes = (
        NameIndex("name", fields=("given_name", "family_name")),
        PhoneIndex("phone", fields=("phone",)),
        IdIndex("id", fields=("id_numbers",)),
    )

Each (index, kind) pair has its own HMAC key, derived with HKDF from the versioned index key
(``IndexKey``) under the label ``kem/v2/bidx/<model>.<index>/<kind>``. What each kind holds, how
many bits it keeps and what it leaks is in docs/SECURITY.md ("Blind indexes: design and budget"):

- a name token gives two entries: its spelling key (``phonetic_key``: the same for Γιουσούφ,
  Yusuf and Youssef) and the first three letters of its loose key (``loose_key``: spellings
  unified, vowels kept as two classes), for prefix search. No exact token, no
  chain of prefixes, no token length;
- both name kinds are *smoothed*: the holders of one term are dealt into slots of at most
  ``SLOT_SIZE`` people, each slot its own digest (HMAC of term and slot number), so a common name
  shows as many ordinary-sized buckets instead of one large one. How many people hold a term is
  kept in ``IndexTally``, sealed under the index key; a search reads it to ask for every slot;
- digests are truncated (``BITS``) so that unrelated terms share buckets at the planned population.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from kem.vault import crypto, keycache
from kem.vault.fields import Pending, SealedField
from kem.vault.keyring import root_keyring
from kem.vault.models import BlindIndexEntry, IndexKey, IndexKeyState, IndexTally, PersonKey, VaultPerson
from kem.vault.normalise import id_canonical, loose_key, name_tokens, phone_digits, phonetic_key

KEY, PREFIX, PHONE, ID = "key", "p3", "tel", "id"
PREFIX_LEN = 3  # letters of the spelling key a prefix entry keeps
# Bits kept of each kind's digest; the budget behind them is in docs/SECURITY.md.
BITS = {KEY: 14, PREFIX: 12, PHONE: 18, ID: 18}
SMOOTHED = frozenset({KEY, PREFIX})
SLOT_SIZE = 64  # at most this many holders of one term share one digest
# What can follow in a spelling key: a two-letter key prefix asks for every three-letter one.
KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class NameIndex:
    """Name tokens (folded, Greek and Arabic transliterated) by spelling key and key prefix."""

    name: str
    fields: tuple[str, ...]

    def terms(self, value: Any) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for token in name_tokens(str(value)):
            if key := phonetic_key(token):
                found.add((KEY, key))
            if start := loose_key(token)[:PREFIX_LEN]:
                found.add((PREFIX, start))
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
        key = derived[cache_key] = crypto.derive(root, f"kem/v2/bidx/{index_label}/{kind}".encode())
    return key


def digest(index_key: IndexKey, index_label: str, kind: str, term: str, slot: int = 0) -> int:
    """The truncated digest of ``term`` (in ``slot``, for the smoothed kinds)."""
    text = f"{term}\x1f{slot}" if kind in SMOOTHED else term
    return crypto.blind_digest(derived_key(index_key, index_label, kind), text, BITS[kind])


def slots(count: int) -> int:
    """How many slots the holders of a term counted ``count`` times fill."""
    return max(1, math.ceil(count / SLOT_SIZE))


def digests(index_key: IndexKey, index_label: str, kind: str, term: str, count: int) -> list[int]:
    """Every digest a search for ``term`` asks for: one per slot of a smoothed kind."""
    if kind not in SMOOTHED:
        return [digest(index_key, index_label, kind, term)]
    return [digest(index_key, index_label, kind, term, slot) for slot in range(slots(count))]


# --- tallies (how many people hold a term, sealed) ---------------------------------------------
def _tally_tag(index_key: IndexKey, index_label: str, kind: str, term: str) -> str:
    key = derived_key(index_key, index_label, f"tally/{kind}")
    return hmac.new(key, term.encode("utf-8"), hashlib.sha256).hexdigest()


def _tally_sealer(index_key: IndexKey) -> crypto.Sealer:
    key = derived_key(index_key, "", "tally-count")
    return crypto.Sealer.direct(key, label="t")


def read_tallies(
    index_key: IndexKey,
    terms: Iterable[tuple[str, str, str]],
    *,
    lock: bool = False,
    using: str | None = None,
) -> dict[tuple[str, str, str], int]:
    """{(label, kind, term): how many were counted} for the smoothed ``terms`` (0 if never)."""
    wanted = {t for t in terms if t[1] in SMOOTHED}
    if not wanted:
        return {}
    by_tag = {_tally_tag(index_key, *t): t for t in wanted}
    rows = IndexTally.objects.using(using).filter(version=index_key.version, tag__in=list(by_tag))
    if lock:
        rows = rows.select_for_update().order_by("tag")
    sealer = _tally_sealer(index_key)
    counts = dict.fromkeys(wanted, 0)
    for tag, sealed in rows.values_list("tag", "count"):
        counts[by_tag[tag]] = int(sealer.open(sealed, context=f"tally:{index_key.version}:{tag}"))
    return counts


def write_tallies(
    index_key: IndexKey, counts: dict[tuple[str, str, str], int], *, using: str | None = None
) -> None:
    """Store ``counts`` (sealed under the index key), replacing what was there."""
    if not counts:
        return
    sealer = _tally_sealer(index_key)
    rows = []
    for term, count in counts.items():
        tag = _tally_tag(index_key, *term)
        sealed = sealer.seal(str(count).encode(), context=f"tally:{index_key.version}:{tag}")
        rows.append(IndexTally(version=index_key.version, tag=tag, count=sealed))
    IndexTally.objects.using(using).bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["version", "tag"],
        update_fields=["count"],
    )


# --- writing --------------------------------------------------------------------------------
def assign(
    index_key: IndexKey,
    terms_by_person: dict[Any, set[tuple[str, str, str]]],
    counts: dict[tuple[str, str, str], int],
    existing: dict[tuple[Any, str, str], set[int]] | None = None,
) -> Iterator[tuple[Any, str, str, int]]:
    """(person key id, label, kind, digest) of every entry of the people, under ``index_key``.

    A smoothed term goes into the slot its holder already has (found in ``existing``, their
    entries before this write, so an edit or a re-index does not move them) or else into the
    slot the tally points at, which is then counted (``counts`` is updated in place).
    """
    existing = existing or {}
    for person_key_id, terms in terms_by_person.items():
        seen: set[tuple[str, str, int]] = set()
        for lab, kind, term in sorted(terms):
            if kind in SMOOTHED:
                count = counts.get((lab, kind, term), 0)
                slot = None
                had = existing.get((person_key_id, lab, kind))
                if had:
                    slot = next(
                        (n for n in range(slots(count)) if digest(index_key, lab, kind, term, n) in had), None
                    )
                if slot is None:
                    slot = count // SLOT_SIZE
                    counts[(lab, kind, term)] = count + 1
                value = digest(index_key, lab, kind, term, slot)
            else:
                value = digest(index_key, lab, kind, term)
            if (lab, kind, value) not in seen:
                seen.add((lab, kind, value))
                yield person_key_id, lab, kind, value


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
        terms_by_person = {p.person_key_id: person_terms(p) for p in people if p.person_key_id in live}
        old = BlindIndexEntry.objects.using(using).filter(
            person_key_id__in=ids, version__in=[k.version for k in keys], field__in=labels
        )
        existing: dict[int, dict[tuple[Any, str, str], set[int]]] = defaultdict(lambda: defaultdict(set))
        for person_key_id, version, lab, kind, value in old.values_list(
            "person_key_id", "version", "field", "kind", "digest"
        ):
            existing[version][(person_key_id, lab, kind)].add(value)
        entries = []
        for index_key in keys:
            wanted = {t for terms in terms_by_person.values() for t in terms}
            counts = read_tallies(index_key, wanted, lock=True, using=using)
            before = dict(counts)
            for person_key_id, lab, kind, value in assign(
                index_key, terms_by_person, counts, existing.get(index_key.version)
            ):
                entries.append(
                    BlindIndexEntry(
                        person_key_id=person_key_id,
                        version=index_key.version,
                        field=lab,
                        kind=kind,
                        digest=value,
                    )
                )
            write_tallies(index_key, {t: c for t, c in counts.items() if c != before.get(t)}, using=using)
        old.delete()
        BlindIndexEntry.objects.using(using).bulk_create(entries, batch_size=2000)
