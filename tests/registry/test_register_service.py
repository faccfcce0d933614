"""Registering a person: validation, derived fields, and the duplicate check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kem import services
from kem.models import Beneficiary, DuplicateDecision
from kem.models.beneficiaries import PLAIN_FIELDS, SEALED_FIELDS, SITUATION_FIELDS, SPECIAL_CATEGORY_FIELDS
from kem.vault.fields import SealedField

pytestmark = pytest.mark.django_db

AMKA = "01013099997"  # valid check digit, born 01/01/1930


def test_registering_derives_birth_year_id_numbers_and_next_expiry(register):
    person = register(
        date_of_birth=dt.date(1930, 1, 1),
        documents=[
            {"kind": "amka", "number": AMKA, "status": "valid"},
            {"kind": "asylum_card", "number": "AB123", "expires_on": "2031-05-01", "status": "valid"},
            {"kind": "passport", "number": "P9", "expires_on": "2030-01-01", "status": "valid"},
        ],
    )

    person.refresh_from_db()
    assert person.birth_year == 1930
    assert person.id_numbers == {"amka": AMKA, "asylum_card": "AB123", "passport": "P9"}
    assert person.next_document_expiry == dt.date(2030, 1, 1)


def test_the_same_amka_is_a_hard_stop(register, officer, athens):
    register(documents=[{"kind": "amka", "number": AMKA}])

    with pytest.raises(services.DuplicateFound) as caught:
        services.beneficiary_register(
            centre=athens,
            by=officer,
            data={
                "given_name": "Άλλη",
                "family_name": "Γυναίκα",
                "documents": [{"kind": "amka", "number": AMKA}],
            },
        )

    assert caught.value.code == "duplicate_id"
    assert len(caught.value.check.same_id) == 1
    assert Beneficiary.objects.count() == 1


def test_an_amka_registered_at_another_centre_stops_without_being_openable(
    register, officer, athens, thessaloniki, make_staff
):
    register(centre=thessaloniki, documents=[{"kind": "amka", "number": AMKA}])

    with pytest.raises(services.DuplicateFound) as caught:
        services.beneficiary_register(
            centre=athens,
            by=officer,
            data={
                "given_name": "Νέα",
                "family_name": "Εγγραφή",
                "documents": [{"kind": "amka", "number": AMKA}],
            },
        )

    assert len(caught.value.check.same_id) == 1
    assert caught.value.check.visible_same_id == []


def test_a_name_in_latin_script_finds_the_greek_spelling_with_the_same_birth_year(register, officer, athens):
    existing = register(given_name="Μοχάμεντ", family_name="Ραχίμι", birth_year=1990)

    with pytest.raises(services.DuplicateFound) as caught:
        services.beneficiary_register(
            centre=athens,
            by=officer,
            data={"given_name": "Mohammad", "family_name": "Rahimi", "birth_year": 1990},
        )

    assert caught.value.code == "possible_duplicates"
    assert [p.pk for p in caught.value.check.similar] == [existing.pk]


def test_a_different_birth_year_is_not_a_candidate(register, officer, athens):
    register(given_name="Μοχάμεντ", family_name="Ραχίμι", birth_year=1990)

    person = services.beneficiary_register(
        centre=athens,
        by=officer,
        data={"given_name": "Mohammad", "family_name": "Rahimi", "birth_year": 1970},
    )

    assert person.pk


def test_dismissing_a_candidate_registers_and_records_the_decision(register, officer, athens):
    existing = register(given_name="Ahmad", family_name="Karimi", birth_year=2001)

    person = services.beneficiary_register(
        centre=athens,
        by=officer,
        data={"given_name": "Ahmed", "family_name": "Karimi", "birth_year": 2001},
        decisions={str(existing.pk): "different"},
    )

    decision = DuplicateDecision.objects.get(beneficiary=person)
    assert decision.candidate_id == existing.pk and decision.decided_by == officer


def test_a_decision_about_someone_the_check_did_not_propose_is_not_recorded(register, officer, athens):
    existing = register(given_name="Ahmad", family_name="Karimi", birth_year=2001)
    unrelated = register(given_name="Ελένη", family_name="Παππά", birth_year=1970)

    person = services.beneficiary_register(
        centre=athens,
        by=officer,
        data={"given_name": "Ahmed", "family_name": "Karimi", "birth_year": 2001},
        decisions={str(existing.pk): "different", str(unrelated.pk): "different"},
    )

    assert list(
        DuplicateDecision.objects.filter(beneficiary=person).values_list("candidate_id", flat=True)
    ) == [existing.pk]


def test_confirming_the_same_person_does_not_register(register, officer, athens):
    existing = register(given_name="Ahmad", family_name="Karimi", birth_year=2001)

    with pytest.raises(services.DuplicateFound):
        services.beneficiary_register(
            centre=athens,
            by=officer,
            data={"given_name": "Ahmed", "family_name": "Karimi", "birth_year": 2001},
            decisions={str(existing.pk): "same"},
        )
    assert Beneficiary.objects.count() == 1


def test_the_service_validates_too(officer, athens):
    with pytest.raises(ValidationError):
        services.beneficiary_register(centre=athens, by=officer, data={"given_name": "", "family_name": "X"})


def test_history_records_the_officer(register, officer):
    person = register()

    assert person.history.first().history_user == officer


def test_the_shared_field_lists_keep_sealed_data_apart_from_plain_categories():
    # The API logs a read of the SEALED_FIELDS it returns: a sealed field listed as plain would
    # be shown without a trace.
    sealed = {f.name for f in Beneficiary._meta.concrete_fields if isinstance(f, SealedField)}
    plain = {f.name for f in Beneficiary._meta.concrete_fields} - sealed

    assert set(SEALED_FIELDS) <= sealed
    assert set(PLAIN_FIELDS) <= plain
    assert set(SITUATION_FIELDS) <= set(PLAIN_FIELDS) | set(SPECIAL_CATEGORY_FIELDS)
    # Special-category data (GDPR art. 9) is sealed, never a plain category.
    assert set(SPECIAL_CATEGORY_FIELDS) <= set(SEALED_FIELDS)
