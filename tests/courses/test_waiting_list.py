"""Waiting lists: first come, first served; a freed seat goes at once to the first person who can
take it (anyone a rule now stops keeps their place); the front desk's home page lists who was
promoted, and who was let go from a cancelled class, so that they are told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import ClassStatus, Enrolment, EnrolmentStatus
from courses.selectors.classes import LISTED_ACTION, waiting_list, waiting_position
from courses.services.classes import class_set_status
from courses.services.enrolment import enrolment_withdraw, waitlist_leave
from kem.models import AccessEvent, Role
from kem.selectors.timeline import beneficiary_timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_class(make_class, make_person, enrol):
    """A one-seat class, taken."""
    course_class = make_class(capacity=1)
    course_class.seated = enrol(course_class, make_person("Σεάτ"))
    return course_class


def _status(enrolment) -> str:
    enrolment.refresh_from_db()
    return enrolment.status


def test_people_wait_in_the_order_they_came(officer, full_class, make_person, enrol):
    people = [make_person(name) for name in ("Πρώτη", "Δεύτερη", "Τρίτη")]
    entries = [enrol(full_class, p) for p in people]

    rows = waiting_list(course_class=full_class, user=officer)

    assert [row.enrolment_id for row in rows] == [e.pk for e in entries]
    assert [row.position for row in rows] == [1, 2, 3]
    assert [waiting_position(enrolment=e) for e in entries] == [1, 2, 3]
    assert rows[0].name.startswith("Πρώτη")
    assert rows[0].days_waiting == 0


def test_days_waiting_count_from_when_the_person_was_put_on_the_list(officer, full_class, make_person, enrol):
    entry = enrol(full_class, make_person())
    Enrolment.objects.filter(pk=entry.pk).update(
        waitlisted_at=timezone.now() - dt.timedelta(days=12, hours=1)
    )

    assert waiting_list(course_class=full_class, user=officer)[0].days_waiting == 12


def test_a_withdrawal_promotes_the_first_person_waiting(officer, full_class, make_person, enrol):
    first, second = enrol(full_class, make_person()), enrol(full_class, make_person())

    enrolment_withdraw(enrolment=full_class.seated, by=officer)

    assert (_status(first), _status(second)) == ("enrolled", "waitlisted")
    first.refresh_from_db()
    assert first.enrolled_at is not None and first.waitlisted_at is not None
    assert first.history.first().history_user == officer
    assert waiting_position(enrolment=second) == 1


def test_a_drop_out_promotes_too(officer, full_class, make_person, enrol):
    first = enrol(full_class, make_person())

    enrolment_withdraw(enrolment=full_class.seated, by=officer, dropped=True)

    assert _status(first) == "enrolled"


def test_the_first_suitable_person_is_promoted_and_the_other_keeps_their_place(
    officer, full_class, make_class, make_course, make_person, enrol
):
    first, second = make_person(), make_person()
    first_entry, second_entry = enrol(full_class, first), enrol(full_class, second)
    # Meanwhile the first person was enrolled in an English class on Mondays at 11:00: it clashes.
    enrol(make_class(course=make_course(), slots=((0, "11:00", "13:00"),)), first)

    enrolment_withdraw(enrolment=full_class.seated, by=officer)

    assert (_status(first_entry), _status(second_entry)) == ("waitlisted", "enrolled")
    assert waiting_position(enrolment=first_entry) == 1


def test_leaving_the_waiting_list_moves_the_others_up_without_promoting(
    officer, full_class, make_person, enrol
):
    first, second = enrol(full_class, make_person()), enrol(full_class, make_person())

    waitlist_leave(enrolment=first, by=officer)

    assert (_status(first), _status(second)) == ("withdrawn", "waitlisted")
    assert waiting_position(enrolment=second) == 1
    assert full_class.enrolments.enrolled().count() == 1


def test_no_promotion_into_a_finished_class(manager, officer, full_class, make_person, enrol):
    waiting = enrol(full_class, make_person())
    class_set_status(course_class=full_class, status=ClassStatus.RUNNING, by=manager)
    class_set_status(course_class=full_class, status=ClassStatus.FINISHED, by=manager)

    assert _status(waiting) == "withdrawn"


def test_the_waiting_list_is_for_those_who_enrol(teacher, full_class, make_person, enrol):
    enrol(full_class, make_person())

    assert waiting_list(course_class=full_class, user=teacher) == []


def test_reading_the_waiting_list_is_access_logged(officer, full_class, make_person, enrol):
    waiting = enrol(full_class, make_person())

    waiting_list(course_class=full_class, user=officer)

    event = AccessEvent.objects.get(action=LISTED_ACTION, subject_id=waiting.beneficiary_id)
    assert event.user == officer
    assert set(event.fields) == {"given_name", "family_name"}


# --- the front desk is told --------------------------------------------------------------------


def test_the_front_desk_home_shows_who_was_promoted(client, officer, full_class, make_person, enrol):
    promoted = enrol(full_class, make_person("Φατιμά", "Αχμέτ"))
    enrolment_withdraw(enrolment=full_class.seated, by=officer)
    client.force_login(officer)

    body = client.get(reverse("home")).content.decode()

    assert body.count('data-panel="waiting-list-news"') == 1
    assert f'data-enrolment="{promoted.pk}" data-promoted' in body
    assert "Φατιμά Αχμέτ" in body
    assert 'data-count="promoted" data-n="1"' in body
    assert AccessEvent.objects.filter(
        action=LISTED_ACTION, user=officer, subject_id=promoted.beneficiary_id
    ).exists()


def test_a_person_enrolled_straight_away_is_not_news(client, officer, course_class, person, enrol):
    enrol(course_class, person)
    client.force_login(officer)

    body = client.get(reverse("home")).content.decode()

    assert 'data-empty="waiting-list-news"' in body
    assert "Αμίνα" not in body


def test_promotions_older_than_a_week_are_no_longer_shown(client, officer, full_class, make_person, enrol):
    promoted = enrol(full_class, make_person())
    enrolment_withdraw(enrolment=full_class.seated, by=officer)
    Enrolment.objects.filter(pk=promoted.pk).update(enrolled_at=timezone.now() - dt.timedelta(days=8))
    client.force_login(officer)

    response = client.get(reverse("home"))
    body = response.content.decode()

    assert response.status_code == 200
    assert 'data-empty="waiting-list-news"' in body
    assert f'data-enrolment="{promoted.pk}"' not in body


def test_people_of_a_cancelled_class_are_listed_to_be_told(
    client, officer, manager, full_class, make_person, enrol
):
    waiting = enrol(full_class, make_person("Ναντία"))
    class_set_status(course_class=full_class, status=ClassStatus.CANCELLED, by=manager)
    client.force_login(officer)

    body = client.get(reverse("home")).content.decode()

    assert 'data-count="let-go" data-n="2"' in body
    assert f'data-enrolment="{waiting.pk}" data-let-go' in body
    assert "Ναντία" in body


def test_a_front_desk_manager_sees_the_block_once_and_others_not_at_all(
    client, manager, athens, full_class, make_person, enrol, teacher, other_officer, officer
):
    from kem import services

    promoted = enrol(full_class, make_person())
    enrolment_withdraw(enrolment=full_class.seated, by=officer)
    services.membership_grant(centre=athens, user=manager, role=Role.FRONT_DESK)
    client.force_login(manager)
    assert client.get(reverse("home")).content.decode().count('data-panel="waiting-list-news"') == 1

    for user in (teacher, other_officer):
        client.force_login(user)
        body = client.get(reverse("home")).content.decode()
        assert f'data-enrolment="{promoted.pk}"' not in body


def test_the_profile_timeline_tells_the_waiting_and_the_promotion(
    client, officer, full_class, make_person, enrol
):
    person = make_person()
    entry = enrol(full_class, person)
    enrolment_withdraw(enrolment=full_class.seated, by=officer)
    client.force_login(officer)

    body = client.get(person.get_absolute_url()).content.decode()

    assert str(full_class) in body
    assert entry.course_class.get_absolute_url() in body
    kinds = [e.kind for e in beneficiary_timeline(beneficiary=person, user=officer)]
    assert "courses.enrolment.waitlisted" in kinds and "courses.enrolment.promoted" in kinds
    assert Enrolment.objects.get(pk=entry.pk).status == EnrolmentStatus.ENROLLED
