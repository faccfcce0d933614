"""Find people by a free-text query through the blind indexes, then confirm on the plaintext.

1. The query is cut into tokens: a run of digits is a phone or an ID number, anything with a digit
   an ID number, the rest name tokens (folded and transliterated like the index).
2. Each token asks for digests: the exact token, its prefix (3 to 12 characters) and its
   phonetic key; a number its E.164 digits and its canonical ID form.
3. One query finds the people holding any of those digests (one index range per index and
   kind, joined with UNION ALL so that every branch is an index seek) and reads which index key
   is active, so the digests, made with the key this process last saw, are confirmed without a
   query of their own (they are made again if another process switched keys). The people are
   ranked by what matched in the index, and at most ``limit * OPEN_FACTOR`` are candidates.
4. Candidates are fetched through the caller's queryset (which scopes to the user's centres),
   best index evidence first, in at most three batches. Each is opened and re-checked against
   its plaintext, which drops the false candidates of truncated digests. The index score is an
   upper bound of the re-checked score (a re-check can only drop matches), so once ``limit``
   confirmed people score at least as high as the best unopened candidate could, the rest are
   not opened; and within a person, fields are opened only until the query is confirmed as
   strongly as the index allows. The first batch holds ``limit + limit // 10`` candidates (a
   few false ones are usual at 100,000 people); a second, if needed, what is still missing,
   scaled by the share of candidates that held up so far; a third, all that remain. Opening a
   candidate costs more than a query (a key to unwrap, fields to open), so a small second
   batch is cheaper than a generous first one.
5. Ranking: more query tokens matched first, then exact over prefix over phonetic.

A search therefore costs two to four queries (the index; one to three batches of people),
whatever the number of matches, plus one the first time after another process switched keys.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router

from kem.vault import blind
from kem.vault.errors import VaultError
from kem.vault.models import BlindIndexEntry, IndexKey, IndexKeyState, VaultPerson
from kem.vault.normalise import id_canonical, name_tokens, phone_digits, phonetic_key

OPEN_FACTOR = 4
FIRST_BATCH_EXTRA = 10  # the first batch opens limit + limit // FIRST_BATCH_EXTRA candidates
MAX_BATCHES = 3  # of people; the last one opens every candidate left
STRENGTH = {blind.TOKEN: 3, blind.PREFIX: 2, blind.PHONETIC: 1, blind.PHONE: 3, blind.ID: 3}
_NUMBER_PUNCTUATION = re.compile(r"[\s\-+().]")


@dataclass(frozen=True)
class Want:
    """One digest a query token asks for: (index label, kind, plaintext term)."""

    label: str
    kind: str
    term: str


@dataclass(frozen=True)
class Candidate:
    """A person found by a search, with how well they matched."""

    person: VaultPerson
    tokens_matched: int
    strength: int

    @property
    def score(self) -> tuple[int, int]:
        return (self.tokens_matched, self.strength)


def search_people(query: str, *, queryset: models.QuerySet[Any], limit: int = 50) -> list[Candidate]:
    """Ranked candidates for ``query`` among ``queryset`` (a queryset of one person model)."""
    model = queryset.model
    tokens = parse_query(query, model=model)
    if not tokens or limit <= 0:
        return []
    hits = _index_hits(tokens, using=router.db_for_read(BlindIndexEntry))
    if not hits:
        return []
    bounds = sorted(((_score(found), pk) for pk, found in hits.items()), key=_by_score, reverse=True)
    bounds = bounds[: limit * OPEN_FACTOR]
    recheck = _rechecker(model, tokens)
    confirmed: list[Candidate] = []
    start = 0
    size = limit + limit // FIRST_BATCH_EXTRA
    for number in range(1, MAX_BATCHES + 1):
        if number == MAX_BATCHES:
            size = len(bounds) - start
        batch = [pk for _, pk in bounds[start : start + size]]
        start += len(batch)
        if not batch:
            break
        # No ORDER BY (the model's default ordering): the candidates are ranked here. A person
        # shredded since the index was read is skipped here rather than by a join condition
        # (shredding deletes the entries too, so this is only a race); the person key comes
        # with the row (``VaultPersonManager`` selects it).
        people = queryset.filter(person_key_id__in=batch).order_by()
        found = (
            recheck(person, hits.get(_key_of(person.person_key_id), {}))
            for person in people
            if not person.person_key.is_shredded
        )
        confirmed += [c for c in found if c.tokens_matched]
        confirmed.sort(key=lambda c: c.score, reverse=True)
        if start >= len(bounds) or (
            len(confirmed) >= limit and confirmed[limit - 1].score >= bounds[start][0]
        ):
            break
        size = _next_batch_size(confirmed, opened=start, rest=bounds[start:], limit=limit)
    return confirmed[:limit]


def _next_batch_size(
    confirmed: list[Candidate], *, opened: int, rest: list[tuple[tuple[int, int], object]], limit: int
) -> int:
    """How many more candidates to open after a batch that did not settle the search.

    Short of ``limit`` people: what is missing, divided by the share of the candidates opened so
    far that held up, and a quarter more. Otherwise (enough people, but a re-check lowered some
    scores): every candidate whose index score beats the ``limit``-th confirmed score.
    """
    missing = limit - len(confirmed)
    if missing > 0:
        held_up = max(len(confirmed), 1) / opened
        return math.ceil(missing / held_up * 1.25)
    floor = confirmed[limit - 1].score
    return sum(1 for bound, _pk in rest if bound > floor)


def _by_score(item: tuple[tuple[int, int], object]) -> tuple[int, int]:
    return item[0]


def parse_query(query: str, *, model: type[VaultPerson]) -> list[list[Want]]:
    """The wants of each query token, for the indexes ``model`` declares."""
    labels = _labels_by_type(model)
    compact = _NUMBER_PUNCTUATION.sub("", query)
    words = [query] if compact.isdigit() else query.split()
    tokens: list[list[Want]] = []
    for word in words:
        if any(ch.isdigit() for ch in word):
            tokens.append(_number_wants(word, labels))
        else:
            tokens.extend(_name_wants(token, labels) for token in name_tokens(word))
    return [wants for wants in tokens if wants]


def _labels_by_type(model: type[VaultPerson]) -> dict[type, list[str]]:
    labels: dict[type, list[str]] = defaultdict(list)
    for index in model.vault_indexes:
        labels[type(index)].append(blind.label(model, index))
    return labels


def _number_wants(word: str, labels: dict[type, list[str]]) -> list[Want]:
    wants = []
    if digits := phone_digits(word):
        wants += [Want(lab, blind.PHONE, digits) for lab in labels[blind.PhoneIndex]]
    if len(canonical := id_canonical(word)) >= 4:
        wants += [Want(lab, blind.ID, canonical) for lab in labels[blind.IdIndex]]
    return wants


def _name_wants(token: str, labels: dict[type, list[str]]) -> list[Want]:
    wants = []
    for lab in labels[blind.NameIndex]:
        wants.append(Want(lab, blind.TOKEN, token))
        if len(token) >= blind.PREFIX_MIN:
            wants.append(Want(lab, blind.PREFIX, token[: blind.PREFIX_MAX]))
        if len(token) >= blind.PREFIX_MIN and (key := phonetic_key(token)):
            wants.append(Want(lab, blind.PHONETIC, key))
    return wants


def _index_hits(tokens: list[list[Want]], *, using: str) -> dict[object, dict[int, int]]:
    """person key id -> {query token number: best strength found in the index}.

    The digests are made with the active index key as this process last saw it; the query that
    reads the index also reads which key is active, and if that is another key (a rotation in
    another process, a restored database) the digests are made with that one and the index is
    read again.
    """
    index_key = blind.search_key()
    for _attempt in range(3):
        by_digest: dict[tuple[str, str, int], list[tuple[int, int]]] = defaultdict(list)
        for number, wants in enumerate(tokens):
            for want in wants:
                value = blind.digest(index_key, want.label, want.kind, want.term)
                by_digest[(want.label, want.kind, value)].append((number, STRENGTH[want.kind]))
        rows, active = _entries(_group(by_digest), version=index_key.version, using=using)
        if active is not None and (active.version, active.wrapped_key) == (
            index_key.version,
            index_key.wrapped_key,
        ):
            break
        index_key = blind.search_key(active, reload=active is None)
    else:
        raise VaultError("The active blind-index key changed during the search three times; search again.")
    hits: dict[object, dict[int, int]] = defaultdict(dict)
    for person_key_id, lab, kind, value in rows:
        best = hits[_key_of(person_key_id)]
        for number, strength in by_digest[(lab, kind, value)]:
            if strength > best.get(number, 0):
                best[number] = strength
    return hits


def _key_of(person_key_id: object) -> str:
    """A person key id as one comparable string, whether the backend gave a UUID or its hex."""
    return person_key_id.hex if isinstance(person_key_id, uuid.UUID) else str(person_key_id).replace("-", "")


def _column(meta: Any, name: str) -> str:
    column: str = meta.get_field(name).column
    return column


def _entries(
    groups: dict[tuple[str, str], set[int]], *, version: int, using: str
) -> tuple[list[tuple[Any, ...]], IndexKey | None]:
    """(person key id, label, kind, digest) of the entries holding the wanted digests, and the
    index key active when they were read (version and wrapped key: enough to unwrap it).

    One SELECT per (index, kind), joined with UNION ALL: each is a seek on the composite index
    ``(field, kind, digest, version, person_key)``, which also covers the columns read. (An OR
    of the same conditions made SQLite seek on ``field`` alone and scan every name entry.) A last
    SELECT reads the active index key, so the search needs no query of its own to confirm it.
    """
    meta = BlindIndexEntry._meta
    keys = IndexKey._meta
    connection = connections[using]
    quote = connection.ops.quote_name
    column = {
        name: quote(_column(meta, name)) for name in ("person_key", "field", "kind", "digest", "version")
    }
    selects: list[str] = []
    params: list[Any] = []
    for (lab, kind), digests in sorted(groups.items()):
        ordered = sorted(digests)
        selects.append(
            f"SELECT {column['person_key']}, {column['field']}, {column['kind']}, {column['digest']}"  # noqa: S608
            f" FROM {quote(meta.db_table)} WHERE {column['field']} = %s AND {column['kind']} = %s"
            f" AND {column['digest']} IN ({', '.join(['%s'] * len(ordered))}) AND {column['version']} = %s"
        )
        params += [lab, kind, *ordered, version]
    selects.append(
        f"SELECT NULL, {quote(_column(keys, 'wrapped_key'))}, NULL, {quote(_column(keys, 'version'))}"  # noqa: S608
        f" FROM {quote(keys.db_table)} WHERE {quote(_column(keys, 'state'))} = %s"
    )
    params.append(IndexKeyState.ACTIVE)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        rows = cursor.fetchall()
    active = next(
        (
            IndexKey(version=row[3], wrapped_key=row[1], state=IndexKeyState.ACTIVE)
            for row in rows
            if row[0] is None
        ),
        None,
    )
    return [row for row in rows if row[0] is not None], active


def _group(by_digest: Mapping[tuple[str, str, int], object]) -> dict[tuple[str, str], set[int]]:
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for lab, kind, value in by_digest:
        groups[(lab, kind)].add(value)
    return groups


def _score(strengths: dict[int, int]) -> tuple[int, int]:
    return (len(strengths), sum(strengths.values()))


def _rechecker(
    model: type[VaultPerson], tokens: list[list[Want]]
) -> Callable[[VaultPerson, dict[int, int]], Candidate]:
    """A function comparing a person's plaintext with the query: digests may have collided.

    ``bound`` is what the index found for the person ({query token number: best strength}), an
    upper bound of what the plaintext can confirm. For each query token the wants are tried
    strongest first, skipping those stronger than the bound; each is answered as the index would
    (a name token equal to the term, a token starting with the prefix, a token with the phonetic
    key) without building every prefix. Fields are opened one at a time, only while a want is
    still unanswered, so a person confirmed by their first name field costs one decryption.
    """
    wanted_labels = {want.label for wants in tokens for want in wants}
    fields: dict[str, list[tuple[object, str]]] = defaultdict(list)
    for index in model.vault_indexes:
        if (lab := blind.label(model, index)) in wanted_labels:
            fields[lab] += [(index, name) for name in index.fields]
    ordered = [sorted(wants, key=lambda w: STRENGTH[w.kind], reverse=True) for wants in tokens]
    folded: dict[str, list[str]] = {}  # name tokens of each value seen, for this search only

    def recheck(person: VaultPerson, bound: dict[int, int]) -> Candidate:
        seen = _Seen(person, fields, folded)
        best: dict[int, int] = {}
        for number, wants in enumerate(ordered):
            cap = bound.get(number, 0)
            for want in wants:
                if STRENGTH[want.kind] <= cap and seen.holds(want):
                    best[number] = STRENGTH[want.kind]
                    break
        return Candidate(person=person, tokens_matched=len(best), strength=sum(best.values()))

    return recheck


class _Seen:
    """One person's indexed values, opened field by field as the wants need them."""

    def __init__(self, person: VaultPerson, fields: dict[str, Any], folded: dict[str, list[str]]) -> None:
        self.person = person
        self.fields = fields
        self.folded = folded
        self.opened: dict[str, int] = defaultdict(int)  # label -> fields opened so far
        self.names: dict[str, list[str]] = defaultdict(list)
        self.terms: set[tuple[str, str, str]] = set()
        self.phonetic: dict[str, set[str]] = defaultdict(set)
        self.phonetic_done: dict[str, int] = defaultdict(int)  # label -> tokens keyed so far

    def holds(self, want: Want) -> bool:
        """Whether the values hold ``want``, opening the fields of its index until one does."""
        while True:
            if self._holds(want):
                return True
            if not self._open_next(want.label):
                return False

    def _open_next(self, label: str) -> bool:
        position = self.opened[label]
        if position >= len(self.fields[label]):
            return False
        self.opened[label] = position + 1
        index, name = self.fields[label][position]
        value = getattr(self.person, name)
        if value in (None, "", {}, []):
            return True
        if isinstance(index, blind.NameIndex):
            text = str(value)
            if text not in self.folded:
                self.folded[text] = name_tokens(text)
            known = self.names[label]
            known += [t for t in self.folded[text] if t not in known]
        else:
            self.terms.update((label, kind, term) for kind, term in index.terms(value))
        return True

    def _holds(self, want: Want) -> bool:
        if not isinstance(self.fields[want.label][0][0], blind.NameIndex):
            return (want.label, want.kind, want.term) in self.terms
        tokens = self.names[want.label]
        if want.kind == blind.TOKEN:
            return want.term in tokens
        if want.kind == blind.PREFIX:
            return blind.PREFIX_MIN <= len(want.term) <= blind.PREFIX_MAX and any(
                t.startswith(want.term) for t in tokens
            )
        if want.kind == blind.PHONETIC:
            keys = self.phonetic[want.label]
            for token in tokens[self.phonetic_done[want.label] :]:
                if key := phonetic_key(token):
                    keys.add(key)
            self.phonetic_done[want.label] = len(tokens)
            return want.term in keys
        return False
