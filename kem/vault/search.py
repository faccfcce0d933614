"""Find people by a free-text query through the blind indexes, then confirm on the plaintext.

1. The query is cut into tokens: a run of digits is a phone or an ID number, anything with a digit
   an ID number, the rest name tokens (folded and transliterated like the index).
2. Each name token asks for its spelling key (every spelling of the name shares it: Γιουσούφ,
   Yusuf, Youssef) and, read as the start of a name, for the three-letter key prefixes it may
   begin ("Yus" and "Γιο" both reach Γιουσούφ; a two-letter key asks for every third letter).
   A number asks for its E.164 digits and its canonical ID form. The smoothed kinds ask for every
   slot of the term (``blind.digests``), counted in the sealed tallies read first.
3. The index is read for the rarest token first (``_IndexReader``), *among the caller's
   queryset* (the user's centres are applied in the database, before anything is cut), at most
   ``limit * OPEN_FACTOR + OPEN_EXTRA`` rows per read; the same query reads which index key is
   active, so the digests, made with the key this process last saw, are confirmed without a
   query of their own. The candidates' own entries say which other tokens they hold.
4. Candidates are fetched (only the columns the re-check opens), best index evidence first,
   opened and re-checked against their plaintext, which drops the false candidates of truncated
   digests and ranks what is left: per query token, the same folded token (exact) above the same
   spelling key (another spelling) above a token starting like the query (loose prefix: vowels
   and h kept) above a token whose key merely starts with the query's key. The index bound of a
   candidate is an upper bound of its re-checked score, so once ``limit`` confirmed people score
   at least as high as the best unopened candidate could, the rest are not opened. Candidates
   with the best evidence are all opened (up to the cap); weaker ones within a budget.
5. Ranking: more query tokens matched first, then the strength of the matches. The people found
   are read whole in one last query.

A search costs typically five to eight queries, however many people match: the tallies, the index, the candidates' own entries (which
also say whether a holder of a token's spelling key can hold its very spelling: ``_Evidence``), the
prefix and other tokens' entries when the page is not settled, batches of names, the people found.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections, models, router

from kem.vault import blind
from kem.vault.errors import VaultError
from kem.vault.models import OPENED_ATTR, BlindIndexEntry, IndexKey, IndexKeyState, VaultPerson
from kem.vault.normalise import id_canonical, loose_key, name_tokens, phone_digits, phonetic_key, prefix_keys

OPEN_FACTOR = 4
# Truncated digests bring false candidates with them (a bucket holds other terms too): at most
# ``limit * OPEN_FACTOR + OPEN_EXTRA`` candidates are opened, so that a rare true match is not
# cut away behind them; a search with enough true matches stops long before.
OPEN_EXTRA = 400
PREFIX_TYPED_MIN = 3
FIRST_BATCH_EXTRA = 10  # the first batch opens limit + limit // FIRST_BATCH_EXTRA candidates
# Below the best index evidence, candidates are opened within a budget of
# ``limit + limit // FIRST_BATCH_EXTRA``, and past it only until this many people are confirmed.
MIN_SHOWN = 10
MAX_BATCHES = 3  # of people read in a row; the last opens every candidate its tier or budget allows

# Strength of a confirmed match of one query token.
EXACT, VARIANT, LOOSE_PREFIX, KEY_PREFIX = 4, 3, 2, 1
_NUMBER_PUNCTUATION = re.compile(r"[\s\-+().]")


@dataclass(frozen=True)
class Want:
    """One term a query token asks for: (index label, kind, plaintext term), and the best a
    person holding it can be confirmed as (``bound``)."""

    label: str
    kind: str
    term: str
    bound: int = EXACT


@dataclass(frozen=True)
class QueryToken:
    """One token of a query: what it asks of the index and what confirms it on the plaintext."""

    wants: tuple[Want, ...]
    folded: str = ""  # name tokens: the folded token, its key, its loose form, its prefix keys
    key: str = ""
    loose: str = ""
    prefix_keys: tuple[str, ...] = ()

    @property
    def is_name(self) -> bool:
        return bool(self.folded)


@dataclass(frozen=True)
class Candidate:
    """A person found by a search, with how well they matched."""

    person: VaultPerson
    tokens_matched: int
    strength: int
    # Query tokens the person's name starts with as typed (folded): among equal matches, "Μουχ"
    # puts Μουχάμαντ before Mohammadi, whose loose key starts the same way.
    literal: int = 0

    @property
    def score(self) -> tuple[int, int, int]:
        return (self.tokens_matched, self.strength, self.literal)


def search_people(query: str, *, queryset: models.QuerySet[Any], limit: int = 50) -> list[Candidate]:
    """Ranked candidates for ``query`` among ``queryset`` (a queryset of one person model)."""
    model = queryset.model
    tokens = parse_query(query, model=model)
    if not tokens or limit <= 0:
        return []
    using = router.db_for_read(BlindIndexEntry)
    cap = limit * OPEN_FACTOR + OPEN_EXTRA
    reader = _IndexReader(tokens, scope=queryset, using=using, cap=cap)
    evidence = reader.first()
    # The best index evidence of the whole-word entries: candidates that have it are all opened
    # (up to the cap), since only their plaintext tells an exact match from another spelling or
    # from a false candidate of a truncated digest. Anything weaker is opened within a budget.
    top = max((_score(evidence.bound(pk)) for pk in evidence.people()), default=None)
    budget = limit + limit // FIRST_BATCH_EXTRA
    recheck = _rechecker(model, tokens)
    columns = _opened_columns(model, tokens)
    confirmed: list[Candidate] = []
    opened: set[str] = set()
    spent = 0  # candidates opened below the best evidence
    size = budget
    more_read = False
    extended = False
    batches = 0
    while True:
        bounds = sorted(
            ((_score(evidence.bound(pk)), pk) for pk in evidence.people() if pk not in opened),
            key=_by_score,
            reverse=True,
        )
        if _settled(confirmed, limit, bounds[0][0] if bounds else None):
            break
        top_tier = bool(bounds) and top is not None and bounds[0][0] >= top
        if batches >= MAX_BATCHES - 1:
            size = len(bounds)
        if not top_tier:
            enough = min(limit, MIN_SHOWN)
            if spent >= cap or (spent >= budget and len(confirmed) >= enough):
                break
            if not bounds:
                if more_read:
                    break
                more_read = True
                reader.more(evidence, room=cap - spent)
                if top is None:
                    # No whole-word evidence at all (a typed prefix such as "Ιμπ"): the best of
                    # what the prefix entries hold is the best there is, so it is opened whole
                    # too, up to the cap; only what ranks below it is budgeted.
                    top = max((_score(evidence.bound(pk)) for pk in evidence.people()), default=None)
                continue
            if spent < budget:
                size = budget - spent
            elif extended:
                break
            else:
                # Past the budget, one more batch: what is missing, scaled by how many held up.
                extended = True
                size = _next_batch_size(confirmed, opened=max(len(opened), 1), rest=[], limit=enough)
            size = max(1, min(size, cap - spent))
        batch = [pk for bound, pk in bounds[:size] if top is None or not top_tier or bound >= top]
        opened.update(batch)
        batches += 1
        if not top_tier:
            spent += len(batch)
        confirmed += _open(queryset, batch, evidence, recheck, columns)
        confirmed.sort(key=lambda c: c.score, reverse=True)
        size = _next_batch_size(confirmed, opened=len(opened), rest=bounds[len(batch) :], limit=limit)
    return _whole(queryset, confirmed[:limit])


def _settled(confirmed: list[Candidate], limit: int, best: tuple[int, int] | None) -> bool:
    """Whether ``limit`` confirmed people already rank at least as high as any unopened candidate
    could (``best``: the highest index bound left, None if no candidate is left)."""
    return len(confirmed) >= limit and (best is None or confirmed[limit - 1].score >= best)


def _open(
    queryset: models.QuerySet[Any],
    batch: list[str],
    evidence: _Evidence,
    recheck: Callable[[VaultPerson, dict[int, int]], Candidate],
    columns: list[str],
) -> list[Candidate]:
    """Fetch and re-check one batch of candidates; those the plaintext does not confirm are dropped.

    Only the columns the re-check opens are read (``columns``): most candidates are dropped or
    never shown, and a person row holds many more sealed values. No ORDER BY (the model's default
    ordering): the candidates are ranked by the caller. A person shredded since the index was read
    is skipped (shredding deletes the entries too, so this is only a race); the person key comes
    with the row (``VaultPersonManager``).
    """
    if not batch:
        return []
    people = (
        queryset.filter(person_key_id__in=[uuid.UUID(pk) for pk in batch])
        .order_by()
        .select_related(None)
        .select_related("person_key")
        .only("pk", "person_key", *columns)
    )
    found = (
        recheck(person, evidence.bound(_key_of(person.person_key_id)))
        for person in people
        if not person.person_key.is_shredded
    )
    return [c for c in found if c.tokens_matched]


def _whole(queryset: models.QuerySet[Any], found: list[Candidate]) -> list[Candidate]:
    """The people found, read whole (one query) for the caller, in the same order; the values the
    re-check opened are handed over, so they are not opened twice. A person gone since (shredded,
    merged, deleted) is left out."""
    rows = {person.pk: person for person in queryset.filter(pk__in=[c.person.pk for c in found]).order_by()}
    whole = []
    for candidate in found:
        person = rows.get(candidate.person.pk)
        if person is None or person.person_key.is_shredded:
            continue
        opened = candidate.person.__dict__.get(OPENED_ATTR)
        if opened:
            person.__dict__.setdefault(OPENED_ATTR, {}).update(opened)
        whole.append(
            Candidate(
                person=person,
                tokens_matched=candidate.tokens_matched,
                strength=candidate.strength,
                literal=candidate.literal,
            )
        )
    return whole


def _next_batch_size(
    confirmed: list[Candidate], *, opened: int, rest: Sequence[tuple[tuple[int, int], object]], limit: int
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


def parse_query(query: str, *, model: type[VaultPerson]) -> list[QueryToken]:
    """The tokens of a query, with what each asks of the indexes ``model`` declares."""
    labels = _labels_by_type(model)
    compact = _NUMBER_PUNCTUATION.sub("", query)
    words = [query] if compact.isdigit() else query.split()
    tokens: list[QueryToken] = []
    for word in words:
        if any(ch.isdigit() for ch in word):
            tokens.append(QueryToken(wants=tuple(_number_wants(word, labels))))
        else:
            tokens.extend(_name_token(token, labels) for token in name_tokens(word))
    return [token for token in tokens if token.wants]


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


def prefix_terms(key_prefix: str) -> list[str]:
    """The prefix-entry terms of loose keys starting with ``key_prefix`` (a two-letter one asks for
    all three-letter ones it starts, and for itself: keys of two letters are their own prefix)."""
    if len(key_prefix) >= blind.PREFIX_LEN:
        return [key_prefix[: blind.PREFIX_LEN]]
    if len(key_prefix) == blind.PREFIX_LEN - 1:
        return [key_prefix, *(key_prefix + ch for ch in blind.KEY_ALPHABET)]
    return []  # one letter: too short to look for


def _name_token(token: str, labels: dict[type, list[str]]) -> QueryToken:
    key = phonetic_key(token)
    # Read as the start of a name only from three typed letters on (folded: "Γιο" is "gio").
    starts = tuple(prefix_keys(token)) if len(token) >= PREFIX_TYPED_MIN else ()
    wants: list[Want] = []
    for lab in labels[blind.NameIndex]:
        if key:
            wants.append(Want(lab, blind.KEY, key))
        # The loose key of all the typed letters first; a shorter one (the last letter may begin
        # a two-letter spelling) finds people who rank lower, opened after.
        for number, start in enumerate(starts):
            bound = LOOSE_PREFIX if number == 0 else KEY_PREFIX
            wants += [Want(lab, blind.PREFIX, term, bound) for term in prefix_terms(start)]
    return QueryToken(
        wants=tuple(dict.fromkeys(wants)), folded=token, key=key, loose=loose_key(token), prefix_keys=starts
    )


def want_digests(
    index_key: IndexKey, wants: set[Want], *, using: str | None = None, counts: dict[Any, int] | None = None
) -> dict[tuple[str, str, int], list[Want]]:
    """(label, kind, digest) -> the wants asking for it, every slot of smoothed terms included.

    ``counts``, if given, receives the tallies read: {(label, kind, term): holders counted}.
    """
    read = blind.read_tallies(index_key, {(w.label, w.kind, w.term) for w in wants}, using=using)
    if counts is not None:
        counts.update(read)
    counts = read
    by_digest: dict[tuple[str, str, int], list[Want]] = defaultdict(list)
    for want in wants:
        count = counts.get((want.label, want.kind, want.term), 0)
        for value in blind.digests(index_key, want.label, want.kind, want.term, count):
            by_digest[(want.label, want.kind, value)].append(want)
    return by_digest


class _IndexReader:
    """Reads the index for one search: person key id -> {query token number: best bound found}.

    ``first()``: the rarest token's whole-word entries (the tallies say how many hold each term,
    so that is a family name rather than Mohammed), at most ``cap`` rows among the scope; with
    several tokens, the candidates' own entries then say which other tokens they hold (a few rows
    per person, not the other tokens' buckets, which for a common name hold a hundred thousand
    people). ``more()``, only when the search is not settled by then: the rarest token's prefix
    entries (far more people) and the other tokens' entries, for people matching less.

    The digests are made with the active index key as this process last saw it; the query that
    reads the index also reads which key is active, and if that is another key (a rotation in
    another process, a restored database) the digests are made with that one and the index is
    read again.
    """

    def __init__(
        self, tokens: list[QueryToken], *, scope: models.QuerySet[Any], using: str, cap: int
    ) -> None:
        self.tokens = tokens
        self.scope = scope
        self.using = using
        self.cap = cap
        self.numbers: dict[Want, set[int]] = defaultdict(set)
        for number, token in enumerate(tokens):
            for want in token.wants:
                self.numbers[want].add(number)
        self.index_key = blind.search_key()
        self.by_digest: dict[tuple[str, str, int], list[Want]] = {}
        self.order: list[int] = []

    def first(self) -> _Evidence:
        for _attempt in range(3):
            counts: dict[Any, int] = {}
            self.by_digest = want_digests(self.index_key, set(self.numbers), using=self.using, counts=counts)
            estimate = [
                sum(max(counts.get((w.label, w.kind, w.term), 0), 1) for w in token.wants)
                for token in self.tokens
            ]
            self.order = sorted(range(len(self.tokens)), key=lambda n: estimate[n])
            groups = _groups(self.by_digest, self.numbers, {self.order[0]}, strong=True)
            rows, active = self._read(groups, limit=self.cap)
            if active is not None and (active.version, active.wrapped_key) == (
                self.index_key.version,
                self.index_key.wrapped_key,
            ):
                break
            self.index_key = blind.search_key(active, reload=active is None)
        else:
            raise VaultError(
                "The active blind-index key changed during the search three times; search again."
            )
        evidence = _Evidence(self.tokens)
        evidence.add(rows, self.by_digest, self.numbers)
        if len(rows) >= self.cap and len(self.tokens) > 1:
            # The rarest token is common enough to fill the cap (a spelling key is a consonant
            # skeleton): the people who also hold the next rarest token, and may hold the very
            # spelling of the rarest (its own first three letters too), would be cut at random,
            # so they are read on their own. (A common word alone: any of its holders is as good.)
            narrower = [
                _groups(self.by_digest, self.numbers, {self.order[1]}, strong=True),
                _groups(self.by_digest, self.numbers, {self.order[0]}, strong=False, own_start=True),
            ]
            if narrower := [wanted for wanted in narrower if wanted]:
                both, _active = self._read(groups, limit=self.cap, also=narrower)
                evidence.add(both, self.by_digest, self.numbers)
        if evidence and (len(self.tokens) > 1 or evidence.refinable):
            people = evidence.people()
            evidence.add(
                _entries_of(people, version=self.index_key.version, using=self.using),
                self.by_digest,
                self.numbers,
            )
            evidence.checked.update(people)
        return evidence

    def more(self, evidence: _Evidence, *, room: int) -> None:
        """Add the rarest token's prefix entries, then the other tokens' entries, ``room`` rows each
        at most, to ``evidence``."""
        first = self.order[0]
        if room > 0 and (weak := _groups(self.by_digest, self.numbers, {first}, strong=False)):
            rows, _active = self._read(weak, limit=room)
            evidence.add(rows, self.by_digest, self.numbers)
        for number in self.order[1:]:
            if room <= 0:
                break
            rows, _active = self._read(_groups(self.by_digest, self.numbers, {number}), limit=room)
            evidence.add(rows, self.by_digest, self.numbers, only={number})

    def _read(
        self,
        groups: dict[tuple[str, str], set[int]],
        *,
        limit: int,
        also: list[dict[tuple[str, str], set[int]]] | None = None,
    ) -> tuple[list[tuple[Any, ...]], IndexKey | None]:
        return _entries(
            groups, version=self.index_key.version, scope=self.scope, using=self.using, limit=limit, also=also
        )


class _Evidence:
    """What the index says of each candidate: per query token, the best bound found.

    A person holding a token's spelling key may hold another spelling of it (the same key); only a
    person who also holds the token's own first three letters (its ``p3`` entry) can hold the very
    same spelling. Once a candidate's own entries have been read (``checked``), a spelling key
    without those letters bounds the token at VARIANT: exact spellings rank above, and are opened
    first, without opening every holder of a common key.
    """

    def __init__(self, tokens: list[QueryToken]) -> None:
        self.found: dict[str, dict[int, int]] = defaultdict(dict)
        self.starts: dict[str, set[int]] = defaultdict(set)
        self.checked: set[str] = set()
        self.refinable = {
            number for number, token in enumerate(tokens) if any(w.bound == LOOSE_PREFIX for w in token.wants)
        }

    def __len__(self) -> int:
        return len(self.found)

    def __bool__(self) -> bool:
        return bool(self.found)

    def people(self) -> list[str]:
        return list(self.found)

    def add(
        self,
        rows: list[tuple[Any, ...]],
        by_digest: dict[tuple[str, str, int], list[Want]],
        numbers: dict[Want, set[int]],
        *,
        only: set[int] | None = None,
    ) -> None:
        for person_key_id, lab, kind, value in rows:
            wants = by_digest.get((lab, kind, value))
            if not wants:
                continue
            pk = _key_of(person_key_id)
            best = self.found[pk]
            for want in wants:
                for number in numbers[want]:
                    if only is not None and number not in only:
                        continue
                    if want.bound == LOOSE_PREFIX:
                        self.starts[pk].add(number)
                    if want.bound > best.get(number, 0):
                        best[number] = want.bound

    def bound(self, pk: str) -> dict[int, int]:
        found = self.found.get(pk, {})
        if pk not in self.checked:
            return found
        return {
            number: VARIANT
            if strength == EXACT and number in self.refinable and number not in self.starts[pk]
            else strength
            for number, strength in found.items()
        }


def _groups(
    by_digest: dict[tuple[str, str, int], list[Want]],
    numbers: dict[Want, set[int]],
    wanted: set[int],
    *,
    strong: bool | None = None,
    own_start: bool = False,
) -> dict[tuple[str, str], set[int]]:
    """{(label, kind): digests} asked for by the query tokens numbered ``wanted``: all of them, or
    only those of whole-word wants (``strong``) or only those of prefix wants (``strong=False``)."""
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for (lab, kind, value), wants in by_digest.items():
        for want in wants:
            if own_start and want.bound != LOOSE_PREFIX:
                continue
            if numbers[want] & wanted and (strong is None or (want.bound >= VARIANT) == strong):
                groups[(lab, kind)].add(value)
                break
    return groups


def _entries_of(person_keys: Sequence[object], *, version: int, using: str) -> list[tuple[Any, ...]]:
    """(person key id, label, kind, digest) of every entry of these people in ``version``."""
    ids = [uuid.UUID(str(pk)) for pk in person_keys]
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), 1000):
        rows += (
            BlindIndexEntry.objects.using(using)
            .filter(version=version, person_key_id__in=ids[start : start + 1000])
            .values_list("person_key_id", "field", "kind", "digest")
        )
    return rows


def _key_of(person_key_id: object) -> str:
    """A person key id as one comparable string, whether the backend gave a UUID or its hex."""
    return person_key_id.hex if isinstance(person_key_id, uuid.UUID) else str(person_key_id).replace("-", "")


def _column(meta: Any, name: str) -> str:
    column: str = meta.get_field(name).column
    return column


def _entries(
    groups: dict[tuple[str, str], set[int]],
    *,
    version: int,
    scope: models.QuerySet[Any],
    using: str,
    limit: int,
    also: list[dict[tuple[str, str], set[int]]] | None = None,
) -> tuple[list[tuple[Any, ...]], IndexKey | None]:
    """(person key id, label, kind, digest) of the entries holding the wanted digests whose person
    is in ``scope``, and the index key active when they were read (enough to unwrap it).

    ``also``: only the entries of people who also hold one of the digests of each of these groups
    through the index on the person key: a person holds a few entries).

    One SELECT per (index, kind), joined with UNION ALL: each is a seek on the composite index
    ``(field, kind, digest, version, person_key)``, which also covers the columns read. The scope
    (the caller's queryset: the user's centres, no merged records) is a subquery on the person
    key, so a large centre's people never crowd out a small centre's before the cut. A last SELECT
    reads the active index key, so the search needs no query of its own to confirm it.
    """
    meta = BlindIndexEntry._meta
    keys = IndexKey._meta
    connection = connections[using]
    quote = connection.ops.quote_name
    column = {
        name: quote(_column(meta, name)) for name in ("person_key", "field", "kind", "digest", "version")
    }
    scope_sql, scope_params = (
        scope.order_by().values("person_key_id").query.get_compiler(using=using).as_sql()
    )
    both, both_params = "", []
    for number, wanted in enumerate(also or ()):
        held = []
        alias = f"b{number}"
        for (lab, kind), digests in sorted(wanted.items()):
            held.append(
                f"({alias}.{column['field']} = %s AND {alias}.{column['kind']} = %s"
                f" AND {alias}.{column['digest']} IN ({', '.join(['%s'] * len(digests))}))"
            )
            both_params += [lab, kind, *sorted(digests)]
        both += (
            f" AND EXISTS (SELECT 1 FROM {quote(meta.db_table)} {alias}"  # noqa: S608
            f" WHERE {alias}.{column['person_key']} = e.{column['person_key']}"
            f" AND {alias}.{column['version']} = {int(version)} AND ({' OR '.join(held)}))"
        )
    selects: list[str] = []
    params: list[Any] = []
    for (lab, kind), digests in sorted(groups.items()):
        ordered = sorted(digests)
        selects.append(
            f"SELECT e.{column['person_key']}, e.{column['field']}, e.{column['kind']}, e.{column['digest']}"  # noqa: S608
            f" FROM {quote(meta.db_table)} e WHERE e.{column['field']} = %s AND e.{column['kind']} = %s"
            f" AND e.{column['digest']} IN ({', '.join(['%s'] * len(ordered))}) AND e.{column['version']} = %s"
            f" AND e.{column['person_key']} IN ({scope_sql}){both}"
        )
        params += [lab, kind, *ordered, version, *scope_params, *both_params]
    active_key = (
        f"SELECT NULL, {quote(_column(keys, 'wrapped_key'))}, NULL, {quote(_column(keys, 'version'))}"  # noqa: S608
        f" FROM {quote(keys.db_table)} WHERE {quote(_column(keys, 'state'))} = %s"
    )
    if selects:
        found = f"SELECT * FROM ({' UNION ALL '.join(selects)}) AS found LIMIT %s"  # noqa: S608
        sql, params = f"SELECT * FROM ({found}) AS capped UNION ALL {active_key}", [*params, limit]  # noqa: S608
    else:
        sql = active_key
    params.append(IndexKeyState.ACTIVE)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
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


def _score(strengths: dict[int, int]) -> tuple[int, int]:
    return (len(strengths), sum(strengths.values()))


def _opened_columns(model: type[VaultPerson], tokens: list[QueryToken]) -> list[str]:
    """The fields the re-check of ``tokens`` may open: the names, and the numbers if asked for."""
    indexes = [
        index
        for index in model.vault_indexes
        if isinstance(index, blind.NameIndex) or any(not token.is_name for token in tokens)
    ]
    return list(dict.fromkeys(name for index in indexes for name in index.fields))


def _rechecker(
    model: type[VaultPerson], tokens: list[QueryToken]
) -> Callable[[VaultPerson, dict[int, int]], Candidate]:
    """A function comparing a person's plaintext with the query: digests may have collided.

    ``bound`` is what the index found for the person ({query token number: best bound}), an upper
    bound of what the plaintext can confirm: a token found only by its prefix entry is at best a
    loose prefix. Name fields are opened once per person; their tokens are folded and keyed once
    per search.
    """
    name_fields = [
        name for index in model.vault_indexes if isinstance(index, blind.NameIndex) for name in index.fields
    ]
    other = [index for index in model.vault_indexes if not isinstance(index, blind.NameIndex)]
    wants_numbers = any(not t.is_name for t in tokens)
    forms: dict[str, list[tuple[str, str, str]]] = {}  # value -> (token, key, loose) of its tokens

    def forms_of(value: Any) -> list[tuple[str, str, str]]:
        text = str(value)
        if text not in forms:
            forms[text] = [(t, phonetic_key(t), loose_key(t)) for t in name_tokens(text)]
        return forms[text]

    def recheck(person: VaultPerson, bound: dict[int, int]) -> Candidate:
        best: dict[int, int] = {}
        names: list[tuple[str, str, str]] = []
        goal = {n: bound.get(n) or EXACT for n, t in enumerate(tokens) if t.is_name}
        # Name fields are opened one at a time, only until every name token of the query is
        # confirmed as strongly as its index bound allows.
        for name in name_fields if goal else ():
            value = getattr(person, name)
            if value:
                names += forms_of(value)
                for number in goal:
                    best[number] = max(best.get(number, 0), _strength(tokens[number], names))
                if all(best.get(n, 0) >= g for n, g in goal.items()):
                    break
        if wants_numbers:
            terms: set[tuple[str, str]] = set()
            for index in other:
                for field_name in index.fields:
                    value = getattr(person, field_name)
                    if value not in (None, "", {}, []):
                        terms.update(index.terms(value))
            for number, token in enumerate(tokens):
                if not token.is_name:
                    best[number] = _number_strength(token, terms)
        for number, strength in list(best.items()):
            cap = bound.get(number, 0)
            if not strength:
                del best[number]
            elif cap:
                best[number] = min(strength, cap)
        literal = sum(
            1
            for number in best
            if tokens[number].is_name
            and any(folded.startswith(tokens[number].folded) for folded, _k, _l in names)
        )
        return Candidate(
            person=person, tokens_matched=len(best), strength=sum(best.values()), literal=literal
        )

    return recheck


def _strength(token: QueryToken, names: list[tuple[str, str, str]]) -> int:
    """How well one name token of the query matches a person's name tokens (0: not at all)."""
    best = 0
    for folded, key, loose in names:
        if folded == token.folded:
            return EXACT
        if token.key and key == token.key:
            best = max(best, VARIANT)
        for number, start in enumerate(token.prefix_keys):
            if len(start) >= blind.PREFIX_LEN - 1 and loose.startswith(start):
                best = max(best, LOOSE_PREFIX if number == 0 else KEY_PREFIX)
    return best


def _number_strength(token: QueryToken, terms: set[tuple[str, str]]) -> int:
    return EXACT if any((want.kind, want.term) in terms for want in token.wants) else 0
