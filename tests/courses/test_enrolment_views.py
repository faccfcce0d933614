"""Enrolment pages: from the class page (search the centre's people) and from the person's profile
(the "Enrol in a class" button), and ending a place after a confirmation. The three access tests
of each; messages name the class, never the person."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from courses.models import Enrolment, EnrolmentStatus
from courses.selectors.classes import LISTED_ACTION
from kem.models import AccessEvent

pytestmark = pytest.mark.django_db


def _login(client, user, english=False):
    client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- from the class page -----------------------------------------------------------------------


def test_the_front_desk_finds_a_person_from_the_class_page(client, officer, course_class, person):
    _login(client, officer)

    response = client.post(reverse("class-enrol", args=[course_class.pk]), {"q": "Amina"})

    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-person="{person.pk}"' in body and "Αμίνα Γιουσούφ" in body
    assert AccessEvent.objects.filter(action="kem.beneficiary.searched", user=officer).exists()


def test_the_front_desk_enrols_the_chosen_person_with_a_level(client, officer, course_class, person):
    _login(client, officer, english=True)
    url = reverse("class-enrol", args=[course_class.pk])
    assert "Αμίνα Γιουσούφ" in client.get(f"{url}?person={person.pk}").content.decode()

    response = client.post(
        url, {"beneficiary": str(person.pk), "placement_level": "A1", "placement_source": "teacher"}
    )

    enrolment = Enrolment.objects.get(beneficiary=person)
    assert response.status_code == 302 and response.url == course_class.get_absolute_url()
    assert (enrolment.status, enrolment.placement_level, enrolment.placement_source) == (
        "enrolled",
        "A1",
        "teacher",
    )
    assert _messages(response) == [f"Enrolled in {course_class}."]


def test_a_full_class_says_the_place_on_the_waiting_list(
    client, officer, make_class, make_person, person, enrol
):
    course_class = make_class(capacity=1)
    enrol(course_class, make_person())
    enrol(course_class, make_person())
    _login(client, officer, english=True)

    response = client.post(reverse("class-enrol", args=[course_class.pk]), {"beneficiary": str(person.pk)})

    assert Enrolment.objects.get(beneficiary=person).status == EnrolmentStatus.WAITLISTED
    (message,) = _messages(response)
    assert "number 2 on its waiting list" in message
    assert "Αμίνα" not in message and "Amina" not in message


def test_a_refusal_is_shown_on_the_page(client, officer, make_class, person, enrol):
    enrol(make_class(name="Α1 – πρωί", slots=((0, "08:00", "09:00"),)), person)
    other = make_class(slots=((4, "08:00", "09:00"),))
    _login(client, officer, english=True)

    response = client.post(reverse("class-enrol", args=[other.pk]), {"beneficiary": str(person.pk)})

    body = response.content.decode()
    assert response.status_code == 200
    assert "already in another class of this course (Α1 – πρωί)" in body
    assert not other.enrolments.exists()


def test_class_enrol_access(client, teacher, counsellor, other_officer, course_class):
    url = reverse("class-enrol", args=[course_class.pk])
    for user, expected in ((teacher, 403), (counsellor, 403), (other_officer, 404)):
        _login(client, user)
        assert client.get(url).status_code == expected


def test_another_centres_person_cannot_be_chosen(client, officer, course_class, make_person, thessaloniki):
    theirs = make_person("Ξένη", centre=thessaloniki)
    _login(client, officer)

    page = client.get(reverse("class-enrol", args=[course_class.pk]) + f"?person={theirs.pk}")
    client.post(reverse("class-enrol", args=[course_class.pk]), {"beneficiary": str(theirs.pk)})

    assert "Ξένη" not in page.content.decode()
    assert not Enrolment.objects.exists()


# --- from the profile --------------------------------------------------------------------------


def test_the_profile_offers_enrolment_to_the_front_desk_only(client, officer, counsellor, person):
    url = reverse("beneficiary-enrol", args=[person.pk])
    _login(client, officer)
    assert f'href="{url}"' in client.get(person.get_absolute_url()).content.decode()

    _login(client, counsellor)
    profile = client.get(person.get_absolute_url())
    assert profile.status_code == 200
    assert f'href="{url}"' not in profile.content.decode()


def test_enrolling_from_the_profile(client, officer, course_class, make_class, person):
    finished = make_class(status="finished")
    _login(client, officer)
    url = reverse("beneficiary-enrol", args=[person.pk])
    form = client.get(url).context["form"]
    choices = list(form.fields["course_class"].queryset)
    assert course_class in choices and finished not in choices

    response = client.post(url, {"course_class": str(course_class.pk)})

    assert response.status_code == 302 and response.url == person.get_absolute_url()
    assert Enrolment.objects.get(beneficiary=person).course_class == course_class
    url_after = client.get(url).context["form"].fields["course_class"].queryset
    assert course_class not in list(url_after)


def test_beneficiary_enrol_access(client, counsellor, other_officer, teacher, person):
    url = reverse("beneficiary-enrol", args=[person.pk])
    for user, expected in ((counsellor, 403), (teacher, 403), (other_officer, 404)):
        _login(client, user)
        assert client.get(url).status_code == expected


# --- ending a place ----------------------------------------------------------------------------


def test_dropping_out_asks_first_then_promotes_the_next(client, officer, make_class, make_person, enrol):
    course_class = make_class(capacity=1)
    seated = enrol(course_class, make_person("Μαριάμ", "Καρίμι"))
    waiting = enrol(course_class, make_person())
    _login(client, officer)
    url = reverse("enrolment-withdraw", args=[seated.pk])

    page = client.get(url).content.decode()
    assert "Μαριάμ Καρίμι" in page and 'data-action="confirm-withdraw"' in page
    assert AccessEvent.objects.filter(action=LISTED_ACTION, subject_id=seated.beneficiary_id).exists()
    seated.refresh_from_db()
    assert seated.status == "enrolled"

    response = client.post(url, {"how": "dropped"})

    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert response.status_code == 302
    assert (seated.status, waiting.status) == ("dropped", "enrolled")
    assert all("Μαριάμ" not in m for m in _messages(response))


def test_taking_someone_off_the_waiting_list(client, officer, make_class, make_person, enrol):
    course_class = make_class(capacity=1)
    enrol(course_class, make_person())
    waiting = enrol(course_class, make_person())
    _login(client, officer)

    client.post(reverse("enrolment-withdraw", args=[waiting.pk]))

    waiting.refresh_from_db()
    assert waiting.status == "withdrawn"


def test_an_ended_place_cannot_be_ended_again(client, officer, course_class, person, enrol):
    enrolment = enrol(course_class, person)
    _login(client, officer)
    client.post(reverse("enrolment-withdraw", args=[enrolment.pk]), {"how": "withdrawn"})

    assert client.get(reverse("enrolment-withdraw", args=[enrolment.pk])).status_code == 404


def test_withdraw_access(
    client, teacher, counsellor, other_officer, other_teacher, course_class, person, enrol
):
    enrolment = enrol(course_class, person)
    url = reverse("enrolment-withdraw", args=[enrolment.pk])
    for user, expected in ((teacher, 403), (counsellor, 403), (other_officer, 404), (other_teacher, 404)):
        _login(client, user)
        assert client.get(url).status_code == expected
        assert client.post(url, {"how": "withdrawn"}).status_code == expected
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"
