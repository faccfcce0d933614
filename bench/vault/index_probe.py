"""Where a blind-index search spends its time at 1M people, and what other index queries would cost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kem_bench1m .venv/bin/python bench/vault/index_probe.py [centre] [all]

For exact full names of random people (scoped to their centre and unscoped), times only the index
step of ``search_people`` in four shapes, over the same digests (slots included):

- today: every entry holding a wanted digest, name-key and key-prefix kinds, sent to Python
  (``search._entries``, what ``search_people`` runs);
- keys only: the same without the key-prefix digests a whole-word token also asks for;
- ranked in SQL: today's digests, but grouped per person, scored and cut to ``limit * OPEN_FACTOR``
  in PostgreSQL, so only the candidates travel;
- rarest first: only the people holding the query's rarest term (by its tally), then the other
  terms among them, ranked and cut in SQL.

It changes nothing in the vault; it measures what the owner of ``kem/vault/search.py`` may choose.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.vault.fill import NAMES_TABLE, setup_django
from bench.vault.search1m import pct, queryset


def _asked(query: str) -> tuple[list[tuple[str, str, int, int, int]], dict[tuple[int, str], int]]:
    """(label, kind, digest, token number, bound) of every digest the query asks, and the
    holders counted per (token number, kind)."""
    from kem.models import Beneficiary
    from kem.vault import blind
    from kem.vault.search import parse_query

    index_key = blind.search_key()
    tokens = parse_query(query, model=Beneficiary)
    wants = {(w.label, w.kind, w.term): (n, w.bound) for n, t in enumerate(tokens) for w in t.wants}
    counts = blind.read_tallies(index_key, set(wants))
    rows, holders = [], defaultdict(int)
    for (lab, kind, term), (number, bound) in wants.items():
        count = counts.get((lab, kind, term), 0)
        holders[(number, kind)] += count
        for value in blind.digests(index_key, lab, kind, term, count):
            rows.append((lab, kind, value, number, bound))
    return rows, holders


def _run(sql: str, params: list[Any]) -> tuple[float, int]:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return (time.perf_counter() - start) * 1000, len(rows)


def shapes(query: str, centre: int | None, limit: int = 200) -> dict[str, tuple[float, int]]:
    from kem.vault import blind
    from kem.vault.search import _entries

    asked, holders = _asked(query)
    scope_sql, scope_params = (
        queryset(centre).order_by().values("person_key_id").query.get_compiler(using="default").as_sql()
    )
    out: dict[str, tuple[float, int]] = {}
    version = blind.search_key().version

    def groups(kinds: set[str]) -> dict[tuple[str, str], set[int]]:
        found: dict[tuple[str, str], set[int]] = defaultdict(set)
        for lab, kind, value, _n, _b in asked:
            if kind in kinds:
                found[(lab, kind)].add(value)
        return found

    for name, kinds in (("today", {blind.KEY, blind.PREFIX}), ("keys only", {blind.KEY})):
        start = time.perf_counter()
        rows, _active = _entries(groups(kinds), version=version, scope=queryset(centre), using="default")
        out[name] = ((time.perf_counter() - start) * 1000, len(rows))

    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(asked))
    params: list[Any] = [x for row in asked for x in row]
    ranked = (
        f"WITH asked(field, kind, digest, token, bound) AS (VALUES {values}),"  # noqa: S608
        " hit AS (SELECT e.person_key_id, a.token, max(a.bound) AS bound FROM asked a"
        " JOIN kem_vault_blindindexentry e ON e.field = a.field AND e.kind = a.kind AND e.digest = a.digest"
        f" WHERE e.version = %s AND e.person_key_id IN ({scope_sql}) {{rare}} GROUP BY 1, 2)"
        " SELECT person_key_id, count(*), sum(bound) FROM hit GROUP BY 1 ORDER BY 2 DESC, 3 DESC LIMIT %s"
    )
    out["ranked in SQL"] = _run(ranked.format(rare=""), [*params, version, *scope_params, limit])
    if len({n for *_x, n, _b in asked}) > 1:
        rarest = min((c, n) for (n, kind), c in holders.items() if kind == blind.KEY)[1]
        rare = [(lab, kind, value) for lab, kind, value, n, _b in asked if n == rarest and kind == blind.KEY]
        in_rare = (
            " AND e.person_key_id IN (SELECT r.person_key_id FROM kem_vault_blindindexentry r"  # noqa: S608
            " WHERE r.version = %s AND (r.field, r.kind, r.digest) IN ("
            + ", ".join(["(%s, %s, %s)"] * len(rare))
            + "))"
        )
        rare_params = [version, *(x for row in rare for x in row)]
        out["rarest first"] = _run(
            ranked.format(rare=in_rare), [*params, version, *scope_params, *rare_params, limit]
        )
    return out


def main() -> None:
    scopes = sys.argv[1:] or ["centre", "all"]
    setup_django(migrate=False)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.11)")
        cursor.execute(
            f"SELECT q_given || ' ' || q_family, registering_centre_id FROM {NAMES_TABLE} ORDER BY random() LIMIT 12"  # noqa: S608
        )
        sample = cursor.fetchall()
    shapes(sample[0][0], sample[0][1])  # warm up
    for scope in scopes:
        times: dict[str, list[float]] = defaultdict(list)
        rows: dict[str, list[int]] = defaultdict(list)
        for query, centre in sample:
            for name, (ms, count) in shapes(query, centre if scope == "centre" else None).items():
                times[name].append(ms)
                rows[name].append(count)
        print(
            f"exact full name, index step only, {len(sample)} queries, {scope}: ms p50 / p95, rows p50 / max"
        )
        for name, found in times.items():
            print(
                f"  {name:14} {statistics.median(found):9.1f} / {pct(found, 0.95):9.1f}"
                f"   rows {statistics.median(rows[name]):10,.0f} / {max(rows[name]):10,}"
            )


if __name__ == "__main__":
    main()
