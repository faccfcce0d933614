"""Made-up beneficiaries for the demo (never real people): names in their own script and in Latin,
valid-looking AMKAs, a spread of nationalities, statuses and ages, so every page has something."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from stdnum import luhn

# (given, family, given Latin, family Latin, gender, nationality, languages)
PEOPLE = [
    ("محمد", "رحیمی", "Mohammad", "Rahimi", "male", "AF", ["fa", "prs"]),
    ("Fatima", "Ahmadi", "Fatima", "Ahmadi", "female", "AF", ["prs"]),
    ("أحمد", "الحسن", "Ahmad", "Al-Hassan", "male", "SY", ["ar"]),
    ("Amina", "Yusuf", "Amina", "Yusuf", "female", "SO", ["so", "ar"]),
    ("Χουσεΐν", "Καρίμι", "Hossein", "Karimi", "male", "IR", ["fa"]),
    ("Zahra", "Hosseini", "Zahra", "Hosseini", "female", "AF", ["fa"]),
    ("Olena", "Kovalenko", "Olena", "Kovalenko", "female", "UA", ["uk", "ru"]),
    ("Jean", "Mbala", "Jean", "Mbala", "male", "CD", ["fr", "ln"]),
    ("Mariam", "Tesfaye", "Mariam", "Tesfaye", "female", "ER", ["ti"]),
    ("Imran", "Khan", "Imran", "Khan", "male", "PK", ["ur", "pa"]),
    ("Aylin", "Demir", "Aylin", "Demir", "female", "TR", ["tr", "kmr"]),
    ("Youssef", "Haddad", "Youssef", "Haddad", "male", "SY", ["ar"]),
    ("Ραχίμα", "Σαλίμ", "Rahima", "Salim", "female", "IQ", ["ar", "ckb"]),
    ("Abdul", "Rahman", "Abdul", "Rahman", "male", "BD", ["bn"]),
    ("Grace", "Okafor", "Grace", "Okafor", "female", "NG", ["en"]),
    ("Moussa", "Diallo", "Moussa", "Diallo", "male", "SN", ["fr", "wo"]),
]
STATUSES = ["asylum_seeker", "refugee", "subsidiary_protection", "temporary_protection", "tcn_permit"]


def amka_for(birth: dt.date, serial: int) -> str:
    """A check-digit-valid AMKA beginning with ``birth`` (made up)."""
    base = f"{birth:%d%m%y}{serial:04d}"
    return base + luhn.calc_check_digit(base)


def demo_people(*, seed: int) -> list[dict[str, Any]]:
    """Registration data for the demo people of one centre (deterministic per ``seed``)."""
    rng = random.Random(seed)
    today = dt.date.today()
    people = []
    for n, (given, family, given_latin, family_latin, gender, nationality, languages) in enumerate(PEOPLE):
        birth = dt.date(rng.randint(1960, 2008), rng.randint(1, 12), rng.randint(1, 28))
        documents = [{"kind": "amka", "number": amka_for(birth, seed * 100 + n), "status": "valid"}]
        if n % 3 == 0:
            expires = today + dt.timedelta(days=rng.randint(5, 400))
            documents.append(
                {
                    "kind": "asylum_card",
                    "number": f"AS{seed}{n:04d}",
                    "issued_on": (expires.replace(year=expires.year - 1)).isoformat(),
                    "expires_on": expires.isoformat(),
                    "status": "valid",
                }
            )
        people.append(
            {
                "given_name": given,
                "family_name": family,
                "given_name_latin": given_latin,
                "family_name_latin": family_latin,
                "gender": gender,
                "date_of_birth": birth,
                "nationality": nationality,
                "languages": languages,
                "needs_interpreter": "el" not in languages,
                "legal_status": STATUSES[n % len(STATUSES)],
                "arrival_year": rng.randint(2015, today.year),
                "phone": f"+30697{seed:01d}{n:06d}"[:13],
                "documents": documents,
                "registration_date": today - dt.timedelta(days=rng.randint(0, 300)),
            }
        )
    return people
