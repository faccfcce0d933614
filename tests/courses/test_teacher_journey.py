"""The teacher's browser journey on a 768×1024 tablet: a teacher opens today's lesson, marks two
learners absent and one late and saves; when the class has ended marks the results and downloads
a learner's certificate; the public verification page confirms its code and rejects a wrong one.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from courses.models import Attendance, AttendanceMark, Certificate, ClassStatus, EnrolmentStatus
from courses.services.classes import class_set_status
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def tablet(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport=TABLET, has_touch=True, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def running_class(make_class, teacher, lesson_on, make_person, enrol_in, manager):
    """A Greek A1 class ending today: four learners, four past lessons everyone attended, and
    today's lesson still to take."""
    today = timezone.localdate()
    course_class = make_class(
        teacher=teacher,
        start_date=today - dt.timedelta(days=14),
        end_date=today,
        status=ClassStatus.RUNNING,
    )
    names = [("Αμίνα", "Γιουσούφ"), ("Ομάρ", "Χαντάντ"), ("Λεϊλά", "Αχμαντί"), ("Άμπντι", "Ουαρσαμέ")]
    enrolments = [enrol_in(course_class, make_person(given, family)) for given, family in names]
    for days_ago in (13, 10, 6, 3):
        lesson = lesson_on(course_class, today - dt.timedelta(days=days_ago))
        Attendance.objects.bulk_create(
            Attendance(enrolment=e, lesson=lesson, mark=AttendanceMark.PRESENT, recorded_by=teacher)
            for e in enrolments
        )
    return course_class, enrolments, lesson_on(course_class, today)


def test_teacher_takes_attendance_records_results_and_the_certificate_verifies(
    tablet, live_server, teacher, manager, running_class
):
    course_class, (amina, omar, leila, abdi), today_lesson = running_class

    # Log in and open today's lesson from the home page in one tap.
    tablet.goto("/accounts/login/")
    tablet.fill("#id_username", teacher.username)
    tablet.fill("#id_password", PASSWORD)
    tablet.click("button[type=submit].primary")
    tablet.click(f"a[data-lesson='{today_lesson.pk}']")
    tablet.wait_for_selector("form[data-sheet]")
    assert tablet.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]

    # Two absent, one late, the fourth left at the default (present); one request saves it all.
    tablet.click(f"label[for='id_mark_{omar.pk}_3']")
    tablet.click(f"label[for='id_mark_{abdi.pk}_3']")
    tablet.click(f"label[for='id_mark_{leila.pk}_1']")
    tablet.click("[data-action=save-sheet]")
    tablet.wait_for_url("**/teaching/**")
    marks = dict(Attendance.objects.filter(lesson=today_lesson).values_list("enrolment_id", "mark"))
    assert marks == {
        amina.pk: AttendanceMark.PRESENT,
        omar.pk: AttendanceMark.ABSENT,
        leila.pk: AttendanceMark.LATE,
        abdi.pk: AttendanceMark.ABSENT,
    }

    # The manager closes the class; the teacher records results (everyone completed).
    class_set_status(course_class=course_class, status=ClassStatus.FINISHED, by=manager)
    tablet.goto(f"/classes/{course_class.pk}/results/")
    tablet.click("[data-action=save-results]")
    tablet.wait_for_selector(f"tr[data-enrolment='{amina.pk}'][data-status='graduated']")
    # Omar and Abdi missed one lesson of five (80%): still at the threshold, so they graduate too.
    statuses = dict(course_class.enrolments.values_list("pk", "status"))
    assert statuses[amina.pk] == EnrolmentStatus.GRADUATED
    assert statuses[omar.pk] == EnrolmentStatus.GRADUATED

    # Issue the certificates and download Amina's.
    tablet.click("[data-action=issue-certificates]")
    certificate = Certificate.objects.get(enrolment=amina)
    link = tablet.locator(f"a[data-certificate='{certificate.number}']")
    with tablet.expect_download() as download_info:
        link.click()
    with open(download_info.value.path(), "rb") as downloaded:
        pdf = PdfReader(io.BytesIO(downloaded.read()))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Ελληνικά Α1" in text
    assert "Αμίνα Γιουσούφ" in text
    assert certificate.code in text

    # The public page (a fresh visitor, no log-in) confirms the code and rejects a wrong one.
    visitor = tablet.context.browser.new_context(base_url=live_server.url, locale="en-US")
    page = visitor.new_page()
    page.goto("/certificates/verify/")
    page.fill("input[name=code]", certificate.code)
    page.click("form[data-form=verify] button[type=submit]")
    assert page.locator("[data-result=valid]").count() == 1
    assert page.locator("[data-field=holder]").inner_text().startswith("Αμίνα Γιουσούφ")
    assert page.locator("[data-field=number]").inner_text() == certificate.number
    page.fill("input[name=code]", "ABCDE-FGHJK-MNPQR-STVWX")
    page.click("form[data-form=verify] button[type=submit]")
    assert page.locator("[data-result=unknown]").count() == 1
    assert page.locator("[data-result=valid]").count() == 0
    visitor.close()
