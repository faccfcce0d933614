"""Every common spelling finds every other: whole, or its first three letters, in either script.

A person registered under one spelling of a name (Γιουσούφ) is found in the top 5 by any other
common spelling of it (Yusuf, Youssef), whole or as a three-letter prefix in Greek or Latin
script ("Yus", "Γιο"), among 2,000 other people with ordinary names. The front-desk search and the
registration's duplicate check use the same matching, so both are checked. Each spelling's people
live in a centre of their own, so that a group's other spellings are not there to compete.
"""

from __future__ import annotations

import random

import pytest

from kem import services
from kem.models import Beneficiary
from kem.models.centres import Role
from kem.selectors.beneficiaries import beneficiary_duplicates
from kem.vault import key_cache
from kem.vault.normalise import fold, loose_key, name_tokens, phonetic_key
from kem.vault.search import LOOSE_PREFIX, _strength, parse_query, search_people
from kem.vault.services import people_bulk_create
from tests.factories import staff

pytestmark = pytest.mark.django_db

# Name groups: every spelling a front desk meets, Greek script first.
GROUPS = {
    "yusuf": ["Γιουσούφ", "Yusuf", "Yousef", "Youssef", "Yousuf"],
    "mohammed": ["Μοχάμεντ", "Μοχάμαντ", "Mohammed", "Muhammad", "Mohamed", "Mohammad"],
    "hussein": ["Χουσεΐν", "Hussein", "Hossein", "Husein"],
    "abdullah": ["Αμπντουλάχ", "Abdullah", "Abdallah", "Abdulla"],
    "georgiou": ["Γεωργίου", "Georgiou", "Yeorgiou"],
    "ahmad": ["Αχμάντ", "Αχμέτ", "Ahmad", "Ahmed", "Ahmet"],
    "fatima": ["Φατιμά", "Fatima", "Fatemeh", "Fatma"],
    "mustafa": ["Μουσταφά", "Mustafa", "Mostafa", "Moustafa"],
    "ibrahim": ["Ιμπραήμ", "Ibrahim", "Ebrahim", "Ibraheem"],
    "khalil": ["Χαλίλ", "Khalil", "Halil", "Khaleel"],
    "omar": ["Ομάρ", "Omar", "Umar", "Omer"],
    "mariam": ["Μαριάμ", "Mariam", "Maryam", "Miriam"],
    "hassan": ["Χασάν", "Hassan", "Hasan"],
    "karimi": ["Καρίμι", "Karimi", "Karimy"],
    "papadopoulos": ["Παπαδόπουλος", "Papadopoulos", "Papadopulos"],
    "hosseini": ["Χοσεϊνί", "Hosseini", "Husseini", "Hoseini"],
}
# Ordinary names of other people: none is a spelling of a group's name, and none starts like one
# (a Pappas matches "Pap" as well as a Papadopoulos does; see the first test).
BACKGROUND_GIVEN = [
    "Dimitris", "Eleni", "Nikos", "Sofia", "Layla", "Samir", "Tariq", "Nour", "Amina", "Jamal",
    "Rania", "Bilal", "Zeynep", "Dilan", "Aziz", "Farah", "Salma", "Idris", "Kemal", "Nadia",
    "Rashid", "Rami", "Leyla", "Osman", "Sara", "Yasin", "Zahra", "Walid", "Selin", "Kostas",
    "Νίκος", "Ελένη", "Δημήτρης", "Σοφία", "Σαμίρ", "Λάιλα", "Ταρίκ", "Αμίνα", "Μπιλάλ", "Ναντιά",
]  # fmt: skip
BACKGROUND_FAMILY = [
    "Nasser", "Saber", "Saleh", "Barzani", "Demir", "Yilmaz", "Kaya", "Sultani", "Nazari", "Jafari",
    "Osei", "Mensah", "Diallo", "Traore", "Keita", "Bangura", "Kamara", "Tesfaye", "Bekele", "Girma",
    "Nikolaou", "Doukas", "Vlachos", "Antoniou", "Dimou", "Stavrou", "Lamprou", "Zervas", "Petrou", "Makris",
    "Νικολάου", "Δούκας", "Βλάχος", "Αντωνίου", "Σταύρου", "Σάμπερ", "Σάλεχ", "Ντιαλό", "Κεϊτά", "Μπεκέλε",
]  # fmt: skip
BACKGROUND = 2000


def _prefixes(spelling: str) -> list[str]:
    return [spelling[:3]] if len(fold(spelling)) >= 3 else []


def _cases() -> list[tuple[str, str, str]]:
    """(group, registered spelling, query): every other spelling whole, every spelling's prefix."""
    cases = []
    for group, spellings in GROUPS.items():
        for registered in spellings:
            queries = [s for s in spellings if s != registered]
            queries += [p for s in spellings for p in _prefixes(s)]
            cases += [(group, registered, q) for q in dict.fromkeys(queries)]
    return cases


def build_world() -> dict[tuple[str, str], tuple[object, Beneficiary]]:
    """One centre per spelling position, each with 2,000 background people and one target per
    group registered under that position's spelling (a group with fewer spellings uses its last)."""
    rng = random.Random(16)
    width = max(len(s) for s in GROUPS.values())
    targets = {}
    for position in range(width):
        centre = services.centre_create(
            name_el=f"ΚΕΜ ορθογραφίας {position}", name_en=f"KEM spelling {position}", municipality="Αθήνα"
        )
        background = [
            Beneficiary(
                registering_centre=centre,
                given_name=rng.choice(BACKGROUND_GIVEN),
                family_name=rng.choice(BACKGROUND_FAMILY),
                birth_year=rng.randint(1950, 2010),
            )
            for _ in range(BACKGROUND)
        ]
        people = [
            Beneficiary(
                registering_centre=centre,
                given_name=spellings[min(position, len(spellings) - 1)],
                family_name=rng.choice(BACKGROUND_FAMILY),
                birth_year=1990,
            )
            for spellings in GROUPS.values()
        ]
        people_bulk_create(background + people)
        for group, person in zip(GROUPS, people, strict=True):
            targets[(group, person.given_name)] = (centre, person)
    return targets


def _rank(query: str, centre, target) -> int | None:
    with key_cache():
        found = search_people(query, queryset=Beneficiary.objects.at_centres([centre.pk]), limit=25)
    ranked = [c.person.pk for c in found]
    return ranked.index(target.pk) + 1 if target.pk in ranked else None


def test_the_table_is_as_large_as_promised_and_no_background_name_matches_as_well():
    assert len(GROUPS) >= 15
    assert all(any(not s.isascii() for s in spellings) for spellings in GROUPS.values())
    assert len(_cases()) > 300
    ties = set()
    for _group, _registered, query in _cases():
        token = parse_query(query, model=Beneficiary)[0]
        for name in BACKGROUND_GIVEN + BACKGROUND_FAMILY:
            forms = [(t, phonetic_key(t), loose_key(t)) for t in name_tokens(name)]
            if _strength(token, forms) >= LOOSE_PREFIX:
                ties.add((name, query))
    assert ties == set()


def test_every_spelling_and_prefix_finds_every_other_in_the_top_five():
    world = build_world()
    misses = []
    for group, registered, query in _cases():
        centre, target = world[(group, registered)]
        rank = _rank(query, centre, target)
        if rank is None or rank > 5:
            misses.append(f"{query!r} -> {registered!r}: {rank}")
    assert misses == []


def test_an_exact_spelling_ranks_above_other_spellings_above_prefixes(centre):
    prefix = Beneficiary(registering_centre=centre, given_name="Yusufzai", family_name="Nasser")
    variant = Beneficiary(registering_centre=centre, given_name="Γιουσούφ", family_name="Nasser")
    exact = Beneficiary(registering_centre=centre, given_name="Yusuf", family_name="Nasser")
    people_bulk_create([prefix, variant, exact])
    with key_cache():
        found = search_people("Yusuf", queryset=Beneficiary.objects.all())
    assert [c.person.pk for c in found] == [exact.pk, variant.pk, prefix.pk]


def test_the_duplicate_check_agrees_with_the_search(centre):
    frontdesk = staff(role=Role.FRONT_DESK, centre=centre)
    registered = Beneficiary(
        registering_centre=centre, given_name="Γιουσούφ", family_name="Χαλίλ", birth_year=1990
    )
    people_bulk_create([registered])
    with key_cache():
        check = beneficiary_duplicates(
            user=frontdesk, data={"given_name": "Yusuf", "family_name": "Khalil", "birth_year": 1990}
        )
        found = search_people("Yusuf Khalil", queryset=Beneficiary.objects.all(), limit=5)
    assert [b.pk for b in check.similar] == [registered.pk]
    assert found[0].person.pk == registered.pk and found[0].tokens_matched == 2


def test_a_small_centre_is_searched_whole_beside_a_large_one(centre):
    """The centre scope is applied before any cut: 400 people of one name elsewhere crowd out nobody."""
    large = services.centre_create(name_el="ΚΕΜ μεγάλο", name_en="KEM large", municipality="Πειραιάς")
    people_bulk_create(
        [
            Beneficiary(registering_centre=large, given_name="Mohammad", family_name=f"Other{n}")
            for n in range(400)
        ]
    )
    mine = people_bulk_create(
        [
            Beneficiary(registering_centre=centre, given_name="Mohammad", family_name=f"Mine{n}")
            for n in range(5)
        ]
    )
    with key_cache():
        found = search_people("Mohammad", queryset=Beneficiary.objects.at_centres([centre.pk]), limit=10)
    assert sorted(c.person.pk for c in found) == sorted(p.pk for p in mine)
