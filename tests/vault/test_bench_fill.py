"""The bench fill (bench/vault/fill.py) writes people the product can open, search and extend.

PostgreSQL only (the fill writes with COPY):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kem_NAME pytest --create-db tests/vault/test_bench_fill.py
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.db import connection

from bench.vault import names
from bench.vault.fill import FILLED_TABLES, NAMES_TABLE, TERMS_TABLE, _greek, fill
from kem.models import Beneficiary
from kem.vault import blind
from kem.vault.models import BlindIndexEntry, PersonKey
from kem.vault.search import search_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the bench fill writes with PostgreSQL COPY")


def _schema() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
            " UNION ALL SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid::regclass::text = ANY(%s)",
            [list(FILLED_TABLES), list(FILLED_TABLES)],
        )
        return set(cursor.fetchall())


def _plain_names(limit: int) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, registering_centre_id, given_name, family_name, given_name_latin,"  # noqa: S608
            f" family_name_latin, q_given, q_family FROM {NAMES_TABLE} ORDER BY id LIMIT %s",
            [limit],
        )
        return cursor.fetchall()


def test_filled_people_open_through_the_orm_and_are_found(postgres, request_cache) -> None:
    before = _schema()
    result = fill(240, seed=3, centres=4, batch=70, workers=1, vacuum=False, log=lambda line: None)

    assert result.people == Beneficiary.objects.count() == PersonKey.objects.count() == 240
    assert _schema() == before  # the indexes and constraints dropped for the load are back
    assert sum(result.centre_sizes.values()) == 240
    assert BlindIndexEntry.objects.count() == result.entries > 240 * 4
    for pk, centre, given, family, given_latin, family_latin, q_given, q_family in _plain_names(40):
        person = Beneficiary.objects.get(pk=pk)  # opens with the person's own key
        assert (person.given_name, person.family_name) == (given, family)
        assert (person.given_name_latin, person.family_name_latin) == (given_latin, family_latin)
        assert person.registering_centre_id == centre
        assert person.date_of_birth.year == person.birth_year
        found = search_people(f"{q_given} {q_family}", queryset=Beneficiary.objects.at_centres([centre]))
        assert pk in [c.person.pk for c in found[:10]]


def test_fill_keeps_the_tallies_that_later_saves_continue(postgres, request_cache) -> None:
    fill(150, seed=4, centres=2, batch=50, workers=1, vacuum=False, log=lambda line: None)
    index_key = blind.active_key()
    people = list(Beneficiary.objects.all())
    held = Counter(
        term for person in people for term in blind.person_terms(person) if term[1] in blind.SMOOTHED
    )
    assert blind.read_tallies(index_key, held) == dict(held)

    # A person registered afterwards through save() takes the next slot and is found with the rest.
    common = held.most_common(1)[0][0]
    twin = next(p for p in people if common in blind.person_terms(p))
    newcomer = Beneficiary(
        registering_centre_id=twin.registering_centre_id,
        given_name=twin.given_name,
        family_name=twin.family_name,
        given_name_latin=twin.given_name_latin,
        family_name_latin=twin.family_name_latin,
    )
    newcomer.save()
    assert blind.read_tallies(index_key, [common])[common] == held[common] + 1
    query = f"{twin.given_name_latin or twin.given_name} {twin.family_name_latin or twin.family_name}"
    found = {c.person.pk for c in search_people(query, queryset=Beneficiary.objects.all())}
    assert {twin.pk, newcomer.pk} <= found


def test_plaintext_terms_are_the_index_terms_unsmoothed(postgres) -> None:
    fill(60, seed=5, centres=2, batch=25, workers=1, vacuum=False, log=lambda line: None)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT person_key_id, field, kind, term FROM {TERMS_TABLE}")  # noqa: S608
        stored = set(cursor.fetchall())
    expected = {(p.person_key_id, *term) for p in Beneficiary.objects.all() for term in blind.person_terms(p)}
    assert stored == expected


def test_names_are_deterministic_heavy_tailed_and_in_three_scripts() -> None:
    pools = names.build_pools(9)
    first = [names.draw_person(pools, random.Random(1)) for _ in range(3)]
    again = [names.draw_person(names.build_pools(9), random.Random(1)) for _ in range(3)]
    assert first == again
    rng = random.Random(2)
    people = [names.draw_person(pools, rng) for _ in range(20_000)]
    families = Counter(p.family_latin or p.family for p in people)
    assert families.most_common(1)[0][1] > 20_000 * 0.01  # a few names are very common ...
    assert sum(1 for n in families.values() if n == 1) > 1000  # ... and many are rare
    scripts = Counter(
        "greek" if _greek(p.family) else "latin" if p.family.isascii() else "arabic" for p in people
    )
    assert min(scripts["greek"], scripts["latin"], scripts["arabic"]) > 1000
    # Names written in Greek or Arabic script carry their Latin form; Latin ones do not repeat it.
    assert all(bool(p.family_latin) != p.family.isascii() for p in people)


def test_the_search_bench_compares_the_same_search_over_plaintext(postgres, request_cache) -> None:
    """``search1m.py``'s plaintext comparison runs ``search_people`` over the plaintext tables: it
    finds the same people as the blind index, and leaves the search module as it found it."""
    from bench.vault import search1m
    from kem.vault import search as search_module

    fill(200, seed=6, centres=3, batch=70, workers=1, vacuum=False, log=lambda line: None)
    parts = {name: getattr(search_module, name) for name in ("want_digests", "_entries", "_open", "_whole")}
    queries = search1m.draw_queries(12, seed=7)
    assert len(queries["exact full name"]) == 12
    assert queries == search1m.draw_queries(12, seed=7)  # the same people every run
    for query in queries["exact full name"]:
        for centre in (query.centre, None):
            blind_found = search1m.blind_search(query, centre)
            plain_found = search1m.plain_terms_search(query, centre)
            assert search1m.found_in_top5(query, blind_found[:5])
            assert search1m.found_in_top5(query, plain_found[:5])
    assert parts == {name: getattr(search_module, name) for name in parts}
