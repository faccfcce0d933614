"""Application help: the rules of starting and moving an application on, the services list, the
pages, and the profile timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import ApplicationStatus, BenefitApplication, BenefitService, ServiceArea
from cases.selectors.benefits import application_timeline
from cases.services.benefits import (
    benefit_application_start,
    benefit_application_update,
    benefit_service_create,
    benefit_service_update,
)
from kem import services as kem_services
from kem.models import Role
from kem.permissions import access_for
from kem.selectors.timeline import beneficiary_timeline

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def amka(db):
    return BenefitService.objects.get(code="amka")


@pytest.fixture
def gmi(db):
    return BenefitService.objects.get(code="gmi")


@pytest.fixture
def start(person, athens, officer, amka):
    """start(**fields) -> an application for ``person`` at Athens, started by the officer."""

    def make(**fields):
        fields.setdefault("beneficiary", person)
        fields.setdefault("centre", athens)
        fields.setdefault("service", amka)
        fields.setdefault("by", officer)
        return benefit_application_start(**fields)

    return make


def _codes(caught: pytest.ExceptionInfo, field: str) -> list[str]:
    return [e.code for e in caught.value.error_dict[field]]


# --- services: starting ------------------------------------------------------------------------


def test_starting_an_application_keeps_who_and_when(start, officer, amka):
    application = start(started_on=TODAY - 2 * DAY)

    assert application.status == ApplicationStatus.STARTED
    assert (application.service, application.recorded_by) == (amka, officer)
    assert application.started_on == TODAY - 2 * DAY
    assert application.history.get().history_user == officer


def test_an_application_starts_today_unless_told_otherwise(start):
    assert start().started_on == TODAY


def test_an_application_cannot_start_in_the_future(start):
    with pytest.raises(ValidationError) as caught:
        start(started_on=TODAY + DAY)

    assert _codes(caught, "started_on") == ["date_in_future"]
    assert not BenefitApplication.objects.exists()


def test_an_inactive_service_is_not_offered(start, amka, manager):
    benefit_service_update(service=amka, name_el=amka.name_el, name_en=amka.name_en, active=False, by=manager)
    amka.refresh_from_db()

    with pytest.raises(ValidationError) as caught:
        start(service=amka)

    assert _codes(caught, "service") == ["service_inactive"]


def test_the_linked_case_must_be_the_persons_own(start, make_case, social_worker, athens, officer):
    other = kem_services.beneficiary_register(
        centre=athens,
        by=officer,
        data={"given_name": "Άλλος", "family_name": "Άνθρωπος"},
        check_duplicates=False,
    )
    others_case = make_case(social_worker, area=ServiceArea.SOCIAL_BENEFITS, beneficiary=other)

    with pytest.raises(ValidationError) as caught:
        start(case=others_case)

    assert _codes(caught, "case") == ["case_not_of_person"]


def test_the_application_may_belong_to_the_persons_case(start, make_case, social_worker):
    case = make_case(social_worker, area=ServiceArea.SOCIAL_BENEFITS)

    assert start(case=case, by=social_worker).case == case


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_serve_people_may_not_start_one(start, make_staff, athens, role):
    with pytest.raises(PermissionDenied):
        start(by=make_staff(role, athens))


def test_staff_of_another_centre_may_not_start_one(start, other_psychologist):
    with pytest.raises(PermissionDenied):
        start(by=other_psychologist)


# --- services: moving on -----------------------------------------------------------------------


def test_an_application_moves_from_started_to_submitted_to_granted(start, psychologist):
    application = start(started_on=TODAY - 10 * DAY)

    benefit_application_update(
        application=application,
        status=ApplicationStatus.SUBMITTED,
        submitted_on=TODAY - 5 * DAY,
        by=psychologist,
    )
    application = benefit_application_update(
        application=application, status=ApplicationStatus.GRANTED, decided_on=TODAY - DAY, by=psychologist
    )

    assert application.status == ApplicationStatus.GRANTED
    assert (application.submitted_on, application.decided_on) == (TODAY - 5 * DAY, TODAY - DAY)
    assert application.history.first().history_user == psychologist


def test_the_date_of_the_step_taken_defaults_to_today(start, officer):
    application = start(started_on=TODAY - 3 * DAY)

    submitted = benefit_application_update(application=application, status="submitted", by=officer)
    assert (submitted.submitted_on, submitted.decided_on) == (TODAY, None)

    rejected = benefit_application_update(application=application, status="rejected", by=officer)
    assert (rejected.submitted_on, rejected.decided_on) == (TODAY, TODAY)


def test_a_decision_straight_from_started_needs_the_submission_date(start, officer):
    application = start(started_on=TODAY - 3 * DAY)

    with pytest.raises(ValidationError) as caught:
        benefit_application_update(application=application, status="granted", by=officer)
    assert _codes(caught, "submitted_on") == ["submitted_on_required"]

    granted = benefit_application_update(
        application=application, status="granted", submitted_on=TODAY - 2 * DAY, by=officer
    )
    assert (granted.submitted_on, granted.decided_on) == (TODAY - 2 * DAY, TODAY)


def test_dates_may_not_be_in_the_future(start, officer):
    application = start()

    with pytest.raises(ValidationError) as submitted:
        benefit_application_update(
            application=application, status="submitted", submitted_on=TODAY + DAY, by=officer
        )
    with pytest.raises(ValidationError) as decided:
        benefit_application_update(
            application=application, status="granted", submitted_on=TODAY, decided_on=TODAY + DAY, by=officer
        )

    assert _codes(submitted, "submitted_on") == ["date_in_future"]
    assert _codes(decided, "decided_on") == ["date_in_future"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.STARTED


def test_a_submission_is_not_before_the_start_nor_a_decision_before_the_submission(start, officer):
    application = start(started_on=TODAY - 5 * DAY)

    with pytest.raises(ValidationError) as early_submission:
        benefit_application_update(
            application=application, status="submitted", submitted_on=TODAY - 6 * DAY, by=officer
        )
    benefit_application_update(
        application=application, status="submitted", submitted_on=TODAY - 2 * DAY, by=officer
    )
    with pytest.raises(ValidationError) as early_decision:
        benefit_application_update(
            application=application, status="rejected", decided_on=TODAY - 3 * DAY, by=officer
        )

    assert _codes(early_submission, "submitted_on") == ["submitted_before_started"]
    assert _codes(early_decision, "decided_on") == ["decided_before_submitted"]


def test_an_application_never_moves_back_and_a_decision_is_final(start, officer):
    application = start(started_on=TODAY - 5 * DAY)
    benefit_application_update(application=application, status="submitted", by=officer)

    with pytest.raises(ValidationError) as backwards:
        benefit_application_update(application=application, status="started", by=officer)
    benefit_application_update(application=application, status="granted", by=officer)
    with pytest.raises(ValidationError) as after_decision:
        benefit_application_update(application=application, status="rejected", by=officer)

    assert _codes(backwards, "status") == ["status_not_allowed"]
    assert _codes(after_decision, "status") == ["status_not_allowed"]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED


def test_a_teacher_may_not_move_an_application_on(start, teacher):
    application = start()

    with pytest.raises(PermissionDenied):
        benefit_application_update(application=application, status="submitted", by=teacher)


# --- services: the list of administrative services ---------------------------------------------


def test_the_starting_list_of_services_is_seeded(db):
    codes = set(BenefitService.objects.values_list("code", flat=True))

    assert {
        "amka",
        "afm",
        "unemployment_card",
        "gmi",
        "housing_allowance",
        "residence_permit_renewal",
    } <= codes
    assert "school_enrolment" in codes


def test_a_manager_adds_and_deactivates_a_service(manager):
    service = benefit_service_create(
        code="ektaktos", name_el="Έκτακτο επίδομα", name_en="One-off allowance", by=manager
    )
    service = benefit_service_update(
        service=service, name_el="Έκτακτο επίδομα", name_en="One-off benefit", active=False, by=manager
    )

    assert (service.name_en, service.active) == ("One-off benefit", False)
    assert service.history.first().history_user == manager


def test_a_service_code_is_unique(manager):
    with pytest.raises(ValidationError) as caught:
        benefit_service_create(code="amka", name_el="Άλλο", name_en="Other", by=manager)

    assert "code" in caught.value.error_dict


def test_only_managers_keep_the_services_list(officer, amka):
    with pytest.raises(PermissionDenied):
        benefit_service_create(code="new", name_el="Νέο", name_en="New", by=officer)
    with pytest.raises(PermissionDenied):
        benefit_service_update(service=amka, name_el="x", name_en="x", active=False, by=officer)


# --- timeline ----------------------------------------------------------------------------------


def test_the_timeline_shows_each_step_of_the_application(start, person, officer, social_worker):
    application = start(started_on=TODAY - 4 * DAY)
    benefit_application_update(
        application=application, status="submitted", submitted_on=TODAY - 2 * DAY, by=officer
    )
    benefit_application_update(application=application, status="granted", by=social_worker)

    entries = [
        e for e in beneficiary_timeline(beneficiary=person, user=officer) if e.kind.startswith("cases.")
    ]

    assert [(e.kind, e.actor, e.at.date()) for e in entries] == [
        ("cases.application.granted", social_worker.username, TODAY),
        ("cases.application.submitted", officer.username, TODAY - 2 * DAY),
        ("cases.application.started", officer.username, TODAY - 4 * DAY),
    ]
    assert entries[0].url == reverse("benefit-application-edit", args=[application.pk])


def test_the_timeline_of_applications_costs_two_queries_however_many(
    start, person, officer, django_assert_max_num_queries
):
    for _ in range(6):
        benefit_application_update(application=start(), status="submitted", by=officer)
    access_for(officer)  # remembered for the request, as the profile page has it

    with django_assert_max_num_queries(2):
        entries = application_timeline(person, officer)

    assert len(entries) == 12


# --- pages: starting ---------------------------------------------------------------------------


def _start_post(service, **fields):
    return {"service": service.pk, "started_on": TODAY.isoformat(), **fields}


def test_the_front_desk_starts_application_help_from_the_profile(client, officer, person, amka):
    client.force_login(officer)
    url = reverse("benefit-application-new", args=[person.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, _start_post(amka))

    assert response.status_code == 302
    assert response.url == person.get_absolute_url()
    application = BenefitApplication.objects.get()
    assert (application.beneficiary, application.service, application.recorded_by) == (person, amka, officer)


def test_an_invalid_start_shows_the_error_and_keeps_the_input(client, officer, person, gmi):
    client.force_login(officer)

    response = client.post(
        reverse("benefit-application-new", args=[person.pk]),
        _start_post(gmi, started_on=(TODAY + DAY).isoformat()),
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"started_on"}
    assert f'value="{gmi.pk}" selected' in response.content.decode()
    assert not BenefitApplication.objects.exists()


def test_the_start_page_offers_the_persons_open_cases(client, social_worker, person, make_case):
    case = make_case(social_worker, area=ServiceArea.SOCIAL_BENEFITS)
    client.force_login(social_worker)

    response = client.get(reverse("benefit-application-new", args=[person.pk]))

    assert list(response.context["form"].fields["case"].queryset) == [case]


def test_a_teacher_may_not_start_application_help(client, teacher, person, amka):
    client.force_login(teacher)
    url = reverse("benefit-application-new", args=[person.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, _start_post(amka)).status_code == 403
    assert not BenefitApplication.objects.exists()


def test_another_centre_gets_404_for_the_start_page(client, other_psychologist, person, amka):
    client.force_login(other_psychologist)
    url = reverse("benefit-application-new", args=[person.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, _start_post(amka)).status_code == 404


# --- pages: the list ---------------------------------------------------------------------------


def test_the_list_filters_by_service_and_status(client, officer, start, amka, gmi):
    kept = start(service=gmi)
    benefit_application_update(application=start(service=gmi), status="submitted", by=officer)
    start(service=amka)
    client.force_login(officer)

    response = client.get(reverse("benefit-application-list"), {"service": gmi.pk, "status": "started"})

    assert response.status_code == 200
    assert [a.pk for a in response.context["page"].object_list] == [kept.pk]
    assert f'data-application="{kept.pk}"' in response.content.decode()


def test_the_list_shows_the_persons_name_and_an_empty_state(client, manager, start):
    client.force_login(manager)
    url = reverse("benefit-application-list")

    assert 'data-empty="no-applications"' in client.get(url).content.decode()
    start()
    assert "Ζαχρά Χοσεϊνί" in client.get(url).content.decode()
    assert 'data-empty="no-match"' in client.get(url, {"status": "granted"}).content.decode()


def test_the_list_costs_the_same_for_many_applications(
    client, officer, athens, start, django_assert_max_num_queries
):
    for n in range(12):
        person = kem_services.beneficiary_register(
            centre=athens,
            by=officer,
            data={"given_name": f"Όνομα{n}", "family_name": "Δοκιμή"},
            check_duplicates=False,
        )
        start(beneficiary=person)
    client.force_login(officer)

    with django_assert_max_num_queries(8):  # session, user, centres, access (2), count, services, rows
        response = client.get(reverse("benefit-application-list"))

    assert len(response.context["page"].object_list) == 12


def test_a_teacher_gets_403_for_the_list(client, teacher):
    client.force_login(teacher)

    assert client.get(reverse("benefit-application-list")).status_code == 403


def test_another_centre_gets_404_for_the_list(client, other_psychologist, athens, start):
    start()
    client.force_login(other_psychologist)

    assert client.get(reverse("benefit-application-list"), {"centre": athens.pk}).status_code == 404
    assert client.get(reverse("benefit-application-list")).status_code == 200  # their own, empty


# --- pages: moving on --------------------------------------------------------------------------


def test_a_counsellor_records_the_submission_then_the_decision(client, lawyer, start):
    application = start(started_on=TODAY - 3 * DAY)
    client.force_login(lawyer)
    url = reverse("benefit-application-edit", args=[application.pk])

    assert client.get(url).status_code == 200
    client.post(url, {"status": "submitted", "submitted_on": (TODAY - DAY).isoformat()})
    response = client.post(url, {"status": "rejected", "decided_on": TODAY.isoformat()})

    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.submitted_on, application.decided_on) == (
        ApplicationStatus.REJECTED,
        TODAY - DAY,
        TODAY,
    )
    assert 'data-empty="decided"' in client.get(url).content.decode()


def test_an_invalid_update_shows_the_error_by_its_field(client, officer, start):
    application = start(started_on=TODAY - 3 * DAY)
    client.force_login(officer)

    response = client.post(
        reverse("benefit-application-edit", args=[application.pk]),
        {"status": "submitted", "submitted_on": (TODAY - 4 * DAY).isoformat()},
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"submitted_on"}
    assert (TODAY - 4 * DAY).isoformat() in response.content.decode()


def test_a_teacher_gets_403_for_the_update_page(client, teacher, start):
    application = start()
    client.force_login(teacher)
    url = reverse("benefit-application-edit", args=[application.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"status": "submitted"}).status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.STARTED


def test_another_centre_gets_404_for_the_update_page(client, other_psychologist, start):
    application = start()
    client.force_login(other_psychologist)

    assert client.get(reverse("benefit-application-edit", args=[application.pk])).status_code == 404


# --- pages: the services list ------------------------------------------------------------------


def test_a_manager_lists_adds_and_edits_services(client, manager):
    client.force_login(manager)

    listing = client.get(reverse("benefit-service-list"))
    assert 'data-benefit-service="amka"' in listing.content.decode()

    response = client.post(
        reverse("benefit-service-new"),
        {"code": "social_tariff", "name_el": "Κοινωνικό τιμολόγιο", "name_en": "Social tariff"},
    )
    assert response.status_code == 302
    service = BenefitService.objects.get(code="social_tariff")

    response = client.post(
        reverse("benefit-service-edit", args=[service.pk]),
        {"name_el": "Κοινωνικό οικιακό τιμολόγιο", "name_en": "Social tariff"},  # "active" unticked
    )
    assert response.status_code == 302
    service.refresh_from_db()
    assert (service.name_el, service.active) == ("Κοινωνικό οικιακό τιμολόγιο", False)


def test_a_duplicate_service_code_is_shown_by_the_field(client, manager):
    client.force_login(manager)

    response = client.post(reverse("benefit-service-new"), {"code": "amka", "name_el": "Α", "name_en": "A"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"code"}


def test_the_front_desk_gets_403_for_the_services_pages(client, officer, amka):
    client.force_login(officer)

    assert client.get(reverse("benefit-service-list")).status_code == 403
    assert client.get(reverse("benefit-service-new")).status_code == 403
    response = client.post(reverse("benefit-service-edit", args=[amka.pk]), {"name_el": "x", "name_en": "x"})
    assert response.status_code == 403
    amka.refresh_from_db()
    assert amka.active


def test_a_user_of_no_centre_gets_404_for_the_services_pages(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))

    assert client.get(reverse("benefit-service-list")).status_code == 404
