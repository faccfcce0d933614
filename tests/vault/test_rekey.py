"""Re-keying a person: a new data key, every row and history row resealed, the old key useless."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from cases.models import Case, OpenReason, ServiceArea, Session
from kem.models import Beneficiary, Role
from kem.services.people import beneficiary_merge
from kem.vault import crypto, key_cache, keycache, rekey
from kem.vault.errors import ShreddedError, TamperedError, WrongKeyError
from kem.vault.models import PersonKey, RekeyRun
from kem.vault.rekey import RekeyError, bulk_rekey, rekey_person, targets
from kem.vault.services import shred

pytestmark = pytest.mark.django_db


# --- helpers ------------------------------------------------------------------------------------
@pytest.fixture
def counsellor(make_staff, centre):
    return make_staff(Role.COUNSELLOR, centre, "social")


@pytest.fixture
def make_case(counsellor):
    def make(person: Beneficiary, *, sessions: int = 2) -> Case:
        case = Case.objects.create(
            beneficiary=person,
            centre=person.registering_centre,
            area=ServiceArea.PSYCHOSOCIAL,
            counsellor=counsellor,
            open_reason=OpenReason.SELF,
            opened_by=counsellor,
        )
        for number in range(sessions):
            session = Session(
                case=case,
                counsellor=counsellor,
                created_by=counsellor,
                starts_at=timezone.now() + dt.timedelta(days=number),
                summary=f"Συνεδρία {number}: άγχος για τη διαμονή.",
                confidential_note=f"Εμπιστευτικό {number}",
            )
            session.save()
            session.summary = f"Συνεδρία {number}, διορθωμένη."  # an edit: a second history row
            session.save()
        return case

    return make


@pytest.fixture
def followed(full_person, make_case) -> Beneficiary:
    """A person with a case, two sessions edited once each, and an edit of their own record."""
    make_case(full_person)
    full_person.notes = "Δεύτερη σημείωση"
    full_person.save()
    return full_person


def envelopes_of(person_key_id) -> list[tuple[str, str, object, str]]:
    """(table, column, row, envelope) of every sealed value the re-key finds for a person."""
    found = []
    for target in targets():
        pk = target.model._meta.pk.attname
        rows = target.model._base_manager.filter(**{target.lookup: person_key_id}).values_list(
            pk, *target.attnames()
        )
        for row_pk, *values in rows:
            for sealed_field, value in zip(target.fields, values, strict=True):
                if value is not None:
                    found.append((target.model._meta.db_table, sealed_field.column, row_pk, value))
    return found


def label(envelope: str) -> str:
    return envelope.split(":")[1]


def readable(person: Beneficiary) -> dict[str, object]:
    """Every sealed value of the person, opened as the application opens them (history included)."""
    with key_cache():
        fresh = Beneficiary.objects.get(pk=person.pk)
        values: dict[str, object] = {
            f"person.{name}": getattr(fresh, name) for name in ("given_name", "family_name", "notes")
        }
        for record in fresh.history.order_by("history_id"):
            values[f"person-history.{record.history_id}"] = (record.instance.notes, record.instance.phone)
        for session in Session.objects.filter(case__beneficiary=fresh):
            values[f"session.{session.pk}"] = (session.summary, session.confidential_note)
            for record in session.history.order_by("history_id"):
                values[f"session-history.{record.history_id}"] = (
                    record.instance.summary,
                    record.instance.confidential_note,
                )
    return values


def data_key(person: Beneficiary) -> bytes:
    return PersonKey.objects.get(pk=person.person_key_id).unwrap()


def assert_rekeyed(person: Beneficiary, before: dict[str, object], old_key: bytes, generation: int) -> None:
    assert PersonKey.objects.get(pk=person.person_key_id).generation == generation
    assert readable(person) == before
    envelopes = envelopes_of(person.person_key_id)
    assert envelopes
    assert {label(e) for *_, e in envelopes} == {f"g{generation}"}
    # The old key bytes, even presented under the new label, open none of them.
    for old_sealer in (
        crypto.Sealer.for_key(old_key, info=crypto.INFO_SEAL, label=f"g{generation - 1}"),
        crypto.Sealer.for_key(old_key, info=crypto.INFO_SEAL, label=f"g{generation}"),
    ):
        for table, column, row, envelope in envelopes:
            with pytest.raises((WrongKeyError, TamperedError)):
                old_sealer.open(envelope, context=f"{table}.{column}:{row}")


def history_count() -> int:
    return sum(t.model._base_manager.count() for t in targets() if t.history)


# --- one person ---------------------------------------------------------------------------------
def test_rekey_reseals_every_row_and_history_row(followed):
    before = readable(followed)
    assert sum(key.startswith("session-history") for key in before) == 4
    assert len([k for k in before if k.startswith("person-history")]) == 2
    old_key = data_key(followed)
    histories = history_count()

    done = rekey_person(followed.person_key_id)

    assert done is not None and done.generation == 2
    assert done.rows == 1 + 2 + 2 + 4  # the person, its 2 history rows, 2 sessions, 4 history rows
    assert data_key(followed) != old_key
    assert_rekeyed(followed, before, old_key, generation=2)
    assert history_count() == histories  # a re-key writes no history


def test_rekey_twice_moves_to_the_next_generation(followed):
    before = readable(followed)
    rekey_person(followed.person_key_id)
    old_key = data_key(followed)
    rekey_person(followed.person_key_id)
    assert_rekeyed(followed, before, old_key, generation=3)


def test_rekey_leaves_other_people_alone(followed, register):
    other = register("Amina", "Rahimi", notes="δική της σημείωση")
    untouched = envelopes_of(other.person_key_id)
    rekey_person(followed.person_key_id)
    assert envelopes_of(other.person_key_id) == untouched
    assert readable(other)["person.notes"] == "δική της σημείωση"


def test_legacy_hash_named_envelopes_become_generation_labelled(full_person):
    key = data_key(full_person)
    legacy = crypto.Sealer.for_key(key, info=crypto.INFO_SEAL)  # named by a hash of the key
    context = Beneficiary._meta.get_field("notes").context_for(full_person.pk)
    Beneficiary.objects.filter(pk=full_person.pk).update(
        notes_sealed=legacy.seal("παλιά σημείωση".encode(), context=context)
    )
    assert label(Beneficiary.objects.get(pk=full_person.pk).notes_sealed) == crypto.key_id(key)
    assert readable(full_person)["person.notes"] == "παλιά σημείωση"

    rekey_person(full_person.person_key_id)

    row = Beneficiary.objects.get(pk=full_person.pk)
    assert label(row.notes_sealed) == "g2"
    assert readable(full_person)["person.notes"] == "παλιά σημείωση"


def test_a_shredded_or_unknown_person_is_not_rekeyed(full_person):
    shred(full_person)
    assert rekey_person(full_person.person_key_id) is None
    assert rekey_person(uuid.uuid4()) is None
    assert PersonKey.objects.get(pk=full_person.person_key_id).wrapped_key is None


def test_a_value_that_opens_with_no_key_stops_the_rekey_naming_only_where_it_is(followed):
    session = Session.objects.filter(case__beneficiary=followed).first()
    other = Session.objects.filter(case__beneficiary=followed).exclude(pk=session.pk).first()
    # An envelope moved from another row: it no longer opens (its context names the other row).
    Session.objects.filter(pk=session.pk).update(confidential_note_sealed=other.confidential_note_sealed)
    stored = envelopes_of(followed.person_key_id)

    with pytest.raises(RekeyError) as raised:
        rekey_person(followed.person_key_id)

    message = str(raised.value)
    assert f"cases_session.confidential_note:{session.pk}" in message
    assert "Εμπιστευτικό" not in message and "άγχος" not in message
    # Nothing was changed: the transaction rolled back.
    assert PersonKey.objects.get(pk=followed.person_key_id).generation == 1
    assert envelopes_of(followed.person_key_id) == stored


def test_history_moved_by_a_merge_stays_readable_through_a_rekey(register, make_case, make_staff, centre):
    """A merge reseals the moved sessions and their older history rows under the survivor's key;
    re-keying the survivor then reseals all of them again, with nothing left to repair."""
    manager = make_staff(Role.MANAGER, centre)
    survivor = register("Yusuf", "Khalil", notes="κύρια εγγραφή")
    duplicate = register("Yusuf", "Khalil", notes="διπλή εγγραφή")
    make_case(duplicate)
    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)
    sessions = Session.objects.filter(case__beneficiary=survivor)
    assert sessions.count() == 2
    with key_cache():
        assert sessions[0].history.earliest().instance.confidential_note.startswith("Εμπιστευτικό")

    done = rekey_person(survivor.person_key_id)

    assert done is not None and done.repaired == []
    with key_cache():
        for session in sessions:
            texts = [r.instance.confidential_note for r in session.history.order_by("history_id")]
            assert texts and all(t.startswith("Εμπιστευτικό") for t in texts)
    assert {label(e) for *_, e in envelopes_of(survivor.person_key_id)} == {"g2"}


def test_a_record_read_before_the_rekey_and_saved_after_keeps_every_value_readable(followed):
    stale = Session.objects.filter(case__beneficiary=followed).first()
    note = stale.confidential_note
    rekey_person(followed.person_key_id)
    stale.summary = "αλλαγή μετά την αλλαγή κλειδιού"
    stale.save()
    with key_cache():
        row = Session.objects.get(pk=stale.pk)
        assert (row.summary, row.confidential_note) == ("αλλαγή μετά την αλλαγή κλειδιού", note)
        assert label(row.confidential_note_sealed) == "g2"
        latest = row.history.latest()
        assert latest.instance.confidential_note == note


def test_the_key_cache_forgets_the_old_key(followed):
    with key_cache():
        _ = Beneficiary.objects.get(pk=followed.pk).notes
        assert keycache.peek(("person", followed.person_key_id)).kid == "g1"
        rekey_person(followed.person_key_id)
        assert keycache.peek(("person", followed.person_key_id)) is None
        assert Beneficiary.objects.get(pk=followed.pk).notes == "Δεύτερη σημείωση"


# --- everyone, in batches -----------------------------------------------------------------------
@pytest.fixture
def five(register) -> list[Beneficiary]:
    return [register("Ali", f"Rezai{letter}", notes=f"note {letter}") for letter in "abcde"]


def generations() -> list[int]:
    return sorted(PersonKey.objects.live().values_list("generation", flat=True))


def test_bulk_rekey_interrupted_then_resumed_rekeys_everyone_once(five):
    before = {p.pk: readable(p) for p in five}
    run = bulk_rekey(batch_size=2, max_batches=1)
    assert run.finished_at is None and run.done == 2
    assert generations() == [1, 1, 1, 2, 2]

    out = StringIO()
    call_command("vault_rekey", "--all", "--batch-size", "2", stdout=out)

    assert "Continuing the run" in out.getvalue()
    assert "5/5" in out.getvalue() and "Re-keyed 5 people." in out.getvalue()
    assert generations() == [2, 2, 2, 2, 2]
    assert {p.pk: readable(p) for p in five} == before
    run = RekeyRun.objects.get()
    assert run.finished_at is not None and run.done == 5 and run.failed == []


def test_a_new_bulk_run_after_a_finished_one_starts_over(five):
    bulk_rekey(batch_size=3)
    bulk_rekey(batch_size=3)
    assert generations() == [3, 3, 3, 3, 3]
    assert RekeyRun.objects.filter(finished_at__isnull=False).count() == 2


def test_bulk_rekey_skips_the_shredded_and_goes_on_past_a_failure(five, make_case):
    shred(five[0])
    make_case(five[1], sessions=2)
    sessions = list(Session.objects.filter(case__beneficiary=five[1]))
    Session.objects.filter(pk=sessions[0].pk).update(summary_sealed=sessions[1].summary_sealed)

    run = bulk_rekey(batch_size=10)

    assert run.finished_at is not None
    assert [f["person_key"] for f in run.failed] == [str(five[1].person_key_id)]
    assert "cases_session.summary" in run.failed[0]["error"]
    assert PersonKey.objects.get(pk=five[1].person_key_id).generation == 1
    assert sorted(
        PersonKey.objects.live().exclude(pk=five[1].person_key_id).values_list("generation", flat=True)
    ) == [
        2,
        2,
        2,
    ]


def test_command_rekeys_one_person(followed):
    out = StringIO()
    call_command("vault_rekey", "--person-key", str(followed.person_key_id), stdout=out)
    assert "generation 2" in out.getvalue()
    assert PersonKey.objects.get(pk=followed.person_key_id).generation == 2


@pytest.mark.parametrize(
    "arguments",
    [
        ["--person-key", "not-a-uuid"],
        ["--person-key", "00000000-0000-0000-0000-000000000000"],
        ["--all", "--batch-size", "0"],
        [],
    ],
)
def test_command_refuses_bad_arguments_cleanly(arguments, five):
    with pytest.raises(CommandError):
        call_command("vault_rekey", *arguments, stdout=StringIO(), stderr=StringIO())
    assert generations() == [1, 1, 1, 1, 1]


# --- PostgreSQL ---------------------------------------------------------------------------------
needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_rekey_with_history(followed):
    before = readable(followed)
    old_key = data_key(followed)
    histories = history_count()
    rekey_person(followed.person_key_id)
    assert_rekeyed(followed, before, old_key, generation=2)
    assert history_count() == histories


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_bulk_rekey_interrupted_and_resumed(five, make_case):
    make_case(five[2])
    before = {p.pk: readable(p) for p in five}
    old_keys = {p.pk: data_key(p) for p in five}
    out = StringIO()
    call_command("vault_rekey", "--all", "--batch-size", "2", "--max-batches", "2", stdout=out)
    assert "Stopped after 4 people" in out.getvalue()
    assert generations() == [1, 2, 2, 2, 2]
    call_command("vault_rekey", "--all", "--batch-size", "2", stdout=StringIO())
    for person in five:
        assert_rekeyed(person, before[person.pk], old_keys[person.pk], generation=2)


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_shred_racing_a_rekey_leaves_nothing_readable(followed, monkeypatch):
    """The re-key holds the person-key lock while it reseals; a shred meanwhile waits for it, then
    destroys the new key. Either order ends with no key and nothing that opens."""
    reseal = rekey._reseal_target
    resealing = threading.Event()

    def slow_reseal(*args, **kwargs):
        resealing.set()
        time.sleep(0.05)
        return reseal(*args, **kwargs)

    monkeypatch.setattr(rekey, "_reseal_target", slow_reseal)
    errors: list[BaseException] = []

    def rekey_it():
        try:
            rekey_person(followed.person_key_id)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def shred_it():
        try:
            resealing.wait(timeout=30)
            shred(Beneficiary.objects.get(pk=followed.pk))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rekey_it), threading.Thread(target=shred_it)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    key = PersonKey.objects.get(pk=followed.person_key_id)
    assert key.wrapped_key is None and key.shredded_at is not None
    assert key.generation == 2  # the re-key finished first; the shred waited for it
    with key_cache():
        for session in Session.objects.filter(case__beneficiary=followed):
            with pytest.raises(ShreddedError):
                _ = session.summary
            for record in session.history.all():
                with pytest.raises(ShreddedError):
                    _ = record.instance.confidential_note
        with pytest.raises(ShreddedError):
            _ = Beneficiary.objects.get(pk=followed.pk).notes
    assert rekey_person(followed.person_key_id) is None


def test_a_save_that_seals_nothing_of_a_record_read_before_the_rekey_writes_no_old_envelope(followed):
    stale = Session.objects.filter(case__beneficiary=followed).first()
    note, summary = stale.confidential_note, stale.summary
    rekey_person(followed.person_key_id)
    stale.duration_minutes = 60  # a plain column only
    stale.save()
    with key_cache():
        row = Session.objects.get(pk=stale.pk)
        assert (row.duration_minutes, row.summary, row.confidential_note) == (60, summary, note)
        assert {label(row.summary_sealed), label(row.confidential_note_sealed)} == {"g2"}


def test_a_save_that_seals_nothing_still_writes_an_envelope_assigned_as_is(followed, register):
    """Leaving unchanged envelopes out of the UPDATE must not drop one the caller assigned."""
    session = Session.objects.filter(case__beneficiary=followed).first()
    other = Session.objects.filter(case__beneficiary=followed).exclude(pk=session.pk).first()
    session.summary_sealed = other.summary_sealed
    session.save()
    assert Session.objects.get(pk=session.pk).summary_sealed == other.summary_sealed


@pytest.mark.postgres
@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_a_rekey_waiting_for_a_shred_finds_the_person_shredded(followed, monkeypatch):
    """The other order: the shred holds the lock; the re-key waits for it and then does nothing."""
    real_shred = PersonKey.shred
    shredding = threading.Event()

    def slow_shred(self):
        shredding.set()
        time.sleep(0.3)  # still inside the shred's transaction, holding the person-key lock
        real_shred(self)

    monkeypatch.setattr(PersonKey, "shred", slow_shred)
    outcome: list[object] = []

    def shred_it():
        try:
            shred(Beneficiary.objects.get(pk=followed.pk))
        except BaseException as error:
            outcome.append(error)
        finally:
            connections.close_all()

    def rekey_it():
        try:
            shredding.wait(timeout=30)
            outcome.append(rekey_person(followed.person_key_id))
        except BaseException as error:
            outcome.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=shred_it), threading.Thread(target=rekey_it)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcome == [None]
    key = PersonKey.objects.get(pk=followed.person_key_id)
    assert key.wrapped_key is None and key.generation == 1
    with key_cache(), pytest.raises(ShreddedError):
        _ = Session.objects.filter(case__beneficiary=followed).first().summary
