"""Certificate numbers stay unique and gapless when several are issued at the same moment (the
centre's row lock orders the issuers), on PostgreSQL with real parallel connections."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.utils import timezone

from courses.models import Certificate, Enrolment, EnrolmentStatus
from courses.services.certificates import certificate_issue

ISSUERS = 8


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_issues_take_distinct_consecutive_numbers(course_class, teacher, make_person, enrol_in):
    graduates = [
        enrol_in(
            course_class, make_person(f"Ταυτόχρονη{n}"), status=EnrolmentStatus.GRADUATED, completed=True
        )
        for n in range(ISSUERS)
    ]
    start = threading.Barrier(ISSUERS)
    errors: list[Exception] = []
    lock = threading.Lock()

    def issue(enrolment_id: int) -> None:
        # Each thread has its own database connection and its own user object, closed at the end.
        try:
            start.wait(timeout=30)
            certificate_issue(
                enrolment=Enrolment.objects.get(pk=enrolment_id),
                by=get_user_model().objects.get(pk=teacher.pk),
            )
        except Exception as error:  # any failure, a duplicate number above all, is what this looks for
            with lock:
                errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(g.pk,)) for g in graduates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    prefix = f"{course_class.centre_id}-{timezone.localdate().year}-"
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [
        f"{prefix}{n:04d}" for n in range(1, ISSUERS + 1)
    ]
    assert Certificate.objects.values("code").distinct().count() == ISSUERS
