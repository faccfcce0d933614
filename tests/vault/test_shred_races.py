"""Shredding holds against whoever held the key before it: saves and index writes in other threads.

Sealing and shredding take turns on the person-key row (``SELECT … FOR UPDATE``): a save that
seals, and an index write, lock it and re-check it; ``shred`` locks it too. Each thread below has
its own database connection, as two requests or a request and a task would.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from kem.models import Beneficiary
from kem.vault import blind, key_cache
from kem.vault.errors import ShreddedError
from kem.vault.models import BlindIndexEntry
from kem.vault.services import shred

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def run(target) -> threading.Thread:
    def body() -> None:
        try:
            target()
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def entries_of(person: Beneficiary) -> int:
    return BlindIndexEntry.objects.filter(person_key_id=person.person_key_id).count()


def test_a_save_that_unwrapped_the_key_before_a_shred_cannot_seal_after_it(register):
    person = register("Ahmad", "Karimi", phone="6912345678")
    before = Beneficiary.objects.get(pk=person.pk).family_name_sealed
    loaded, shredded = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def stale_writer() -> None:
        with key_cache():
            mine = Beneficiary.objects.get(pk=person.pk)
            assert mine.family_name == "Karimi"  # the key is unwrapped and remembered
            loaded.set()
            assert shredded.wait(30)
            mine.family_name = "Karimov"
            try:
                mine.save()
                outcome["result"] = "saved"
            except ShreddedError:
                outcome["result"] = "refused"

    writer = run(stale_writer)
    assert loaded.wait(30)
    shred(Beneficiary.objects.get(pk=person.pk))
    shredded.set()
    writer.join(60)

    assert outcome == {"result": "refused"}
    assert Beneficiary.objects.get(pk=person.pk).family_name_sealed == before
    assert entries_of(person) == 0


def test_a_shred_waits_for_a_save_in_progress_then_leaves_nothing_readable_or_findable(register):
    person = register("Omar", "Haidari")
    saved, release = threading.Event(), threading.Event()
    order: list[str] = []

    def writer() -> None:
        with key_cache(), transaction.atomic():
            mine = Beneficiary.objects.get(pk=person.pk)
            mine.family_name = "Haidari-Nouri"
            mine.save()  # holds the person-key row until the transaction ends
            saved.set()
            assert release.wait(30)
            order.append("saved")

    def shredder() -> None:
        shred(Beneficiary.objects.get(pk=person.pk))
        order.append("shredded")

    first = run(writer)
    assert saved.wait(30)
    second = run(shredder)
    second.join(1.0)
    assert second.is_alive(), "the shred must wait for the save that holds the key"
    release.set()
    first.join(60)
    second.join(60)

    assert order == ["saved", "shredded"]
    assert entries_of(person) == 0
    with pytest.raises(ShreddedError):
        _ = Beneficiary.objects.get(pk=person.pk).family_name


def test_an_index_write_from_a_copy_read_before_the_shred_writes_nothing(register):
    person = register("Zainab", "Qaderi", phone="6987654321")
    with key_cache():
        stale = Beneficiary.objects.get(pk=person.pk)
        assert (stale.given_name, stale.family_name) == ("Zainab", "Qaderi")  # opened before
        _ = (stale.given_name_latin, stale.family_name_latin, stale.phone, stale.id_numbers)
        shredder = run(lambda: shred(Beneficiary.objects.get(pk=person.pk)))
        shredder.join(60)
        assert entries_of(person) == 0
        blind.index_people([stale], keys=blind.index_keys())  # e.g. a rotation batch read it before
    assert entries_of(person) == 0


def test_an_index_write_in_progress_is_undone_by_the_shred_that_waited_for_it(register):
    person = register("Hassan", "Nazari")
    written, release = threading.Event(), threading.Event()

    def indexer() -> None:
        with key_cache(), transaction.atomic():
            mine = Beneficiary.objects.get(pk=person.pk)
            blind.index_people([mine], keys=blind.index_keys())  # locks the person key
            written.set()
            assert release.wait(30)

    first = run(indexer)
    assert written.wait(30)
    second = run(lambda: shred(Beneficiary.objects.get(pk=person.pk)))
    second.join(1.0)
    assert second.is_alive(), "the shred must wait for the index write that holds the key"
    release.set()
    first.join(60)
    second.join(60)
    assert entries_of(person) == 0
