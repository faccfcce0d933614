"""kem.0014 seals existing vulnerabilities and disability (rows and history rows) and writes the facts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kem.choices import Vulnerability
from kem.models import Beneficiary, SpecialCategoryFact
from kem.models.facts import DISABILITY, facts_of
from kem.vault import key_cache
from kem.vault.services import shred

BEFORE = [("kem", "0014_merge_record_moved_may_be_empty")]


def latest() -> list[tuple[str, str]]:
    """Every app's newest migration: where the test must leave the database for the tests after it."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def raw(table: str, column: str, pk) -> object:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE id = %s",  # noqa: S608
            [Beneficiary._meta.pk.get_db_prep_value(pk, connection)],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_rows_and_history_and_writes_facts_and_goes_back(register):
    kept = register("Amina", "Before", vulnerabilities=[Vulnerability.PREGNANT], disability=True)
    kept.notes = "edited"
    kept.save()  # a second history row
    plain = register("Omar", "Before")
    erased = register("Zara", "Before")
    with key_cache():
        shred(Beneficiary.objects.get(pk=erased.pk))

    old = migrate(BEFORE)
    # Going back opened the envelopes into the plaintext columns of 0013.
    people = old.get_model("kem", "Beneficiary").objects
    assert people.get(pk=kept.pk).vulnerabilities == [Vulnerability.PREGNANT]
    assert people.get(pk=kept.pk).disability is True
    assert people.get(pk=plain.pk).vulnerabilities == [] and people.get(pk=plain.pk).disability is False
    # Data as main kept it: plaintext, on the row and in history (also on a shredded person).
    people.filter(pk=kept.pk).update(vulnerabilities=[Vulnerability.VICTIM_OF_TRAFFICKING], disability=True)
    old.get_model("kem", "HistoricalBeneficiary").objects.filter(id=kept.pk).update(
        vulnerabilities=[Vulnerability.VICTIM_OF_TRAFFICKING]
    )
    people.filter(pk=erased.pk).update(vulnerabilities=[Vulnerability.SERIOUS_ILLNESS], disability=True)
    assert SpecialCategoryFact._meta.db_table not in connection.introspection.table_names()

    migrate(latest())

    with key_cache():
        kept = Beneficiary.objects.get(pk=kept.pk)
        assert (kept.vulnerabilities, kept.disability) == ([Vulnerability.VICTIM_OF_TRAFFICKING], True)
        history = list(kept.history.all())
        assert len(history) == 2
        assert all(h.instance.vulnerabilities == [Vulnerability.VICTIM_OF_TRAFFICKING] for h in history)
        plain = Beneficiary.objects.get(pk=plain.pk)
        assert (plain.vulnerabilities, plain.disability) == ([], False)
    for table in ("kem_beneficiary", "kem_historicalbeneficiary"):
        value = raw(table, "vulnerabilities", kept.pk)
        assert value.startswith("kem1:") and Vulnerability.VICTIM_OF_TRAFFICKING not in value
    # The shredded person's plaintext is gone, not sealed: there is no key to seal it with.
    assert raw("kem_beneficiary", "vulnerabilities", erased.pk) is None
    assert raw("kem_beneficiary", "disability", erased.pk) is None
    assert facts_of([kept.pk, plain.pk, erased.pk]) == {
        kept.pk: {Vulnerability.VICTIM_OF_TRAFFICKING, DISABILITY}
    }
