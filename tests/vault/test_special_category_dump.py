"""A pg_dump of a seeded database ties no special-category value to a person row."""

from __future__ import annotations

import re
import uuid

import pytest

from kem.choices import Vulnerability
from kem.models import Beneficiary, Role, SpecialCategoryFact
from kem.models.facts import DISABILITY, PERSON_LABEL, rewrite_facts
from kem.vault.pseudonyms import pseudonym
from reports.demo import seed_statistics_demo
from tests.factories import staff
from tests.vault.conftest import skip_unless_postgres
from tests.vault.test_shred import pg_dump

CODES = [code for code, _label in Vulnerability.choices]
COPY = re.compile(r"^COPY (?P<table>\S+) \((?P<columns>[^)]*)\) FROM stdin;$")


def copy_blocks(dump: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    """{table: (columns, rows)} of every COPY block of a plain-format dump."""
    blocks: dict[str, tuple[list[str], list[list[str]]]] = {}
    lines = iter(dump.splitlines())
    for line in lines:
        match = COPY.match(line)
        if not match:
            continue
        columns = [c.strip().strip('"') for c in match["columns"].split(",")]
        rows = []
        for row in lines:
            if row == "\\.":
                break
            rows.append(row.split("\t"))
        blocks[match["table"].split(".")[-1].strip('"')] = (columns, rows)
    return blocks


def holds_a_person(table: str, columns: list[str], person_ids: set[str], row: list[str]) -> bool:
    """Whether ``row`` names a person: a person id anywhere in it, or a key or foreign key of one."""
    if table in {"kem_beneficiary", "kem_historicalbeneficiary"}:
        return True
    if any(c.endswith("beneficiary_id") or c in {"person_key_id", "subject_id"} for c in columns):
        return True
    return any(cell in person_ids for cell in row)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pg_dump_ties_no_vulnerability_or_disability_to_a_person_row(centre, tmp_path):
    skip_unless_postgres()
    officer = staff(role=Role.FRONT_DESK, centre=centre)
    seed_statistics_demo(centre, officer, size=120)
    # And one person with every category, edited once (a history row of each version).
    person = Beneficiary(registering_centre=centre, given_name="Amina", family_name="Dumpcheck")
    person.vulnerabilities, person.disability = list(CODES), True
    person.save()
    person.vulnerabilities = [Vulnerability.ELDERLY]
    person.save()
    assert SpecialCategoryFact.objects.filter(category=DISABILITY).exists()

    dump_path = tmp_path / "full.sql"
    pg_dump(dump_path)
    blocks = copy_blocks(dump_path.read_text(encoding="utf-8"))

    person_ids = {str(pk) for pk in Beneficiary.objects.values_list("pk", flat=True)}
    assert len(blocks["kem_beneficiary"][1]) == len(person_ids) >= 121
    tied = []
    for table, (columns, rows) in blocks.items():
        for row in rows:
            if not holds_a_person(table, columns, person_ids, row):
                continue
            text = "\t".join(row)
            tied += [(table, code) for code in CODES if code in text]
    assert tied == []

    # The person rows hold envelopes of one length in both columns, never true/false or a list.
    for table in ("kem_beneficiary", "kem_historicalbeneficiary"):
        columns, rows = blocks[table]
        for column in ("vulnerabilities", "disability"):
            values = {row[columns.index(column)] for row in rows}
            assert all(v.startswith("kem1:") for v in values), (table, column)
            assert len({len(v) for v in values}) == 1, (table, column)

    # The facts: a random id, a pseudonym that is no person id, a category; nothing else.
    columns, rows = blocks["kem_specialcategoryfact"]
    assert columns == ["id", "pseudonym", "category"]
    assert rows and not {cell for row in rows for cell in row} & person_ids
    assert {row[2] for row in rows} <= {*CODES, DISABILITY}
    assert all(uuid.UUID(row[0]) and len(row[1]) == 64 for row in rows)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_after_the_nightly_rewrite_a_dump_lists_facts_in_pseudonym_order_not_registration_order(
    centre, tmp_path
):
    skip_unless_postgres()
    people = []
    for number in range(12):
        person = Beneficiary(registering_centre=centre, given_name="Order", family_name=f"Check{number}")
        person.disability = True
        person.save()
        people.append(person)

    def dumped_pseudonyms() -> list[str]:
        dump_path = tmp_path / "facts.sql"
        pg_dump(dump_path, "--table=kem_specialcategoryfact")
        return [
            row[1] for row in copy_blocks(dump_path.read_text(encoding="utf-8"))["kem_specialcategoryfact"][1]
        ]

    by_registration = [pseudonym(PERSON_LABEL, p.pk) for p in people]
    assert dumped_pseudonyms() == by_registration  # appended as people were saved: what the rewrite is for

    rewrite_facts()

    assert dumped_pseudonyms() == sorted(by_registration)
