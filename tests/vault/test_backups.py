"""Backups without keys: back up, erase a person, restore with the current keys or the keys of the time.

The same scenario runs on the embedded SQLite default and, marked ``postgres``, on PostgreSQL
(pg_dump / pg_restore in sections). Restoring replaces the test database, so these tests are
transactional.
"""

from __future__ import annotations

import subprocess

import pytest
from django.core.management import call_command
from django.db import connection

from kem.models import Beneficiary
from kem.services.backups import BackupError, backup, backup_keys, check_foreign_keys, restore
from kem.services.erasure import shred_beneficiary
from kem.vault import key_cache
from kem.vault.errors import ShreddedError
from kem.vault.models import BlindIndexEntry, IndexKey, PersonKey
from kem.vault.search import search_people
from tests.vault.conftest import skip_unless_postgres

NAMES = [
    ("Ζαχαρούλα", "Κουτσοχέρα", "Zacharoula", "Koutsochera", "31129012345"),
    ("Abdulwahab", "Qarqoozi", "Abdulwahab", "Qarqoozi", "04068854321"),
    ("Φερεστέ", "Μπαχραμί", "Fereshteh", "Bahrami", "22117767890"),
]


def found(query: str) -> set:
    with key_cache():
        return {c.person.pk for c in search_people(query, queryset=Beneficiary.objects.all())}


def opens(pk) -> bool:
    with key_cache():
        try:
            return bool(Beneficiary.objects.get(pk=pk).family_name)
        except ShreddedError:
            return False


def readable_dump(path) -> bytes:
    """What a thief reads in a backup: the SQL of a custom-format dump, or the SQLite file's bytes."""
    if connection.vendor != "postgresql":
        return path.read_bytes()
    return subprocess.run(["pg_restore", "-f", "-", str(path)], check=True, capture_output=True).stdout


def scenario(register, tmp_path) -> None:
    people = [
        register(g, f, given_name_latin=gl, family_name_latin=fl, id_numbers={"amka": amka})
        for g, f, gl, fl, amka in NAMES
    ]
    erased, kept = people[0], people[1]
    wrapped = list(PersonKey.objects.values_list("wrapped_key", flat=True))
    index_wrapped = list(IndexKey.objects.values_list("wrapped_key", flat=True))
    assert BlindIndexEntry.objects.exists() and wrapped and index_wrapped

    made = backup(data_dir=tmp_path / "data", keys_dir=tmp_path / "keys")

    dump = readable_dump(made.data)
    for envelope in wrapped + index_wrapped:
        assert envelope.split(":")[2][:24].encode() not in dump
    for row in NAMES:
        for value in row:
            assert value.encode() not in dump and value.lower().encode() not in dump.lower()
    if connection.vendor == "postgresql":
        assert b"COPY public.kem_beneficiary " in dump  # the data is there, sealed
        for table in ("kem_vault_personkey", "kem_vault_indexkey", "kem_vault_blindindexentry"):
            assert f"COPY public.{table} ".encode() not in dump
            assert f"CREATE TABLE public.{table} ".encode() in dump
    keys_dump = readable_dump(made.keys)
    assert all(envelope.split(":")[2][:24].encode() in keys_dump for envelope in wrapped)

    shred_beneficiary(beneficiary=erased)
    assert not opens(erased.pk) and found("Qarqoozi") == {kept.pk}

    # The data backup with today's keys: the erased person stays erased, everyone else is back.
    done = restore(data=made.data, keys="current")
    assert (done.people, done.erased, done.without_key, done.indexed) == (3, 1, 0, 2)
    assert not opens(erased.pk)
    assert found("Κουτσοχέρα") == set() and found("Koutsochera") == set() and found("31129012345") == set()
    assert opens(kept.pk) and found("Qarqoozi") == {kept.pk} and found("04068854321") == {kept.pk}
    check_foreign_keys()

    # The same data backup with the key backup of its time: the erased person opens and is found.
    done = restore(data=made.data, keys=made.keys)
    assert done.indexed == 3
    assert opens(erased.pk) and found("Κουτσοχέρα") == {erased.pk} and found("Zacharoula") == {erased.pk}
    assert found("31129012345") == {erased.pk} and found("Μπαχραμί") == {people[2].pk}
    check_foreign_keys()


def missing_key_scenario(register, tmp_path) -> None:
    early = register("Ρουκάγια", "Νταουντί")
    old_keys = backup_keys(keys_dir=tmp_path / "keys")
    late = register("Σαμίρ", "Χαλαμπί")
    made = backup(data_dir=tmp_path / "data", keys_dir=tmp_path / "keys")

    done = restore(data=made.data, keys=old_keys)

    assert (done.erased, done.without_key, done.indexed) == (1, 1, 1)
    assert opens(early.pk) and found("Νταουντί") == {early.pk}
    assert not opens(late.pk) and found("Χαλαμπί") == set()
    check_foreign_keys()


@pytest.mark.django_db(transaction=True)
def test_backup_erase_restore_on_the_embedded_database(register, tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the postgres-marked test runs the same scenario")
    scenario(register, tmp_path)


@pytest.mark.django_db(transaction=True)
def test_a_person_whose_key_the_key_backup_lacks_cannot_be_opened_on_the_embedded_database(
    register, tmp_path
):
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the postgres-marked test runs the same scenario")
    missing_key_scenario(register, tmp_path)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_erase_restore_on_postgresql(register, tmp_path):
    skip_unless_postgres()
    scenario(register, tmp_path)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_person_whose_key_the_key_backup_lacks_cannot_be_opened_on_postgresql(register, tmp_path):
    skip_unless_postgres()
    missing_key_scenario(register, tmp_path)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_missing_foreign_key_on_person_key_is_reported(register):
    skip_unless_postgres()
    register("Λαμπρινή", "Τσακίρη")
    check_foreign_keys()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid = 'kem_beneficiary'::regclass AND confrelid = 'kem_vault_personkey'::regclass"
        )
        (name,) = cursor.fetchone()
        cursor.execute(f'ALTER TABLE kem_beneficiary DROP CONSTRAINT "{name}"')
    try:
        with pytest.raises(
            BackupError, match=r"1 foreign keys are missing \(kem_beneficiary.person_key_id\)"
        ):
            check_foreign_keys()
    finally:  # the schema outlives this test
        with connection.cursor() as cursor:
            cursor.execute(
                f'ALTER TABLE kem_beneficiary ADD CONSTRAINT "{name}" FOREIGN KEY (person_key_id) '
                "REFERENCES kem_vault_personkey (id) DEFERRABLE INITIALLY DEFERRED"
            )
    check_foreign_keys()


@pytest.mark.django_db(transaction=True)
def test_the_commands_back_up_and_restore(register, tmp_path, settings, capsys):
    settings.KEM_BACKUP_DIR = tmp_path / "data"
    settings.KEM_KEY_BACKUP_DIR = tmp_path / "keys"
    person = register("Ναζανίν", "Μοραντί")
    call_command("vault_backup")
    (data,) = (tmp_path / "data").iterdir()
    (keys,) = (tmp_path / "keys").iterdir()
    shred_beneficiary(beneficiary=person)

    call_command("vault_restore", "--data", str(data), "--keys", "newest", "--noinput")

    assert opens(person.pk) and found("Μοραντί") == {person.pk}
    out = capsys.readouterr().out
    assert str(keys) in out and "Re-indexed: 1" in out


@pytest.mark.django_db
def test_backups_past_their_retention_are_deleted_each_on_its_own_clock(tmp_path, settings):
    import datetime as dt

    from kem.services.backups import prune

    folder = tmp_path / "keys"
    folder.mkdir()
    now = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)
    old = folder / "kem-keys-20261122T120000000000Z.sqlite3"  # 15 days
    young = folder / "kem-keys-20261124T120000000000Z.sqlite3"  # 13 days
    other = folder / "notes.txt"
    for path in (old, young, other):
        path.write_text("x")

    assert prune(folder, "kem-keys-", days=14, now=now) == [old]
    assert sorted(folder.iterdir()) == sorted([young, other])
