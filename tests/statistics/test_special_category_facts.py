"""Special-category data (vulnerabilities, disability): sealed on the person, counted as facts.

The ESF+ disability indicator reads pseudonymous facts instead of a plaintext column; these tests
hold it to what opening every participant's sealed value says (the figure the plaintext column
gave before), on a known cohort and on the statistics demo, across merges and shredding.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from bench.imports.sheets import HEADERS, MAPPING, person_row, xlsx_bytes
from kem import services
from kem.choices import Vulnerability
from kem.models import Beneficiary, ImportJob, ImportStatus, Role, SpecialCategoryFact
from kem.models.facts import DISABILITY, PERSON_LABEL, facts_of, rewrite_facts
from kem.services.people import beneficiary_merge
from kem.vault import key_cache
from kem.vault.pseudonyms import pseudonym
from kem.vault.services import shred
from reports.demo import seed_statistics_demo
from reports.esf import _participants_sql, esf_indicators
from reports.types import Scope

pytestmark = pytest.mark.django_db

ALL_CODES = [code for code, _label in Vulnerability.choices]


def _esf(centres, start, end) -> dict[str, int]:
    table = esf_indicators(Scope(centre_ids=tuple(c.pk for c in centres), start=start, end=end))
    hidden = {code: values[0] for code, values in table.hidden_rows}
    shown = {code: row[0] for (code, _label), row in zip(table.rows, table.counts, strict=True)}
    return {**shown, **hidden}


def _opened_disability(centres, start, end) -> tuple[int, int]:
    """(participants, with a disability) by opening every participant's sealed value."""
    sql, params = _participants_sql(Scope(centre_ids=tuple(c.pk for c in centres), start=start, end=end))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT x.pid FROM ({sql}) x", params)  # noqa: S608
        ids = [row[0] for row in cursor.fetchall()]
    with key_cache():
        people = Beneficiary.objects.in_bulk([str(pk) for pk in ids])
        return len(ids), sum(1 for person in people.values() if person.disability)


def _raw(person, column):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {Beneficiary._meta.db_table} WHERE id = %s",  # noqa: S608
            [Beneficiary._meta.pk.get_db_prep_value(person.pk, connection)],
        )
        return cursor.fetchone()[0]


# --- on the person ------------------------------------------------------------------------------
def test_vulnerabilities_and_disability_are_envelopes_of_one_length(make_person):
    none = make_person(vulnerabilities=[], disability=False)
    every = make_person(vulnerabilities=ALL_CODES, disability=True)

    rows = {column: (_raw(none, column), _raw(every, column)) for column in ("vulnerabilities", "disability")}

    for column, (a, b) in rows.items():
        assert a.startswith("kem1:") and b.startswith("kem1:"), column
        # Equal lengths: the envelope does not tell "nothing recorded" from "everything".
        assert len(a) == len(b), column
        for code in ALL_CODES:
            assert code not in a and code not in b
    every = Beneficiary.objects.get(pk=every.pk)
    assert (every.vulnerabilities, every.disability) == (ALL_CODES, True)
    assert Beneficiary.objects.get(pk=none.pk).disability is False


def test_facts_follow_registration_and_edits_and_hold_no_person_id(make_person, officer):
    person = make_person(vulnerabilities=[Vulnerability.VICTIM_OF_TRAFFICKING], disability=True)
    assert facts_of([person.pk]) == {person.pk: {Vulnerability.VICTIM_OF_TRAFFICKING, DISABILITY}}

    services.beneficiary_update(
        beneficiary=person,
        by=officer,
        data={"vulnerabilities": [Vulnerability.SERIOUS_ILLNESS], "disability": False},
    )
    assert facts_of([person.pk]) == {person.pk: {Vulnerability.SERIOUS_ILLNESS}}

    services.beneficiary_update(beneficiary=person, by=officer, data={"vulnerabilities": []})
    assert facts_of([person.pk]) == {}
    assert SpecialCategoryFact.objects.count() == 0

    services.beneficiary_update(beneficiary=person, by=officer, data={"disability": True})
    (fact,) = SpecialCategoryFact.objects.all()
    assert fact.pseudonym == pseudonym(PERSON_LABEL, person.pk)
    stored = " ".join(
        str(v) for v in SpecialCategoryFact.objects.values_list("id", "pseudonym", "category")[0]
    )
    assert str(person.pk) not in stored and person.pk.hex not in stored


def test_an_edit_of_other_fields_leaves_the_facts_alone(make_person, officer):
    person = make_person(vulnerabilities=[Vulnerability.PREGNANT])
    before = list(SpecialCategoryFact.objects.values_list("id", flat=True))

    services.beneficiary_update(beneficiary=person, by=officer, data={"municipality": "Πειραιάς"})
    assert list(SpecialCategoryFact.objects.values_list("id", flat=True)) == before

    # The edit form sends every field again: the same values keep the same rows.
    services.beneficiary_update(
        beneficiary=person,
        by=officer,
        data={"vulnerabilities": [Vulnerability.PREGNANT], "disability": False},
    )
    assert list(SpecialCategoryFact.objects.values_list("id", flat=True)) == before


def test_an_import_writes_the_facts(client, manager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(manager)
    headers = [*HEADERS, "Ευαλωτότητες", "Αναπηρία"]
    rows = [
        [*person_row(1), "victim_of_trafficking; pregnant", "ναι"],
        [*person_row(2), "", "όχι"],
    ]
    mapping = {**MAPPING, "Ευαλωτότητες": "vulnerabilities", "Αναπηρία": "disability"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            reverse("import-upload"), {"file": SimpleUploadedFile("p.xlsx", xlsx_bytes(rows, headers))}
        )
    job = ImportJob.objects.latest("pk")
    data = {f"col_{i}": mapping.get(header, "") for i, header in enumerate(job.headers)}
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("import-mapping", kwargs={"pk": job.pk}), data)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("import-run", kwargs={"pk": job.pk}), {"mode": "all_or_nothing"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.imported_rows == 2

    people = {p.id_numbers["amka"]: p for p in Beneficiary.objects.all()}
    first, second = people[person_row(1)[6]], people[person_row(2)[6]]
    assert first.vulnerabilities == [Vulnerability.VICTIM_OF_TRAFFICKING, Vulnerability.PREGNANT]
    assert first.disability is True and second.disability is False
    assert facts_of([first.pk, second.pk]) == {
        first.pk: {Vulnerability.VICTIM_OF_TRAFFICKING, Vulnerability.PREGNANT, DISABILITY}
    }


# --- merges -------------------------------------------------------------------------------------
def test_a_merge_gives_the_survivor_the_union_and_counts_the_person_once(
    make_person, manager, athens, held_session
):
    survivor = make_person(registered=dt.date(2025, 2, 1), vulnerabilities=[Vulnerability.SINGLE_PARENT])
    duplicate = make_person(
        registered=dt.date(2025, 3, 1),
        vulnerabilities=[Vulnerability.SURVIVOR_OF_VIOLENCE, Vulnerability.SINGLE_PARENT],
        disability=True,
    )
    held_session(duplicate, dt.date(2025, 3, 2))  # something to move (a bare duplicate is another issue)
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert _esf([athens], *year)["participants"] == 2
    assert _esf([athens], *year)["disability"] == 1

    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)

    survivor = Beneficiary.objects.get(pk=survivor.pk)
    assert survivor.vulnerabilities == [Vulnerability.SINGLE_PARENT, Vulnerability.SURVIVOR_OF_VIOLENCE]
    assert survivor.disability is True
    assert facts_of([survivor.pk, duplicate.pk]) == {
        survivor.pk: {Vulnerability.SINGLE_PARENT, Vulnerability.SURVIVOR_OF_VIOLENCE, DISABILITY}
    }
    assert SpecialCategoryFact.objects.count() == 3
    figures = _esf([athens], *year)
    assert (figures["participants"], figures["disability"], figures["no_disability"]) == (1, 1, 0)


# --- the demo: the same figures as opening everyone -----------------------------------------------
def test_esf_disability_on_the_demo_equals_opening_every_participant(
    athens, thessaloniki, officer, make_staff
):
    seed_statistics_demo(athens, officer, size=160)
    seed_statistics_demo(thessaloniki, make_staff(Role.FRONT_DESK, thessaloniki), size=120)
    with key_cache():
        everyone = list(Beneficiary.objects.all())
        with_disability = {p.pk for p in everyone if p.disability}
        with_any = {
            p.pk: set(p.vulnerabilities) | ({DISABILITY} if p.disability else set()) for p in everyone
        }
    assert with_disability, "the demo should hold people with a disability"
    assert facts_of([p.pk for p in everyone]) == {pk: found for pk, found in with_any.items() if found}

    today = dt.date.today()
    periods = [
        (dt.date(today.year - 2, 1, 1), today),
        (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)),
        (dt.date(today.year, 1, 1), today),
    ]
    checked = 0
    for centres in ([athens], [thessaloniki], [athens, thessaloniki]):
        for start, end in periods:
            figures = _esf(centres, start, end)
            participants, disabled = _opened_disability(centres, start, end)
            assert figures["participants"] == participants
            assert (figures["disability"], figures["no_disability"]) == (disabled, participants - disabled)
            checked += disabled
    assert checked > 0


# --- erasure ------------------------------------------------------------------------------------
def test_shredding_keeps_past_statistics_identical(make_person, athens, officer):
    people = [
        make_person(
            registered=dt.date(2025, 2, n), disability=n % 2 == 0, vulnerabilities=[Vulnerability.ELDERLY]
        )
        for n in range(1, 9)
    ]
    year = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    before = _esf([athens], *year)
    facts_before = sorted(SpecialCategoryFact.objects.values_list("pseudonym", "category"))

    with key_cache():
        shred(Beneficiary.objects.get(pk=people[1].pk))
    # Saving the shredded record again (an erasure workflow touching the row) changes nothing.
    Beneficiary.objects.get(pk=people[1].pk).save()

    assert _esf([athens], *year) == before
    assert sorted(SpecialCategoryFact.objects.values_list("pseudonym", "category")) == facts_before


def test_the_rewrite_keeps_every_fact_and_gives_them_pseudonym_order(make_person):
    for n in range(6):
        make_person(vulnerabilities=[Vulnerability.PREGNANT], disability=bool(n % 2))
    before = sorted(SpecialCategoryFact.objects.values_list("pseudonym", "category"))
    old_ids = set(SpecialCategoryFact.objects.values_list("id", flat=True))

    assert rewrite_facts() == len(before) == 9

    assert sorted(SpecialCategoryFact.objects.values_list("pseudonym", "category")) == before
    assert not old_ids & set(SpecialCategoryFact.objects.values_list("id", flat=True))


def test_rebuild_restores_lost_facts_from_the_sealed_values(make_person):
    kept = make_person(vulnerabilities=[Vulnerability.UNACCOMPANIED_MINOR], disability=True)
    make_person()
    erased = make_person(vulnerabilities=[Vulnerability.SERIOUS_ILLNESS])
    with key_cache():
        shred(Beneficiary.objects.get(pk=erased.pk))
    expected = sorted(SpecialCategoryFact.objects.values_list("pseudonym", "category"))
    # Lost (a restore without them), plus a stray fact of nobody's.
    SpecialCategoryFact.objects.exclude(pseudonym=pseudonym(PERSON_LABEL, erased.pk)).delete()
    SpecialCategoryFact.objects.create(pseudonym=pseudonym(PERSON_LABEL, kept.pk), category="pregnant")
    out = StringIO()

    call_command("special_facts", "--rebuild", "--batch-size", "2", stdout=out)

    assert sorted(SpecialCategoryFact.objects.values_list("pseudonym", "category")) == expected
    assert "Rebuilt the facts of 2 people: 3 facts." in out.getvalue()
