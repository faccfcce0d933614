"""Certificates of attendance: issuing them to graduates, revoking one, and making their PDFs.

A certificate freezes, when issued, what it states: the holder's name as written (sealed with the
person's key, like the rest of their data), the hours attended and the attendance rate. Its number
is ``<centre id>-<year>-<sequence>`` and its verification code is random (``courses/codes.py``).
No PDF is kept: it is drawn from these fields when asked for, one at a time
(:func:`certificate_pdf`) or a whole class in the background (:func:`certificates_build_batch`,
the builder of ``DownloadKind.CERTIFICATES``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses import policy
from courses.certificate_pdf import draw_certificate, new_canvas
from courses.codes import new_code
from courses.models import Certificate, CourseClass, Enrolment, EnrolmentStatus
from courses.selectors.attendance import attendance_figures
from courses.selectors.certificates import class_printable_certificates
from kem.models import Centre, DownloadJob, DownloadKind
from kem.services.access_log import Access, access_record_many, role_at
from kem.services.downloads import new_file
from kem.services.records import record_save

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PRINT_ACTION = "courses.certificate.printed"


def _next_number(centre_id: int, year: int) -> str:
    prefix = f"{centre_id}-{year}-"
    taken = Certificate.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    sequence = max((int(number.rsplit("-", 1)[1]) for number in taken), default=0) + 1
    return f"{prefix}{sequence:04d}"


def _holder_names(enrolment: Enrolment) -> tuple[str, str]:
    person = enrolment.beneficiary
    native = f"{person.given_name} {person.family_name}".strip()
    latin = f"{person.given_name_latin} {person.family_name_latin}".strip()
    return native, latin


@transaction.atomic
def certificate_issue(*, enrolment: Enrolment, by: User) -> Certificate:
    """Issue the certificate of a graduate, or return the one already issued.

    Raises ``PermissionDenied`` unless ``by`` teaches the class or manages its centre, and
    ``ValidationError`` unless the learner graduated and their data still exists (not erased).
    Numbers run per centre and year without gaps; the centre's row lock keeps two issuers from
    taking the same number.
    """
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("beneficiary__person_key", "course_class__course", "course_class__centre")
        .get(pk=enrolment.pk)
    )
    course_class = enrolment.course_class
    if not policy.may_issue_certificates(by, course_class):
        raise PermissionDenied
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    if enrolment.status != EnrolmentStatus.GRADUATED:
        raise ValidationError(_("Only a graduate receives a certificate."), code="not_a_graduate")
    if enrolment.beneficiary.is_shredded:
        raise ValidationError(_("This person's data was erased."), code="person_erased")
    # Held until commit: the next issuer at this centre reads the numbers after this one's.
    list(Centre.objects.select_for_update().filter(pk=course_class.centre_id).values_list("pk", flat=True))
    figures = attendance_figures(course_class=course_class, enrolment_ids=[enrolment.pk])[enrolment.pk]
    holder_name, holder_name_latin = _holder_names(enrolment)
    today = timezone.localdate()
    certificate = Certificate(
        enrolment=enrolment,
        number=_next_number(course_class.centre_id, today.year),
        code=new_code(),
        hours_attended=figures.hours,
        attendance_percent=figures.percent,
        issued_on=today,
        issued_by=by,
    )
    # Sealed fields are set through their descriptors (the model's constructor takes them too).
    certificate.holder_name, certificate.holder_name_latin = holder_name, holder_name_latin
    record_save(certificate, by=by)
    return certificate


def certificates_issue_for_class(*, course_class: CourseClass, by: User) -> list[Certificate]:
    """Issue a certificate to every graduate of the class who has none yet; returns the new ones.

    Each is issued in its own transaction, so those issued stay issued if a later one fails;
    a graduate whose data was erased receives none.
    """
    if not policy.may_issue_certificates(by, course_class):
        raise PermissionDenied
    waiting = Enrolment.objects.filter(
        course_class=course_class,
        status=EnrolmentStatus.GRADUATED,
        certificate__isnull=True,
        beneficiary__person_key__shredded_at__isnull=True,
    ).order_by("pk")
    return [certificate_issue(enrolment=enrolment, by=by) for enrolment in waiting]


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by: User) -> Certificate:
    """Revoke a certificate issued in error (the centre's manager only); verification then says so."""
    if not policy.may_revoke_certificates(by, certificate.enrolment.course_class):
        raise PermissionDenied
    if certificate.revoked_at is not None:
        raise ValidationError(_("This certificate is already revoked."), code="already_revoked")
    certificate.revoked_at = timezone.now()
    record_save(certificate, by=by, update_fields=["revoked_at"])
    return certificate


# --- PDFs --------------------------------------------------------------------------------------


def holder_fields(certificate: Certificate) -> list[str]:
    """The sealed fields a printed or verified certificate shows, for the access log."""
    return ["certificate.holder_name"] + (
        ["certificate.holder_name_latin"] if certificate.holder_name_latin else []
    )


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a one-page PDF (Greek and English). The caller traces the reveal."""
    out = io.BytesIO()
    canvas = new_canvas(out, title=f"{_('Certificate of attendance')} {certificate.number}")
    draw_certificate(canvas, certificate)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _draw_batch(
    out: Any, certificates: list[Certificate], *, title: str, progress: Callable[[int], None]
) -> None:
    canvas = new_canvas(out, title=f"{_('Certificates of attendance')} {title}")
    for done, certificate in enumerate(certificates, start=1):
        draw_certificate(canvas, certificate)
        canvas.showPage()
        progress(done * 100 // (len(certificates) + 1))
    canvas.save()


def certificates_build_batch(job: DownloadJob, progress: Callable[[int], None]) -> tuple[str, str, str]:
    """Builder of ``DownloadKind.CERTIFICATES``: the valid certificates of ``job.params["class_id"]``
    in number order, one page each, in one PDF; returns (file name, content type, stored name).

    The asker's right is checked again here (they may have lost it since asking), and the names
    printed are traced as theirs.
    """
    course_class = CourseClass.objects.select_related("course", "centre").get(pk=job.params["class_id"])
    if not policy.may_issue_certificates(job.created_by, course_class):
        raise PermissionDenied
    certificates = list(class_printable_certificates(course_class))
    if not certificates:
        raise ValidationError(_("This class has no certificates to print."), code="no_certificates")
    with new_file(job, "pdf") as (stored_name, out):  # deleted again if drawing fails
        _draw_batch(out, certificates, title=str(course_class), progress=progress)
    role = role_at(job.created_by, course_class.centre_id)
    access_record_many(
        user=job.created_by,
        action=PRINT_ACTION,
        accesses=[
            Access(
                subject=c.enrolment.beneficiary,
                fields=tuple(holder_fields(c)),
                centre_id=course_class.centre_id,
                role=role,
            )
            for c in certificates
        ],
    )
    return f"certificates-{course_class.pk}.pdf", "application/pdf", stored_name


def certificate_batches_holding(beneficiary: Any) -> list[DownloadJob]:
    """Kept batches of certificates that may hold ``beneficiary``: those of every class they were
    enrolled in (a batch prints the class's certificates as they were when it was made).
    Registered with ``kem.registry.register_person_files``: erasing the person deletes them."""
    class_ids = {
        str(pk)
        for pk in Enrolment.objects.filter(beneficiary=beneficiary).values_list("course_class_id", flat=True)
    }
    if not class_ids:
        return []
    kept = DownloadJob.objects.filter(kind=DownloadKind.CERTIFICATES).exclude(stored_name="")
    return [job for job in kept if str(job.params.get("class_id")) in class_ids]
