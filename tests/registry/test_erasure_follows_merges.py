"""Erasing a person erases the records merged into them: their keys, index entries and files."""

from __future__ import annotations

import pytest

from cases.models import ServiceArea, Session
from kem.models import Beneficiary
from kem.services.erasure import records_of, shred_beneficiary
from kem.services.people import beneficiary_merge
from kem.vault import key_cache
from kem.vault.errors import ShreddedError
from kem.vault.models import BlindIndexEntry, PersonKey
from tests.merge_world import build_world, open_case, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(athens):
    return build_world(athens)


def test_shredding_the_survivor_shreds_every_record_merged_into_it(world):
    survivor = register(world, given="Γιουσούφ")
    duplicate = register(world, given="Yusuf")
    older = register(world, given="Yousef")
    case = open_case(world, duplicate, ServiceArea.LEGAL, sessions=2)
    beneficiary_merge(survivor=older, duplicate=duplicate, by=world.manager)  # a chain of merges
    beneficiary_merge(survivor=survivor, duplicate=older, by=world.manager)
    survivor = Beneficiary.objects.get(pk=survivor.pk)
    assert {p.pk for p in records_of(survivor)} == {survivor.pk, duplicate.pk, older.pk}

    shred_beneficiary(beneficiary=survivor)

    keys = [p.person_key_id for p in (survivor, duplicate, older)]
    assert PersonKey.objects.filter(pk__in=keys, shredded_at__isnull=True).count() == 0
    assert BlindIndexEntry.objects.filter(person_key_id__in=keys).count() == 0
    with key_cache():
        for pk in (survivor.pk, duplicate.pk, older.pk):
            with pytest.raises(ShreddedError):
                _ = Beneficiary.objects.get(pk=pk).given_name
        sessions = Session.objects.filter(case=case)
        assert sessions.count() == 2
        for session in sessions:
            for record in session.history.all():
                with pytest.raises(ShreddedError):
                    _ = record.instance.summary
