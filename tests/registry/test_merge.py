"""Merging two records of one person: what moves, what is recorded, who may do it."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from kem.models import (
    AccessEvent,
    Beneficiary,
    Consent,
    DuplicateDecision,
    HouseholdMember,
    MergeRecord,
    Relationship,
    Role,
)
from kem.selectors.beneficiaries import beneficiaries_visible_to, beneficiary_for, beneficiary_search
from kem.selectors.people import merge_timeline
from kem.selectors.timeline import beneficiary_timeline
from kem.services.people import MergeRefused, beneficiary_merge, consent_record, household_link
from kem.vault.fields import SealedTextField
from kem.vault.models import SealedModel

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
AMKA = "01013099997"


@pytest.fixture
def twins(register):
    """The same person registered twice, with different spellings."""
    survivor = register(
        given_name="Μοχάμεντ",
        family_name="Ραχίμι",
        birth_year=1990,
        documents=[{"kind": "passport", "number": "P1234567", "expires_on": "2031-01-01", "status": "valid"}],
    )
    duplicate = register(
        given_name="Μουχάμαντ",
        family_name="Ραχιμί",
        given_name_latin="Muhammad",
        family_name_latin="Rahimi",
        birth_year=1990,
        documents=[
            {"kind": "passport", "number": "P 123 4567", "status": "valid"},
            {"kind": "amka", "number": AMKA, "status": "valid"},
        ],
    )
    return survivor, duplicate


def _consent(person, by, **fields):
    fields.setdefault("purpose", "data_processing")
    return consent_record(beneficiary=person, by=by, given_on=TODAY, method="signed_form", **fields)


# --- what moves --------------------------------------------------------------------------------


def test_merge_moves_consents_household_and_duplicate_decisions(twins, officer, manager, register):
    survivor, duplicate = twins
    consents = [_consent(duplicate, officer), _consent(duplicate, officer, purpose="referral", partner="IOM")]
    child = register(given_name="Σαμίρ", family_name="Ραχίμι")
    household_link(head=duplicate, member=child, relationship=Relationship.CHILD, by=officer)
    third = register(given_name="Άλλος", family_name="Κάποιος")
    decision = DuplicateDecision.objects.create(
        beneficiary=duplicate, candidate=third, decision="different", decided_by=officer
    )
    about_the_pair = DuplicateDecision.objects.create(
        beneficiary=survivor, candidate=duplicate, decision="different", decided_by=officer
    )

    record = beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)

    assert set(Consent.objects.filter(beneficiary=survivor)) == set(consents)
    assert HouseholdMember.objects.get(beneficiary=survivor).relationship == Relationship.HEAD
    assert HouseholdMember.objects.get(beneficiary=child).household == survivor.household_membership.household
    decision.refresh_from_db()
    about_the_pair.refresh_from_db()
    assert decision.beneficiary == survivor
    assert (about_the_pair.beneficiary, about_the_pair.candidate) == (survivor, duplicate)
    assert record.moved == {
        "kem.consent.beneficiary": 2,
        "kem.duplicatedecision.beneficiary": 1,
        "kem.householdmember.beneficiary": 1,
        "documents": 1,
    }
    assert (record.survivor, record.merged_id, record.merged_by) == (survivor, duplicate.pk, manager)


def test_merge_adds_the_documents_the_survivor_lacks(twins, manager):
    survivor, duplicate = twins

    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)

    survivor = Beneficiary.objects.get(pk=survivor.pk)
    assert [d["kind"] for d in survivor.documents] == ["passport", "amka"]
    assert survivor.id_numbers == {"passport": "P1234567", "amka": AMKA}
    found = beneficiary_search(user=manager, query=AMKA)
    assert [c.person.pk for c in found] == [survivor.pk]


def test_the_duplicate_leaves_searches_and_pages_but_keeps_its_readable_history(twins, manager):
    survivor, duplicate = twins

    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)

    found = {c.person.pk for c in beneficiary_search(user=manager, query="Rahimi Muhammad")}
    assert duplicate.pk not in found
    assert {c.person.pk for c in beneficiary_search(user=manager, query="Μοχάμεντ")} == {survivor.pk}
    assert not beneficiaries_visible_to(manager).filter(pk=duplicate.pk).exists()
    with pytest.raises(Http404):
        beneficiary_for(manager, duplicate.pk)
    merged = Beneficiary.objects.get(pk=duplicate.pk)
    assert merged.merged_into == survivor
    assert merged.history.first().instance.given_name == "Μουχάμαντ"


def test_merge_writes_history_on_both_records_and_an_access_event(twins, manager):
    survivor, duplicate = twins

    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)

    survivor_row, duplicate_row = survivor.history.first(), duplicate.history.first()
    assert (survivor_row.history_user, survivor_row.history_change_reason) == (
        manager,
        f"merged from {duplicate.pk}",
    )
    assert (duplicate_row.history_user, duplicate_row.history_change_reason) == (
        manager,
        f"merged into {survivor.pk}",
    )
    event = AccessEvent.objects.get(action="kem.beneficiary.merged")
    assert (event.subject_id, event.user) == (survivor.pk, manager)


def test_the_survivors_timeline_shows_the_merge(twins, manager):
    survivor, duplicate = twins

    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)

    entries = [
        e
        for e in beneficiary_timeline(beneficiary=survivor, user=manager)
        if e.kind.startswith("kem.beneficiary.merged")
    ]
    assert [(e.kind, e.extra["other"]) for e in entries] == [
        ("kem.beneficiary.merged_from", str(duplicate.pk))
    ]
    assert [e.kind for e in merge_timeline(duplicate, manager)] == ["kem.beneficiary.merged_into"]


# --- refusals ----------------------------------------------------------------------------------


def test_a_record_is_merged_once_and_never_with_itself(twins, manager, register):
    survivor, duplicate = twins
    with pytest.raises(MergeRefused) as itself:
        beneficiary_merge(survivor=survivor, duplicate=survivor, by=manager)
    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)
    with pytest.raises(MergeRefused) as again:
        beneficiary_merge(survivor=register(), duplicate=duplicate, by=manager)

    assert (itself.value.code, again.value.code) == ("same_record", "already_merged")
    assert MergeRecord.objects.count() == 1


def test_two_households_must_be_resolved_first(twins, officer, manager, register):
    survivor, duplicate = twins
    household_link(
        head=survivor, member=register(given_name="Α", family_name="Β"), relationship="child", by=officer
    )
    household_link(
        head=duplicate, member=register(given_name="Γ", family_name="Δ"), relationship="child", by=officer
    )

    with pytest.raises(MergeRefused) as caught:
        beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)

    assert caught.value.code == "two_households"
    assert Beneficiary.objects.get(pk=duplicate.pk).merged_into is None


def test_only_a_manager_merges(twins, officer):
    survivor, duplicate = twins

    with pytest.raises(PermissionDenied):
        beneficiary_merge(survivor=survivor, duplicate=duplicate, by=officer)
    assert not MergeRecord.objects.exists()


# --- records of other apps, sealed with the duplicate's key --------------------------------------


@pytest.fixture
def other_app_models(transactional_db):
    """A case-like parent and a session-like child whose note is sealed with the person's key
    through the parent, as cases and referrals will be: created for one test, then removed."""

    class MergeTestCase(SealedModel):
        beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="+")
        summary = SealedTextField(blank=True)
        vault_owner = "beneficiary"

        class Meta:
            app_label = "kem"

    class MergeTestSession(SealedModel):
        case = models.ForeignKey(MergeTestCase, on_delete=models.CASCADE, related_name="+")
        note = SealedTextField(blank=True)
        vault_owner = "case.beneficiary"

        class Meta:
            app_label = "kem"

    with connection.schema_editor() as editor:
        editor.create_model(MergeTestCase)
        editor.create_model(MergeTestSession)
    yield MergeTestCase, MergeTestSession
    with connection.schema_editor() as editor:
        editor.delete_model(MergeTestSession)
        editor.delete_model(MergeTestCase)
    for name in ("mergetestsession", "mergetestcase"):
        del apps.all_models["kem"][name]
    apps.clear_cache()


def test_records_of_other_apps_move_and_are_sealed_again_under_the_survivors_key(
    other_app_models, athens, make_staff
):
    from kem.services import beneficiary_register

    case_model, session_model = other_app_models
    officer, manager = make_staff(Role.FRONT_DESK, athens), make_staff(Role.MANAGER, athens)

    def register(given_name: str) -> Beneficiary:
        data = {"given_name": given_name, "family_name": "Ραχίμι"}
        return beneficiary_register(centre=athens, by=officer, data=data, check_duplicates=False)

    survivor, duplicate = register("Μοχάμεντ"), register("Μουχάμαντ")
    case = case_model(beneficiary=duplicate, summary="Άσυλο: συνέντευξη")
    case.save()
    session = session_model(case=case, note="Χρειάζεται διερμηνέα")
    session.save()
    sealed_before = session_model.objects.get(pk=session.pk).note_sealed

    record = beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)

    case = case_model.objects.select_related("beneficiary").get(pk=case.pk)
    session = session_model.objects.select_related("case__beneficiary").get(pk=session.pk)
    assert case.beneficiary_id == survivor.pk
    assert record.moved["kem.mergetestcase.beneficiary"] == 1
    assert session.note_sealed != sealed_before
    assert (case.summary, session.note) == ("Άσυλο: συνέντευξη", "Χρειάζεται διερμηνέα")


# --- pages -------------------------------------------------------------------------------------


def test_the_manager_picks_compares_and_confirms(client, twins, manager):
    survivor, duplicate = twins
    client.force_login(manager)
    url = reverse("beneficiary-merge", args=[survivor.pk])

    assert client.get(url).status_code == 200
    search = client.post(
        reverse("beneficiary-merge-search", args=[survivor.pk]),
        {"query": "Rahimi"},
        headers={"HX-Request": "true"},
    )
    assert f'value="{duplicate.pk}"' in search.content.decode()
    assert f'value="{survivor.pk}"' not in search.content.decode()
    comparison = client.post(url, {"duplicate": str(duplicate.pk)})
    assert comparison.status_code == 200
    assert "Μουχάμαντ" in comparison.content.decode()
    assert not MergeRecord.objects.exists()

    response = client.post(url, {"duplicate": str(duplicate.pk), "confirm": "on"})

    assert response.status_code == 302
    assert response.url == survivor.get_absolute_url()
    assert Beneficiary.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk


def test_merge_is_403_for_the_front_desk(client, twins, officer):
    survivor, duplicate = twins
    client.force_login(officer)

    assert client.get(reverse("beneficiary-merge", args=[survivor.pk])).status_code == 403
    response = client.post(
        reverse("beneficiary-merge", args=[survivor.pk]), {"duplicate": str(duplicate.pk), "confirm": "on"}
    )
    assert response.status_code == 403
    assert (
        client.post(reverse("beneficiary-merge-search", args=[survivor.pk]), {"query": "Rahimi"}).status_code
        == 403
    )
    assert not MergeRecord.objects.exists()


def test_merge_is_404_for_another_centres_manager(client, twins, make_staff, thessaloniki):
    survivor, duplicate = twins
    client.force_login(make_staff(Role.MANAGER, thessaloniki))

    response = client.post(
        reverse("beneficiary-merge", args=[survivor.pk]), {"duplicate": str(duplicate.pk), "confirm": "on"}
    )

    assert response.status_code == 404
    assert not MergeRecord.objects.exists()


def test_a_duplicate_of_another_centre_cannot_be_picked(client, twins, manager, register, thessaloniki):
    survivor, _duplicate = twins
    elsewhere = register(centre=thessaloniki, given_name="Μουχάμαντ", family_name="Ραχιμί")
    client.force_login(manager)

    response = client.post(
        reverse("beneficiary-merge", args=[survivor.pk]), {"duplicate": str(elsewhere.pk), "confirm": "on"}
    )

    assert response.status_code == 404
    assert Beneficiary.objects.get(pk=elsewhere.pk).merged_into is None


def test_an_unknown_duplicate_id_is_404(client, twins, manager):
    survivor, _duplicate = twins
    client.force_login(manager)

    response = client.post(reverse("beneficiary-merge", args=[survivor.pk]), {"duplicate": str(uuid.uuid4())})

    assert response.status_code == 404


def test_consents_moved_by_a_merge_keep_their_dates(twins, officer, manager):
    survivor, duplicate = twins
    consent = consent_record(
        beneficiary=duplicate,
        purpose="sms_contact",
        given_on=TODAY - dt.timedelta(days=3),
        method="verbal",
        by=officer,
    )

    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)

    consent.refresh_from_db()
    assert (consent.beneficiary_id, consent.given_on, consent.recorded_by) == (
        survivor.pk,
        TODAY - dt.timedelta(days=3),
        officer,
    )
    assert consent.history.first().history_change_reason == f"merged from {duplicate.pk}"


def test_the_survivors_profile_page_shows_merged_from(client, twins, manager):
    survivor, duplicate = twins
    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=manager)
    client.force_login(manager)

    assert client.get(reverse("beneficiary-detail", args=[duplicate.pk])).status_code == 404
    html = client.get(reverse("beneficiary-detail", args=[survivor.pk])).content.decode()
    assert 'data-kind="kem.beneficiary.merged_from"' in html
    assert str(duplicate.pk)[:8] in html
