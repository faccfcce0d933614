"""Spreadsheets for the import tests and the benchmark: Greek and Latin names, valid AMKAs, phones, dates."""

from __future__ import annotations

import datetime as dt
import io
import random

from openpyxl import Workbook
from stdnum import luhn

HEADERS = [
    "Όνομα",
    "Επώνυμο",
    "Given name (Latin)",
    "Family name (Latin)",
    "Φύλο",
    "Ημ. γέννησης",
    "ΑΜΚΑ",
    "Τηλέφωνο",
    "Nationality",
    "Languages",
    "Διερμηνέας",
]
MAPPING = {
    "Όνομα": "given_name",
    "Επώνυμο": "family_name",
    "Given name (Latin)": "given_name_latin",
    "Family name (Latin)": "family_name_latin",
    "Φύλο": "gender",
    "Ημ. γέννησης": "date_of_birth",
    "ΑΜΚΑ": "amka_number",
    "Τηλέφωνο": "phone",
    "Nationality": "nationality",
    "Languages": "languages",
    "Διερμηνέας": "needs_interpreter",
}
GREEK = [
    ("Μαρία", "Maria"),
    ("Αχμέτ", "Ahmet"),
    ("Φατιμά", "Fatima"),
    ("Γιούσεφ", "Yusuf"),
    ("Λεϊλά", "Leila"),
]
FAMILY = [("Ραχίμι", "Rahimi"), ("Καρίμι", "Karimi"), ("Χουσεΐνι", "Husseini"), ("Αχμαντί", "Ahmadi")]
COUNTRIES = ["SY", "Afghanistan", "Αφγανιστάν", "IRQ", "Iraq"]


def amka(born: dt.date, serial: int) -> str:
    """A valid AMKA: the birth date (DDMMYY), four digits, a Luhn check digit."""
    first = f"{born:%d%m%y}{serial % 10000:04d}"
    return first + luhn.calc_check_digit(first)


def person_row(n: int, rng: random.Random | None = None) -> list:
    """A valid row; ``n`` makes the AMKA and the name unique."""
    rng = rng or random.Random(n)
    given, given_latin = GREEK[n % len(GREEK)]
    family, family_latin = FAMILY[(n // len(GREEK)) % len(FAMILY)]
    born = dt.date(1950, 1, 1) + dt.timedelta(
        days=(n * 37) % 17800
    )  # before 2000: see the report on AMKA centuries
    return [
        given,
        f"{family}{n}" if n >= 20 else family,
        given_latin,
        f"{family_latin}{n}" if n >= 20 else family_latin,
        rng.choice(["F", "M", "Γυναίκα", "male"]),
        dt.datetime.combine(born, dt.time()),
        amka(born, n),
        f"69{n % 100000000:08d}",
        COUNTRIES[n % len(COUNTRIES)],
        "ar, en" if n % 2 else "fa",
        "ναι" if n % 3 else "no",
    ]


def xlsx_bytes(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
