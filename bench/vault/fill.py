"""Fill a throw-away PostgreSQL database with N made-up people at COPY speed, for the vault benches.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kem_bench1m \\
        .venv/bin/python bench/vault/fill.py [--people 1000000] [--seed 1] [--workers 2]

The database is migrated first and must hold no people. What is written is what the product
writes, only faster:

- centres (``--centres``, 50) with heavy-tailed sizes (Zipf weights: the largest holds about a
  fifth of everybody, the smallest a few thousand at 1M);
- per person a ``PersonKey`` (a random data key wrapped by ``PersonKey.wrap``) and the
  ``Beneficiary`` row, every column made by the model field's own ``pre_save`` and
  ``get_db_prep_save`` on an unsaved instance (so sealed fields are sealed exactly as ``save()``
  seals them: under the person's key, bound to table, column and row);
- the blind-index entries from ``blind.person_terms`` through ``blind.assign`` (slots and tallies
  as ``index_people`` makes them), and the tallies at the end with ``blind.write_tallies``;
- two bench-only tables for the comparisons of ``search1m.py``: ``bench_plain_terms`` (shaped like
  the index and its lookup index, holding the plaintext term instead of a digest, no smoothing
  or truncation) and ``bench_plain_names`` (the names in plaintext, with indexed folded columns).

Names, centres, genders, years and row ids are deterministic for one ``--seed``; keys and nonces
are random. Each batch is drawn and sealed by a worker process (``--workers``) and written by the
main process with psycopg 3 ``COPY``; blind-index slots are assigned in the main process, in batch
order, because a term's slot depends on how many people before hold it. Secondary indexes and
foreign keys of the filled tables are dropped for the load and made again at the end (the same
definitions, read from the catalogue), then the tables are vacuumed and analysed.

The root key is ``BENCH_ROOT_KEY`` unless ``KEM_ROOT_KEY`` is set: ``search1m.py`` must use the same.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import multiprocessing
import os
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BENCH_ROOT_KEY = "YmVuY2gtb25seS1rZXktbmV2ZXItcHJvZHVjdGlvbiE="  # 32 bytes, throw-away data only
NAMES_TABLE = "bench_plain_names"
TERMS_TABLE = "bench_plain_terms"
FILLED_TABLES = ("kem_vault_personkey", "kem_beneficiary", "kem_vault_blindindexentry")
CENTRE_ZIPF = 1.0


def setup_django(*, migrate: bool = True) -> None:
    """Django on DATABASE_URL (required, PostgreSQL) with the bench root key; migrated."""
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throw-away PostgreSQL database (e.g. .../kem_bench1m).")
    if not os.environ.get("KEM_ROOT_KEY") and not os.environ.get("KEM_ROOT_KEY_FILE"):
        os.environ["KEM_ROOT_KEY"] = BENCH_ROOT_KEY
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


# --- one batch of people (runs in a worker) ---------------------------------------------------
@dataclass
class Batch:
    number: int
    key_rows: list[list[Any]] = field(default_factory=list)
    person_rows: list[list[Any]] = field(default_factory=list)
    name_rows: list[list[Any]] = field(default_factory=list)
    terms: dict[uuid.UUID, set[tuple[str, str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What every worker needs to draw its batches: the same for one seed."""

    seed: int
    people: int
    batch: int
    centre_ids: tuple[int, ...]
    centre_cumulative: tuple[float, ...]
    today: dt.date


_pools: Any = None


def _row(instance: Any, fields: list[Any], connection: Any, same: dict[int, Any] | None = None) -> list[Any]:
    """The column values ``save()`` would INSERT for ``instance`` (sealed fields sealed).

    ``same`` holds the values of the columns every person of a batch shares (defaults the fill
    does not set, and ``created_at``), as made for the first person; they are reused as they are.
    """
    from psycopg.types.json import Jsonb

    values = []
    for number, model_field in enumerate(fields):
        if same is not None and number in same:
            values.append(same[number])
            continue
        value = model_field.get_db_prep_save(model_field.pre_save(instance, True), connection)
        if isinstance(value, Jsonb):  # COPY parses jsonb from its text
            value = json.dumps(value.obj, ensure_ascii=False)
        values.append(value)
    return values


# Columns the fill gives each person a value of its own; every other one is a default.
VARYING = {
    "id",
    "person_key",
    "registering_centre",
    "gender",
    "birth_year",
    "nationality",
    "registration_date",
}


def make_batch(plan: Plan, number: int) -> Batch:
    """Draw, seal and index-term the people of batch ``number`` (deterministic names and ids)."""
    import bisect

    from django.db import connection

    from bench.vault import names
    from kem.demo_people import amka_for
    from kem.models import Beneficiary
    from kem.vault import blind, crypto
    from kem.vault.fields import SealedField
    from kem.vault.models import PersonKey
    from kem.vault.normalise import fold

    global _pools
    if _pools is None:
        _pools = names.build_pools(plan.seed)
    rng = random.Random(f"people:{plan.seed}:{number}")
    key_fields = list(PersonKey._meta.concrete_fields)
    person_fields = list(Beneficiary._meta.concrete_fields)
    batch = Batch(number)
    same: dict[int, Any] | None = None

    def shared(model_field: Any) -> bool:
        return not isinstance(model_field, SealedField) and model_field.name not in VARYING

    start = number * plan.batch
    for serial in range(start, min(start + plan.batch, plan.people)):
        name = names.draw_person(_pools, rng)
        person_key = PersonKey(id=uuid.UUID(int=rng.getrandbits(128), version=4))
        person_key.wrap(crypto.new_key())
        centre = plan.centre_ids[
            bisect.bisect(plan.centre_cumulative, rng.random() * plan.centre_cumulative[-1])
        ]
        birth_year = int(rng.triangular(1950, 2010, 1993))
        birth = dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
        person = Beneficiary(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            person_key=person_key,
            registering_centre_id=centre,
            given_name=name.given,
            family_name=name.family,
            given_name_latin=name.given_latin,
            family_name_latin=name.family_latin,
            gender=name.gender,
            birth_year=birth_year,
            date_of_birth=birth,
            nationality=name.nationality,
            registration_date=plan.today - dt.timedelta(days=rng.randint(0, 8 * 365)),
        )
        if rng.random() < 0.7:
            person.phone = f"69{rng.randrange(10**7, 10**8)}"
        if rng.random() < 0.4:
            amka = amka_for(birth, serial % 10_000)
            person.documents = [{"kind": "amka", "number": amka, "status": "valid"}]
            person.id_numbers = {"amka": amka}
        batch.terms[person_key.pk] = blind.person_terms(person)
        batch.key_rows.append(_row(person_key, key_fields, connection))
        batch.person_rows.append(_row(person, person_fields, connection, same))
        if same is None:
            row = batch.person_rows[-1]
            same = {n: row[n] for n, f in enumerate(person_fields) if shared(f)}
        # The query forms: what the front desk types for this person (the Latin form of a name
        # written in Arabic script; Greek or Latin as written otherwise).
        arabic = not name.family.isascii() and name.origin != "greek" and not _greek(name.family)
        q_given = name.given_latin if arabic else name.given
        q_family = name.family_latin if arabic else name.family
        latin_family = name.family_latin or name.family
        batch.name_rows.append(
            [
                person.pk,
                person_key.pk,
                centre,
                name.given,
                name.family,
                name.given_latin,
                name.family_latin,
                q_given,
                q_family,
                fold(q_family),
                fold(f"{q_given} {q_family}"),
                fold(latin_family),
                _greek(name.family),
            ]
        )
    return batch


def _greek(text: str) -> bool:
    return any("\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff" for ch in text)


_plan: Plan | None = None


def _init_worker(plan: Plan) -> None:
    global _plan
    _plan = plan


def _work(number: int) -> Batch:
    assert _plan is not None
    return make_batch(_plan, number)


# --- writing ---------------------------------------------------------------------------------
def create_bench_tables(cursor: Any) -> None:
    """The two plaintext tables of the comparisons (indexes made after the load)."""
    cursor.execute(f"DROP TABLE IF EXISTS {NAMES_TABLE}, {TERMS_TABLE}")
    cursor.execute(
        f"CREATE TABLE {NAMES_TABLE} (id uuid PRIMARY KEY, person_key_id uuid NOT NULL,"
        " registering_centre_id integer NOT NULL, given_name text NOT NULL, family_name text NOT NULL,"
        " given_name_latin text NOT NULL, family_name_latin text NOT NULL, q_given text NOT NULL,"
        ' q_family text NOT NULL, q_family_folded text COLLATE "C" NOT NULL,'
        ' q_full_folded text COLLATE "C" NOT NULL, latin_family_folded text COLLATE "C" NOT NULL,'
        " greek_family boolean NOT NULL)"
    )
    # Shaped like kem_vault_blindindexentry, with the term instead of the digest.
    cursor.execute(
        f"CREATE TABLE {TERMS_TABLE} (id bigserial PRIMARY KEY, person_key_id uuid NOT NULL,"
        " version smallint NOT NULL, field varchar(48) NOT NULL, kind varchar(3) NOT NULL,"
        " term varchar(200) NOT NULL)"
    )


BENCH_INDEXES = (
    f'CREATE INDEX {TERMS_TABLE}_lookup ON {TERMS_TABLE} (field, kind, term COLLATE "C", version, person_key_id)',
    f"CREATE INDEX {TERMS_TABLE}_person ON {TERMS_TABLE} (person_key_id)",
    f"CREATE INDEX {NAMES_TABLE}_person ON {NAMES_TABLE} (person_key_id)",
    f"CREATE INDEX {NAMES_TABLE}_family ON {NAMES_TABLE} (q_family_folded)",
    f"CREATE INDEX {NAMES_TABLE}_full ON {NAMES_TABLE} (q_full_folded)",
    f"CREATE INDEX {NAMES_TABLE}_latin ON {NAMES_TABLE} (latin_family_folded)",
    f"CREATE INDEX {NAMES_TABLE}_c_family ON {NAMES_TABLE} (registering_centre_id, q_family_folded)",
    f"CREATE INDEX {NAMES_TABLE}_c_full ON {NAMES_TABLE} (registering_centre_id, q_full_folded)",
    f"CREATE INDEX {NAMES_TABLE}_c_latin ON {NAMES_TABLE} (registering_centre_id, latin_family_folded)",
)


def secondary_schema(cursor: Any) -> tuple[list[str], list[str], list[str]]:
    """(drop statements, index definitions, constraint definitions) of the filled tables'
    secondary indexes, unique constraints and foreign keys: dropped for the load, made again."""
    tables = list(FILLED_TABLES)
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s)"
        " AND i.indexname NOT LIKE '%%_pkey' AND i.indexname NOT IN"
        " (SELECT conname FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s))"
        " ORDER BY i.indexname",
        [tables, tables],
    )
    indexes = cursor.fetchall()
    drops = [f'ALTER TABLE {t} DROP CONSTRAINT "{n}"' for t, n, _ in constraints]
    drops += [f'DROP INDEX "{n}"' for _t, n, _ in indexes]
    adds = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in reversed(constraints)]
    return drops, [d for _t, _n, d in indexes], adds


def _copy_rows(cursor: Any, table: str, columns: list[str], rows: list[list[Any]]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_text(cursor: Any, table: str, columns: list[str], lines: Iterator[str]) -> None:
    """COPY pre-formatted text lines (values known to hold no tab, newline or backslash)."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer: list[str] = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= 20_000:
                copy.write("".join(buffer))
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))


@dataclass
class FillResult:
    people: int
    seconds: float
    entries: int
    terms: int
    tallies: int
    centre_sizes: dict[int, int]

    @property
    def rate(self) -> float:
        return self.people / self.seconds if self.seconds else 0.0


def fill(
    people: int,
    *,
    seed: int = 1,
    centres: int = 50,
    batch: int = 5000,
    workers: int = 1,
    drop_indexes: bool = True,
    vacuum: bool = True,
    log: Callable[[str], None] = print,
) -> FillResult:
    """Fill the default database with ``people`` made-up people; see the module docstring."""
    from django.db import connection, connections, transaction

    from kem.models import Beneficiary
    from kem.services import centre_create
    from kem.vault import blind
    from kem.vault.models import BlindIndexEntry, PersonKey

    if connection.vendor != "postgresql":
        raise RuntimeError("fill() writes with PostgreSQL COPY: point DATABASE_URL at PostgreSQL.")
    if Beneficiary.objects.exists():
        raise RuntimeError("The database already holds people: use an empty, throw-away database.")
    started = time.perf_counter()
    rng = random.Random(f"centres:{seed}")
    made = []
    for number in range(centres):
        made.append(
            centre_create(
                name_el=f"ΚΕΜ Μετρήσεων {number + 1}",
                name_en=f"KEM Bench {number + 1}",
                municipality=rng.choice(["Αθήνα", "Πειραιάς", "Θεσσαλονίκη", "Πάτρα", "Ηράκλειο", "Λάρισα"]),
            )
        )
    weights = [1 / (rank**CENTRE_ZIPF) for rank in range(1, centres + 1)]
    plan = Plan(
        seed=seed,
        people=people,
        batch=batch,
        centre_ids=tuple(c.pk for c in made),
        centre_cumulative=tuple(itertools.accumulate(weights)),
        today=dt.date(2026, 12, 1),
    )
    index_key = blind.active_key()
    key_columns = [f.column for f in PersonKey._meta.concrete_fields]
    person_columns = [f.column for f in Beneficiary._meta.concrete_fields]
    entry_table = BlindIndexEntry._meta.db_table
    name_columns = [
        "id", "person_key_id", "registering_centre_id", "given_name", "family_name", "given_name_latin",
        "family_name_latin", "q_given", "q_family", "q_family_folded", "q_full_folded",
        "latin_family_folded", "greek_family",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        create_bench_tables(cursor)
        drops, index_defs, constraint_defs = secondary_schema(cursor)
        if drop_indexes:
            for statement in drops:
                cursor.execute(statement)
    counts: dict[tuple[str, str, str], int] = {}
    entries = terms = 0
    sizes: dict[int, int] = dict.fromkeys(plan.centre_ids, 0)
    batches = range((people + batch - 1) // batch)
    pool = None
    if workers > 1:
        connections.close_all()  # workers are forked: they must not share this connection
        pool = multiprocessing.get_context("fork").Pool(workers, _init_worker, (plan,))
    made_batches: Iterator[Batch] = (
        pool.imap(_work, batches) if pool else (make_batch(plan, number) for number in batches)
    )
    loaded = 0
    try:
        for one in made_batches:
            with transaction.atomic(), connection.cursor() as django_cursor:
                cursor = django_cursor.cursor  # the psycopg cursor under Django's wrapper
                _copy_rows(cursor, PersonKey._meta.db_table, key_columns, one.key_rows)
                _copy_rows(cursor, Beneficiary._meta.db_table, person_columns, one.person_rows)
                _copy_rows(cursor, NAMES_TABLE, name_columns, one.name_rows)
                lines = [
                    f"{pk}\t{index_key.version}\t{lab}\t{kind}\t{value}\n"
                    for pk, lab, kind, value in blind.assign(index_key, one.terms, counts)
                ]
                _copy_text(
                    cursor,
                    entry_table,
                    ["person_key_id", "version", "field", "kind", "digest"],
                    iter(lines),
                )
                plain = [
                    f"{pk}\t{index_key.version}\t{lab}\t{kind}\t{term}\n"
                    for pk, found in one.terms.items()
                    for lab, kind, term in found
                ]
                _copy_text(
                    cursor, TERMS_TABLE, ["person_key_id", "version", "field", "kind", "term"], iter(plain)
                )
            entries += len(lines)
            terms += len(plain)
            for row in one.name_rows:
                sizes[row[2]] += 1
            loaded += len(one.key_rows)
            elapsed = time.perf_counter() - started
            if one.number % 10 == 0 or loaded == people:
                log(f"  {loaded:,}/{people:,} people, {loaded / elapsed:,.0f} people/s, {elapsed:,.0f} s")
    finally:
        if pool:
            pool.close()
            pool.join()
    written = time.perf_counter()
    blind.write_tallies(index_key, counts)
    log(f"  tallies: {len(counts):,} in {time.perf_counter() - written:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in [
            *(index_defs if drop_indexes else []),
            *BENCH_INDEXES,
            *(constraint_defs if drop_indexes else []),
        ]:
            step = time.perf_counter()
            cursor.execute(statement)
            log(f"  {statement[:100]}: {time.perf_counter() - step:.0f} s")
        if vacuum:  # the visibility map lets the lookups scan their indexes only
            for table in (*FILLED_TABLES, NAMES_TABLE, TERMS_TABLE, "kem_vault_indextally"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
    seconds = time.perf_counter() - started
    return FillResult(people, seconds, entries, terms, len(counts), sizes)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--centres", type=int, default=50)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=2, help="processes drawing and sealing people")
    parser.add_argument("--keep-indexes", action="store_true", help="load with every index in place")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    load = os.getloadavg()
    print(
        f"database: {connection.settings_dict['NAME']}, {os.cpu_count()} cores, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(
        f"filling {args.people:,} people (seed {args.seed}, {args.centres} centres, {args.workers} workers)"
    )
    result = fill(
        args.people,
        seed=args.seed,
        centres=args.centres,
        batch=args.batch,
        workers=args.workers,
        drop_indexes=not args.keep_indexes,
        log=lambda line: print(line, flush=True),
    )
    sizes = sorted(result.centre_sizes.values(), reverse=True)
    load = os.getloadavg()
    print(
        f"filled {result.people:,} people in {result.seconds:,.0f} s ({result.rate:,.0f} people/s):"
        f" {result.entries:,} blind-index entries, {result.tallies:,} tallies, {result.terms:,} plaintext terms;"
        f" centre sizes {sizes[0]:,} .. {sizes[-1]:,}; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


if __name__ == "__main__":
    main()
