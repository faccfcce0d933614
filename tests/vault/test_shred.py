"""Shredding a person: their key and index entries go, every copy of their data stops opening."""

from __future__ import annotations

import subprocess

import pytest
from django.db import connection

from kem.models import Beneficiary
from kem.vault import key_cache
from kem.vault.errors import ShreddedError
from kem.vault.models import BlindIndexEntry, PersonKey
from kem.vault.search import search_people
from kem.vault.services import shred
from tests.vault.conftest import skip_unless_postgres

pytestmark = pytest.mark.django_db


def raw_copy(person: Beneficiary) -> dict[str, object]:
    """The row as a thief would copy it: attnames -> stored values."""
    return (
        Beneficiary.objects.filter(pk=person.pk)
        .values(*[f.attname for f in Beneficiary._meta.concrete_fields])
        .get()
    )


def test_shred_destroys_key_material_and_index_entries(full_person):
    shred(full_person)
    person_key = PersonKey.objects.get(pk=full_person.person_key_id)
    assert person_key.wrapped_key is None and person_key.root_key_id == "" and person_key.shredded_at
    assert not BlindIndexEntry.objects.filter(person_key=person_key).exists()


def test_shredded_row_cannot_be_opened(full_person):
    shred(full_person)
    with pytest.raises(ShreddedError):
        _ = full_person.family_name
    with pytest.raises(ShreddedError):
        _ = Beneficiary.objects.get(pk=full_person.pk).notes


def test_shredded_history_rows_cannot_be_opened(full_person):
    full_person.notes = "Δεύτερη σημείωση"
    full_person.save()
    shred(full_person)
    for record in full_person.history.all():
        with pytest.raises(ShreddedError):
            _ = record.instance.notes


def test_copy_taken_before_shredding_cannot_be_opened_after(full_person):
    stolen = raw_copy(full_person)
    shred(full_person)
    with key_cache():
        restored = Beneficiary(**stolen)
        with pytest.raises(ShreddedError):
            _ = restored.given_name


def test_cached_key_is_forgotten_when_shredding(full_person):
    with key_cache():
        _ = Beneficiary.objects.get(pk=full_person.pk).given_name
        shred(full_person)
        with pytest.raises(ShreddedError):
            _ = Beneficiary.objects.get(pk=full_person.pk).given_name


def test_search_finds_nothing_after_shredding(full_person, register):
    other = register("Mohammed", "Karimi")
    shred(full_person)
    results = search_people("Mohammed", queryset=Beneficiary.objects.all())
    assert [c.person.pk for c in results] == [other.pk]
    assert search_people("+30 694 123 4567", queryset=Beneficiary.objects.all()) == []
    assert search_people("P1234567", queryset=Beneficiary.objects.all()) == []


def test_a_person_shredded_while_a_search_runs_is_left_out(full_person, register):
    """The index was read before the shredding committed: its stale entries still point at them."""
    other = register("Mohammed", "Karimi")
    entries = list(BlindIndexEntry.objects.filter(person_key_id=full_person.person_key_id))
    assert entries
    shred(full_person)
    for entry in entries:
        entry.pk = None
    BlindIndexEntry.objects.bulk_create(entries)
    results = search_people("Mohammed", queryset=Beneficiary.objects.all())
    assert [c.person.pk for c in results] == [other.pk]


def test_shredded_person_cannot_be_given_new_data(full_person):
    shred(full_person)
    full_person.notes = "new"
    with pytest.raises(ShreddedError):
        full_person.save()


def test_shredding_twice_is_harmless(full_person):
    shred(full_person)
    shred(full_person)
    assert Beneficiary.objects.not_shredded().count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_data_dump_taken_before_shredding_cannot_be_opened_after(full_person, tmp_path):
    skip_unless_postgres()
    dump = tmp_path / "data.sql"
    pg_dump(dump, "--exclude-table-data=kem_vault_personkey")
    envelope = full_person.family_name_sealed
    assert envelope in dump.read_text(encoding="utf-8")
    shred(full_person)
    person = Beneficiary.objects.get(pk=full_person.pk)
    person.family_name_sealed = envelope
    with pytest.raises(ShreddedError):
        _ = person.family_name


def pg_dump(path, *options: str) -> None:
    settings = connection.settings_dict
    command = [
        "pg_dump",
        "--no-owner",
        "-h",
        settings["HOST"] or "127.0.0.1",
        "-p",
        str(settings["PORT"] or 5432),
    ]
    command += ["-U", settings["USER"], "-f", str(path), *options, settings["NAME"]]
    subprocess.run(
        command,
        check=True,
        timeout=120,
        env={"PGPASSWORD": settings.get("PASSWORD") or "", "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
