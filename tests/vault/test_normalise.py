"""Tests for kem.vault.normalise: the plaintext forms that feed the blind indexes.

Pure Python: run with ``-p no:django`` (and ``--noconftest`` while tests/conftest.py
needs Django).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kem.vault.normalise import fold, id_canonical, name_tokens, phone_digits, phonetic_key, prefixes

# --- fold -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("greek", "latin"),
    [
        ("Παπαδόπουλος", "papadopoulos"),
        ("Γεωργίου", "georgiou"),
        ("Ευάγγελος", "evangelos"),
        ("Αύγουστος", "avgoustos"),
        ("Ευθυμίου", "efthymiou"),
        ("Μπακάλης", "bakalis"),
        ("Ντίνος", "dinos"),
        ("Άγγελος", "angelos"),
        ("Ψαράς", "psaras"),
        ("Χατζής", "chatzis"),
        ("Νικολαΐδης", "nikolaidis"),
        ("Ταΰγετος", "taygetos"),  # dialytika blocks the αυ digraph
        ("Λαμπράκης", "lamprakis"),  # μπ inside a word -> mp
        ("Αγκαλιά", "agkalia"),  # γκ inside a word -> gk
        ("Σφίγξ", "sfinx"),  # γξ -> nx
        ("Ευαγγελία", "evangelia"),
        ("Ζευς", "zefs"),  # ευ before voiceless σ -> ef
        ("ΘΩΜΑΣ", "thomas"),  # capitals, final sigma
        ("Ηλίας", "ilias"),
    ],
)
def test_fold_transliterates_greek_per_elot_743(greek: str, latin: str) -> None:
    assert fold(greek) == latin


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Müller", "muller"),
        ("Ç", "c"),
        ("Straße", "strasse"),
        ("José Ñúñez", "jose nunez"),
        ("Søren Łukasz", "soren lukasz"),
        ("İbrahim Çelik", "ibrahim celik"),
        ("Ά Έ Ή Ί Ό Ύ Ώ", "a e i i o y o"),
        ("ＡＨＭＡＤ", "ahmad"),  # full-width (NFKC)
    ],
)
def test_fold_strips_accents_and_case(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("", ""),
        ("   \t\n ", ""),
        ("!!! --- ''' ...", ""),
        ("Al-Hassan", "al hassan"),
        ("O'Brien", "o brien"),
        ("  Ali   Hassan  ", "ali hassan"),
        ("Ali/Ahmad, (Khalid)", "ali ahmad khalid"),
        ("Γιώργος Smith", "giorgos smith"),  # mixed scripts
        ("Παπαδopoulos", "papadopoulos"),  # mixed scripts inside one word
        ("Room 12", "room 12"),
        ("١٢٣ ۴۵", "123 45"),  # Arabic-Indic and Persian digits
        ("ሰላም", ""),  # Ge'ez is not transliterated (documented limit)
    ],
)
def test_fold_edge_cases(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("arabic", "latin"),
    [
        ("احمد", "ahmd"),
        ("مُحَمَّد", "muhamad"),  # harakat give the short vowels
        ("يوسف", "yusf"),
        ("فاطمة", "fatma"),
        ("عبد الرحمن", "abd alrhmn"),
        ("پژمان", "pzhman"),  # Persian letters
    ],
)
def test_fold_transliterates_arabic_script(arabic: str, latin: str) -> None:
    assert fold(arabic) == latin


@pytest.mark.parametrize(
    ("typed", "full"),
    [("Παπαδ", "Παπαδόπουλος"), ("papad", "Παπαδόπουλος"), ("ΠΑΠΑΔ", "Papadopoulos"), ("Χουσ", "Chousein")],
)
def test_fold_cross_script_prefix(typed: str, full: str) -> None:
    assert fold(full).startswith(fold(typed))
    assert fold(typed) in prefixes(fold(full))


# --- name_tokens ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Μαρία Παπαδοπούλου", ["maria", "papadopoulou"]),
        ("Ali Ali Hassan", ["ali", "hassan"]),
        ("A. B. Ali", ["ali"]),
        ("Al-Hassan", ["al", "hassan", "alhassan"]),
        ("Al Hassan", ["al", "hassan", "alhassan"]),
        ("Abu Bakr", ["abu", "bakr", "abubakr"]),
        ("", []),
        ("  -- ", []),
    ],
)
def test_name_tokens(text: str, tokens: list[str]) -> None:
    assert name_tokens(text) == tokens


@pytest.mark.parametrize(
    "text",
    [
        "Abdul Rahman",
        "Abdulrahman",
        "Abd al-Rahman",
        "Abdel Rahman",
        "Abdurrahman",
        "Abdelrahman",
        "Abdu Rahman",
    ],
)
def test_name_tokens_abd_forms_share_tokens(text: str) -> None:
    tokens = name_tokens(text)
    assert "rahman" in tokens
    assert "abdrahman" in tokens


def test_name_tokens_abd_forms_cross_script_via_phonetic_keys() -> None:
    greek = {phonetic_key(t) for t in name_tokens("Αμπντούλ Ραχμάν")}
    latin = {phonetic_key(t) for t in name_tokens("Abdulrahman")}
    assert phonetic_key("rahman") in greek & latin
    assert phonetic_key("abdrahman") in greek & latin


@pytest.mark.parametrize("text", ["Abdullah", "Abdallahi", "Abdoulaye", "Abdi", "Αμπντουλάχ"])
def test_name_tokens_does_not_split_abdullah_forms(text: str) -> None:
    assert name_tokens(text) == [fold(text)]


def test_name_tokens_splits_abd_prefix_in_somali_spelling() -> None:
    assert name_tokens("Abdirahman")[1:] == ["rahman", "abdrahman"]


# --- prefixes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "kwargs", "expected"),
    [
        ("papad", {}, ["pap", "papa", "papad"]),
        ("al", {}, []),
        ("ali", {}, ["ali"]),
        ("", {}, []),
        ("abcdefghijklmnop", {}, ["abcdefghijkl"[:n] for n in range(3, 13)]),
        ("abcdef", {"min_len": 2, "max_len": 4}, ["ab", "abc", "abcd"]),
        ("abcdef", {"min_len": 5, "max_len": 3}, []),
    ],
)
def test_prefixes(token: str, kwargs: dict[str, int], expected: list[str]) -> None:
    assert prefixes(token, **kwargs) == expected


# --- phonetic_key ---------------------------------------------------------------------

COLLIDE_GROUPS = {
    "mohammed": "Mohammed Muhammad Mohamed Mohammad Muhammed Mohamad Μοχάμεντ Μωχάμεντ Μοχαμέντ Μουχαμάντ",
    "ahmad": "Ahmad Ahmed Achmed Άχμαντ Αχμέτ احمد",
    "hussein": "Hussein Husain Hossein Hussain Husein Χουσεΐν Χουσείν",
    "ali": "Ali Aly Άλι Αλή",
    "fatima": "Fatima Fatemeh Fateme Fatma Φατίμα فاطمة",
    "yusuf": "Yusuf Yousef Youssef Yosef Jusuf Γιουσούφ",
    "mustafa": "Mustafa Moustafa Mostafa Μουσταφά",
    "abdullah": "Abdullah Abdallah Abdollah Αμπντουλάχ",
    "karim": "Karim Kareem Karym Καρίμ",
    "omar": "Omar Umar Omer Ομάρ",
    "khaled": "Khaled Khalid Χαλέντ Χάλεντ",
    "papadopoulos": "Papadopoulos Παπαδόπουλος Papadopulos",
    "georgiou": "Georgiou Γεωργίου",
    "nikolaidis": "Nikolaidis Νικολαΐδης Nikolaides",
    "ibrahim": "Ibrahim Ebrahim Ibraheem Ιμπραήμ",
    "rahimi": "Rahimi Rahemi Ραχίμι",
    "zahra": "Zahra Zahraa Ζάχρα",
    "yasmin": "Yasmin Yasmine Jasmin Γιασμίν",
    "chatzis": "Chatzis Hatzis Hadjis Χατζής",
    "jamal": "Jamal Djamal Τζαμάλ",
}


@pytest.mark.parametrize("group", COLLIDE_GROUPS)
def test_phonetic_key_collides_romanisation_variants(group: str) -> None:
    keys = {name: phonetic_key(name) for name in COLLIDE_GROUPS[group].split()}
    assert len(set(keys.values())) == 1, keys
    assert next(iter(keys.values()))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Ali", "Alina"),
        ("Omar", "Amir"),
        ("Karim", "Maria"),
        ("Hussein", "Hassan"),
        ("Ahmad", "Mahmoud"),
        ("Yusuf", "Yunus"),
        ("Fatima", "Fatih"),
        ("Papadopoulos", "Papadakis"),
        ("Zahra", "Sara"),
        ("Ibrahim", "Ibrahimi"),
        ("Ahmad", "Ahmadi"),
        ("Hossein", "Hosseini"),
        ("Mohammed", "Mahmoud"),
    ],
)
def test_phonetic_key_keeps_different_names_apart(one: str, other: str) -> None:
    assert phonetic_key(one) != phonetic_key(other)


@pytest.mark.parametrize("token", ["", "   ", "'-'", "h"])
def test_phonetic_key_of_nothing_is_empty(token: str) -> None:
    assert phonetic_key(token) == ""


def test_phonetic_key_accepts_folded_and_raw_tokens() -> None:
    assert phonetic_key(fold("Μουσταφά")) == phonetic_key("Μουσταφά") == phonetic_key("MUSTAFA")


# --- phone_digits ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("+30 697 123 4567", "306971234567"),
        ("0030 6971234567", "306971234567"),
        ("6971234567", "306971234567"),
        ("697-123-4567", "306971234567"),
        ("210 123 4567", "302101234567"),
        ("(210) 1234567", "302101234567"),
        ("306971234567", "306971234567"),
        ("+44 (0)20 7946 0958", "442079460958"),
        ("00 93 70 123 4567", "93701234567"),
        ("٠٦٩٧١٢٣٤٥٦٧", "306971234567"),
        ("+30 123", ""),
        ("12345", ""),
        ("", ""),
        ("n/a", ""),
    ],
)
def test_phone_digits(text: str, digits: str) -> None:
    assert phone_digits(text) == digits


def test_phone_digits_other_default_country_drops_trunk_zero() -> None:
    assert phone_digits("07911 123456", default_country="44") == "447911123456"


# --- id_canonical ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("ΑΒ 123456", "AB123456"),  # Greek capitals
        ("AB 123456", "AB123456"),
        ("ab-123.456", "AB123456"),
        ("12/3456 78", "12345678"),
        ("ΧΕ-0001", "XE0001"),
        ("ΡΚΜΤ", "PKMT"),
        ("ΑΔΤ 1", "AΔT1"),  # Δ has no Latin look-alike and stays
        ("АК 12", "AK12"),  # Cyrillic look-alikes
        ("ａｂ１２", "AB12"),  # full width
        (" . - / ", ""),
        ("", ""),
    ],
)
def test_id_canonical(text: str, canonical: str) -> None:
    assert id_canonical(text) == canonical


# --- properties -----------------------------------------------------------------------

FOLDED = re.compile(r"^[a-z0-9]*(?: [a-z0-9]+)*$")


@given(st.text())
def test_fold_output_is_ascii_and_idempotent(text: str) -> None:
    folded = fold(text)
    assert re.fullmatch(r"[a-z0-9 ]*", folded)
    assert FOLDED.match(folded)
    assert fold(folded) == folded


@given(st.text())
def test_phonetic_key_never_raises(text: str) -> None:
    assert isinstance(phonetic_key(text), str)


@given(st.text())
def test_name_tokens_are_folded_and_unique(text: str) -> None:
    tokens = name_tokens(text)
    assert len(tokens) == len(set(tokens))
    assert all(len(t) >= 2 and re.fullmatch(r"[a-z0-9]+", t) for t in tokens)


@given(st.text())
def test_phone_and_id_never_raise(text: str) -> None:
    assert phone_digits(text).isdigit() or phone_digits(text) == ""
    assert " " not in id_canonical(text)


# --- the ASCII shortcuts ----------------------------------------------------------------


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_the_ascii_shortcut_of_fold_gives_what_the_full_rules_give(text):
    from kem.vault.normalise import _fold_any

    assert fold(text) == _fold_any(text)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40))
def test_the_ascii_shortcut_of_word_splitting_gives_what_the_full_rules_give(text):
    from kem.vault.normalise import _words, _words_any

    assert _words(text) == _words_any(text)


@pytest.mark.parametrize("text", ["O'Brien-Smith, Jr.", "al-Hassan\tAbu_Bakr", "Mohammed (Muhammad) #2"])
def test_the_ascii_shortcuts_agree_on_punctuated_names(text):
    from kem.vault.normalise import _fold_any, _words, _words_any

    assert _words(text) == _words_any(text)
    assert fold(text) == _fold_any(text)
