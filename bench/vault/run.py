"""Benchmark of the personal-data vault: sealing, opening and searching people at scale.

    .venv/bin/python bench/vault/run.py [--sizes 10000,100000] [--million] [--queries 200]

For 1M people on PostgreSQL use ``fill.py`` and ``search1m.py`` instead (COPY-speed fill,
scoped and unscoped searches, Latin and Greek prefixes, PASS/MISS against issue 16's targets).

Uses DATABASE_URL if set (give it a throw-away database: the script migrates it and fills it),
else a new SQLite file under var/bench/. Prints, in one run:
- seal and open operations per second on one core (AES-256-GCM envelopes of a short name);
- for each size, search latency (median, p95) for an exact family name and for a 4-letter
  prefix, by blind index (``search_people``); by a plaintext indexed column (the limit the issue
  names), on a bench-only copy of the beneficiary table with the same columns in plaintext, so
  that a row costs the same to fetch and build and only the way of finding it differs; the same
  through raw SQL returning three columns (the floor: no ORM at all); by the same search over
  plaintext terms (a bench-only table shaped like the blind index, holding the terms instead
  of digests: same tokens, prefixes, phonetic keys, ranking and result objects, but nothing to
  open or re-check, so it returns the same people as the blind index); and by opening every
  row (what encrypted-field packages without an index force), with ratios.

  The plaintext column answers an exact name with the one or few people who hold it; the blind
  index (and the same search over plaintext terms) also returns, ranked lower, the people whose
  names start with it or sound like it, up to 50: more rows to fetch and, for the blind index,
  to open and re-check.

``--keep-db PATH`` uses (and keeps) an SQLite file instead of a temporary one.
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SYLLABLES = [
    "ka",
    "ri",
    "mo",
    "ha",
    "sa",
    "de",
    "ni",
    "za",
    "ra",
    "hi",
    "ba",
    "fa",
    "ta",
    "lo",
    "mi",
    "pa",
    "da",
    "ko",
    "ya",
    "na",
    "si",
    "me",
    "ru",
    "ga",
    "lu",
    "ve",
    "to",
    "bi",
    "ho",
    "zi",
]
GIVEN = [
    "Mohammed",
    "Fatima",
    "Ali",
    "Zainab",
    "Hussein",
    "Mariam",
    "Omar",
    "Aisha",
    "Yusuf",
    "Sara",
    "Ahmad",
    "Leila",
    "Ibrahim",
    "Noor",
    "Hassan",
    "Amina",
    "Γιώργος",
    "Μαρία",
    "Νίκος",
    "Ελένη",
]
BENCH_TABLE = "bench_plain_people"
TERMS_TABLE = "bench_plain_terms"


def setup_django(keep_db: str | None = None) -> None:
    sys.path.insert(0, str(ROOT))
    if keep_db:
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(keep_db).resolve()}"
    elif not os.environ.get("DATABASE_URL"):
        bench_dir = ROOT / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        path = bench_dir / f"vault-{os.getpid()}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        atexit.register(path.unlink, missing_ok=True)
    if not os.environ.get("KEM_ROOT_KEY") and not os.environ.get("KEM_ROOT_KEY_FILE"):
        import base64

        os.environ["KEM_ROOT_KEY"] = base64.b64encode(os.urandom(32)).decode()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def family_name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize() + rng.choice(
        ["", "i", "zadeh", "ov"]
    )


def timed(function: Callable[[], object], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def bench_crypto() -> None:
    from kem.vault import crypto

    sealer = crypto.Sealer.for_key(crypto.new_key(), info=crypto.INFO_SEAL)
    plaintext = "Παπαδόπουλος-Rahimzadeh".encode()
    count = 50_000
    start = time.perf_counter()
    envelopes = [sealer.seal(plaintext, context=f"kem_beneficiary.family_name:{n}") for n in range(count)]
    seal_rate = count / (time.perf_counter() - start)
    start = time.perf_counter()
    for n, envelope in enumerate(envelopes):
        sealer.open(envelope, context=f"kem_beneficiary.family_name:{n}")
    open_rate = count / (time.perf_counter() - start)
    print(f"seal: {seal_rate:,.0f} values/s per core    open: {open_rate:,.0f} values/s per core")


def grow(centre, target: int, rng: random.Random, plain_rows: list) -> None:
    """Add people until there are ``target``, in the vault and in the plaintext bench table."""
    from django.db import connection, transaction

    from kem.models import Beneficiary
    from kem.vault import blind, key_cache
    from kem.vault.services import people_bulk_create

    have = Beneficiary.objects.count()
    start = time.perf_counter()
    while have < target:
        chunk = min(2000, target - have)
        people = []
        for _ in range(chunk):
            person = Beneficiary(
                id=uuid.uuid4(),
                registering_centre=centre,
                given_name=rng.choice(GIVEN),
                family_name=family_name(rng),
                phone=f"69{rng.randrange(10**7, 10**8)}",
            )
            people.append(person)
        with key_cache(), transaction.atomic():
            people_bulk_create(people)
            plain_model().objects.bulk_create([plain_copy(p) for p in people], batch_size=500)
            terms = [(p.id.hex, *term) for p in people for term in blind.person_terms(p)]
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {TERMS_TABLE} VALUES (%s, %s, %s, %s)", terms)  # noqa: S608
        plain_rows.extend(p.family_name for p in people)
        have += chunk
        print(f"\r  loading: {have:,}/{target:,}", end="", flush=True)
    print(f"\r  loaded {target:,} people in {time.perf_counter() - start:.0f} s" + " " * 10)


def plain_model():
    """A bench-only model: the beneficiary table as it would be without encryption.

    The same columns as ``Beneficiary`` (sealed fields as plaintext of the same kind, the
    relations as plain foreign-key columns, no person key) and an indexed folded family name,
    so that a row found through a plaintext index costs what a ``Beneficiary`` row costs to
    fetch and build. Only the way a person is found differs between the two.
    """
    from django.apps import apps
    from django.db import models

    from kem.models import Beneficiary
    from kem.vault.fields import SealedDateField, SealedField, SealedJSONField

    if "benchplainperson" in apps.all_models["kem"]:
        return apps.get_model("kem", "BenchPlainPerson")
    attrs: dict[str, object] = {"__module__": __name__}
    for field in Beneficiary._meta.concrete_fields:
        if field.name == "person_key":
            continue
        if isinstance(field, SealedField):
            kind = {SealedDateField: models.DateField, SealedJSONField: models.JSONField}.get(
                type(field), models.TextField
            )
            attrs[field.name] = kind(null=True)
        elif field.is_relation:
            attrs[field.name] = models.ForeignKey(
                field.related_model,
                on_delete=models.DO_NOTHING,
                related_name="+",
                null=True,
                db_constraint=False,
            )
        else:
            attrs[field.name] = field.clone()
    attrs["family_folded"] = models.CharField(max_length=200)
    attrs["Meta"] = type("Meta", (), {"app_label": "kem", "managed": False, "db_table": BENCH_TABLE})
    attrs["__str__"] = lambda self: str(self.pk)
    return type("BenchPlainPerson", (models.Model,), attrs)


def plain_copy(person):
    """The plaintext row of ``person`` for the bench table."""
    from kem.vault.fields import SealedField
    from kem.vault.normalise import fold

    sealed = {f.name for f in type(person)._meta.concrete_fields if isinstance(f, SealedField)}
    model = plain_model()
    values = {
        f.attname: getattr(person, f.name if f.name in sealed else f.attname)
        for f in model._meta.concrete_fields
        if f.name != "family_folded"
    }
    return model(**values, family_folded=fold(person.family_name))


def create_plain_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BENCH_TABLE}")
    with connection.schema_editor() as editor:
        editor.create_model(plain_model())
    with connection.cursor() as cursor:  # create_model() skips the indexes of unmanaged models
        cursor.execute(f"CREATE INDEX {BENCH_TABLE}_folded ON {BENCH_TABLE} (family_folded)")
        # Shaped like kem_vault_blindindexentry and its index, with the term instead of a digest.
        cursor.execute(f"DROP TABLE IF EXISTS {TERMS_TABLE}")
        cursor.execute(
            f"CREATE TABLE {TERMS_TABLE} (person_id varchar(32) NOT NULL, field varchar(48) NOT NULL,"
            " kind varchar(3) NOT NULL, term varchar(200) NOT NULL)"
        )
        cursor.execute(f"CREATE INDEX {TERMS_TABLE}_lookup ON {TERMS_TABLE} (field, kind, term, person_id)")


def plain_search(query: str, *, prefix: bool) -> list:
    from django.db import connection

    from kem.vault.normalise import fold

    folded = fold(query)
    # A range, not LIKE: SQLite's case-insensitive LIKE cannot use the index.
    low, high = (folded, folded + "\x7f") if prefix else (folded, folded)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, given_name, family_name FROM {BENCH_TABLE} "  # noqa: S608
            "WHERE family_folded >= %s AND family_folded <= %s LIMIT 50",
            [low, high],
        )
        return cursor.fetchall()


def plain_orm_search(query: str, *, prefix: bool) -> list:
    from kem.vault.normalise import fold

    folded = fold(query)
    lookup = {"family_folded__range": (folded, folded + "\x7f")} if prefix else {"family_folded": folded}
    return [(p.given_name, p.family_name) for p in plain_model().objects.filter(**lookup)[:50]]


def plain_terms_search(query: str) -> list:
    """``search_people``'s algorithm over plaintext terms: what it costs without encryption.

    Same tokenisation and wants (``parse_query``), one UNION ALL of index seeks per (index, kind)
    like ``_entries``, the same ranking (``_score``), the same ``Candidate`` objects built from
    ORM instances; no digests, nothing to open, no re-check (plaintext terms cannot collide).
    """
    from collections import defaultdict

    from django.db import connection

    from kem.models import Beneficiary
    from kem.vault.search import Candidate, _score, parse_query

    tokens = parse_query(query, model=Beneficiary)
    wanted: dict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    for number, token in enumerate(tokens):
        for want in token.wants:
            wanted[(want.label, want.kind, want.term)].append((number, want.bound))
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for lab, kind, term in wanted:
        groups[(lab, kind)].append(term)
    selects, params = [], []
    for (lab, kind), terms in sorted(groups.items()):
        selects.append(
            f"SELECT person_id, field, kind, term FROM {TERMS_TABLE} WHERE field = %s AND kind = %s"  # noqa: S608
            f" AND term IN ({', '.join(['%s'] * len(terms))})"
        )
        params += [lab, kind, *terms]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        rows = cursor.fetchall()
    hits: dict[str, dict[int, int]] = defaultdict(dict)
    for person_id, lab, kind, term in rows:
        best = hits[person_id]
        for number, strength in wanted[(lab, kind, term)]:
            if strength > best.get(number, 0):
                best[number] = strength
    top = sorted(hits, key=lambda pk: _score(hits[pk]), reverse=True)[:50]
    people = plain_model().objects.in_bulk([uuid.UUID(pk) for pk in top])
    found = [Candidate(people[pid], *_score(hits[pk])) for pk in top if (pid := uuid.UUID(pk)) in people]
    return [(c.person.given_name, c.person.family_name) for c in found]


def vault_search(query: str) -> list:
    from kem.models import Beneficiary
    from kem.vault import key_cache
    from kem.vault.search import search_people

    with key_cache():
        return [
            (c.person.given_name, c.person.family_name)
            for c in search_people(query, queryset=Beneficiary.objects.all())
        ]


def open_every_row(query: str, *, prefix: bool) -> list:
    from kem.models import Beneficiary
    from kem.vault import key_cache
    from kem.vault.normalise import fold

    folded = fold(query)
    found = []
    with key_cache():
        for person in Beneficiary.objects.all().iterator(chunk_size=2000):
            name = fold(person.family_name)
            if name.startswith(folded) if prefix else name == folded:
                found.append(person.given_name)
    return found


def bench_size(size: int, names: list[str], queries: int, rng: random.Random) -> None:
    every_repeats = 3 if size <= 10_000 else 1
    print(f"\n{size:,} people: search latency, ms (median / p95), {queries} queries")
    for label, prefix in (("exact family name", False), ("4-letter prefix", True)):
        sample = [rng.choice(names) for _ in range(queries)]
        sample = [s[:4] for s in sample] if prefix else sample
        vault = [t for q in sample for t in timed(lambda q=q: vault_search(q), 1)]
        plain = [t for q in sample for t in timed(lambda q=q, p=prefix: plain_search(q, prefix=p), 1)]
        orm = [t for q in sample for t in timed(lambda q=q, p=prefix: plain_orm_search(q, prefix=p), 1)]
        same = [t for q in sample for t in timed(lambda q=q: plain_terms_search(q), 1)]
        every = [
            t
            for q in sample[:every_repeats]
            for t in timed(lambda q=q, p=prefix: open_every_row(q, prefix=p), 1)
        ]
        (vm, vp), (pm, pp), (om, op), (sm, sp) = summary(vault), summary(plain), summary(orm), summary(same)
        em, ep = summary(every)
        runs = f"({len(every)} run{'s' if len(every) > 1 else ''})"
        print(f"  {label}:")
        print(f"    blind index (search_people)            {vm:9.2f} / {vp:9.2f}")
        print(f"    plaintext indexed column, ORM          {om:9.2f} / {op:9.2f}   (the limit)")
        print(f"    plaintext indexed column, raw SQL      {pm:9.2f} / {pp:9.2f}")
        print(f"    same search over plaintext terms       {sm:9.2f} / {sp:9.2f}   (no encryption)")
        print(f"    open every row                         {em:9.0f} / {ep:9.0f}   {runs}")
        print(
            f"    blind index vs plaintext column ORM {vm / om:.1f}x (goal <= 2x), vs raw SQL {vm / pm:.1f}x;"
            f" vs same search over plaintext terms {vm / sm:.1f}x"
        )
        print(f"    open every row vs blind index {em / vm:,.0f}x (goal > 1000x)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--million", action="store_true", help="Also measure at 1,000,000 people.")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep-db", metavar="PATH", help="Use and keep this SQLite file (must be new).")
    args = parser.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s} | ({1_000_000} if args.million else set()))
    setup_django(keep_db=args.keep_db)
    from django.db import connection

    from kem.models import Beneficiary
    from kem.services import centre_create

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    bench_crypto()
    if Beneficiary.objects.exists():
        sys.exit("The database already holds people: point DATABASE_URL at an empty, throw-away database.")
    create_plain_table()
    centre = centre_create(name_el="ΚΕΜ Μετρήσεων", name_en="KEM Bench", municipality="Αθήνα")
    rng = random.Random(7)
    names: list[str] = []
    for size in sizes:
        grow(centre, size, rng, names)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        bench_size(size, names, args.queries, rng)


if __name__ == "__main__":
    main()
