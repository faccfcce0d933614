"""Sealed model fields: round trips, binding to row and column, lookups, key cache."""

from __future__ import annotations

import datetime
import pickle
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kem.models import Beneficiary
from kem.vault import key_cache
from kem.vault.errors import SealedLookupError, TamperedError, VaultError

pytestmark = pytest.mark.django_db


def raw_row(person: Beneficiary, *columns: str) -> tuple:
    table = connection.ops.quote_name(Beneficiary._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {names} FROM {table} WHERE id = %s",  # noqa: S608 - quoted identifiers
            [person.pk.hex if connection.vendor == "sqlite" else person.pk],
        )
        return cursor.fetchone()


def write_raw(person: Beneficiary, column: str, value: str) -> None:
    Beneficiary.objects.filter(pk=person.pk).update(**{f"{column}_sealed": value})


def test_every_field_type_round_trips(full_person):
    person = Beneficiary.objects.get(pk=full_person.pk)
    assert person.given_name == "Μοχάμεντ"
    assert person.family_name_latin == "Al-Hassan"
    assert person.phone == "+30 694 123 4567"
    assert person.date_of_birth == datetime.date(1990, 5, 17)
    assert person.id_numbers == {"amka": "17059012345", "passport": "P1234567"}
    assert person.notes == "Χρειάζεται διερμηνέα αραβικών."


def test_database_holds_envelopes_only(full_person):
    for value in raw_row(full_person, "given_name", "phone", "date_of_birth", "id_numbers", "notes"):
        assert value.startswith("kem1:")
    assert "Μοχάμεντ" not in repr(raw_row(full_person, "given_name"))


def test_none_is_stored_as_null_and_isnull_works(register):
    person = register("Ali", "Rezai")
    assert raw_row(person, "date_of_birth") == (None,)
    assert Beneficiary.objects.filter(date_of_birth__isnull=True).count() == 1
    assert Beneficiary.objects.get(pk=person.pk).date_of_birth is None


def test_changing_a_value_reseals_it(full_person):
    before = raw_row(full_person, "notes")[0]
    full_person.notes = "Νέα σημείωση"
    full_person.save()
    assert raw_row(full_person, "notes")[0] != before
    assert Beneficiary.objects.get(pk=full_person.pk).notes == "Νέα σημείωση"


def test_json_changed_in_place_is_saved(full_person):
    person = Beneficiary.objects.get(pk=full_person.pk)
    person.id_numbers["afm"] = "123456789"
    person.save()
    assert Beneficiary.objects.get(pk=full_person.pk).id_numbers["afm"] == "123456789"


def test_envelope_moved_to_another_person_raises(register):
    first, second = register("Ahmad", "Karimi"), register("Omar", "Haidari")
    write_raw(second, "family_name", raw_row(first, "family_name")[0])
    # The header names the key generation only, which both share: the tag check refuses it.
    with pytest.raises(TamperedError):
        _ = Beneficiary.objects.get(pk=second.pk).family_name


def test_envelopes_do_not_link_a_persons_values(register):
    """Every person's envelopes carry the same header: nothing in them ties values to one key."""
    first, second = register("Ahmad", "Karimi"), register("Omar", "Haidari")
    headers = {raw_row(p, f)[0].rsplit(":", 1)[0] for p in (first, second) for f in ("family_name",)}
    assert headers == {"kem1:g1"}


def test_envelopes_named_by_the_key_hash_still_open(register):
    """Values sealed before key generations (header: a hash of the data key) open until re-keyed."""
    from kem.vault import crypto

    person = register("Ahmad", "Karimi")
    data_key = person.person_key.unwrap()
    legacy = crypto.Sealer.for_key(data_key, info=crypto.INFO_SEAL)
    assert legacy.kid == crypto.key_id(data_key)
    column = Beneficiary._meta.get_field("family_name")
    write_raw(person, "family_name", legacy.seal(b"Karimi", context=column.context(person)))
    assert Beneficiary.objects.get(pk=person.pk).family_name == "Karimi"


def test_envelope_moved_to_another_row_of_the_same_person_key_raises(register):
    person = register("Ahmad", "Karimi")
    clone = Beneficiary.objects.get(pk=person.pk)
    clone.pk = None
    clone.id = uuid.uuid4()
    clone.family_name_sealed = raw_row(person, "family_name")[0]
    with pytest.raises(TamperedError):
        _ = clone.family_name


def test_envelope_moved_to_another_column_raises(register):
    person = register("Ahmad", "Karimi")
    write_raw(person, "given_name", raw_row(person, "family_name")[0])
    with pytest.raises(TamperedError):
        _ = Beneficiary.objects.get(pk=person.pk).given_name


def test_tampered_envelope_raises(register):
    person = register("Ahmad", "Karimi")
    envelope = raw_row(person, "family_name")[0]
    write_raw(person, "family_name", envelope[:-4] + ("AAAA" if not envelope.endswith("AAAA") else "BBBB"))
    with pytest.raises(VaultError):
        _ = Beneficiary.objects.get(pk=person.pk).family_name


def test_garbage_in_a_sealed_column_raises_instead_of_showing_it(register):
    person = register("Ahmad", "Karimi")
    write_raw(person, "notes", "not an envelope")
    with pytest.raises(VaultError):
        _ = Beneficiary.objects.get(pk=person.pk).notes


@pytest.mark.parametrize(
    "lookup",
    [
        {"family_name": "Karimi"},
        {"family_name__icontains": "Kar"},
        {"family_name__startswith": "K"},
        {"id_numbers__amka": "1"},
        {"date_of_birth__year": 1990},
        {"family_name__in": ["Karimi"]},
    ],
)
def test_lookups_on_sealed_fields_raise(register, lookup):
    register("Ahmad", "Karimi")
    with pytest.raises(SealedLookupError, match="sealed"):
        list(Beneficiary.objects.filter(**lookup))


def test_max_length_applies_to_the_plaintext(centre):
    person = Beneficiary(registering_centre=centre, given_name="A" * 151, family_name="B")
    with pytest.raises(ValidationError) as caught:
        person.full_clean()
    assert "given_name" in caught.value.message_dict


def test_required_sealed_field_is_validated(centre):
    person = Beneficiary(registering_centre=centre, given_name="", family_name="B")
    with pytest.raises(ValidationError):
        person.full_clean()


def test_only_the_fields_read_are_opened(full_person, request_cache):
    person = Beneficiary.objects.get(pk=full_person.pk)
    _ = person.family_name
    assert set(person.__dict__["_vault_opened"]) == {"family_name"}


def test_page_of_fifty_people_costs_no_query_per_person(register, django_assert_max_num_queries):
    for number in range(50):
        register(f"Given{number}", f"Family{number}", phone=f"69400000{number:02d}")
    with key_cache(), django_assert_max_num_queries(1):
        names = [(p.given_name, p.family_name, p.phone) for p in Beneficiary.objects.all()[:50]]
    assert len(names) == 50


def test_key_cache_is_emptied_after_the_block(full_person):
    from kem.vault import keycache

    with key_cache():
        _ = Beneficiary.objects.get(pk=full_person.pk).given_name
        assert keycache.peek(("person", full_person.person_key_id)) is not None
    assert keycache.peek(("person", full_person.person_key_id)) is None


def test_sql_parameters_never_carry_plaintext(centre):
    with CaptureQueriesContext(connection) as queries:
        person = Beneficiary(
            registering_centre=centre, given_name="Zainab", family_name="Qaderi", phone="6944000111"
        )
        person.save()
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "kem1:" in sql
    assert "Zainab" not in sql and "Qaderi" not in sql and "6944000111" not in sql


def test_pickled_instance_carries_no_plaintext(full_person):
    person = Beneficiary.objects.get(pk=full_person.pk)
    _ = person.family_name
    assert b"Hassan" not in pickle.dumps(person)
    assert "Χασάν".encode() not in pickle.dumps(person)


def test_str_of_a_person_shows_no_name(full_person):
    assert "Μοχάμεντ" not in str(full_person) and "Mohammed" not in repr(full_person)


def test_unsaved_value_repr_hides_plaintext(full_person):
    full_person.notes = "confidential words"
    assert "confidential" not in repr(full_person.notes_sealed)


def test_model_form_shows_plaintext(full_person):
    from django.forms import modelform_factory

    form = modelform_factory(Beneficiary, fields=["given_name", "date_of_birth"])(instance=full_person)
    assert form.initial["given_name"] == "Μοχάμεντ"
