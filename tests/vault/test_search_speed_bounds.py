"""The front-desk search costs a fixed, small number of queries, whatever the number of matches.

Query counts only: timings belong to ``bench/vault``.
"""

from __future__ import annotations

import pytest

from kem.models import Beneficiary
from kem.vault import blind, crypto, key_cache, rotation
from kem.vault import search as search_module
from kem.vault.models import IndexKey, IndexKeyState
from kem.vault.search import search_people
from kem.vault.services import people_bulk_create

pytestmark = pytest.mark.django_db


def people(centre, count: int, given: str = "Ali") -> list[Beneficiary]:
    made = [
        Beneficiary(registering_centre=centre, given_name=given, family_name=f"Person{number}")
        for number in range(count)
    ]
    return people_bulk_create(made)


def search(query: str, **kwargs: object) -> list:
    return search_people(query, queryset=Beneficiary.objects.all(), **kwargs)


@pytest.mark.parametrize("count", [1, 12, 80])
def test_query_count_does_not_grow_with_matches(centre, count, django_assert_max_num_queries):
    people(centre, count)
    with key_cache():
        # the sealed tallies, the index (and which index key is active), the candidates' own
        # entries, its prefix entries when the whole word did not fill the page, the candidates'
        # names, the people found, whole
        with django_assert_max_num_queries(6):
            assert len(search("Ali", limit=10)) == min(count, 10)
        with django_assert_max_num_queries(6):
            assert len(search("Ali", limit=10)) == min(count, 10)


def test_a_search_in_a_new_request_reads_no_keys(centre, django_assert_num_queries):
    people(centre, 3)
    for _ in range(2):
        # the active key comes with the index; the candidates' own entries; the prefix entries are
        # read (3 people < the limit); the candidates' names, then the people found, whole
        with key_cache(), django_assert_num_queries(6):
            assert len(search("Ali")) == 3


def test_a_key_switched_by_another_process_is_noticed_and_the_search_still_finds(
    centre, django_assert_num_queries
):
    made = people(centre, 3)
    seen_before = blind.search_key()
    assert rotation.rotate_index_key()  # as if run by the rotate_keys command elsewhere
    assert blind.search_key().version == seen_before.version  # this process has not read the switch
    # tallies, index (which names the new key), tallies and index again, the candidates' own
    # entries, the candidates' names, prefix entries, the people found whole
    with key_cache(), django_assert_num_queries(8):
        found = search("Ali")
    assert {c.person.pk for c in found} == {p.pk for p in made}
    assert blind.search_key().version == seen_before.version + 1


def test_another_key_under_the_same_version_is_noticed(centre, monkeypatch):
    """A restored database (or a test database made again) may hold another key of version 1."""
    made = people(centre, 2)
    active = blind.search_key()
    stranger = IndexKey(version=active.version, state=IndexKeyState.ACTIVE)
    stranger.wrap(crypto.new_key())
    monkeypatch.setitem(blind._current(), "active", stranger)
    assert {c.person.pk for c in search("Ali")} == {p.pk for p in made}
    assert blind.search_key().wrapped_key == active.wrapped_key


def test_enough_confirmed_people_in_the_first_batch_stop_the_search(centre, django_assert_num_queries):
    people(centre, 40)
    with (
        key_cache(),
        django_assert_num_queries(5),
    ):  # tallies, the index, their own entries, one batch of names (8 of 40 confirmed: no prefix
        # entries), the 8 whole
        assert len(search("Ali", limit=8)) == 8


def test_false_candidates_take_at_most_two_more_batches(centre, monkeypatch, django_assert_max_num_queries):
    # every digest collides: every candidate seems to hold the word and its first letters
    monkeypatch.setattr(crypto, "blind_digest", lambda key, term, bits: 0)
    people(centre, 30, given="Omar")  # within the cap of limit * OPEN_FACTOR candidates
    target = people(centre, 1, given="Zainab")[0]
    # tallies, the index, the candidates' own entries, at most three batches of names, the prefix
    # entries, the person found whole
    with key_cache(), django_assert_max_num_queries(8):
        assert [c.person.pk for c in search("Zainab", limit=10)] == [target.pk]


def test_false_candidates_are_made_up_for_without_opening_every_other(centre, monkeypatch):
    real = crypto.blind_digest
    slot0 = "\x1f0"
    collide = {  # spelling keys (slot 0) of Omar and Zainab, of Qasimi and Nur: as truncated digests may
        "omr" + slot0: 7,
        "zanb" + slot0: 7,
        "kasmi" + slot0: 11,
        "nor" + slot0: 11,
    }
    monkeypatch.setattr(
        crypto, "blind_digest", lambda key, term, bits: collide.get(term) or real(key, term, bits)
    )
    people_bulk_create(
        [Beneficiary(registering_centre=centre, given_name="Omar", family_name="Qasimi") for _ in range(6)]
    )
    people(centre, 40, given="Zainab")
    rechecked = []
    real_rechecker = search_module._rechecker

    def counting_rechecker(model, tokens):
        recheck = real_rechecker(model, tokens)
        return lambda person, bound: rechecked.append(person) or recheck(person, bound)

    monkeypatch.setattr(search_module, "_rechecker", counting_rechecker)
    with key_cache():
        found = search("Zainab Nur", limit=10)

    assert [c.person.given_name for c in found] == ["Zainab"] * 10
    # The six false candidates seem to match both words: the best evidence of the index, so all
    # six are opened, and none holds up. The forty Zainabs match one word, less than the best
    # evidence: they are opened within the budget of limit + limit // 10 = 11, and those 11 hold
    # up, which fills the page: 6 + 11 opened, not all 40.
    assert len(rechecked) == 6 + 11


@pytest.mark.parametrize(
    ("held_up", "opened", "expected"),
    [
        (9, 11, 2),  # 1 missing, 9 of 11 held up: ceil(1 / (9 / 11) * 1.25)
        (5, 11, 14),  # 5 missing: ceil(5 / (5 / 11) * 1.25)
        (0, 11, 138),  # nothing held up: as if one had, so a large batch (the cap bounds it)
    ],
)
def test_the_next_batch_is_what_is_missing_scaled_by_how_many_held_up(held_up, opened, expected):
    confirmed = [search_module.Candidate(person=None, tokens_matched=1, strength=3)] * held_up
    assert search_module._next_batch_size(confirmed, opened=opened, rest=[], limit=10) == expected


def test_with_enough_people_the_next_batch_is_the_candidates_that_could_still_rank_higher():
    confirmed = [search_module.Candidate(person=None, tokens_matched=1, strength=s) for s in (3, 3, 1)]
    rest = [((1, 3), "a"), ((1, 2), "b"), ((1, 1), "c"), ((1, 1), "d")]
    assert search_module._next_batch_size(confirmed, opened=4, rest=rest, limit=3) == 2


def test_stopping_early_keeps_the_best_ranked(centre):
    people(centre, 30, given="Alibek")  # prefix matches of "ali"
    exact = people(centre, 1, given="Ali")[0]
    with key_cache():
        found = search("Ali", limit=5)
    assert found[0].person.pk == exact.pk
    assert len(found) == 5


def test_a_person_confirmed_by_the_family_name_costs_one_field_opened(centre, monkeypatch):
    people_bulk_create(
        [
            Beneficiary(registering_centre=centre, given_name="Ali", family_name=family)
            for family in ("Karimi", "Karimzadeh", "Rahimi")
        ]
    )
    opened = []
    real_open = crypto.Sealer.open

    def counting_open(sealer, envelope, *, context):
        opened.append(context.split(":")[0])
        return real_open(sealer, envelope, context=context)

    monkeypatch.setattr(crypto.Sealer, "open", counting_open)
    with key_cache():
        found = search("Karim")
    assert sorted(c.person.family_name for c in found) == ["Karimi", "Karimzadeh"]
    assert opened.count("kem_beneficiary.family_name") == len(found)
    assert "kem_beneficiary.given_name" not in opened


def test_a_rarest_token_with_more_holders_than_the_cap_still_finds_the_person(centre, monkeypatch):
    """At a million people a spelling key (a consonant skeleton) can have thousands of holders:
    the cap must not cut the one person who also holds the other word."""
    monkeypatch.setattr(search_module, "OPEN_EXTRA", 0)  # the cap: limit * OPEN_FACTOR = 8
    people_bulk_create(
        [Beneficiary(registering_centre=centre, given_name="Omar", family_name="Karimi") for _ in range(30)]
    )
    people(centre, 40, given="Zainab")
    target = people_bulk_create(
        [Beneficiary(registering_centre=centre, given_name="Zainab", family_name="Karimi")]
    )[0]
    with key_cache():
        found = search("Zainab Karimi", limit=2)
    assert found[0].person.pk == target.pk
    assert found[0].tokens_matched == 2


def test_holders_of_another_spelling_of_a_common_key_are_not_opened_before_the_exact_ones(
    centre, monkeypatch
):
    """Rahim and Raim share a spelling key ("ram": the h is silent); only the holders of the
    query's own first three letters ("rah") can be exact, so they are opened first and the page of
    exact people is settled without opening the others. (The same goes for the false candidates of
    a truncated key digest, most of a rare name's bucket at a million people.)"""
    other = people(centre, 30, given="Raim")
    exact = people(centre, 6, given="Rahim")
    rechecked = []
    real_rechecker = search_module._rechecker

    def counting_rechecker(model, tokens):
        recheck = real_rechecker(model, tokens)
        return lambda person, bound: rechecked.append(person.pk) or recheck(person, bound)

    monkeypatch.setattr(search_module, "_rechecker", counting_rechecker)
    with key_cache():
        found = search("Rahim", limit=5)
    assert {c.person.pk for c in found} <= {p.pk for p in exact}
    assert len(found) == 5
    assert not set(rechecked) & {p.pk for p in other}
