"""Normalised plaintext tokens for the vault's blind indexes (pure standard library).

Names, phones and ID numbers are stored encrypted; they are searched through keyed
HMACs of *normalised* values.  Anything that should match must normalise to the same
string *before* hashing, because an HMAC cannot be fuzzy.  This module only produces
those strings; it stores nothing and never sees a key.

fold()
    NFKC + casefold; diacritics stripped (the Greek dialytika is kept just long enough
    to stop a digraph forming: ``αϋ`` -> ``ay``, not ``av``); Greek transliterated per
    ELOT 743 / ISO 843 type 2; Arabic-script letters through a simple table; every
    other character becomes a space.  Output: ``[a-z0-9]`` words joined by single spaces.
    ELOT simplifications: ``μπ``/``ντ``/``γκ`` are ``b``/``d``/``g`` only at the start of
    a word (``mp``/``nt``/``gk`` elsewhere, also word-finally); an accent on the first
    vowel (``άυ``) is ignored, so ``αυ``/``ευ``/``ηυ`` always become ``av``/``af`` etc.
    Arabic script: consonants map to the common English-style romanisation (``خ`` kh,
    ``ش`` sh, ``ع`` dropped except word-initially, where it is ``a``); ``و``/``ي`` are
    ``w``/``y`` at a word start and ``u``/``i`` elsewhere; fatha/damma/kasra give a/u/i,
    other harakat are dropped.  Persian, Urdu, Pashto and Sorani letters are included.

phonetic_key()
    A key for ONE token that survives romanisation variants, in five steps:
    1. consonant spellings are unified: initial ``j/dj/tz/y/gi/i`` + vowel -> ``Y``;
       ``kh ch`` -> h, ``sh`` s, ``th`` t, ``dh`` d, ``gh`` g, ``ph`` f, ``c q`` k,
       ``x`` ks, ``w`` v; the Greek spellings of foreign b/d/g ``mp mb nt nd gk ng``;
    2. ``h`` is dropped after a consonant, between vowels and at the end (Greek has no
       /h/: Ιμπραήμ ~ Ibrahim, Μωχάμεντ ~ Mohammed);
    3. doubled letters collapse; a final ``d`` devoices to ``t`` (Αχμέτ ~ Ahmad);
    4. the key is the consonant skeleton, with the FIRST vowel kept as a class:
       ``o`` for o/u (rounded), ``a`` for a/e/i/y.  Later vowels are dropped because
       romanisations disagree most about them (Muhammad/Mohammed, Fatima/Fatemeh).
    5. a final ``i``/``y``/``ee`` after a consonant appends ``i``: the Persian/Afghan
       nisba surnames (Rahimi, Ahmadi, Hosseini) stay apart from the given names.
    The first-vowel class is what keeps Hussein (hosn) from Hassan (hasn) and Omar
    (omr) from Amir (amr).  Keys are recall aids: staff still see and confirm records.

Known limits (variants NOT unified):
    * first vowels a ~ o/u: Mehmet (mahmt) lands on Mahmoud, not on Mohammed (momt);
    * Arabic th ~ s (Othman/Osman/Usman), Greek gamma before e/i (Georgiou/Yeoryiou),
      Persian z for Arabic dh/d (Ramazan/Ramadan), Egyptian g for j (Gamal/Jamal);
    * unvocalised Arabic script has no short vowels, so it matches Latin forms only
      when a long vowel or alif carries the first vowel (احمد ~ Ahmad, not محمد);
    * scripts other than Latin, Greek and Arabic (Ge'ez for Tigrinya, Cyrillic) are
      not transliterated and fold to nothing; enter Latin spellings for them;
    * word-level only: a prefix of an ``ευ``/``αυ`` word may fold differently from the
      whole word (``Ευ`` -> ``ef`` but ``Ευάγγελος`` -> ``evangelos``).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "fold",
    "id_canonical",
    "loose_key",
    "name_tokens",
    "phone_digits",
    "phonetic_key",
    "prefix_keys",
    "prefixes",
]

# --- fold: tables ---------------------------------------------------------------------
# fmt: off
_GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o", "ϊ": "i", "ϋ": "y",
}
_ARABIC = {
    "ا": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "",
    "غ": "gh", "ف": "f", "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "u",
    "ي": "i", "ى": "a", "ة": "a", "ء": "", "\u0640": "",
    "\u064e": "a", "\u064f": "u", "\u0650": "i", "\u0670": "a",  # fatha, damma, kasra, dagger alif
    "پ": "p", "چ": "ch", "ژ": "zh", "ک": "k", "گ": "g", "ی": "i", "ۀ": "e",  # Persian
    "ٹ": "t", "ڈ": "d", "ڑ": "r", "ں": "n", "ھ": "h", "ہ": "h", "ے": "e",  # Urdu
    "ټ": "t", "ډ": "d", "ړ": "r", "ږ": "zh", "ښ": "sh", "ځ": "dz", "څ": "ts", "ڼ": "n", "ې": "e", "ۍ": "ai",
    "ڵ": "l", "ڕ": "r", "ۆ": "o", "ێ": "e", "ڤ": "v", "ە": "e",  # Sorani Kurdish
}
_LATIN = {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ı": "i", "ħ": "h", "ŋ": "n", "ə": "e"}
# fmt: on
_TABLE = str.maketrans({**_GREEK, **_ARABIC, **_LATIN})
_KEEP_MARKS = frozenset(k for k in _ARABIC if unicodedata.category(k) == "Mn")
_WORD_START = r"(?<![^\W\d_])(?<![\u064b-\u0652\u0670])"  # not after a letter or a haraka
_GREEK_INITIAL = re.compile(_WORD_START + "(μπ|ντ|γκ)")
_GREEK_INITIAL_LATIN = {"μπ": "b", "ντ": "d", "γκ": "g"}
_GREEK_AV = re.compile("([αεη])υ(?=[βγδζλμνραεηιουωϊϋ])")  # before voiced consonant / vowel
_GREEK_AF = re.compile("([αεη])υ")  # before voiceless consonant or at the end
_GREEK_NASAL = re.compile("γ(?=[γξχ])")  # γγ ng, γξ nx, γχ nch
_ARABIC_INITIAL = re.compile(_WORD_START + "([ويیع])")
_ARABIC_INITIAL_LATIN = {"و": "w", "ي": "y", "ی": "y", "ع": "a"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _strip_marks(text: str) -> str:
    """Drop combining marks, except dialytika on Greek ι/υ (it blocks digraphs) and harakat."""
    out: list[str] = []
    base = ""
    for ch in unicodedata.normalize("NFD", text):
        if not unicodedata.category(ch).startswith("M"):
            base = ch
            out.append(ch)
        elif ch in _KEEP_MARKS or (ch == "\u0308" and base in ("ι", "υ")):
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _ascii_digit(ch: str) -> str:
    """Any Unicode decimal digit (Arabic-Indic, Persian, ...) as ASCII; anything else a space."""
    value = unicodedata.decimal(ch, None)
    return " " if value is None else str(value)


def fold(text: str) -> str:
    """Fold a name to lowercase ASCII words so that Greek, Latin and Arabic spellings compare.

    Why: blind indexes match exactly, so case, accents, script and punctuation must
    be removed before hashing.  See the module docstring for the rules and limits.
    """
    if text.isascii():  # what _fold_any makes of ASCII, faster; most names searched are Latin
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    return _fold_any(text)


def _fold_any(text: str) -> str:
    text = _strip_marks(unicodedata.normalize("NFKC", text).casefold())
    text = _GREEK_INITIAL.sub(lambda m: _GREEK_INITIAL_LATIN[m.group(1)], text)
    text = _GREEK_AF.sub(r"\1φ", _GREEK_AV.sub(r"\1β", text))
    text = _GREEK_NASAL.sub("n", text.replace("ου", "ou"))
    text = _ARABIC_INITIAL.sub(lambda m: _ARABIC_INITIAL_LATIN[m.group(1)], text)
    text = "".join(ch if ch.isascii() else _ascii_digit(ch) for ch in text.translate(_TABLE))
    return _NON_ALNUM.sub(" ", text).strip()


# --- name tokens ----------------------------------------------------------------------
_JOINERS = frozenset("-‐‑‒–—'’ʼʻ`´")  # kept inside a word: its parts are also indexed joined
_ABD_WORD = re.compile(r"abd(?:ou|[aeiou])?[lr]?")  # a standalone "Abdul", "Abd", "Abdur"
_ABD_PREFIX = re.compile(r"abd(?:ou|[aeiou])?l?")  # joined: Abdul|rahman, Abdu|rrahman
_ALLAH = re.compile(r"abd[aeiou]*l+a+(?:c?hi?|i|ye)?")  # Abdullah, Abdallahi, Abdoulaye, Αμπντουλάχ
_ARTICLE = re.compile(r"[aeiou][lr]")  # al, el, ul, ar, ur ...
_GREEK_ABD = re.compile(r"^a(?:mp|b)(?:nt|d)")  # Αμπντουλ -> ampntoul -> abdoul
_JOIN_WITH_NEXT = frozenset({"al", "el", "abu", "abou"})


def _breaks_word(ch: str) -> bool:
    return ch.isspace() or (unicodedata.category(ch)[0] in "PSZ" and ch not in _JOINERS)


_ASCII_BREAKS = str.maketrans({chr(n): " " for n in range(128) if _breaks_word(chr(n))})


def _words(text: str) -> list[str]:
    """Split on spaces and punctuation, but not on hyphens or apostrophes."""
    if text.isascii():  # what _words_any makes of ASCII, faster
        return text.translate(_ASCII_BREAKS).split()
    return _words_any(text)


def _words_any(text: str) -> list[str]:
    chars = (" " if _breaks_word(ch) else ch for ch in text)
    return "".join(chars).split()


def _abd_extras(tokens: list[str], i: int) -> list[str]:
    """Extra tokens so that "Abdul Rahman", "Abdulrahman" and "Abd al-Rahman" share "rahman"/"abdrahman"."""
    if not tokens[i].startswith("a"):  # every form below starts with "a" (abd, amp-nt, ab-nt)
        return []
    token = _GREEK_ABD.sub("abd", tokens[i])
    if _ALLAH.fullmatch(token):
        return []
    if _ABD_WORD.fullmatch(token):
        rest = [t for t in tokens[i + 1 :] if not _ARTICLE.fullmatch(t)]
        return ["abd" + rest[0]] if rest else []
    match = _ABD_PREFIX.match(token)
    if not match or len(token) <= 6:
        return []
    stem = re.sub(r"^(.)\1", r"\1", token[match.end() :])  # assimilated article: Abdurrahman
    return [stem, "abd" + stem] if len(stem) >= 3 else []


def name_tokens(text: str) -> list[str]:
    """Folded name tokens (2+ chars, unique, in order) to index one by one.

    Why: a search for any part of a name must hit, whatever order or joining the
    front desk used, so hyphenated/apostrophised words are indexed as parts and
    joined ("Al-Hassan" -> al, hassan, alhassan), "al"/"abu" are joined with the next
    word, and "Abd al-X" name forms also yield "x" and "abdx".
    """
    words = [fold(word).split() for word in _words(text)]
    flat = [part for parts in words for part in parts]
    out: list[str] = []
    for parts in words:
        out += parts + (["".join(parts)] if len(parts) > 1 else [])
    for i, token in enumerate(flat):
        out += _abd_extras(flat, i)
        if token in _JOIN_WITH_NEXT and i + 1 < len(flat):
            out.append(token + flat[i + 1])
    return list(dict.fromkeys(t for t in out if len(t) >= 2))


def prefixes(token: str, *, min_len: int = 3, max_len: int = 12) -> list[str]:
    """Prefixes of ``token`` of length ``min_len``..``min(len(token), max_len)``, shortest first.

    Why: indexing prefixes lets staff find a record from the first letters of a name
    without a searchable plaintext column.  Too-short tokens give [] (the caller
    indexes whole tokens separately).
    """
    start = max(min_len, 1)
    return [token[:n] for n in range(start, min(len(token), max_len) + 1)]


# --- phonetic key ---------------------------------------------------------------------
# Greek γ before ε/ι is /j/ (Γεωργίου, Yeorgiou): an initial "ge" joins the Y-words.
_PK_INITIAL = re.compile(r"^(?:dj|tz|j|gi(?=[aeiou])|g(?=e)|i(?=[aeiou])|y(?=[aeiou]))")
# fmt: off
_PK_SPELLINGS = {
    "sh": "s", "kh": "h", "ch": "h", "zh": "z", "gh": "g", "ph": "f", "th": "t", "dh": "d",
    "tz": "j", "dj": "j", "ck": "k", "c": "k", "q": "k", "x": "ks", "w": "v",
    "mp": "b", "mb": "b", "nt": "d", "nd": "d", "gk": "g", "ng": "g",
}
# fmt: on
_PK_SPELLING = re.compile("|".join(sorted(_PK_SPELLINGS, key=len, reverse=True)))
_PK_SILENT_H = re.compile(r"(?<=[^aeiouy])h|h$|(?<=[aeiouy])h(?=[aeiouy])")
_PK_DOUBLE = re.compile(r"(.)\1+")
_PK_NISBA = re.compile(r"[^aeiouy](?:[iy]|ee)$")  # Rahimi, Ahmadi, Hosseini (not Rahim, Ahmad)
_VOWELS = frozenset("aeiouy")


def _skeleton(text: str) -> str:
    """Consonants in order, plus the first vowel as a class: "o" (o, u) or "a" (a, e, i, y)."""
    out: list[str] = []
    seen_vowel = False
    for ch in text:
        if ch not in _VOWELS:
            out.append(ch.lower())
        elif not seen_vowel:
            out.append("o" if ch in "ou" else "a")
            seen_vowel = True
    return "".join(out)


def _spelled(token: str) -> str:
    """Steps 1-3 of the key without the word-final rules: spellings unified, silent h dropped."""
    text = fold(token).replace(" ", "")
    text = _PK_INITIAL.sub("Y", text)
    text = _PK_SPELLING.sub(lambda m: _PK_SPELLINGS[m.group()], text)
    return _PK_DOUBLE.sub(r"\1", _PK_SILENT_H.sub("", text))


def phonetic_key(token: str) -> str:
    """Romanisation-tolerant key of ONE name token ("" if nothing is left).

    Why: the same Arabic, Persian or Greek name is spelled many ways (Mohammed,
    Muhammad, Μοχάμεντ), and an exact HMAC would miss them.  Algorithm and limits
    are in the module docstring.  Input is folded first; spaces are ignored.
    """
    text = re.sub("d$", "t", _spelled(token))
    return _skeleton(text) + ("i" if _PK_NISBA.search(text) else "")


# A typed prefix may stop inside a two-letter spelling (Μοχ|άμεντ, Αμπ|ντουλάχ, Kh|alil): its
# last letter may be the start of one, so the key is also made without it.
_DIGRAPH_STARTS = frozenset("cdgkmnpstz")


def prefix_keys(token: str) -> list[str]:
    """The loose keys a name starting with ``token`` may begin with (the longest first).

    "Yus" and "Γιο" give "yos" and "yo", prefixes of the loose key of Γιουσούφ and of Yusuf
    ("yosof"); "Αμπ" gives "ab" (μπ is b), a prefix of Αμπντουλάχ's "abdolah". A typed prefix may
    stop inside a two-letter spelling (Μοχ|άμεντ, Kh|alil), so the key is also made without its
    last letter when that letter may begin one.
    """
    text = fold(token).replace(" ", "")
    keys = [loose_key(text)]
    if len(text) > 1 and text[-1] in _DIGRAPH_STARTS:
        keys.append(loose_key(text[:-1]))
    return [k for k in dict.fromkeys(keys) if k]


def loose_key(token: str) -> str:
    """The spelling-unified token with every vowel kept as its class ("o" for o/u, "a" else).

    Ranks prefix matches: "Muh" ("moh") is closer to Μοχάμεντ ("mohamad") than to Mostafa,
    although all three keys start with "mo". Unlike the key, an h is kept (a typed prefix ending
    in h cannot tell whether it is silent).
    """
    text = _PK_INITIAL.sub("Y", fold(token).replace(" ", ""))
    text = _PK_SPELLING.sub(lambda m: _PK_SPELLINGS[m.group()], text)
    classes = "".join(("o" if ch in "ou" else "a") if ch in _VOWELS else ch for ch in text)
    return _PK_DOUBLE.sub(r"\1", classes).lower()


# --- phones and ID numbers ------------------------------------------------------------
_KEEP_TRUNK_ZERO = frozenset({"39"})  # Italy: the leading 0 is part of the number


def phone_digits(text: str, *, default_country: str = "30") -> str:
    """Digits-only E.164 without "+" ("" if fewer than 7 digits).

    Why: one canonical string per number for the blind index; validation is done
    elsewhere with ``phonenumbers``.  "+" or "00" means international (a "(0)" after
    the country code is dropped); otherwise one trunk "0" is dropped and
    ``default_country`` prefixed, unless the digits already start with it and are
    longer than a national number (Greek numbers are 10 digits, e.g. 69x mobiles).
    """
    text = "".join(
        ch if ch.isascii() else _ascii_digit(ch) for ch in unicodedata.normalize("NFKC", text)
    ).strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) < 7:
        return ""
    if text.startswith("+") or digits.startswith("00"):
        return re.sub(r"\D", "", re.sub(r"\(\s*0\s*\)", "", text)).removeprefix("00")
    if digits.startswith(default_country) and len(digits) > 10:
        return digits
    if default_country not in _KEEP_TRUNK_ZERO:
        digits = digits.removeprefix("0")
    return default_country + digits


_LOOKALIKES = str.maketrans(  # Greek, then Cyrillic capitals that look Latin
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ" + "АВЕКМНОРСТХІЈЅ",
    "ABEZHIKMNOPTYX" + "ABEKMHOPCTXIJS",
)


def id_canonical(text: str) -> str:
    """Canonical ID-document number: uppercase, Latin look-alikes, alphanumerics only.

    Why: AMKA, AFM, PAAYPA, asylum-card, passport and permit numbers are typed with
    spaces, dots, dashes or slashes, and Greek or Cyrillic capitals that look Latin
    (Greek "ΑΒ123" vs Latin "AB123").  Accents and every non-alphanumeric are removed.
    """
    text = _strip_marks(unicodedata.normalize("NFKC", text).upper()).translate(_LOOKALIKES)
    return "".join(
        ch if ch.isascii() else _ascii_digit(ch) if ch.isdecimal() else ch for ch in text if ch.isalnum()
    )
