"""Writes of the vault: shredding a person and registering people in bulk."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from kem.vault import blind, crypto, keycache
from kem.vault.models import OPENED_ATTR, BlindIndexEntry, PersonKey, VaultPerson


@transaction.atomic
def shred(person: VaultPerson) -> PersonKey:
    """Destroy ``person``'s data key and blind-index entries, in one transaction.

    Every sealed value of the person (their row, records about them, history rows, copies in
    data backups) becomes impossible to open: opening raises ``ShreddedError``. The rows
    themselves stay until the erasure workflow deletes them. Idempotent.
    """
    person_key = PersonKey.objects.select_for_update().get(pk=person.person_key_id)
    person_key.shred()
    person_key.save(update_fields=["wrapped_key", "root_key_id", "shredded_at"])
    BlindIndexEntry.objects.filter(person_key=person_key).delete()
    keycache.forget(("person", person_key.pk))
    person.person_key = person_key
    person.__dict__.pop(OPENED_ATTR, None)
    return person_key


@transaction.atomic
def people_bulk_create(people: Sequence[VaultPerson], *, batch_size: int = 1000) -> list[VaultPerson]:
    """Insert many new people of one model at once (imports, benchmarks), keys and indexes included.

    ``bulk_create`` skips ``save()``, so this makes each person's key and blind-index entries
    itself. Rows are not validated and no history is written: callers do both if they need to.
    """
    if not people:
        return []
    keys = []
    for person in people:
        person_key = PersonKey()
        person_key.wrap(crypto.new_key())
        person.person_key = person_key
        keys.append(person_key)
    PersonKey.objects.bulk_create(keys, batch_size=batch_size)
    model: type[VaultPerson] = type(people[0])
    model.objects.bulk_create(people, batch_size=batch_size)
    blind.index_people(people, keys=blind.index_keys())
    model.vault_bulk_created(people)
    return list(people)
