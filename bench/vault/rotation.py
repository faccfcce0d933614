"""Benchmark of root-key rotation batches: does a batch cost the same at the end of the table?

    DATABASE_URL=postgres://…/throwaway .venv/bin/python bench/vault/rotation.py [--keys 100000]

Give it a throw-away database: the script migrates it and fills ``kem_vault_personkey`` with
``--keys`` person keys wrapped under one root key. It then re-wraps them all twice, each time
under a new root key, in batches of ``--batch-size``: first the way rotation chose a batch
before (``root_key_id <> newest ORDER BY id LIMIT n``, which scans past every row already done
and sorts), then with ``rewrap_root_keys`` (``root_key_id = old AND id > last ORDER BY id
LIMIT n`` on the index ``(root_key_id, id)``). Prints, for each, the median time of the first and
the last tenth of the batches and the keys per second overall.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=500)
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a throw-away database.")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from kem.vault import crypto
    from kem.vault.keyring import forget_root_keys

    keys = [crypto.encode_key(crypto.new_key()) for _ in range(3)]

    def use(current: str, *old: str) -> None:
        settings.KEM_ROOT_KEY = current
        settings.KEM_OLD_ROOT_KEYS = list(old)
        forget_root_keys()

    call_command("migrate", verbosity=0)
    use(keys[0])
    fill(options.keys)
    use(keys[1], keys[0])
    report("before: <> newest, ORDER BY id", old_way(options.batch_size))
    use(keys[2], keys[1])
    report("now: = old AND id > last", new_way(options.batch_size))


def fill(count: int) -> None:
    from kem.vault import crypto
    from kem.vault.models import PersonKey

    PersonKey.objects.all().delete()
    started = time.perf_counter()
    for start in range(0, count, 5000):
        batch = []
        for _ in range(min(5000, count - start)):
            key = PersonKey()
            key.wrap(crypto.new_key())
            batch.append(key)
        PersonKey.objects.bulk_create(batch)
    print(f"filled {count} person keys in {time.perf_counter() - started:.1f} s")


def old_way(batch_size: int) -> tuple[list[float], int]:
    from django.db import transaction

    from kem.vault.models import PersonKey

    times: list[float] = []
    total = 0
    while True:
        started = time.perf_counter()
        with transaction.atomic():
            batch = list(
                PersonKey.objects.wrapped_by_old_root_keys().select_for_update().order_by("pk")[:batch_size]
            )
            for key in batch:
                key.wrap(key.unwrap())
            PersonKey.objects.bulk_update(batch, ["wrapped_key", "root_key_id"])  # as it was
        if not batch:
            break
        times.append(time.perf_counter() - started)
        total += len(batch)
    return times, total


def new_way(batch_size: int) -> tuple[list[float], int]:
    from kem.vault.rotation import rewrap_root_keys

    times: list[float] = []
    last = [time.perf_counter()]

    def tick(done: int, total: int) -> None:
        now = time.perf_counter()
        times.append(now - last[0])
        last[0] = now

    from kem.vault.models import IndexKey

    index_keys = IndexKey.objects.count()  # re-wrapped before the batches, not in them
    last[0] = time.perf_counter()
    total = rewrap_root_keys(batch_size=batch_size, progress=tick)
    return times, total - index_keys


def report(name: str, result: tuple[list[float], int]) -> None:
    times, total = result
    tenth = max(1, len(times) // 10)
    first = statistics.median(times[:tenth]) * 1000
    last = statistics.median(times[-tenth:]) * 1000
    print(
        f"{name}: {total} keys in {sum(times):.1f} s ({total / sum(times):,.0f}/s); "
        f"batch median first tenth {first:.1f} ms, last tenth {last:.1f} ms"
    )


if __name__ == "__main__":
    main()
