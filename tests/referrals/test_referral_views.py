"""Referral pages: the centre's list, referring from a profile, a referral's page with its steps,
sending with the consent rule, withdrawing, the answer and outcome by phone; who may use them;
what is traced; the profile's button and timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from kem import services as kem_services
from kem.models import AccessEvent, Consent, ConsentMethod, ConsentPurpose, Role
from partners.models import Organisation, OrganisationType, PartnerService, ServiceCategory, WorkingArea
from referrals.models import Referral, ReferralStatus, ReferralStep
from referrals.selectors.referrals import READ_ACTION, referral_timeline
from referrals.services.referrals import referral_record_answer, referral_record_outcome, referral_send

pytestmark = pytest.mark.django_db

REASON = "Χρειάζεται στέγη για την ίδια και δύο παιδιά."


@pytest.fixture
def consent(person, officer, housing_partner):
    return Consent.objects.create(
        beneficiary=person,
        purpose=ConsentPurpose.REFERRAL,
        partner=housing_partner.organisation.name_el,
        organisation=housing_partner.organisation,
        given_on=timezone.localdate(),
        method=ConsentMethod.SIGNED_FORM,
        recorded_by=officer,
    )


@pytest.fixture
def legal_aid(db):
    organisation = Organisation.objects.create(
        name_el="Ομάδα Νομικής Βοήθειας",
        name_en="Legal Aid Group",
        type=OrganisationType.NGO,
        email="help@legal.example.org",
    )
    return PartnerService.objects.create(
        organisation=organisation,
        name_el="Νομική συμβουλή",
        name_en="Legal advice",
        category=ServiceCategory.LEGAL_AID,
    )


def form_groups(response):
    return response.context["form"].fields["service"].choices[1:]


def _form(service, officer, **fields):
    data = {
        "service": str(service.pk),
        "reason": REASON,
        "urgency": "soon",
        "follow_up_on": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        "contact_person": str(officer.pk),
        "action": "draft",
    }
    data.update(fields)
    return data


# --- referring from the profile ----------------------------------------------------------------


def test_the_profile_offers_the_button_to_those_who_refer(client, officer, person):
    client.force_login(officer)

    html = client.get(person.get_absolute_url()).content.decode()

    assert 'data-action="referral-new"' in html
    assert reverse("referral-new", args=[person.pk]) in html


def test_the_form_groups_services_by_area_and_defaults_the_contact_to_the_user(
    client, officer, person, housing_partner, legal_aid
):
    client.force_login(officer)

    response = client.get(reverse("referral-new", args=[person.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"]["contact_person"].value() == officer.pk
    groups = {str(area): [value for value, _ in options] for area, options in form_groups(response)}
    assert str(legal_aid.pk) in groups[str(WorkingArea.LEGAL.label)]
    assert str(housing_partner.pk) in groups[str(WorkingArea.HOUSING.label)]
    order = [str(label) for _, label in WorkingArea.choices]
    assert list(groups) == [label for label in order if label in groups]
    assert html.count("<optgroup") == len(groups)
    assert 'data-form="referral"' in html


def test_the_service_search_narrows_the_options(client, officer, person, housing_partner, legal_aid):
    client.force_login(officer)

    response = client.get(
        reverse("referral-new", args=[person.pk]), {"q": "legal"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert f'value="{legal_aid.pk}"' in html
    assert f'value="{housing_partner.pk}"' not in html


def test_saving_a_draft(client, officer, person, housing_partner):
    client.force_login(officer)

    response = client.post(reverse("referral-new", args=[person.pk]), _form(housing_partner, officer))

    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == referral.get_absolute_url()
    assert referral.status == ReferralStatus.DRAFT and referral.reason == REASON
    assert not mail.outbox


def test_sending_at_once_with_consent(client, officer, person, housing_partner, consent):
    client.force_login(officer)

    client.post(reverse("referral-new", args=[person.pk]), _form(housing_partner, officer, action="send"))

    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT and referral.consent == consent
    assert len(mail.outbox) == 1


def test_sending_at_once_without_consent_keeps_the_draft_and_says_what_to_do(
    client, officer, person, housing_partner
):
    client.force_login(officer)

    response = client.post(
        reverse("referral-new", args=[person.pk]), _form(housing_partner, officer, action="send"), follow=True
    )

    referral = Referral.objects.get()
    html = response.content.decode()
    assert referral.status == ReferralStatus.DRAFT
    assert response.redirect_chain[-1][0] == reverse("referral-send", args=[referral.pk])
    assert 'data-consent="missing"' in html
    assert reverse("consent-create", args=[person.pk]) in html
    assert 'name="override_reason"' not in html


def test_the_form_keeps_what_was_typed_and_shows_errors_by_the_field(
    client, officer, person, housing_partner
):
    client.force_login(officer)

    response = client.post(
        reverse("referral-new", args=[person.pk]),
        _form(
            housing_partner, officer, follow_up_on=(timezone.localdate() - dt.timedelta(days=2)).isoformat()
        ),
    )

    assert response.status_code == 200
    assert not Referral.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["follow_up_on"]
    assert REASON in response.content.decode()


def test_referring_needs_a_referring_role_and_the_persons_centre(
    client, teacher, other_officer, person, housing_partner
):
    url = reverse("referral-new", args=[person.pk])
    client.force_login(teacher)
    assert client.get(url).status_code == 403
    assert client.post(url, _form(housing_partner, teacher)).status_code == 403
    client.force_login(other_officer)
    assert client.get(url).status_code == 404
    assert not Referral.objects.exists()


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_the_centres_referrals_and_filters_them(
    client, officer, make_referral, legal_aid, other_officer, thessaloniki
):
    shelter = make_referral()
    legal = make_referral(service=legal_aid, status=ReferralStatus.SENT)
    late = make_referral(status=ReferralStatus.SENT, overdue_since=timezone.localdate())
    client.force_login(officer)
    url = reverse("referral-list")

    def shown(**params):
        html = client.get(url, params).content.decode()
        return {r.pk for r in (shelter, legal, late) if f'data-referral="{r.pk}"' in html}

    assert shown() == {shelter.pk, legal.pk, late.pk}
    assert shown(status="sent") == {legal.pk, late.pk}
    assert shown(area="legal") == {legal.pk}
    assert shown(organisation=legal_aid.organisation_id) == {legal.pk}
    assert shown(overdue="on") == {late.pk}
    html = client.get(url, {"area": "education"}).content.decode()
    assert 'data-empty="filtered"' in html
    client.force_login(other_officer)
    assert 'data-empty="none"' in client.get(url).content.decode()


def test_the_list_never_shows_the_reason(client, officer, make_referral):
    make_referral()
    client.force_login(officer)

    html = client.get(reverse("referral-list")).content.decode()

    assert REASON not in html
    assert not AccessEvent.objects.filter(action=READ_ACTION).exists()


def test_a_teacher_gets_403_for_the_list(client, teacher):
    client.force_login(teacher)

    assert client.get(reverse("referral-list")).status_code == 403


def test_the_list_costs_a_fixed_number_of_queries(
    client, officer, make_referral, athens, django_assert_max_num_queries
):
    make_referral()
    client.force_login(officer)
    url = reverse("referral-list")
    client.get(url)
    with django_assert_max_num_queries(12) as one:
        client.get(url)
    for i in range(10):
        person = kem_services.beneficiary_register(
            centre=athens,
            by=officer,
            data={"given_name": f"Όνομα{i}", "family_name": "Δοκιμή"},
            check_duplicates=False,
        )
        make_referral(beneficiary=person)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(url)

    assert len(response.context["referrals"]) == 11


# --- a referral's page -------------------------------------------------------------------------


def test_the_page_shows_the_reason_and_records_the_reading(client, officer, make_referral):
    referral = make_referral()
    client.force_login(officer)

    response = client.get(referral.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-sealed="reason"' in html and REASON in html
    event = AccessEvent.objects.get(action=READ_ACTION)
    assert (event.user, event.subject_id, event.fields) == (
        officer,
        referral.beneficiary_id,
        ["referral.reason"],
    )
    assert 'data-action="send"' in html and 'data-action="withdraw"' in html
    assert 'data-action="answer"' not in html


def test_a_teacher_of_the_centre_gets_403_and_another_centre_404(
    client, teacher, other_officer, make_referral
):
    referral = make_referral()
    for user, code in ((teacher, 403), (other_officer, 404)):
        client.force_login(user)
        assert client.get(referral.get_absolute_url()).status_code == code
    assert not AccessEvent.objects.filter(action=READ_ACTION).exists()


def test_an_unknown_referral_is_404(client, officer):
    client.force_login(officer)

    assert (
        client.get(reverse("referral-detail", args=["0" * 8 + "-0000-0000-0000-" + "0" * 12])).status_code
        == 404
    )


def test_the_steps_say_who_and_when_and_the_partners_step_says_the_partner(
    client, officer, make_referral, consent
):
    referral = make_referral()
    referral_send(referral=referral, by=officer)
    from referrals.services.transitions import referral_transition

    referral_transition(referral=referral, to_status=ReferralStatus.ACCEPTED, by_partner=True)
    client.force_login(officer)

    with translation.override("en"):
        html = client.get(referral.get_absolute_url(), headers={"accept-language": "en"}).content.decode()

    assert 'data-step="sent"' in html and 'data-step="accepted" data-by-partner' in html
    link = referral.links.get()
    assert f'data-link="{link.pk}" data-usable="true"' in html
    assert 'data-action="outcome"' in html


# --- sending -----------------------------------------------------------------------------------


def test_the_send_page_with_consent_sends(client, officer, make_referral, consent):
    referral = make_referral()
    client.force_login(officer)
    url = reverse("referral-send", args=[referral.pk])

    assert 'data-consent="valid"' in client.get(url).content.decode()
    response = client.post(url)

    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT


def test_an_officer_cannot_send_without_consent(client, officer, make_referral):
    referral = make_referral()
    client.force_login(officer)

    response = client.post(reverse("referral-send", args=[referral.pk]), {"override_reason": "Επείγει"})

    assert response.status_code == 200
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DRAFT
    assert response.context["form"].non_field_errors()


def test_the_manager_overrides_with_a_written_reason(client, manager, make_referral):
    referral = make_referral()
    client.force_login(manager)
    url = reverse("referral-send", args=[referral.pk])

    assert 'name="override_reason"' in client.get(url).content.decode()
    refused = client.post(url, {"override_reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["override_reason"]
    response = client.post(url, {"override_reason": "Άστεγη απόψε."})

    stored = Referral.objects.get(pk=referral.pk)
    assert response.status_code == 302
    assert stored.status == ReferralStatus.SENT and stored.override_by == manager


def test_sending_needs_a_referring_role_and_the_centre(
    client, teacher, other_officer, make_referral, consent
):
    referral = make_referral()
    url = reverse("referral-send", args=[referral.pk])
    for user, code in ((teacher, 403), (other_officer, 404)):
        client.force_login(user)
        assert client.post(url).status_code == code
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DRAFT


# --- withdrawing, answers and outcomes ---------------------------------------------------------


def test_withdrawing_asks_first_then_withdraws(client, officer, make_referral):
    referral = make_referral()
    client.force_login(officer)
    url = reverse("referral-withdraw", args=[referral.pk])

    confirm = client.get(url)
    assert 'data-action="confirm-withdraw"' in confirm.content.decode()
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DRAFT

    client.post(url)

    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.WITHDRAWN


def test_withdrawing_needs_a_referring_role_and_the_centre(client, teacher, other_officer, make_referral):
    referral = make_referral()
    url = reverse("referral-withdraw", args=[referral.pk])
    for user, code in ((teacher, 403), (other_officer, 404)):
        client.force_login(user)
        assert client.post(url).status_code == code
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.DRAFT


def test_recording_a_decline_needs_the_reason(client, officer, make_referral):
    referral = make_referral(status=ReferralStatus.SENT)
    client.force_login(officer)
    url = reverse("referral-answer", args=[referral.pk])

    refused = client.post(url, {"accepted": "no", "decline_reason": ""})
    assert refused.status_code == 200 and "decline_reason" in refused.context["form"].errors
    client.post(url, {"accepted": "no", "decline_reason": "Γεμάτοι."})

    stored = Referral.objects.get(pk=referral.pk)
    assert stored.status == ReferralStatus.DECLINED and stored.decline_reason == "Γεμάτοι."


def test_recording_an_acceptance_then_the_outcome(client, officer, make_referral):
    referral = make_referral(status=ReferralStatus.SENT)
    client.force_login(officer)

    client.post(reverse("referral-answer", args=[referral.pk]), {"accepted": "yes"})
    client.post(
        reverse("referral-outcome", args=[referral.pk]), {"successful": "yes", "reason": "Βρήκε στέγη."}
    )

    stored = Referral.objects.get(pk=referral.pk)
    assert stored.status == ReferralStatus.COMPLETED and stored.outcome_successful is True
    assert list(ReferralStep.objects.filter(referral=referral).values_list("to_status", flat=True)) == [
        "accepted",
        "completed",
    ]


def test_answers_and_outcomes_need_a_referring_role_and_the_centre(
    client, teacher, other_officer, make_referral
):
    referral = make_referral(status=ReferralStatus.SENT)
    for user, code in ((teacher, 403), (other_officer, 404)):
        client.force_login(user)
        assert (
            client.post(reverse("referral-answer", args=[referral.pk]), {"accepted": "yes"}).status_code
            == code
        )
        assert client.get(reverse("referral-outcome", args=[referral.pk])).status_code == code
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT


def test_a_draft_is_changed_on_its_edit_page(client, officer, make_referral, legal_aid):
    referral = make_referral()
    client.force_login(officer)
    url = reverse("referral-edit", args=[referral.pk])

    assert REASON in client.get(url).content.decode()
    client.post(url, _form(legal_aid, officer, reason="Άλλος λόγος"))

    stored = Referral.objects.get(pk=referral.pk)
    assert stored.service == legal_aid and stored.reason == "Άλλος λόγος"


# --- the profile timeline ----------------------------------------------------------------------


def test_the_timeline_shows_each_step_without_the_reason(client, officer, person, make_referral, consent):
    referral = make_referral()
    referral_send(referral=referral, by=officer)
    referral_record_answer(referral=referral, accepted=True, by=officer)
    referral_record_outcome(referral=referral, successful=True, reason="Βρήκε στέγη.", by=officer)

    with translation.override("en"):
        titles = [e.title for e in sorted(referral_timeline(person, officer), key=lambda e: e.at)]
    client.force_login(officer)
    html = client.get(person.get_absolute_url()).content.decode()

    assert titles == [
        "Referral to Solidarity Shelter drafted",
        "Referred to Solidarity Shelter",
        "Accepted by Solidarity Shelter",
        "Referral to Solidarity Shelter completed: successful",
    ]
    for kind in ("drafted", "sent", "accepted", "completed"):
        assert f'data-kind="referrals.referral.{kind}"' in html
    assert REASON not in html and "Βρήκε στέγη." not in html


def test_the_timeline_is_empty_for_roles_that_do_not_refer(person, teacher, make_referral):
    make_referral()

    assert referral_timeline(person, teacher) == []


def test_the_profile_of_another_centres_staff_has_no_button(client, make_staff, athens, person):
    client.force_login(make_staff(Role.TEACHER, athens))

    html = client.get(person.get_absolute_url()).content.decode()

    assert 'data-action="referral-new"' not in html
