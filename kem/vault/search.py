"""Find people by a free-text query through the blind indexes, then confirm on the plaintext.

1. The query is cut into tokens: a run of digits is a phone or an ID number, anything with a digit
   an ID number, the rest name tokens (folded and transliterated like the index).
2. Each token asks for digests: the exact token, its prefix (3 to 12 characters) and its
   phonetic key; a number its E.164 digits and its canonical ID form.
3. One query finds the people holding any of those digests (one index range per index and
   kind, joined with UNION ALL so that every branch is an index seek); they are ranked by what
   matched in the index, and at most ``limit * OPEN_FACTOR`` of them are candidates.
4. Candidates are fetched through the caller's queryset (which scopes to the user's centres),
   best index evidence first, in at most two batches: the first holds ``limit + limit // 4``
   of them. Each is opened and re-checked against its plaintext, which drops the false
   candidates of truncated digests. The index score is an upper bound of the re-checked score
   (a re-check can only drop matches), so once ``limit`` confirmed people score at least as
   high as the best unopened candidate could, the rest are not opened.
5. Ranking: more query tokens matched first, then exact over prefix over phonetic.

A search therefore costs at most three queries in a request (the index keys, once per request;
the index; one or two batches of people), whatever the number of matches.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, models, router

from kem.vault import blind
from kem.vault.models import BlindIndexEntry
from kem.vault.normalise import id_canonical, name_tokens, phone_digits, phonetic_key

OPEN_FACTOR = 4
FIRST_BATCH_EXTRA = 4  # the first batch opens limit + limit // FIRST_BATCH_EXTRA candidates
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

    person: models.Model
    tokens_matched: int
    strength: int

    @property
    def score(self) -> tuple[int, int]:
        return (self.tokens_matched, self.strength)


def search_people(query: str, *, queryset: models.QuerySet, limit: int = 50) -> list[Candidate]:
    """Ranked candidates for ``query`` among ``queryset`` (a queryset of one person model)."""
    model = queryset.model
    tokens = parse_query(query, model=model)
    if not tokens or limit <= 0:
        return []
    version = blind.active_version()
    hits = _index_hits(tokens, version=version, using=router.db_for_read(BlindIndexEntry))
    if not hits:
        return []
    bounds = sorted(((_score(found), pk) for pk, found in hits.items()), key=_by_score, reverse=True)
    bounds = bounds[: limit * OPEN_FACTOR]
    recheck = _rechecker(model, tokens)
    confirmed: list[Candidate] = []
    start = 0
    for size in (limit + limit // FIRST_BATCH_EXTRA, len(bounds)):
        batch = [pk for _, pk in bounds[start : start + size]]
        start += len(batch)
        if not batch:
            break
        people = queryset.filter(person_key_id__in=batch, person_key__shredded_at__isnull=True)
        confirmed += [c for c in map(recheck, people) if c.tokens_matched]
        confirmed.sort(key=lambda c: c.score, reverse=True)
        if start >= len(bounds) or (
            len(confirmed) >= limit and confirmed[limit - 1].score >= bounds[start][0]
        ):
            break
    return confirmed[:limit]


def _by_score(item: tuple[tuple[int, int], object]) -> tuple[int, int]:
    return item[0]


def parse_query(query: str, *, model: type[models.Model]) -> list[list[Want]]:
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


def _labels_by_type(model: type[models.Model]) -> dict[type, list[str]]:
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


def _index_hits(tokens: list[list[Want]], *, version: int, using: str) -> dict[object, dict[int, int]]:
    """person key id -> {query token number: best strength found in the index}."""
    by_digest: dict[tuple[str, str, int], list[tuple[int, int]]] = defaultdict(list)
    for number, wants in enumerate(tokens):
        for want in wants:
            value = blind.digest(version, want.label, want.kind, want.term)
            by_digest[(want.label, want.kind, value)].append((number, STRENGTH[want.kind]))
    groups = _group(by_digest)
    hits: dict[object, dict[int, int]] = defaultdict(dict)
    for person_key_id, lab, kind, value in _entries(groups, version=version, using=using):
        best = hits[person_key_id]
        for number, strength in by_digest[(lab, kind, value)]:
            if strength > best.get(number, 0):
                best[number] = strength
    return hits


def _entries(groups: dict[tuple[str, str], set[int]], *, version: int, using: str) -> list[tuple]:
    """(person key id, label, kind, digest) of the entries holding the wanted digests.

    One SELECT per (index, kind), joined with UNION ALL: each is a seek on the composite index
    ``(field, kind, digest, version, person_key)``, which also covers the columns read. (An OR
    of the same conditions made SQLite seek on ``field`` alone and scan every name entry.)
    """
    meta = BlindIndexEntry._meta
    connection = connections[using]
    quote = connection.ops.quote_name
    column = {
        name: quote(meta.get_field(name).column)
        for name in ("person_key", "field", "kind", "digest", "version")
    }
    selects, params = [], []
    for (lab, kind), digests in sorted(groups.items()):
        ordered = sorted(digests)
        selects.append(
            f"SELECT {column['person_key']}, {column['field']}, {column['kind']}, {column['digest']}"  # noqa: S608
            f" FROM {quote(meta.db_table)} WHERE {column['field']} = %s AND {column['kind']} = %s"
            f" AND {column['digest']} IN ({', '.join(['%s'] * len(ordered))}) AND {column['version']} = %s"
        )
        params += [lab, kind, *ordered, version]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        # The person key id as the backend returns it (a hex string on SQLite, a UUID on
        # PostgreSQL): it only goes back into ``person_key_id__in``, so it is not converted.
        return cursor.fetchall()


def _group(by_digest: dict[tuple[str, str, int], object]) -> dict[tuple[str, str], set[int]]:
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for lab, kind, value in by_digest:
        groups[(lab, kind)].add(value)
    return groups


def _score(strengths: dict[int, int]) -> tuple[int, int]:
    return (len(strengths), sum(strengths.values()))


def _rechecker(model: type[models.Model], tokens: list[list[Want]]) -> Callable[[models.Model], Candidate]:
    """A function comparing a person's plaintext with the query: digests may have collided.

    It opens only the fields of the indexes the query asks, and answers each want as the index
    would (a name token equal to the term, a token starting with the prefix, a token with the
    phonetic key) without building every prefix, and computes a phonetic key only when no
    stronger want of that query token has matched.
    """
    wanted_labels = {want.label for wants in tokens for want in wants}
    indexes = [(blind.label(model, index), index) for index in model.vault_indexes]
    indexes = [(lab, index) for lab, index in indexes if lab in wanted_labels]
    ordered = [sorted(wants, key=lambda w: STRENGTH[w.kind], reverse=True) for wants in tokens]

    folded: dict[str, list[str]] = {}  # name tokens of each value seen, for this search only

    def tokens_of(value: object) -> list[str]:
        text = str(value)
        if text not in folded:
            folded[text] = name_tokens(text)
        return folded[text]

    def recheck(person: models.Model) -> Candidate:
        names: dict[str, list[str]] = {}
        terms: set[tuple[str, str, str]] = set()
        for lab, index in indexes:
            values = [getattr(person, name) for name in index.fields]
            values = [value for value in values if value not in (None, "", {}, [])]
            if isinstance(index, blind.NameIndex):
                names[lab] = list(dict.fromkeys(t for value in values for t in tokens_of(value)))
            else:
                terms.update((lab, kind, term) for value in values for kind, term in index.terms(value))
        phonetic: dict[str, set[str]] = {}
        matched, strength = 0, 0
        for wants in ordered:
            for want in wants:
                if _holds(want, names, terms, phonetic):
                    matched += 1
                    strength += STRENGTH[want.kind]
                    break
        return Candidate(person=person, tokens_matched=matched, strength=strength)

    return recheck


def _holds(want: Want, names: dict[str, list[str]], terms: set, phonetic: dict[str, set[str]]) -> bool:
    """Whether the opened values hold ``want``, exactly as ``NameIndex.terms`` would index it."""
    if want.label not in names:
        return (want.label, want.kind, want.term) in terms
    tokens = names[want.label]
    if want.kind == blind.TOKEN:
        return want.term in tokens
    if want.kind == blind.PREFIX:
        return blind.PREFIX_MIN <= len(want.term) <= blind.PREFIX_MAX and any(
            t.startswith(want.term) for t in tokens
        )
    if want.kind == blind.PHONETIC:
        if want.label not in phonetic:
            phonetic[want.label] = {key for t in tokens if (key := phonetic_key(t))}
        return want.term in phonetic[want.label]
    return False
