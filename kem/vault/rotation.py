"""Key rotation: re-wrap person and index keys under the newest root key; rebuild blind indexes.

Both work in batches and off durable state, so an interrupted run simply continues:
- root keys: rows still wrapped by an old root key id are re-wrapped until none is left;
- index key: a new version is created ``building``, every person is re-indexed into it (the
  last person key id done is kept in ``IndexKey.progress``), then it becomes ``active``, the old
  version ``retired``, and the retired version's entries and key are deleted.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.db import transaction
from django.db.models import QuerySet

from kem.vault import blind, keycache
from kem.vault.keyring import root_keyring
from kem.vault.models import BlindIndexEntry, IndexKey, IndexKeyState, PersonKey, PseudonymKey, VaultPerson

Progress = Callable[[int, int], None]


def _quiet(done: int, total: int) -> None:
    return None


def rewrap_root_keys(
    *, batch_size: int = 500, max_batches: int | None = None, progress: Progress = _quiet
) -> int:
    """Re-wrap every key wrapped by an old root key under the newest; return how many were done."""
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
    batches = 0
    while max_batches is None or batches < max_batches:
        count = _rewrap_person_batch(batch_size)
        if not count:
            break
        done += count
        batches += 1
        progress(done, total)
    return done


def _old_index_keys() -> QuerySet[IndexKey]:
    return IndexKey.objects.exclude(root_key_id=root_keyring().current.kid)


@transaction.atomic
def _rewrap_person_batch(batch_size: int) -> int:
    batch = list(PersonKey.objects.wrapped_by_old_root_keys().select_for_update().order_by("pk")[:batch_size])
    for person_key in batch:
        person_key.wrap(person_key.unwrap())
        keycache.forget(("person", person_key.pk))
    PersonKey.objects.bulk_update(batch, ["wrapped_key", "root_key_id"])
    return len(batch)


@transaction.atomic
def _rewrap_one(key: IndexKey | PseudonymKey) -> None:
    key.wrap(key.unwrap())
    key.save(update_fields=["wrapped_key", "root_key_id"])


# --- blind-index key --------------------------------------------------------------------------
def person_models() -> list[type[VaultPerson]]:
    return [m for m in apps.get_models() if issubclass(m, VaultPerson) and m.vault_indexes]


def rotate_index_key(
    *, batch_size: int = 500, max_batches: int | None = None, progress: Progress = _quiet
) -> bool:
    """Advance the blind-index rotation; return True when it has finished (False: run again)."""
    building = _building_key()
    total = sum(m._default_manager.count() for m in person_models())
    batches = 0
    while max_batches is None or batches < max_batches:
        done, count = _reindex_batch(building, batch_size)
        progress(done, total)
        if not count:
            _switch_to(building)
            return True
        batches += 1
    return False


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
    """Index the next people (by model, then person key id) into the building version."""
    building = IndexKey.objects.select_for_update().get(pk=building.pk)
    progress = dict(building.progress)
    for model in person_models():
        key = model._meta.label_lower
        after = progress.get(key)
        rows = model._default_manager.order_by("person_key_id").filter(person_key__shredded_at__isnull=True)
        if after is not None:
            rows = rows.filter(person_key_id__gt=after)
        batch = list(rows[:batch_size])
        if batch:
            blind.index_people(batch, keys=[building])
            progress[key] = str(batch[-1].person_key_id)
            progress["done"] = progress.get("done", 0) + len(batch)
            building.progress = progress
            building.save(update_fields=["progress"])
            return progress["done"], len(batch)
    return progress.get("done", 0), 0


@transaction.atomic
def _switch_to(building: IndexKey) -> None:
    """Make ``building`` the active version; delete the entries and keys of the versions before it."""
    old = list(IndexKey.objects.select_for_update().exclude(pk=building.pk).values_list("version", flat=True))
    IndexKey.objects.filter(version__in=old).update(state=IndexKeyState.RETIRED)
    IndexKey.objects.filter(pk=building.pk).update(state=IndexKeyState.ACTIVE)
    BlindIndexEntry.objects.filter(version__in=old).delete()
    IndexKey.objects.filter(version__in=old).delete()
    keycache.forget(("index-keys",))
