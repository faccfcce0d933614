"""Search bench on a database filled by ``fill.py`` (1M people on PostgreSQL): blind index against
the same search over plaintext terms, a plaintext indexed column and opening every row.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kem_bench1m \\
        .venv/bin/python bench/vault/search1m.py [--queries 200] [--sample-rows 20000]

Queries are made from random existing people (so common names come up as often as they are
common): the full name "given family" and the family name alone as the front desk types them (the
Latin form of a name written in Arabic script, else as written), the first three letters of a
Latin family name, and of a Greek-script one. Each runs scoped to the person's centre
(``Beneficiary.objects.at_centres``, as the front desk searches) and unscoped, through:

- blind index: ``search_people`` (limit 50, the front desk's), in a fresh key cache per search as
  a request has;
- plaintext terms: ``search_people`` itself with its index parts reading ``bench_plain_terms``
  (the index's terms in plaintext, no smoothing, no truncation) and its re-check reading the names
  from ``bench_plain_names`` (nothing to unwrap or open); the same tallies, tiers, budget, scope
  subquery and ranking, and the people found read whole through the ORM;
- plaintext column: ``bench_plain_names``, one indexed folded column (equality, or a range for a
  prefix), raw SQL, 50 rows: the floor;
- open every row: ``--sample-rows`` people read and opened (given and family names, Latin forms)
  and compared, timed, and extrapolated to every row (unscoped) or to the centre (scoped).

Prints p50 / p95 in ms, the ratios, PASS/MISS per target of issue 16, EXPLAIN ANALYZE of one
search's index query, and a cProfile of the slowest blind-index search of each kind.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import platform
import pstats
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.vault.fill import NAMES_TABLE, TERMS_TABLE, setup_django

LIMIT = 50


@dataclass(frozen=True)
class Query:
    text: str
    centre: int
    folded: str  # what the plaintext column is asked for
    column: str  # which column of bench_plain_names
    prefix: bool
    person: Any = None  # the id of the person the query was made from (whole names only)


def pct(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), pct(times, 0.95)


def queryset(centre: int | None) -> Any:
    from kem.models import Beneficiary

    return Beneficiary.objects.at_centres([centre]) if centre is not None else Beneficiary.objects.all()


# --- the four ways ---------------------------------------------------------------------------
def blind_search(query: Query, centre: int | None) -> list[tuple[Any, tuple[int, ...]]]:
    from kem.vault import key_cache
    from kem.vault.search import search_people

    with key_cache():
        found = search_people(query.text, queryset=queryset(centre), limit=LIMIT)
        shown = [(c.person.given_name, c.person.family_name) for c in found]  # what the page opens
        return [(c.person.pk, c.score) for c, _names in zip(found, shown, strict=True)]


def plain_terms_search(query: Query, centre: int | None) -> list[Any]:
    """``search_people`` itself, run over plaintext: what the same search costs without the seal.

    Its index parts are swapped for ``bench_plain_terms`` (the index's terms in plaintext: no
    truncation, so no false candidates; no smoothing, so one entry per term) and its re-check
    reads the names from ``bench_plain_names`` (plaintext: nothing to unwrap or open). The
    algorithm is the same code: rarest token first (by the same tallies), the candidates' own
    terms, the same tiers, budget and ranking; the people found are read whole the same way.
    """
    from kem.vault import key_cache

    with key_cache(), _plaintext_parts():
        from kem.vault.search import search_people

        found = search_people(query.text, queryset=queryset(centre), limit=LIMIT)
        return [(c.person.pk, c.score) for c in found]


class _PlainPerson:
    """A row of ``bench_plain_names`` standing in for a person in the re-check."""

    def __init__(self, row: tuple[Any, ...]) -> None:
        self.pk, self.person_key_id, self.given_name, self.family_name = row[:4]
        self.given_name_latin, self.family_name_latin = row[4:6]
        self.person_key = _NotShredded


class _NotShredded:
    is_shredded = False


@contextmanager
def _plaintext_parts() -> Iterator[None]:
    from django.db import connection

    from kem.vault import blind
    from kem.vault import search as search_module

    saved = {
        name: getattr(search_module, name)
        for name in ("want_digests", "_entries", "_entries_of", "_open", "_whole")
    }

    def want_digests(index_key: Any, wants: set[Any], *, using: Any = None, counts: Any = None) -> Any:
        read = blind.read_tallies(index_key, {(w.label, w.kind, w.term) for w in wants}, using=using)
        if counts is not None:
            counts.update(read)
        by_term: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
        for want in wants:
            by_term[(want.label, want.kind, want.term)].append(want)
        return by_term

    def entries(groups: Any, *, version: int, scope: Any, using: str, limit: int, also: Any = None) -> Any:
        scope_sql, scope_params = (
            scope.order_by().values("person_key_id").query.get_compiler(using=using).as_sql()
        )
        both, both_params = "", []
        for number, wanted in enumerate(also or ()):
            held = []
            for (lab, kind), terms in sorted(wanted.items()):
                held.append(
                    f"(b{number}.field = %s AND b{number}.kind = %s"
                    f' AND b{number}.term COLLATE "C" IN ({", ".join(["%s"] * len(terms))}))'
                )
                both_params += [lab, kind, *sorted(terms)]
            both += (
                f" AND EXISTS (SELECT 1 FROM {TERMS_TABLE} b{number}"  # noqa: S608
                f" WHERE b{number}.person_key_id = e.person_key_id AND b{number}.version = {int(version)}"
                f" AND ({' OR '.join(held)}))"
            )
        selects, params = [], []
        for (lab, kind), terms in sorted(groups.items()):
            selects.append(
                f"SELECT e.person_key_id, e.field, e.kind, e.term FROM {TERMS_TABLE} e"  # noqa: S608
                f" WHERE e.field = %s AND e.kind = %s"
                f' AND e.term COLLATE "C" IN ({", ".join(["%s"] * len(terms))}) AND e.version = %s'
                f" AND e.person_key_id IN ({scope_sql}){both}"
            )
            params += [lab, kind, *sorted(terms), version, *scope_params, *both_params]
        if not selects:
            return [], blind.search_key()
        with connection.cursor() as cursor:
            found = f"SELECT * FROM ({' UNION ALL '.join(selects)}) AS found LIMIT %s"  # noqa: S608
            cursor.execute(found, [*params, limit])
            return cursor.fetchall(), blind.search_key()

    def entries_of(person_keys: list[object], *, version: int, using: str) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT person_key_id, field, kind, term FROM {TERMS_TABLE}"  # noqa: S608
                " WHERE version = %s AND person_key_id = ANY(%s)",
                [version, [uuid.UUID(str(pk)) for pk in person_keys]],
            )
            return cursor.fetchall()

    def open_plain(scope: Any, batch: list[str], evidence: Any, recheck: Any, columns: list[str]) -> Any:
        if not batch:
            return []
        scope_sql, scope_params = (
            scope.order_by().values("person_key_id").query.get_compiler(using="default").as_sql()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, person_key_id, given_name, family_name, given_name_latin, family_name_latin"  # noqa: S608
                f" FROM {NAMES_TABLE} WHERE person_key_id = ANY(%s) AND person_key_id IN ({scope_sql})",
                [[uuid.UUID(pk) for pk in batch], *scope_params],
            )
            people = [_PlainPerson(row) for row in cursor.fetchall()]
        found = (recheck(p, evidence.bound(search_module._key_of(p.person_key_id))) for p in people)
        return [c for c in found if c.tokens_matched]

    def whole(scope: Any, found: list[Any]) -> Any:
        rows = {p.pk: p for p in scope.filter(pk__in=[c.person.pk for c in found]).order_by()}
        return [
            search_module.Candidate(rows[c.person.pk], c.tokens_matched, c.strength, c.literal)
            for c in found
            if c.person.pk in rows
        ]

    replacements = {
        "want_digests": want_digests,
        "_entries": entries,
        "_entries_of": entries_of,
        "_open": open_plain,
        "_whole": whole,
    }
    try:
        for name, part in replacements.items():
            setattr(search_module, name, part)
        yield
    finally:
        for name, part in saved.items():
            setattr(search_module, name, part)


def found_in_top5(query: Query, top: list[tuple[Any, tuple[int, ...]]]) -> bool:
    """Whether the person the query was made from is among ``top`` (the first five (id, score)),
    or all five match every word of the query exactly (namesakes, in any script: then no search
    can tell them apart, and the page shows more)."""
    from kem.models import Beneficiary
    from kem.vault.search import EXACT, parse_query

    words = len(parse_query(query.text, model=Beneficiary))
    return query.person in [pk for pk, _score in top] or (
        len(top) == 5 and all(score[:2] == (words, EXACT * words) for _pk, score in top)
    )


def column_search(query: Query, centre: int | None) -> list[Any]:
    from django.db import connection

    where = f"{query.column} >= %s AND {query.column} < %s" if query.prefix else f"{query.column} = %s"
    params: list[Any] = [query.folded, query.folded + "{"] if query.prefix else [query.folded]
    if centre is not None:
        where += " AND registering_centre_id = %s"
        params.append(centre)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, given_name, family_name FROM {NAMES_TABLE} WHERE {where} LIMIT {LIMIT}",  # noqa: S608
            params,
        )
        return cursor.fetchall()


def open_rows(sample: int, query: Query) -> float:
    """Seconds to read and open ``sample`` people and compare them with ``query`` (per row)."""
    from kem.models import Beneficiary
    from kem.vault import key_cache
    from kem.vault.normalise import fold

    found = 0
    start = time.perf_counter()
    with key_cache():
        people = Beneficiary.objects.order_by().all()[:sample]
        for person in people.iterator(chunk_size=2000):
            names = [person.given_name, person.family_name, person.given_name_latin, person.family_name_latin]
            folded = " ".join(fold(n) for n in names if n)
            if query.prefix:
                found += any(word.startswith(query.folded) for word in folded.split())
            else:
                found += query.folded in folded
    return (time.perf_counter() - start) / sample


# --- queries ----------------------------------------------------------------------------------
def draw_queries(count: int, seed: int) -> dict[str, list[Query]]:
    from django.db import connection

    from kem.vault.normalise import fold

    with connection.cursor() as cursor:
        # Ordered by a hash of the id and the seed, not random(): the same people every run,
        # whatever plan (a parallel scan) the database picks.
        cursor.execute(
            f"SELECT q_given, q_family, registering_centre_id, family_name, family_name_latin, id FROM {NAMES_TABLE}"  # noqa: S608
            f" ORDER BY md5(id::text || %s) LIMIT %s",
            [str(seed), count * 3],
        )
        people = cursor.fetchall()
        cursor.execute(
            f"SELECT family_name, registering_centre_id FROM {NAMES_TABLE} WHERE greek_family"  # noqa: S608
            f" ORDER BY md5(id::text || %s) LIMIT %s",
            [str(seed), count],
        )
        greek = cursor.fetchall()
    sample = people[:count]
    latin = [
        (latin_family, centre)
        for _g, _f, centre, family, family_latin, _id in people
        if len(latin_family := family_latin or (family if family.isascii() else "")) >= 3
    ][:count]
    return {
        "exact full name": [
            Query(f"{g} {f}", c, fold(f"{g} {f}"), "q_full_folded", prefix=False, person=pk)
            for g, f, c, _, _, pk in sample
        ],
        "exact family name": [
            Query(f, c, fold(f), "q_family_folded", prefix=False) for _, f, c, _, _, _ in sample
        ],
        "3-letter prefix, Latin": [
            Query(f[:3], c, fold(f[:3]), "latin_family_folded", prefix=True) for f, c in latin
        ],
        "3-letter prefix, Greek": [
            Query(f[:3], c, fold(f[:3]), "q_family_folded", prefix=True) for f, c in greek
        ],
    }


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def explain(query: Query) -> None:
    """EXPLAIN ANALYZE of the index query of one blind-index search (scoped)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # a full log (9,000 queries) would leave the capture empty
    with CaptureQueriesContext(connection) as captured:
        blind_search(query, query.centre)
    sql = next(q["sql"] for q in captured.captured_queries if "UNION ALL" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = [row[0] for row in cursor.fetchall()]
    print(
        f"\nEXPLAIN ANALYZE of the index query of one search ({query.text!r}, scoped to centre {query.centre};"
        f" {len(captured.captured_queries)} queries in that search), plan summary:"
    )
    nodes = [line for line in plan if "->" in line or not line.startswith(" ")]
    for line in nodes[:14]:
        print("   ", line[:150])
    if len(nodes) > 14:
        print(
            f"    ... {len(nodes) - 14} more plan nodes (one index seek per (index, kind) and its scope lookup)"
        )
    for line in plan:
        if line.startswith(("Planning Time", "Execution Time")):
            print("   ", line)


def profile_one(label: str, query: Query, centre: int | None) -> None:
    """cProfile of one blind-index search, with how many digests, index rows and people it met."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kem.models import Beneficiary
    from kem.vault import blind
    from kem.vault.search import OPEN_EXTRA, OPEN_FACTOR, _entries, parse_query, want_digests

    tokens = parse_query(query.text, model=Beneficiary)
    wants = {want for token in tokens for want in token.wants}
    asked = want_digests(blind.search_key(), wants, using="default")
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for lab, kind, value in asked:
        groups[(lab, kind)].add(value)
    start = time.perf_counter()
    rows, _active = _entries(
        groups,
        version=blind.search_key().version,
        scope=queryset(centre),
        using="default",
        limit=LIMIT * OPEN_FACTOR + OPEN_EXTRA,
    )
    index_ms = (time.perf_counter() - start) * 1000
    profiler = cProfile.Profile()
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        profiler.enable()
        blind_search(query, centre)
        profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
    print(
        f"\ncProfile of the slowest {label} blind-index search ({query.text!r},"
        f" {'centre ' + str(centre) if centre else 'unscoped'}): {len(wants)} terms asked as {len(asked):,} digests,"
        f" {len(rows):,} index rows for {len({r[0] for r in rows}):,} people (the index query alone:"
        f" {index_ms:,.0f} ms), {len(captured.captured_queries)} queries"
    )
    for line in out.getvalue().splitlines():
        if line.strip() and not line.startswith(("   Ordered", "   List")):
            print("   ", line[:160])


# --- main -------------------------------------------------------------------------------------
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--sample-rows", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    setup_django(migrate=False)
    from django.db import connection

    from kem.models import Beneficiary
    from kem.vault.models import BlindIndexEntry

    total = Beneficiary.objects.count()
    entries = BlindIndexEntry.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT registering_centre_id, count(*) FROM kem_beneficiary GROUP BY 1")
        sizes = dict(cursor.fetchall())
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    load = os.getloadavg()
    print(f"vault search bench, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"machine: {platform.node()}, {os.cpu_count()} cores ({cpu_model()}), Python {platform.python_version()},"
        f" PostgreSQL {server} on the same machine"
    )
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min)")
    print(
        f"database {connection.settings_dict['NAME']}: {total:,} people, {entries:,} blind-index entries,"
        f" {len(sizes)} centres of {max(sizes.values()):,} .. {min(sizes.values()):,} people"
    )
    queries = draw_queries(args.queries, args.seed)
    for kind in queries.values():  # warm up: derived keys, the connection, the plans
        for query in kind[:2]:
            blind_search(query, query.centre)
            plain_terms_search(query, query.centre)
    per_row = statistics.median(
        [
            open_rows(args.sample_rows, queries["exact full name"][0]),
            open_rows(args.sample_rows, queries["3-letter prefix, Latin"][0]),
        ]
    )
    print(
        f"opening every row: {per_row * 1e6:.0f} µs per person (median of 2 runs over {args.sample_rows:,} rows),"
        f" extrapolated: {per_row * total:,.1f} s for all {total:,}"
    )
    results: dict[tuple[str, str], dict[str, list[float]]] = {}
    slowest: dict[str, tuple[float, Query, int | None]] = {}
    verdicts: list[tuple[str, bool]] = []
    for kind, sample in queries.items():
        prefix = sample[0].prefix
        print(
            f"\n{kind}: {len(sample)} queries, ms p50 / p95"
            + (" (e.g. " + ", ".join(repr(q.text) for q in sample[:4]) + ")")
        )
        for scope in ("centre", "all"):
            times: dict[str, list[float]] = defaultdict(list)
            top5 = {"blind": 0, "terms": 0}
            for query in sample:
                centre = query.centre if scope == "centre" else None
                got: dict[str, Any] = {}
                elapsed = timed(lambda q=query, c=centre, g=got: g.update(blind=blind_search(q, c)))
                times["blind"].append(elapsed)
                if elapsed > slowest.get(kind, (0.0, query, None))[0]:
                    slowest[kind] = (elapsed, query, centre)
                times["terms"].append(
                    timed(lambda q=query, c=centre, g=got: g.update(terms=plain_terms_search(q, c)))
                )
                if query.person is not None:
                    top5["blind"] += found_in_top5(query, got["blind"][:5])
                    top5["terms"] += found_in_top5(query, got["terms"][:5])
                times["column"].append(timed(lambda q=query, c=centre: column_search(q, c)))
            results[(kind, scope)] = times
            print(
                f"  ({scope}: {len(sample)} queries done at {dt.datetime.now(dt.UTC):%H:%M:%S})", flush=True
            )
            rows = statistics.mean(sizes[q.centre] for q in sample) if scope == "centre" else total
            every = per_row * rows * 1000
            (bm, bp), (tm, tp), (cm, cp) = (
                summary(times["blind"]),
                summary(times["terms"]),
                summary(times["column"]),
            )
            label = "scoped to the person's centre" if scope == "centre" else f"unscoped (all {total:,})"
            print(f"  {label}:")
            print(f"    blind index (search_people)          {bm:8.2f} / {bp:8.2f}")
            print(f"    same search over plaintext terms     {tm:8.2f} / {tp:8.2f}")
            print(f"    plaintext indexed column (floor)     {cm:8.2f} / {cp:8.2f}")
            if sample[0].person is not None:
                print(
                    f"    the person sought in the top 5 (or 5 namesakes of the very same name there):"
                    f" blind index {top5['blind']} of {len(sample)}, plaintext terms {top5['terms']} of {len(sample)}"
                )
            print(
                f"    open every row (extrapolated)        {every:8,.0f}   ({rows:,.0f} rows at {per_row * 1e6:.0f} µs)"
            )
            print(
                f"    ratios: blind / plaintext terms {bm / tm:.2f}x (p50), {bp / tp:.2f}x (p95);"
                f" blind / column {bm / cm:.1f}x (p50), {bp / cp:.1f}x (p95);"
                f" open every row / blind {every / bp:,.0f}x (vs p95)"
            )
            goal = 40.0 if prefix else 20.0
            verdicts.append((f"{kind}, {scope}: p95 {bp:.1f} ms < {goal:.0f} ms", bp < goal))
            if not prefix:
                verdicts.append(
                    (
                        f"{kind}, {scope}: within 2x of plaintext terms (p50 {bm / tm:.2f}x, p95 {bp / tp:.2f}x)",
                        bm / tm <= 2 and bp / tp <= 2,
                    )
                )
            if scope == "all":
                verdicts.append(
                    (
                        f"{kind}, {scope}: open every row / blind p95 = {every / bp:,.0f}x >= 1000x",
                        every / bp >= 1000,
                    )
                )
            else:
                print(
                    f"    (scoped: opening every row of the centre is the alternative; {every / bp:,.0f}x, not a target)"
                )
    explain(queries["exact full name"][0])
    for kind, (elapsed, query, centre) in slowest.items():
        if kind.startswith(("exact full", "3-letter prefix, Latin")):
            profile_one(f"{kind} ({elapsed:.1f} ms)", query, centre)
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("targets (issue 16, speed at 1M people on PostgreSQL):")
    for text, ok in verdicts:
        print(f"  {'PASS' if ok else 'MISS'}  {text}")


if __name__ == "__main__":
    main()
