"""Capacity holds under concurrency: twenty desks enrolling twenty people into the last seat of a
class at the same moment end with exactly one enrolled and nineteen waiting, in a clear order,
and no error (the class's row lock makes each enrolment count the seats the one before left)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from courses.models import Enrolment, EnrolmentStatus
from courses.selectors.classes import waiting_list
from courses.services.enrolment import enrolment_create

PEOPLE = 20


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_enrolments_into_the_last_seat_enrol_exactly_one(
    officer, make_class, make_person, enrol
):
    course_class = make_class(capacity=3)
    seated = [enrol(course_class, make_person()) for _ in range(2)]
    people = [make_person(f"Παράλληλη{n}") for n in range(PEOPLE)]
    start = threading.Barrier(PEOPLE)
    outcomes: list[str] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def enrol_one(person):
        # Each thread has its own database connection, closed when it ends.
        try:
            start.wait(timeout=30)
            enrolment = enrolment_create(course_class=course_class, beneficiary=person, by=officer)
            with lock:
                outcomes.append(enrolment.status)
        except Exception as error:  # every failure, not only a refusal, is what this test looks for
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enrol_one, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(outcomes) == ["enrolled"] + ["waitlisted"] * (PEOPLE - 1)
    new = Enrolment.objects.filter(beneficiary__in=people)
    assert new.filter(status=EnrolmentStatus.ENROLLED).count() == 1
    assert new.filter(status=EnrolmentStatus.WAITLISTED).count() == PEOPLE - 1
    assert course_class.enrolments.enrolled().count() == course_class.capacity == len(seated) + 1
    rows = waiting_list(course_class=course_class, user=officer)
    assert [row.position for row in rows] == list(range(1, PEOPLE))
    times = [row.waitlisted_at for row in rows]
    assert times == sorted(times) and len(set(times)) == PEOPLE - 1
    assert len({row.enrolment_id for row in rows}) == PEOPLE - 1
