"""Profile ``search_people`` on a kept SQLite (or DATABASE_URL) database of bench people.

    .venv/bin/python bench/vault/profile_search.py --db var/bench/keep-100k.sqlite3 --size 100000

Builds the database on first use (same generator as ``run.py``) and reuses it afterwards; the
root key is fixed (``BENCH_ROOT_KEY``) so that a kept database still opens. Prints a cProfile
summary of exact-name and 4-letter-prefix searches, and the query count of one search.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.vault import run

BENCH_ROOT_KEY = "YmVuY2gtb25seS1rZXktbmV2ZXItcHJvZHVjdGlvbiE="  # 32 bytes, throw-away data only


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="SQLite file to build or reuse (default: DATABASE_URL)")
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=35)
    args = parser.parse_args()
    os.environ.setdefault("KEM_ROOT_KEY", BENCH_ROOT_KEY)
    run.setup_django(keep_db=args.db)
    from django.db import connection

    from kem.models import Beneficiary
    from kem.services import centre_create

    rng = random.Random(7)
    names: list[str] = []
    if not Beneficiary.objects.exists():
        run.create_plain_table()
        centre = centre_create(name_el="ΚΕΜ Μετρήσεων", name_en="KEM Bench", municipality="Αθήνα")
        run.grow(centre, args.size, rng, names)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    else:
        names = list(run.plain_model().objects.values_list("family_name", flat=True))
    print(f"{len(names):,} people")
    exact = [rng.choice(names) for _ in range(args.queries)]
    prefix = [rng.choice(names)[:4] for _ in range(args.queries)]
    for label, sample in (("exact", exact), ("prefix", prefix)):
        run.vault_search(sample[0])  # warm up
        start = time.perf_counter()
        for q in sample:
            run.vault_search(q)
        print(
            f"{label}: {(time.perf_counter() - start) * 1000 / len(sample):.2f} ms/search (mean, unprofiled)"
        )
        profiler = cProfile.Profile()
        profiler.enable()
        for q in sample:
            run.vault_search(q)
        profiler.disable()
        print(f"--- {label}, {len(sample)} searches")
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    main()
