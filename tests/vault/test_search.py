"""Blind indexes and the front-desk search."""

from __future__ import annotations

import pytest

from kem import services
from kem.models import Beneficiary
from kem.vault import blind, key_cache
from kem.vault.models import BlindIndexEntry
from kem.vault.search import search_people
from kem.vault.services import people_bulk_create

pytestmark = pytest.mark.django_db

GROUPS = [
    ["Mohammed", "Muhammad", "Mohamed", "Mohammad", "Μοχάμεντ"],
    ["Ahmad", "Ahmed", "Άχμαντ"],
    ["Hussein", "Husain", "Hossein", "Χουσεΐν"],
    ["Fatima", "Fatemeh", "Φατίμα"],
    ["Ibrahim", "Ebrahim", "Ιμπραήμ"],
    ["Yusuf", "Youssef", "Γιουσούφ"],
    ["Hassan", "Χασάν"],
]


def found(query: str, **kwargs: object) -> list[Beneficiary]:
    return [c.person for c in search_people(query, queryset=Beneficiary.objects.all(), **kwargs)]


def test_name_variants_across_scripts_find_each_other(register):
    people = {name: register(name, "Testperson") for group in GROUPS for name in group}
    for group in GROUPS:
        expected = {people[name].pk for name in group}
        for name in group:
            assert {p.pk for p in found(name)} == expected, name


def test_greek_and_latin_prefixes_find_the_person(register):
    person = register("Γιώργος", "Παπαδόπουλος")
    register("Ali", "Rezai")
    for query in ("Παπ", "pap", "Παπαδ", "papad", "PAPADOPOULOS", "papadópoulos", "γιωργ", "gior"):
        assert [p.pk for p in found(query)] == [person.pk], query


def test_two_letters_find_only_whole_tokens(register):
    register("Li", "Papadakis")
    assert found("pa") == []
    assert len(found("li")) == 1


def test_phone_is_found_by_its_digits_in_any_format(register):
    person = register("Ali", "Rezai", phone="+30 694 123 4567")
    for query in ("6941234567", "694 123 4567", "+306941234567", "0030 694-123-4567"):
        assert [p.pk for p in found(query)] == [person.pk], query


def test_id_numbers_are_found_by_canonical_form(register):
    person = register("Ali", "Rezai", id_numbers={"amka": "170590-12345", "passport": "P 123 4567"})
    for query in ("17059012345", "p1234567", "Ρ1234567", "P-123-4567"):
        assert [p.pk for p in found(query)] == [person.pk], query


def test_exact_beats_another_spelling_beats_a_prefix(register):
    prefix = register("Ahmadzai", "Karimi")
    variant = register("Ahmed", "Karimi")
    exact = register("Ahmad", "Karimi")
    assert [p.pk for p in found("Ahmad")] == [exact.pk, variant.pk, prefix.pk]


def test_more_matching_tokens_rank_first(register):
    one = register("Ali", "Karimi")
    both = register("Ali", "Rezai")
    assert [p.pk for p in found("Ali Rezai")] == [both.pk, one.pk]


def test_false_candidates_from_truncation_are_dropped(register, monkeypatch):
    monkeypatch.setitem(blind.BITS, blind.KEY, 1)
    monkeypatch.setitem(blind.BITS, blind.PREFIX, 1)
    target = register("Zainab", "Qaderi")
    for number in range(6):
        register(f"Other{number}", f"Person{number}")
    assert BlindIndexEntry.objects.values("digest").distinct().count() <= 2
    assert [p.pk for p in found("Qaderi")] == [target.pk]


def test_search_is_scoped_by_the_queryset(register, centre):
    mine = register("Ali", "Rezai")
    other_centre = services.centre_create(name_el="ΚΕΜ Λάρισας", name_en="KEM Larissa", municipality="Λάρισα")
    theirs = Beneficiary(registering_centre=other_centre, given_name="Ali", family_name="Rezai")
    theirs.save()
    scoped = Beneficiary.objects.filter(registering_centre=centre)
    assert [c.person.pk for c in search_people("Ali Rezai", queryset=scoped)] == [mine.pk]


def test_limit_is_respected(register):
    for number in range(7):
        register("Ali", f"Person{number}")
    assert len(found("Ali", limit=5)) == 5


def test_renaming_rewrites_the_index(register):
    person = register("Ali", "Rezai")
    person.family_name = "Karimi"
    person.save()
    assert found("Rezai") == []
    assert [p.pk for p in found("Karimi")] == [person.pk]


def test_search_costs_a_fixed_number_of_queries(register, django_assert_max_num_queries):
    for number in range(20):
        register("Ali", f"Person{number}")
    with key_cache():
        blind.index_keys()
        # tallies, index, the candidates' own entries, prefix entries (20 people fill less than
        # the page), the candidates' names, the people found whole
        with django_assert_max_num_queries(6):
            assert len(found("Ali")) == 20


def test_index_holds_truncated_numbers_only(full_person):
    digests = list(BlindIndexEntry.objects.values_list("digest", flat=True))
    assert digests and all(0 <= d < 2 ** max(blind.BITS.values()) for d in digests)
    for kind, bits in blind.BITS.items():
        assert all(
            0 <= d < 2**bits
            for d in BlindIndexEntry.objects.filter(kind=kind).values_list("digest", flat=True)
        )
    kinds = set(BlindIndexEntry.objects.values_list("kind", flat=True))
    assert kinds == {blind.KEY, blind.PREFIX, blind.PHONE, blind.ID}


def test_bulk_created_people_are_indexed(centre):
    people = [
        Beneficiary(registering_centre=centre, given_name="Omar", family_name=f"Bulk{n}") for n in range(3)
    ]
    people_bulk_create(people)
    assert len(found("Omar")) == 3
    assert Beneficiary.objects.get(pk=people[0].pk).family_name == "Bulk0"


def test_a_prefix_typed_in_the_persons_own_script_ranks_first_among_equal_matches(register):
    """ "Μουχ" starts Μουχάμαντ as written, and Mohammadi only through its loose key: both are
    prefix matches of one word, and the one the officer typed comes first."""
    others = [register(given, "Mohammadi") for given in ("Leila", "Amir", "Zahra", "Ali", "Reza", "Sara")]
    typed = register("Μουχάμαντ", "Ραχίμι")
    others += [register(given, "Mohammadi") for given in ("Omid", "Nima", "Hadi", "Maryam", "Yasin", "Hoda")]
    ranked = found("Μουχ")
    assert ranked[0].pk == typed.pk
    assert {p.pk for p in ranked} >= {p.pk for p in others}
