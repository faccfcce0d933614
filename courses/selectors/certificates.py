"""Finding certificates: for the staff who issue them, and by code for the public check.

A certificate's page and PDF answer like the class's pages: 404 for a class the user may not see,
403 for a role that may look at the class but not issue certificates (the front desk).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404

from courses import policy
from courses.codes import normalise_code
from courses.models import Certificate

VERIFIED_ACTION = "courses.certificate.verified"
VERIFIER = "public verification"


def printable_certificates() -> QuerySet[Certificate]:
    """Certificates with everything their PDF draws joined (no query per certificate)."""
    return Certificate.objects.select_related(
        "enrolment__beneficiary__person_key",
        "enrolment__course_class__course",
        "enrolment__course_class__centre",
    )


def class_printable_certificates(course_class: Any) -> QuerySet[Certificate]:
    """The certificates a class's batch prints: valid ones of people not erased, in number order."""
    return (
        printable_certificates()
        .filter(enrolment__course_class=course_class, revoked_at__isnull=True)
        .exclude(enrolment__beneficiary__person_key__shredded_at__isnull=False)
        .order_by("number")
    )


def certificate_for(user: Any, pk: Any) -> Certificate:
    """The certificate ``pk`` with what its PDF shows: 404 unless the user may see its class, 403
    unless they may issue the class's certificates."""
    try:
        certificate = printable_certificates().get(pk=pk)
    except (Certificate.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None
    course_class = certificate.enrolment.course_class
    if policy.sees_aggregates_only(user, course_class):
        raise PermissionDenied
    if not policy.may_see_class(user, course_class):
        raise Http404
    if not policy.may_issue_certificates(user, course_class):
        raise PermissionDenied
    return certificate


def certificate_by_code(text: str) -> Certificate | None:
    """The certificate a typed or scanned code names, or None: for a malformed code, an unknown
    one, and one whose holder was erased alike (the answer must not tell them apart)."""
    code = normalise_code(text)
    if code is None:
        return None
    certificate = printable_certificates().filter(code=code).first()
    if certificate is None or certificate.enrolment.beneficiary.is_shredded:
        return None
    return certificate
