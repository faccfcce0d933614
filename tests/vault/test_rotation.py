"""Root-key and blind-index-key rotation."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from kem.models import Beneficiary
from kem.models.facts import DISABILITY, facts_of
from kem.vault import crypto, key_cache
from kem.vault.errors import UnknownKeyError
from kem.vault.keyring import root_keyring
from kem.vault.models import BlindIndexEntry, IndexKey, IndexKeyState, PersonKey, PseudonymKey
from kem.vault.rotation import rewrap_root_keys, rotate_index_key
from kem.vault.search import search_people
from tests.vault.conftest import KEY_A, KEY_B

pytestmark = pytest.mark.django_db


def names() -> set[tuple[str, str]]:
    with key_cache():
        return {(p.given_name, p.family_name) for p in Beneficiary.objects.all()}


def found(query: str) -> int:
    with key_cache():
        return len(search_people(query, queryset=Beneficiary.objects.all()))


def top(query: str) -> str:
    with key_cache():
        return search_people(query, queryset=Beneficiary.objects.all())[0].person.family_name


@pytest.fixture
def five(register) -> set[tuple[str, str]]:
    for number in range(5):
        register("Ali", f"Rezai{'abcde'[number]}", notes=f"note {number}", disability=True)
    return names()


def use_key_b(settings, *, keep_a: bool) -> None:
    settings.KEM_ROOT_KEY = KEY_B
    settings.KEM_OLD_ROOT_KEYS = [KEY_A] if keep_a else []


def test_rotation_to_a_new_root_key_then_removing_the_old_one(settings, five):
    use_key_b(settings, keep_a=True)
    out = StringIO()
    call_command("rotate_keys", "--batch-size", "2", stdout=out)
    # five people, the index key and the pseudonym key of the statistical facts
    assert "Re-wrapped 7 keys" in out.getvalue()
    use_key_b(settings, keep_a=False)
    assert names() == five
    assert found("Ali") == 5
    kid_b = crypto.key_id(crypto.decode_root_key(KEY_B, name="b"))
    assert set(PersonKey.objects.values_list("root_key_id", flat=True)) == {kid_b}
    assert set(PseudonymKey.objects.values_list("root_key_id", flat=True)) == {kid_b}
    # The pseudonyms do not change with the root key: facts written before still count.
    with key_cache():
        people = list(Beneficiary.objects.all())
        assert facts_of([p.pk for p in people]) == {p.pk: {DISABILITY} for p in people}


def test_without_rotation_removing_the_old_key_fails_loudly(settings, five):
    use_key_b(settings, keep_a=False)
    with pytest.raises(UnknownKeyError):
        names()


def test_interrupted_rotation_resumes(settings, five):
    use_key_b(settings, keep_a=True)
    # the index and pseudonym keys, then one batch of two
    assert rewrap_root_keys(batch_size=2, max_batches=1) == 4
    assert PersonKey.objects.wrapped_by_old_root_keys().count() == 3
    out = StringIO()
    call_command("rotate_keys", "--batch-size", "2", stdout=out)
    assert "Re-wrapped 3 keys" in out.getvalue()
    assert "3/3" in out.getvalue()
    use_key_b(settings, keep_a=False)
    assert names() == five


def test_rotation_is_idempotent(settings, five):
    use_key_b(settings, keep_a=True)
    assert rewrap_root_keys() == 7
    assert rewrap_root_keys() == 0


def test_new_people_are_wrapped_by_the_newest_key(settings, register):
    use_key_b(settings, keep_a=True)
    person = register("Omar", "Haidari")
    assert person.person_key.root_key_id == root_keyring().current.kid


def test_blind_index_rotation_rebuilds_then_switches(five, register):
    assert not rotate_index_key(batch_size=2, max_batches=1)
    assert IndexKey.objects.get(state=IndexKeyState.BUILDING).version == 2
    assert top("Rezaia") == "Rezaia"  # searches still use version 1
    late = register("Ali", "Latecomer")
    assert BlindIndexEntry.objects.filter(person_key=late.person_key, version=2).exists()
    out = StringIO()
    call_command("rotate_keys", "--blind-index", "--batch-size", "2", stdout=out)
    assert "rebuilt" in out.getvalue()
    assert list(IndexKey.objects.values_list("version", "state")) == [(2, IndexKeyState.ACTIVE)]
    assert set(BlindIndexEntry.objects.values_list("version", flat=True)) == {2}
    assert found("Ali") == 6 and top("Rezaid") == "Rezaid" and found("Late") == 1


def test_blind_index_digests_change_with_the_key(five):
    before = set(BlindIndexEntry.objects.values_list("field", "kind", "digest"))
    assert rotate_index_key()
    after = set(BlindIndexEntry.objects.values_list("field", "kind", "digest"))
    assert len(before & after) < len(before) / 2


def test_people_can_be_written_while_the_first_index_key_is_still_being_built(register):
    """A rotation started on a database with no index key yet: writes index into the building one."""
    from kem.vault.rotation import _building_key

    IndexKey.objects.all().delete()
    building = _building_key()
    assert building.state == IndexKeyState.BUILDING
    person = register("Amina", "Rahimi")
    assert BlindIndexEntry.objects.filter(
        person_key_id=person.person_key_id, version=building.version
    ).exists()
