"""Certificates of attendance: issued to graduates only, numbered per centre and year, with an
unguessable code; the PDF in Greek and English with the Greek glyphs embedded; the class's
certificates issued and printed at once; who may fetch them."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from courses.codes import ALPHABET, normalise_code
from courses.models import AttendanceMark, Certificate, EnrolmentStatus
from courses.services.attendance import attendance_record
from courses.services.certificates import (
    PRINT_ACTION,
    certificate_issue,
    certificate_pdf,
    certificate_revoke,
)
from courses.services.results import results_record
from kem.models import AccessEvent, DownloadJob, DownloadStatus, Role
from kem.services.erasure import erase_files_of
from kem.vault.services import shred

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
CODE = re.compile(rf"^[{ALPHABET}]{{5}}(-[{ALPHABET}]{{5}}){{3}}$")


@pytest.fixture
def ended_class(make_class, teacher):
    return make_class(teacher=teacher, start_date=TODAY - 60 * DAY, end_date=TODAY - DAY)


@pytest.fixture
def graduate(ended_class, person, enrol_in, lesson_on, manager, teacher):
    """Αμίνα Γιουσούφ, present at four of five two-hour lessons (80%): a graduate."""
    enrolment = enrol_in(ended_class, person)
    for i in range(5):
        lesson = lesson_on(ended_class, TODAY - (5 - i) * DAY)
        mark = AttendanceMark.ABSENT if i == 2 else AttendanceMark.PRESENT
        attendance_record(lesson=lesson, marks={enrolment.pk: mark}, by=manager)
    results_record(course_class=ended_class, results={enrolment.pk: {"completed": True}}, by=teacher)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.GRADUATED
    return enrolment


@pytest.fixture
def graduates_of(make_person, enrol_in):
    """graduates_of(course_class, n) -> n enrolments marked graduated directly."""

    def make(course_class, n: int):
        return [
            enrol_in(
                course_class, make_person(f"Απόφοιτος{i}"), status=EnrolmentStatus.GRADUATED, completed=True
            )
            for i in range(n)
        ]

    return make


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --- issuing -------------------------------------------------------------------------------------


def test_a_graduate_receives_a_numbered_certificate_with_a_random_code(graduate, teacher, athens):
    certificate = certificate_issue(enrolment=graduate, by=teacher)

    assert certificate.number == f"{athens.pk}-{TODAY.year}-0001"
    assert CODE.match(certificate.code)
    assert (certificate.holder_name, certificate.holder_name_latin) == ("Αμίνα Γιουσούφ", "Amina Yusuf")
    assert (certificate.hours_attended, certificate.attendance_percent) == (Decimal("8.00"), Decimal("80.00"))
    assert (certificate.issued_on, certificate.issued_by, certificate.is_valid) == (TODAY, teacher, True)
    assert certificate.history.get().history_user == teacher


def test_the_name_is_sealed_in_the_database(graduate, teacher):
    certificate = certificate_issue(enrolment=graduate, by=teacher)

    stored = Certificate.objects.filter(pk=certificate.pk).values_list("holder_name_sealed", flat=True).get()
    assert "Αμίνα" not in stored and "Amina" not in stored
    assert Certificate.objects.get(pk=certificate.pk).holder_name == "Αμίνα Γιουσούφ"


def test_issuing_again_returns_the_same_certificate(graduate, teacher, manager):
    first = certificate_issue(enrolment=graduate, by=teacher)

    again = certificate_issue(enrolment=graduate, by=manager)

    assert again.pk == first.pk
    assert Certificate.objects.count() == 1


def test_what_the_certificate_states_is_frozen_when_issued(graduate, teacher, manager, ended_class):
    certificate = certificate_issue(enrolment=graduate, by=teacher)
    later = ended_class.lessons.order_by("date").last()
    attendance_record(lesson=later, marks={graduate.pk: AttendanceMark.ABSENT}, by=manager)

    certificate.refresh_from_db()
    assert certificate.attendance_percent == Decimal("80.00")


def test_only_graduates_receive_certificates(ended_class, teacher, enrol_in, make_person):
    for status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED, EnrolmentStatus.DROPPED):
        enrolment = enrol_in(ended_class, make_person(), status=status)
        with pytest.raises(ValidationError) as refused:
            certificate_issue(enrolment=enrolment, by=teacher)
        assert refused.value.error_list[0].code == "not_a_graduate"
    assert not Certificate.objects.exists()


def test_only_the_classs_teacher_or_the_centres_manager_issue(
    graduate, other_teacher, officer, other_manager
):
    for user in (other_teacher, officer, other_manager):
        with pytest.raises(PermissionDenied):
            certificate_issue(enrolment=graduate, by=user)


def test_numbers_run_per_centre_and_codes_never_repeat(
    ended_class, make_class, teacher, graduates_of, make_staff, thessaloniki
):
    here = graduates_of(ended_class, 3)
    elsewhere_teacher = make_staff(Role.TEACHER, thessaloniki)
    elsewhere_class = make_class(teacher=elsewhere_teacher, centre=thessaloniki)
    there = graduates_of(elsewhere_class, 1)

    issued = [certificate_issue(enrolment=e, by=teacher) for e in here]
    issued.append(certificate_issue(enrolment=there[0], by=elsewhere_teacher))

    centre, year = ended_class.centre_id, TODAY.year
    assert [c.number for c in issued] == [
        f"{centre}-{year}-0001",
        f"{centre}-{year}-0002",
        f"{centre}-{year}-0003",
        f"{thessaloniki.pk}-{year}-0001",
    ]
    assert len({c.code for c in issued}) == 4


def test_a_code_is_read_back_however_it_is_typed():
    code = "7K2QF-M9XHD-R4TZA-0WBCE"

    assert normalise_code(" 7k2qf m9xhd-r4tza 0wbce ") == code
    assert normalise_code("7K2QFM9XHDR4TZAOWBCE") == code  # O typed for 0
    assert normalise_code("7K2QF-M9XHD-R4TZA") is None
    assert normalise_code("7K2QF-M9XHD-R4TZA-0WBCU") is None  # U is not in the alphabet
    assert normalise_code("") is None


def test_the_certificate_of_an_erased_person_is_not_issued(graduate, teacher):
    shred(graduate.beneficiary)

    with pytest.raises(ValidationError) as refused:
        certificate_issue(enrolment=graduate, by=teacher)

    assert refused.value.error_list[0].code == "person_erased"


def test_the_manager_revokes_a_certificate_the_teacher_may_not(graduate, teacher, manager):
    certificate = certificate_issue(enrolment=graduate, by=teacher)

    with pytest.raises(PermissionDenied):
        certificate_revoke(certificate=certificate, by=teacher)
    certificate_revoke(certificate=certificate, by=manager)

    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and not certificate.is_valid


# --- the PDF -------------------------------------------------------------------------------------


def test_the_pdf_holds_the_greek_course_name_and_the_learners_name(graduate, teacher, settings):
    settings.KEM_SITE_URL = "https://kem.example.gr"
    certificate = certificate_issue(enrolment=graduate, by=teacher)

    pdf = certificate_pdf(certificate)

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = _text(pdf)
    assert "Ελληνικά Α1" in text
    assert "Greek A1" in text
    assert "Αμίνα Γιουσούφ" in text
    assert "Amina Yusuf" in text
    assert certificate.number in text
    assert certificate.code in text
    assert f"https://kem.example.gr/certificates/verify/{certificate.code}/" in text


def test_the_pdf_embeds_its_fonts(graduate, teacher):
    pdf = certificate_pdf(certificate_issue(enrolment=graduate, by=teacher))

    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    descriptors = [font.get_object()["/FontDescriptor"].get_object() for font in fonts.values()]
    assert descriptors and all("/FontFile2" in d for d in descriptors)
    assert all("DejaVuSans" in str(font.get_object()["/BaseFont"]) for font in fonts.values())


# --- the pages -----------------------------------------------------------------------------------


def test_the_teacher_fetches_the_pdf_and_the_look_is_traced(client, graduate, teacher):
    certificate = certificate_issue(enrolment=graduate, by=teacher)
    client.force_login(teacher)

    response = client.get(reverse("certificate-pdf", args=[certificate.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Αμίνα Γιουσούφ" in _text(response.content)
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    event = AccessEvent.objects.get(action=PRINT_ACTION)
    assert certificate.holder_name_latin  # printed under the name, so logged with it
    assert (event.user, event.subject_id, event.fields) == (
        teacher,
        graduate.beneficiary_id,
        ["certificate.holder_name", "certificate.holder_name_latin"],
    )


def test_the_front_desk_gets_403_on_a_certificate(client, graduate, teacher, officer):
    certificate = certificate_issue(enrolment=graduate, by=teacher)
    client.force_login(officer)

    assert client.get(reverse("certificate-pdf", args=[certificate.pk])).status_code == 403


def test_another_centre_and_another_teacher_get_404_on_a_certificate(
    client, graduate, teacher, other_manager, other_teacher
):
    certificate = certificate_issue(enrolment=graduate, by=teacher)
    for user in (other_manager, other_teacher):
        client.force_login(user)
        assert client.get(reverse("certificate-pdf", args=[certificate.pk])).status_code == 404
    assert not AccessEvent.objects.filter(action=PRINT_ACTION).exists()


def test_the_class_page_issues_certificates_to_all_graduates(
    client, ended_class, teacher, graduates_of, enrol_in, make_person
):
    graduates = graduates_of(ended_class, 3)
    enrol_in(ended_class, make_person(), status=EnrolmentStatus.COMPLETED)
    certificate_issue(enrolment=graduates[0], by=teacher)
    client.force_login(teacher)

    response = client.post(reverse("class-certificates-issue", args=[ended_class.pk]))

    assert response.status_code == 302
    assert set(Certificate.objects.values_list("enrolment_id", flat=True)) == {g.pk for g in graduates}
    assert client.post(reverse("class-certificates-issue", args=[ended_class.pk])).status_code == 302
    assert Certificate.objects.count() == 3


def test_the_front_desk_may_not_issue_or_print_a_class(client, ended_class, officer, graduates_of):
    graduates_of(ended_class, 1)
    client.force_login(officer)

    assert client.post(reverse("class-certificates-issue", args=[ended_class.pk])).status_code == 403
    assert client.post(reverse("class-certificates-print", args=[ended_class.pk])).status_code == 403
    assert not Certificate.objects.exists()
    assert not DownloadJob.objects.exists()


def test_printing_a_class_makes_one_pdf_in_the_background(
    client, ended_class, teacher, graduates_of, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    graduates = graduates_of(ended_class, 3)
    for enrolment in graduates:
        certificate_issue(enrolment=enrolment, by=teacher)
    revoked = certificate_issue(enrolment=graduates_of(ended_class, 1)[0], by=teacher)
    revoked.revoked_at = timezone.now()
    revoked.save()
    client.force_login(teacher)

    # Without a broker the task runs in-process once the request's transaction commits, as in
    # the embedded profile (tests/courses/test_certificate_batch_worker.py uses a real worker).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("class-certificates-print", args=[ended_class.pk]))

    job = DownloadJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.status, job.progress, job.params, job.created_by) == (
        DownloadStatus.READY,
        100,
        {"class_id": ended_class.pk},
        teacher,
    )
    reader = PdfReader(job.open_file())
    assert len(reader.pages) == 3
    text = "\n".join(page.extract_text() for page in reader.pages)
    for enrolment in graduates:
        assert enrolment.certificate.number in text
        assert enrolment.beneficiary.given_name in text
    assert revoked.number not in text
    assert AccessEvent.objects.filter(action=PRINT_ACTION, user=teacher).count() == 3
    assert "Απόφοιτος" not in job.filename


def test_the_manager_revokes_from_a_confirmation_page(client, graduate, teacher, manager):
    certificate = certificate_issue(enrolment=graduate, by=teacher)
    url = reverse("certificate-revoke", args=[certificate.pk])
    client.force_login(teacher)
    assert client.get(url).status_code == 403
    client.force_login(manager)

    page = client.get(url)
    response = client.post(url)

    assert page.status_code == 200 and 'data-action="revoke"' in page.content.decode()
    assert response.status_code == 302
    certificate.refresh_from_db()
    assert not certificate.is_valid
    results = client.get(reverse("class-results", args=[graduate.course_class_id])).content.decode()
    assert f'data-revoked="{certificate.number}"' in results
    assert client.get(reverse("certificate-pdf", args=[certificate.pk])).status_code == 302


def test_a_class_with_nothing_to_print_queues_no_job_and_says_so(
    client, ended_class, teacher, graduates_of, django_capture_on_commit_callbacks
):
    graduates_of(ended_class, 2)  # graduates, but no certificate issued yet
    client.force_login(teacher)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("class-certificates-print", args=[ended_class.pk]), follow=True)

    assert response.redirect_chain == [(reverse("class-results", args=[ended_class.pk]), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["info"]
    assert not DownloadJob.objects.exists() and callbacks == []


def _print_batch(client, course_class, django_capture_on_commit_callbacks) -> DownloadJob:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("class-certificates-print", args=[course_class.pk]))
    return DownloadJob.objects.filter(params={"class_id": course_class.pk}).latest("created_at")


def test_a_batch_is_sealed_on_disk_and_erasing_a_learner_deletes_it_and_its_key(
    client,
    ended_class,
    make_class,
    teacher,
    graduates_of,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path
    graduates = graduates_of(ended_class, 2)
    other_class = make_class(teacher=teacher, start_date=TODAY - 60 * DAY, end_date=TODAY - DAY)
    others = graduates_of(other_class, 1)
    for enrolment in [*graduates, *others]:
        certificate_issue(enrolment=enrolment, by=teacher)
    client.force_login(teacher)
    batch = _print_batch(client, ended_class, django_capture_on_commit_callbacks)
    other_batch = _print_batch(client, other_class, django_capture_on_commit_callbacks)
    assert batch.status == other_batch.status == DownloadStatus.READY

    on_disk = batch.path.read_bytes()
    assert b"%PDF" not in on_disk and graduates[0].certificate.number.encode() not in on_disk
    assert batch.open_file().read().startswith(b"%PDF")
    assert batch.size == len(batch.open_file().read())
    assert batch.file_key.startswith("kem1:")
    path = batch.path

    erased = erase_files_of(graduates[0].beneficiary)

    assert erased.downloads == 1
    batch.refresh_from_db()
    assert not path.exists()
    assert (batch.stored_name, batch.file_key, batch.status) == ("", None, DownloadStatus.EXPIRED)
    client.force_login(teacher)
    assert client.get(reverse("download-file", args=[batch.pk])).status_code == 404
    other_batch.refresh_from_db()
    assert other_batch.is_ready and other_batch.path.exists()
    assert PdfReader(other_batch.open_file()).pages
