"""Fixed root keys for the vault tests, and a way to register people quickly."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.db import connection

from kem import services
from kem.models import Beneficiary, Centre
from kem.vault import key_cache

KEY_A = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
KEY_B = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="


@pytest.fixture(autouse=True)
def root_key(settings) -> str:
    """Every vault test seals under KEY_A unless it changes the setting."""
    settings.KEM_ROOT_KEY = KEY_A
    settings.KEM_OLD_ROOT_KEYS = []
    return KEY_A


@pytest.fixture
def request_cache() -> Iterator[None]:
    """A key cache as a request would have one."""
    with key_cache():
        yield


@pytest.fixture
def centre(db) -> Centre:
    return services.centre_create(name_el="ΚΕΜ Πειραιά", name_en="KEM Piraeus", municipality="Πειραιάς")


@pytest.fixture
def register(centre):
    """register(given_name, family_name, **fields) -> a saved, validated Beneficiary."""

    def make(given_name: str, family_name: str, **fields: object) -> Beneficiary:
        person = Beneficiary(
            registering_centre=centre, given_name=given_name, family_name=family_name, **fields
        )
        person.full_clean()
        person.save()
        return person

    return make


@pytest.fixture
def full_person(register) -> Beneficiary:
    return register(
        "Μοχάμεντ",
        "Αλ-Χασάν",
        given_name_latin="Mohammed",
        family_name_latin="Al-Hassan",
        phone="+30 694 123 4567",
        date_of_birth=datetime.date(1990, 5, 17),
        id_numbers={"amka": "17059012345", "passport": "P1234567"},
        notes="Χρειάζεται διερμηνέα αραβικών.",
        birth_year=1990,
    )


def skip_unless_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (pg_dump of the test database); CI runs the suite on PostgreSQL too")
