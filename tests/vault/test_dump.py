"""A full pg_dump of the database holds none of the personal data that was registered."""

from __future__ import annotations

import random

import pytest

from kem.models import Beneficiary
from tests.vault.conftest import skip_unless_postgres
from tests.vault.test_shred import pg_dump

GIVEN = ["Mohammed", "Fatemeh", "Hussein", "Zainab", "Γιώργος", "Μαρίνα", "Abdulrahman", "Mariam"]
FAMILY = ["Haidari", "Rahimzadeh", "Karimova", "Νικολαΐδης", "Al-Tamimi", "Yusufzai", "Παπαδόπουλος"]


def seed(centre, count: int = 200) -> list[list[str]]:
    """Register ``count`` people; return the strings that must never appear in a dump."""
    rng = random.Random(20261122)
    secrets = []
    for number in range(count):
        suffix = "".join(rng.choice("bcdfghklmnprstvz") for _ in range(3))
        person = Beneficiary(
            registering_centre=centre,
            given_name=f"{rng.choice(GIVEN)}",
            family_name=f"{rng.choice(FAMILY)}{suffix}",
            family_name_latin=f"Latin{suffix}{number:03d}",
            phone=f"69{rng.randrange(10**7, 10**8)}",
            id_numbers={
                "amka": f"{rng.randrange(10**10, 10**11)}",
                "passport": f"P{rng.randrange(10**6, 10**7)}",
            },
            notes=f"Σημείωση-{suffix}-{number:03d}",
        )
        person.full_clean()
        person.save()
        secrets.append(
            [
                person.family_name,
                person.family_name_latin,
                person.phone,
                person.id_numbers["amka"],
                person.id_numbers["passport"],
                person.notes,
            ]
        )
    return secrets


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pg_dump_contains_no_registered_name_phone_or_id(centre, tmp_path):
    skip_unless_postgres()
    secrets = seed(centre)
    dump_path = tmp_path / "full.sql"
    pg_dump(dump_path)
    dump = dump_path.read_text(encoding="utf-8")
    assert dump.count("kem1:") >= 200 * 7 * 2  # rows and history rows, sealed
    lowered = dump.casefold()
    leaked = [s for person in secrets for s in person if s.casefold() in lowered]
    assert leaked == []
    assert "Σημείωση".casefold() not in lowered
