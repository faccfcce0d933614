"""Rotation batches that hold: paged by key, locked, forgetting keys, and one index version at the end."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kem.models import Beneficiary
from kem.vault import blind, crypto, key_cache, keycache, rotation
from kem.vault.models import BlindIndexEntry, IndexKey, IndexKeyState, IndexTally, PersonKey
from kem.vault.rotation import (
    abandon_index_rotation,
    rewrap_root_keys,
    rotate_index_key,
    vacuum_index_entries,
)
from kem.vault.search import search_people
from kem.vault.services import shred
from tests.vault.conftest import KEY_A, KEY_B

pytestmark = pytest.mark.django_db

KEY_C = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="


@pytest.fixture
def six(register) -> list[Beneficiary]:
    return [register("Ali", f"Rezai{letter}", notes=f"note {letter}") for letter in "abcdef"]


def found(query: str) -> list[str]:
    with key_cache():
        return [c.person.family_name for c in search_people(query, queryset=Beneficiary.objects.all())]


def kid(key: str) -> str:
    return crypto.key_id(crypto.decode_root_key(key, name="key"))


# --- root keys ---------------------------------------------------------------------------------
def test_root_rotation_pages_by_root_key_and_id_and_skips_the_shredded(settings, register):
    people = [register("Ali", f"Rezai{letter}") for letter in "abc"]
    settings.KEM_ROOT_KEY, settings.KEM_OLD_ROOT_KEYS = KEY_B, [KEY_A]
    people += [register("Omar", f"Haidari{letter}") for letter in "abc"]  # wrapped by B already
    settings.KEM_ROOT_KEY, settings.KEM_OLD_ROOT_KEYS = KEY_C, [KEY_B, KEY_A]
    shred(people[1])

    with CaptureQueriesContext(connection) as queries:
        done = rewrap_root_keys(batch_size=2)

    assert done == 5 + 1 + 1  # five live person keys, the index key and the pseudonym key
    assert set(PersonKey.objects.live().values_list("root_key_id", flat=True)) == {kid(KEY_C)}
    assert PersonKey.objects.get(pk=people[1].person_key_id).wrapped_key is None
    pages = [q["sql"] for q in queries if "kem_vault_personkey" in q["sql"] and "LIMIT 2" in q["sql"]]
    assert len(pages) >= 3 and all('"root_key_id" = ' in sql and "ORDER BY" in sql for sql in pages)
    if connection.vendor == "postgresql":  # SQLite has no row locks; it locks the database
        assert all("FOR UPDATE" in sql for sql in pages)
    assert any('"id" > ' in sql for sql in pages)  # keyset: after the last id done, not OFFSET
    assert not any("OFFSET" in sql for sql in pages)
    settings.KEM_OLD_ROOT_KEYS = []
    with key_cache():
        assert {p.family_name for p in Beneficiary.objects.not_shredded()} == {
            "Rezaia",
            "Rezaic",
            "Haidaria",
            "Haidarib",
            "Haidaric",
        }


# --- blind-index key ---------------------------------------------------------------------------
def test_the_building_version_is_not_searched_before_the_switch(six):
    assert not rotate_index_key(batch_size=10, max_batches=1)
    building = IndexKey.objects.get(state=IndexKeyState.BUILDING)
    target = six[0]
    assert BlindIndexEntry.objects.filter(
        person_key_id=target.person_key_id, version=building.version
    ).exists()
    assert "Rezaia" in found("Rezaia")
    BlindIndexEntry.objects.filter(person_key_id=target.person_key_id).exclude(
        version=building.version
    ).delete()
    assert "Rezaia" not in found("Rezaia")  # its entries of the building version are not used


def test_index_rotation_ends_with_one_version_of_entries_and_one_key(six):
    stray = BlindIndexEntry.objects.first()
    BlindIndexEntry.objects.create(  # entries of a version whose key is long gone
        person_key_id=stray.person_key_id, version=99, field=stray.field, kind=stray.kind, digest=stray.digest
    )
    assert not rotate_index_key(batch_size=2, max_batches=2)
    assert set(BlindIndexEntry.objects.values_list("version", flat=True)) == {1, 2, 99}
    assert set(IndexTally.objects.values_list("version", flat=True)) == {1, 2}
    assert rotate_index_key(batch_size=2)
    assert list(IndexKey.objects.values_list("version", "state")) == [(2, IndexKeyState.ACTIVE)]
    assert set(BlindIndexEntry.objects.values_list("version", flat=True)) == {2}
    assert set(IndexTally.objects.values_list("version", flat=True)) == {2}
    assert IndexKey.objects.get().progress == {}
    assert found("Rezaid")[0] == "Rezaid"


def test_index_rotation_locks_person_keys_and_forgets_their_keys_per_batch(six, monkeypatch):
    cached: list[int] = []
    real = blind.index_people

    def spy(people, *, keys, using=None):
        real(people, keys=keys, using=using)
        cached.append(sum(1 for k in (keycache._current.get() or {}) if k[0] == "person"))

    monkeypatch.setattr(blind, "index_people", spy)
    with key_cache(), CaptureQueriesContext(connection) as queries:
        assert rotate_index_key(batch_size=2)
        assert all(keycache.peek(("person", p.person_key_id)) is None for p in six)
    assert cached == [2, 2, 2]  # never more than one batch of people's keys at a time
    if connection.vendor == "postgresql":
        locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"] and "kem_vault_personkey" in q["sql"]]
        assert len(locks) >= 3


def test_a_person_shredded_between_batches_is_not_indexed_again(six):
    assert not rotate_index_key(batch_size=2, max_batches=1)
    shred(six[-1])
    assert rotate_index_key(batch_size=2)
    assert not BlindIndexEntry.objects.filter(person_key_id=six[-1].person_key_id).exists()
    assert "Rezaif" not in found("Rezai")


def test_an_unfinished_rotation_can_be_abandoned(six):
    assert not rotate_index_key(batch_size=2, max_batches=1)
    out = StringIO()
    call_command("rotate_keys", "--blind-index", "--abandon", stdout=out)
    assert "dropped" in out.getvalue()
    assert list(IndexKey.objects.values_list("version", "state")) == [(1, IndexKeyState.ACTIVE)]
    assert set(BlindIndexEntry.objects.values_list("version", flat=True)) == {1}
    assert set(IndexTally.objects.values_list("version", flat=True)) == {1}
    assert found("Rezaib")[0] == "Rezaib"
    assert abandon_index_rotation() == 0


@pytest.mark.parametrize(
    "arguments",
    [["--no-vacuum"], ["--abandon"], ["--batch-size", "0"], ["--blind-index", "--max-batches", "0"]],
)
def test_rotate_keys_refuses_bad_arguments_cleanly(arguments):
    with pytest.raises(CommandError):
        call_command("rotate_keys", *arguments, stdout=StringIO())


def test_vacuum_is_skipped_inside_a_transaction_and_on_sqlite():
    assert vacuum_index_entries() is False


# --- PostgreSQL ---------------------------------------------------------------------------------
needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_index_rotation_leaves_one_version_and_vacuums(six, monkeypatch):
    vacuumed: list[bool] = []
    real = rotation.vacuum_index_entries
    monkeypatch.setattr(rotation, "vacuum_index_entries", lambda: vacuumed.append(real()) or vacuumed[-1])
    assert not rotate_index_key(batch_size=2, max_batches=1)
    out = StringIO()
    call_command("rotate_keys", "--blind-index", "--batch-size", "2", stdout=out)
    assert "old version is deleted" in out.getvalue()
    assert vacuumed == [True]
    assert list(IndexKey.objects.values_list("version", "state")) == [(2, IndexKeyState.ACTIVE)]
    assert set(BlindIndexEntry.objects.values_list("version", flat=True)) == {2}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s",
            [BlindIndexEntry._meta.db_table],
        )
        assert cursor.fetchone() == (True,)
    assert found("Rezaie")[0] == "Rezaie"


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_no_vacuum_flag(six, monkeypatch):
    monkeypatch.setattr(rotation, "vacuum_index_entries", lambda: pytest.fail("vacuumed"))
    call_command("rotate_keys", "--blind-index", "--no-vacuum", stdout=StringIO())
    assert set(BlindIndexEntry.objects.values_list("version", flat=True)) == {2}


@pytest.mark.postgres
@needs_postgres
def test_postgres_root_rotation_page_is_an_index_range_without_a_sort(six):
    query = PersonKey.objects.select_for_update().filter(root_key_id=kid(KEY_A)).order_by("pk")
    query = query.filter(pk__gt=six[0].person_key_id)[:100]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # A table of six rows: push the planner off the plans a tiny table makes cheap (a scan or
        # a bitmap scan, then a sort). A sort still there would mean no index gives the order.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "kem_vault_pkey_root_id" in plan
    assert "Sort" not in plan
