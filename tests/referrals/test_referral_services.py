"""Outgoing referrals: drafting and changing drafts, the consent rule and the manager's override on
sending, withdrawing, and recording a partner's answer and outcome given by phone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kem.models import AccessEvent, Consent, ConsentMethod, ConsentPurpose, Role
from partners.models import Organisation, OrganisationType, PartnerService, ServiceCategory
from referrals.models import PartnerLink, Referral, ReferralStatus, ReferralStep, Urgency
from referrals.services.referrals import (
    OVERRIDE_ACTION,
    referral_create,
    referral_record_answer,
    referral_record_outcome,
    referral_send,
    referral_update,
    referral_withdraw,
)

pytestmark = pytest.mark.django_db

REASON = "Χρειάζεται στέγη για την ίδια και δύο παιδιά."


@pytest.fixture
def consent(person, officer, housing_partner):
    """consent(**fields) -> a referral consent of the person, for the shelter unless told."""

    def make(**fields):
        values = {
            "beneficiary": person,
            "purpose": ConsentPurpose.REFERRAL,
            "partner": housing_partner.organisation.name_el,
            "organisation": housing_partner.organisation,
            "given_on": timezone.localdate() - dt.timedelta(days=10),
            "method": ConsentMethod.SIGNED_FORM,
            "recorded_by": officer,
        }
        values.update(fields)
        return Consent.objects.create(**values)

    return make


@pytest.fixture
def draft(person, athens, housing_partner, officer):
    return referral_create(
        beneficiary=person,
        centre=athens,
        service=housing_partner,
        reason=REASON,
        urgency=Urgency.SOON,
        follow_up_on=timezone.localdate() + dt.timedelta(days=7),
        contact_person=officer,
        by=officer,
    )


def _codes(invalid: ValidationError) -> dict[str, list[str]] | list[str]:
    if hasattr(invalid, "error_dict"):
        return {name: [e.code for e in errors] for name, errors in invalid.error_dict.items()}
    return [e.code for e in invalid.error_list]


def _create(person, athens, service, officer, **fields):
    values = {
        "beneficiary": person,
        "centre": athens,
        "service": service,
        "reason": REASON,
        "contact_person": officer,
        "by": officer,
    }
    values.update(fields)
    return referral_create(**values)


# --- drafting ----------------------------------------------------------------------------------


def test_a_referral_is_created_as_a_draft_with_its_reason_sealed(draft, officer):
    stored = Referral.objects.get(pk=draft.pk)

    assert stored.status == ReferralStatus.DRAFT
    assert stored.reason == REASON
    assert stored.urgency == Urgency.SOON
    assert stored.created_by == officer
    assert stored.history.get().history_user == officer
    assert not ReferralStep.objects.filter(referral=draft).exists()


def test_a_counsellor_and_the_manager_refer_too(person, athens, housing_partner, social_worker, manager):
    for user in (social_worker, manager):
        assert _create(person, athens, housing_partner, user, contact_person=user).status == "draft"


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_serve_people_may_not_refer(make_staff, athens, person, housing_partner, role):
    user = make_staff(role, athens)

    with pytest.raises(PermissionDenied):
        _create(person, athens, housing_partner, user)


def test_staff_of_another_centre_may_not_refer_the_person(person, athens, housing_partner, other_officer):
    with pytest.raises(PermissionDenied):
        _create(person, athens, housing_partner, other_officer)


def test_an_inactive_service_or_partner_cannot_be_chosen(person, athens, housing_partner, officer):
    PartnerService.objects.filter(pk=housing_partner.pk).update(active=False)
    housing_partner.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        _create(person, athens, housing_partner, officer)
    assert _codes(refused.value) == {"service": ["service_inactive"]}

    PartnerService.objects.filter(pk=housing_partner.pk).update(active=True)
    Organisation.objects.filter(pk=housing_partner.organisation_id).update(active=False)
    housing_partner = PartnerService.objects.select_related("organisation").get(pk=housing_partner.pk)
    with pytest.raises(ValidationError) as refused:
        _create(person, athens, housing_partner, officer)
    assert _codes(refused.value) == {"service": ["service_inactive"]}


def test_the_contact_person_must_work_at_the_centre(person, athens, housing_partner, officer, other_officer):
    with pytest.raises(ValidationError) as refused:
        _create(person, athens, housing_partner, officer, contact_person=other_officer)

    assert _codes(refused.value) == {"contact_person": ["contact_elsewhere"]}


def test_a_reason_is_required_and_the_follow_up_is_not_in_the_past(person, athens, housing_partner, officer):
    with pytest.raises(ValidationError) as refused:
        _create(
            person,
            athens,
            housing_partner,
            officer,
            reason="  ",
            follow_up_on=timezone.localdate() - dt.timedelta(days=1),
        )

    assert _codes(refused.value) == {"reason": ["reason_required"], "follow_up_on": ["follow_up_in_past"]}
    assert not Referral.objects.exists()


def test_a_person_of_another_centre_cannot_be_referred_from_this_one(
    person, thessaloniki, housing_partner, make_staff
):
    there = make_staff(Role.FRONT_DESK, thessaloniki)

    with pytest.raises(ValidationError) as refused:
        _create(person, thessaloniki, housing_partner, there)

    assert _codes(refused.value) == {"beneficiary": ["beneficiary_elsewhere"]}


def test_a_draft_is_changed_and_a_sent_referral_is_not(draft, officer, social_worker, consent):
    other = PartnerService.objects.create(
        organisation=draft.service.organisation,
        name_el="Επίδομα ενοικίου",
        name_en="Rent subsidy",
        category=ServiceCategory.RENT_SUBSIDY,
    )
    changed = referral_update(
        referral=draft,
        service=other,
        reason="Νέος λόγος",
        urgency=Urgency.URGENT,
        follow_up_on=None,
        contact_person=social_worker,
        by=officer,
    )
    stored = Referral.objects.get(pk=draft.pk)
    assert (stored.service, stored.reason, stored.urgency, stored.contact_person) == (
        other,
        "Νέος λόγος",
        Urgency.URGENT,
        social_worker,
    )
    assert changed.history.count() == 2

    consent()
    referral_send(referral=draft, by=officer)
    with pytest.raises(ValidationError) as refused:
        referral_update(
            referral=draft,
            service=other,
            reason="x",
            urgency=Urgency.ROUTINE,
            follow_up_on=None,
            contact_person=officer,
            by=officer,
        )
    assert _codes(refused.value) == ["not_a_draft"]


# --- sending and the consent rule --------------------------------------------------------------


def test_sending_with_a_valid_consent_stores_it_and_emails_the_partner(draft, officer, consent):
    given = consent()

    sent = referral_send(referral=draft, by=officer)

    stored = Referral.objects.get(pk=draft.pk)
    assert sent.status == stored.status == ReferralStatus.SENT
    assert stored.consent == given
    assert stored.sent_at is not None
    assert stored.override_by is None and stored.override_reason == ""
    step = ReferralStep.objects.get(referral=draft)
    assert (step.from_status, step.to_status, step.by, step.by_partner) == ("draft", "sent", officer, False)
    assert PartnerLink.objects.filter(referral=draft, revoked_at__isnull=True).count() == 1
    assert [m.to for m in mail.outbox] == [["intake@shelter.example.org"]]


def test_a_consent_naming_the_partner_by_its_english_name_counts(draft, officer, consent):
    given = consent(organisation=None, partner="solidarity shelter")

    assert referral_send(referral=draft, by=officer).consent == given


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"expires_on": dt.date.today() - dt.timedelta(days=1)}, id="expired"),
        pytest.param({"withdrawn_on": dt.date.today() - dt.timedelta(days=1)}, id="withdrawn"),
        pytest.param({"purpose": ConsentPurpose.DATA_PROCESSING}, id="another-purpose"),
        pytest.param({"organisation": None, "partner": "UNHCR"}, id="another-partner"),
    ],
)
def test_without_a_valid_consent_for_the_partner_sending_is_refused(draft, officer, consent, fields):
    if "expires_on" in fields:
        fields["given_on"] = fields["expires_on"] - dt.timedelta(days=30)
    consent(**fields)

    with pytest.raises(ValidationError) as refused:
        referral_send(referral=draft, by=officer)

    assert _codes(refused.value) == ["consent_missing"]
    assert "Solidarity Shelter" in refused.value.messages[0] or "Στέγη" in refused.value.messages[0]
    stored = Referral.objects.get(pk=draft.pk)
    assert stored.status == ReferralStatus.DRAFT and stored.sent_at is None
    assert not PartnerLink.objects.exists() and not mail.outbox


def test_a_consent_for_another_directory_organisation_does_not_count(draft, officer, consent, person):
    unhcr = Organisation.objects.create(
        name_el="Ύπατη Αρμοστεία", name_en="UNHCR", type=OrganisationType.INTERNATIONAL
    )
    consent(organisation=unhcr, partner=draft.service.organisation.name_el)

    with pytest.raises(ValidationError) as refused:
        referral_send(referral=draft, by=officer)

    assert _codes(refused.value) == ["consent_missing"]


def test_the_manager_must_write_a_reason_to_send_without_consent(draft, manager):
    with pytest.raises(ValidationError) as refused:
        referral_send(referral=draft, by=manager, override_reason="   ")

    assert _codes(refused.value) == {"override_reason": ["consent_missing"]}
    assert Referral.objects.get(pk=draft.pk).status == ReferralStatus.DRAFT


def test_an_officer_cannot_override_even_with_a_reason(draft, officer):
    with pytest.raises(ValidationError) as refused:
        referral_send(referral=draft, by=officer, override_reason="Επείγει")

    assert _codes(refused.value) == ["consent_missing"]


def test_the_managers_override_is_sealed_named_and_logged(draft, manager):
    sent = referral_send(referral=draft, by=manager, override_reason="Άστεγη απόψε, δεν μπορεί να υπογράψει.")

    stored = Referral.objects.get(pk=draft.pk)
    assert sent.status == stored.status == ReferralStatus.SENT
    assert stored.consent is None
    assert stored.override_by == manager
    assert stored.override_reason == "Άστεγη απόψε, δεν μπορεί να υπογράψει."
    event = AccessEvent.objects.get(action=OVERRIDE_ACTION)
    assert (event.user, event.subject_id, event.fields) == (
        manager,
        draft.beneficiary_id,
        ["referral.override_reason"],
    )
    last = stored.history.order_by("-history_date").first()
    assert last.override_by_id == manager.pk and last.history_user == manager


def test_with_a_valid_consent_the_managers_reason_is_not_kept(draft, manager, consent):
    consent()

    referral_send(referral=draft, by=manager, override_reason="not needed")

    stored = Referral.objects.get(pk=draft.pk)
    assert stored.override_reason == "" and stored.override_by is None
    assert not AccessEvent.objects.filter(action=OVERRIDE_ACTION).exists()


def test_a_partner_without_an_email_leaves_the_referral_a_draft(draft, officer, consent):
    Organisation.objects.filter(pk=draft.service.organisation_id).update(email="")
    consent()

    with pytest.raises(ValidationError) as refused:
        referral_send(referral=Referral.objects.get(pk=draft.pk), by=officer)

    assert _codes(refused.value) == ["partner_without_email"]
    assert Referral.objects.get(pk=draft.pk).status == ReferralStatus.DRAFT
    assert not ReferralStep.objects.exists()


def test_a_sent_referral_is_not_sent_again(draft, officer, consent):
    consent()
    referral_send(referral=draft, by=officer)

    with pytest.raises(ValidationError) as refused:
        referral_send(referral=draft, by=officer)

    assert _codes(refused.value) == ["not_a_draft"]


def test_sending_calls_the_link_service_once(draft, officer, consent, monkeypatch):
    calls = []
    monkeypatch.setattr("referrals.services.links.partner_link_send", lambda **kw: calls.append(kw))
    consent()

    referral_send(referral=draft, by=officer)

    assert len(calls) == 1 and calls[0]["referral"].pk == draft.pk and calls[0]["by"] == officer


def test_only_referring_staff_of_the_centre_send(draft, teacher, other_officer, consent):
    consent()
    for user in (teacher, other_officer):
        with pytest.raises(PermissionDenied):
            referral_send(referral=draft, by=user)


# --- withdrawing, answers and outcomes by phone ------------------------------------------------


@pytest.fixture
def sent(draft, officer, consent):
    consent()
    return referral_send(referral=draft, by=officer)


def test_a_sent_referral_is_withdrawn_with_who_and_when(sent, social_worker):
    referral_withdraw(referral=sent, by=social_worker)

    step = ReferralStep.objects.filter(referral=sent).last()
    assert (step.to_status, step.by) == (ReferralStatus.WITHDRAWN, social_worker)
    assert Referral.objects.get(pk=sent.pk).status == ReferralStatus.WITHDRAWN


def test_an_acceptance_by_phone_is_recorded(sent, officer):
    referral_record_answer(referral=sent, accepted=True, decline_reason="", by=officer)

    stored = Referral.objects.get(pk=sent.pk)
    assert stored.status == ReferralStatus.ACCEPTED and stored.responded_at is not None
    assert ReferralStep.objects.filter(
        referral=sent, to_status="accepted", by=officer, by_partner=False
    ).exists()


def test_a_decline_needs_the_partners_reason(sent, officer):
    with pytest.raises(ValidationError) as refused:
        referral_record_answer(referral=sent, accepted=False, decline_reason=" ", by=officer)
    assert _codes(refused.value) == {"decline_reason": ["decline_reason_required"]}

    referral_record_answer(referral=sent, accepted=False, decline_reason="Δεν υπάρχει θέση.", by=officer)

    stored = Referral.objects.get(pk=sent.pk)
    assert stored.status == ReferralStatus.DECLINED and stored.decline_reason == "Δεν υπάρχει θέση."


def test_an_outcome_needs_a_reason_and_completes_the_referral(sent, officer):
    referral_record_answer(referral=sent, accepted=True, by=officer)
    with pytest.raises(ValidationError) as refused:
        referral_record_outcome(referral=sent, successful=True, reason="", by=officer)
    assert _codes(refused.value) == {"reason": ["outcome_reason_required"]}

    referral_record_outcome(referral=sent, successful=False, reason="Δεν εμφανίστηκε.", by=officer)

    stored = Referral.objects.get(pk=sent.pk)
    assert stored.status == ReferralStatus.COMPLETED
    assert stored.outcome_successful is False and stored.outcome_reason == "Δεν εμφανίστηκε."
    assert stored.completed_at is not None


def test_an_outcome_before_an_acceptance_is_refused(sent, officer):
    with pytest.raises(ValidationError) as refused:
        referral_record_outcome(referral=sent, successful=True, reason="Πήγε καλά.", by=officer)

    assert _codes(refused.value) == ["transition_not_allowed"]


def test_only_referring_staff_of_the_centre_record_answers(sent, teacher, other_officer):
    for user in (teacher, other_officer):
        with pytest.raises(PermissionDenied):
            referral_record_answer(referral=sent, accepted=True, by=user)
        with pytest.raises(PermissionDenied):
            referral_withdraw(referral=sent, by=user)
