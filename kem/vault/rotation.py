"""Key rotation: re-wrap person and index keys under the newest root key; rebuild blind indexes.

Both work in batches and off durable state, so an interrupted run simply continues:
- root keys: rows still wrapped by an old root key id are re-wrapped until none is left;
- index key: a new version is created ``building``, every person is re-indexed into it (the
  last person key id done is kept in ``IndexKey.progress``), then it becomes ``active``, the old
  version ``retired``, and the retired version's entries and key are deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import QuerySet

from kem.vault import blind, keycache
from kem.vault.keyring import root_keyring
from kem.vault.models import (
    BlindIndexEntry,
    IndexKey,
    IndexKeyState,
    IndexTally,
    PersonKey,
    PseudonymKey,
    VaultPerson,
    update_rows,
)

Progress = Callable[[int, int], None]


def _quiet(done: int, total: int) -> None:
    return None


def rewrap_root_keys(
    *, batch_size: int = 500, max_batches: int | None = None, progress: Progress = _quiet
) -> int:
    """Re-wrap every key wrapped by an old root key under the newest; return how many were done.

    Person keys are taken one old root key at a time, in batches by id after the last one done
    (``root_key_id = %s AND id > %s ORDER BY id LIMIT n``, served by the index on
    ``(root_key_id, id)``), so a batch costs the same at the end of the table as at its start.
    Each batch locks its rows and skips any shredded meanwhile. Rows done are no longer wrapped
    by an old root key, so a run started again after an interruption goes on where it stopped.
    """
    old_pseudonym_keys = PseudonymKey.objects.exclude(root_key_id=root_keyring().current.kid)
    total = (
        PersonKey.objects.wrapped_by_old_root_keys().count()
        + _old_index_keys().count()
        + old_pseudonym_keys.count()
    )
    done = 0
    old_keys: list[IndexKey | PseudonymKey] = [*_old_index_keys(), *old_pseudonym_keys]
    for key in old_keys:
        _rewrap_one(key)
        done += 1
    current = root_keyring().current.kid
    old_ids = list(
        PersonKey.objects.live()
        .exclude(root_key_id=current)
        .order_by("root_key_id")
        .values_list("root_key_id", flat=True)
        .distinct()
    )
    batches = 0
    for old_id in old_ids:
        after = None
        while max_batches is None or batches < max_batches:
            count, after = _rewrap_person_batch(old_id, after, batch_size)
            if not count and after is None:
                break
            done += count
            batches += 1
            progress(done, total)
    return done


def _rewrap_person_batch(old_id: str, after: Any, batch_size: int) -> tuple[int, Any]:
    """Re-wrap the next batch of keys of root key ``old_id``; return (count, last id or None)."""
    with keycache.key_cache(), transaction.atomic():
        rows = PersonKey.objects.select_for_update().filter(root_key_id=old_id).order_by("pk")
        if after is not None:
            rows = rows.filter(pk__gt=after)
        batch = list(rows[:batch_size])
        if not batch:
            return 0, None
        # Locked now: a key shredded (or re-wrapped) since the page was chosen is left alone.
        todo = [k for k in batch if not k.is_shredded and k.root_key_id == old_id]
        for person_key in todo:
            person_key.wrap(person_key.unwrap())
            keycache.forget(("person", person_key.pk))
        update_rows(
            PersonKey,
            ["wrapped_key", "root_key_id"],
            [(k.pk, k.wrapped_key, k.root_key_id) for k in todo],
            using=router.db_for_write(PersonKey),
        )
        return len(todo), batch[-1].pk


def _old_index_keys() -> QuerySet[IndexKey]:
    return IndexKey.objects.exclude(root_key_id=root_keyring().current.kid)


@transaction.atomic
def _rewrap_one(key: IndexKey | PseudonymKey) -> None:
    key.wrap(key.unwrap())
    key.save(update_fields=["wrapped_key", "root_key_id"])


# --- blind-index key --------------------------------------------------------------------------
def person_models() -> list[type[VaultPerson]]:
    return [m for m in apps.get_models() if issubclass(m, VaultPerson) and m.vault_indexes]


def rotate_index_key(
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
    progress: Progress = _quiet,
    vacuum: bool = True,
) -> bool:
    """Advance the blind-index rotation; return True when it has finished (False: run again).

    While it runs, the new version is ``building``: writes index into it as well, searches use
    only the active version. The switch (one transaction) makes it active and deletes every
    other version's entries and key, so after a finished run exactly one version exists. Then,
    on PostgreSQL, ``VACUUM (ANALYZE)`` of the entries table reclaims the old version's rows
    (a rotation leaves as many dead rows as there were entries, and searches slow until vacuumed).
    """
    building = _building_key()
    total = sum(m._base_manager.count() for m in person_models())
    batches = 0
    while max_batches is None or batches < max_batches:
        with keycache.key_cache():  # the person keys of one batch, forgotten when it ends
            done, count = _reindex_batch(building, batch_size)
        progress(done, total)
        if not count:
            _switch_to(building)
            if vacuum:
                vacuum_index_entries()
            return True
        batches += 1
    return False


def abandon_index_rotation() -> int:
    """Drop an unfinished rotation: delete the building version's entries and key; return how many."""
    with transaction.atomic():
        versions = list(
            IndexKey.objects.select_for_update()
            .filter(state=IndexKeyState.BUILDING)
            .values_list("version", flat=True)
        )
        deleted, _ = BlindIndexEntry.objects.filter(version__in=versions).delete()
        IndexTally.objects.filter(version__in=versions).delete()
        IndexKey.objects.filter(version__in=versions).delete()
    keycache.forget(("index-keys",))
    return deleted


def _building_key() -> IndexKey:
    with transaction.atomic():
        building = IndexKey.objects.select_for_update().filter(state=IndexKeyState.BUILDING).first()
        if building is None:
            newest = IndexKey.objects.order_by("-version").first()
            building = blind.create_index_key(
                version=(newest.version + 1) if newest else 1, state=IndexKeyState.BUILDING
            )
    keycache.forget(("index-keys",))
    return building


@transaction.atomic
def _reindex_batch(building: IndexKey, batch_size: int) -> tuple[int, int]:
    """Index the next people (by model, then person key id) into the building version.

    The page is chosen by person key id after the last one done (an index range on the unique
    ``person_key_id``); those person keys are locked before the people are read, so a save or a
    shred of one of them either finished before (and is seen) or waits for this batch.
    """
    building = IndexKey.objects.select_for_update().get(pk=building.pk)
    progress = dict(building.progress)
    for model in person_models():
        key = model._meta.label_lower
        after = progress.get(key)
        page = model._base_manager.order_by("person_key_id")
        if after is not None:
            page = page.filter(person_key_id__gt=after)
        ids = list(page.values_list("person_key_id", flat=True)[:batch_size])
        if not ids:
            continue
        live = list(
            PersonKey.objects.select_for_update()
            .filter(pk__in=ids, shredded_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        people = list(model._base_manager.select_related("person_key").filter(person_key_id__in=live))
        blind.index_people(people, keys=[building])
        progress[key] = str(ids[-1])
        progress["done"] = progress.get("done", 0) + len(ids)
        building.progress = progress
        building.save(update_fields=["progress"])
        return progress["done"], len(ids)
    return progress.get("done", 0), 0


@transaction.atomic
def _switch_to(building: IndexKey) -> None:
    """Make ``building`` the active version; delete the entries, tallies and keys of every other one.

    One transaction: no moment where two versions are usable, or none.
    """
    old = list(IndexKey.objects.select_for_update().exclude(pk=building.pk).values_list("version", flat=True))
    IndexKey.objects.filter(version__in=old).update(state=IndexKeyState.RETIRED)
    IndexKey.objects.filter(pk=building.pk).update(state=IndexKeyState.ACTIVE, progress={})
    BlindIndexEntry.objects.exclude(version=building.version).delete()
    IndexTally.objects.exclude(version=building.version).delete()
    IndexKey.objects.filter(version__in=old).delete()
    keycache.forget(("index-keys",))


def vacuum_index_entries(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """``VACUUM (ANALYZE)`` the blind-index tables (entries, tallies) on PostgreSQL; return whether it ran.

    VACUUM cannot run inside a transaction: called inside one (a test, an outer ``atomic``), it
    is skipped. SQLite is skipped too: its VACUUM rewrites the whole database file.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    with connection.cursor() as cursor:
        for model in (BlindIndexEntry, IndexTally):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
    return True
