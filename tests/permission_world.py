"""The small world the permission matrix (tests/test_permission_matrix.py) asks its questions in.

Two centres: "own" (every subject of the matrix works there) and "other" (nobody of the matrix
does). Each centre holds one object of every kind a URL can name (a person, a consent, a case and
its session, an interpreter request, application help, a document reminder, a referral with a
partner link, an incoming referral, an employment case, a class with a lesson, an enrolment and its certificate, an
import, a ready download (its file under ``MEDIA_ROOT``), a closed day, a membership, an interpreter); the network's shared lists
(languages, benefit services, the partner directory, the course catalogue) hold one each.

Made on the models (and the registration service, which seals a person), so that the matrix does
not depend on the services it is checking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cases.models import (
    BenefitApplication,
    BenefitService,
    Case,
    DocumentReminder,
    Interpreter,
    InterpreterRequest,
    InterpretingMode,
    Language,
    OpenReason,
    ServiceArea,
    Session,
)
from cases.reference import seed_reference_data
from courses.models import (
    Certificate,
    ClassStatus,
    ClosedDay,
    Course,
    CourseClass,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    Level,
    ScheduleSlot,
    Subject,
)
from kem import services
from kem.models import Centre, Consent, Discipline, DownloadJob, ImportJob, Membership, Role
from kem.models.downloads import DownloadKind, DownloadStatus
from kem.models.people import ConsentMethod, ConsentPurpose
from kem.services.downloads import new_file
from partners.models import Organisation, OrganisationType, PartnerService, ServiceCategory, WorkingArea
from partners.reference import seed_directory
from referrals.models import IncomingReferral, PartnerLink, Referral
from referrals.services.links import link_token
from tests.factories import CentreFactory, staff

# The subjects of the matrix: who asks. All but "anonymous" work at the own centre.
# (name, role, discipline); "other_teacher" teaches at the own centre, but another class.
STAFF_SUBJECTS: tuple[tuple[str, str, str], ...] = (
    ("front_desk", Role.FRONT_DESK, ""),
    ("social", Role.COUNSELLOR, Discipline.SOCIAL),
    ("psychologist", Role.COUNSELLOR, Discipline.PSYCHOLOGICAL),  # keeps the (psychosocial) case
    ("lawyer", Role.COUNSELLOR, Discipline.LEGAL),
    ("career", Role.COUNSELLOR, Discipline.EMPLOYMENT),  # keeps the employment case
    ("teacher", Role.TEACHER, ""),
    ("other_teacher", Role.TEACHER, ""),
    ("manager", Role.MANAGER, ""),
    ("analyst", Role.ANALYST, ""),
    ("dpo", Role.DPO, ""),
)
SUBJECTS: tuple[str, ...] = ("anonymous", *(name for name, _role, _discipline in STAFF_SUBJECTS))

OWN, OTHER, NETWORK = "own", "other", "network"


@dataclass
class World:
    centres: dict[str, Centre]
    users: dict[str, Any]
    # where ("own", "other", "network") -> kind -> the value a URL parameter takes
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Strings that name the other centre's people and records: no answer to a subject may hold one.
    other_markers: tuple[str, ...] = ()
    # What the own centre's records keep from most eyes (name -> its text; FIELD_RULES say who sees it).
    secrets: dict[str, str] = field(default_factory=dict)
    media_root: str = ""  # where the world's download file is (MEDIA_ROOT while it is asked)


def _centre_objects(world: World, where: str, centre: Centre, people: dict[str, Any]) -> None:
    """One object of every centre-scoped kind at ``centre``; ``people`` are its staff by role."""
    officer, counsellor, teacher, manager = (
        people["front_desk"],
        people["psychologist"],
        people["teacher"],
        people["manager"],
    )
    label = "Ίδιο" if where == OWN else "Άλλο"
    person = services.beneficiary_register(
        centre=centre,
        by=officer,
        data={"given_name": f"Ζαχρά{label}", "family_name": f"Μητρώο{label}Κέντρο", "birth_year": 1990},
        check_duplicates=False,
    )
    consent = Consent.objects.create(
        beneficiary=person,
        purpose=ConsentPurpose.REFERRAL,
        method=ConsentMethod.SIGNED_FORM,
        recorded_by=officer,
    )
    case = Case.objects.create(
        beneficiary=person,
        centre=centre,
        area=ServiceArea.PSYCHOSOCIAL,
        counsellor=counsellor,
        open_reason=OpenReason.SELF,
        opened_by=counsellor,
    )
    employment_case = Case.objects.create(
        beneficiary=person,
        centre=centre,
        area=ServiceArea.EMPLOYMENT,
        counsellor=people["career"],
        open_reason=OpenReason.SELF,
        opened_by=people["career"],
    )
    tomorrow = timezone.now() + dt.timedelta(days=1)
    secrets = {
        "person_name": f"Μητρώο{label}Κέντρο",
        "session_summary": f"Σύνοψη{label}Συνεδρίας",
        "confidential_note": f"Απόρρητο{label}Σημείωμα",
    }
    session = Session.objects.create(
        case=case,
        counsellor=counsellor,
        starts_at=tomorrow,
        created_by=counsellor,
        summary=secrets["session_summary"],
        confidential_note=secrets["confidential_note"],
    )
    language = Language.objects.get(code="fa", dialect="")
    interpreter = Interpreter.objects.create(centre=centre, name=f"Διερμηνέας {label}")
    interpreter.languages.add(language)
    interpreter_request = InterpreterRequest.objects.create(
        beneficiary=person,
        centre=centre,
        language=language,
        mode=InterpretingMode.ON_SITE,
        starts_at=tomorrow,
        requested_by=officer,
    )
    application = BenefitApplication.objects.create(
        beneficiary=person, centre=centre, service=BenefitService.objects.first(), recorded_by=officer
    )
    reminder = DocumentReminder.objects.create(
        beneficiary=person, centre=centre, expires_on=timezone.localdate() + dt.timedelta(days=20)
    )
    referral = Referral.objects.create(
        beneficiary=person,
        centre=centre,
        service_id=world.params[NETWORK]["partner_service"],
        reason="Χρειάζεται στέγη.",
        contact_person=officer,
        consent=consent,
        created_by=officer,
        status="sent",
        sent_at=timezone.now(),
    )
    link = PartnerLink.objects.create(referral=referral, expires_at=timezone.now() + dt.timedelta(days=14))
    incoming = IncomingReferral.objects.create(
        beneficiary=person,
        centre=centre,
        organisation_id=world.params[NETWORK]["organisation"],
        area=WorkingArea.LEGAL,
        recorded_by=officer,
    )
    course = Course.objects.get(pk=world.params[NETWORK]["course"])
    taught = _class(course, centre, teacher, f"Α1 – {label} πρωί")
    if where == OWN:
        _class(course, centre, people["other_teacher"], f"Α1 – {label} απόγευμα")
    lesson = Lesson.objects.create(
        course_class=taught, date=dt.date(2027, 3, 1), starts_at=dt.time(10), ends_at=dt.time(12)
    )
    enrolment = Enrolment.objects.create(
        beneficiary=person,
        course_class=taught,
        status=EnrolmentStatus.ENROLLED,
        placement_level=Level.A1,
        enrolled_at=timezone.now(),
        created_by=officer,
    )
    certificate = Certificate.objects.create(
        enrolment=enrolment,
        number=f"MATRIX-{where}",
        code=f"MATRIX{where.upper()}CODE",
        holder_name=f"Ζαχρά {label}",
        hours_attended=50,
        attendance_percent=90,
        issued_by=teacher,
    )
    closed_day = ClosedDay.objects.create(centre=centre, date=dt.date(2027, 4, 14), created_by=manager)
    upload = ImportJob.objects.create(centre=centre, created_by=manager, file_format="csv", headers=["a"])
    download = DownloadJob.objects.create(
        kind=DownloadKind.STATISTICS,
        centre=centre,
        created_by=manager,
        status=DownloadStatus.READY,
        filename="statistics.csv",
        content_type="text/csv",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    with new_file(download, "csv") as (_name, out):  # sealed, as a builder writes it
        out.write(b"a,b\n1,2\n")
    download.save(update_fields=["stored_name", "file_key"])
    membership = Membership.objects.get(user=officer, centre=centre)
    world.params[where] = {
        "centre": centre.pk,
        "membership": membership.pk,
        "beneficiary": person.pk,
        "consent": consent.pk,
        "case": case.pk,
        "employment_case": employment_case.pk,
        "session": session.pk,
        "interpreter": interpreter.pk,
        "interpreter_request": interpreter_request.pk,
        "application": application.pk,
        "document_reminder": reminder.pk,
        "referral": referral.pk,
        "partner_link": link.pk,
        "partner_token": link_token(link),
        "incoming_referral": incoming.pk,
        "class": taught.pk,
        "lesson": lesson.pk,
        "enrolment": enrolment.pk,
        "certificate": certificate.pk,
        "certificate_code": certificate.code,
        "closed_day": closed_day.pk,
        "import": upload.pk,
        "download": download.pk,
    }
    if where == OWN:
        world.secrets = secrets
    else:
        world.other_markers = (
            *secrets.values(),
            str(person.pk),
            str(session.pk),
            str(interpreter_request.pk),
            str(referral.pk),
            str(incoming.pk),
            str(certificate.pk),
        )


def _class(course: Course, centre: Centre, teacher: Any, name: str) -> CourseClass:
    course_class = CourseClass.objects.create(
        course=course,
        centre=centre,
        name=name,
        cycle="2027 Α",
        capacity=20,
        start_date=dt.date(2027, 3, 1),
        end_date=dt.date(2027, 5, 31),
        status=ClassStatus.OPEN,
    )
    ScheduleSlot.objects.create(
        course_class=course_class, weekday=0, starts_at=dt.time(10), ends_at=dt.time(12)
    )
    course_class.teachers.add(teacher)
    assign_perm("courses.teach_class", teacher, course_class)
    return course_class


def build_world() -> World:
    """Create the world (in the caller's transaction) and return what the matrix needs of it."""
    if not Language.objects.exists() or not BenefitService.objects.exists():
        seed_reference_data()
    if not Organisation.objects.exists():
        seed_directory()
    own = CentreFactory(name_el="ΚΕΜ Ιδίου", name_en="KEM Own")
    other = CentreFactory(name_el="ΚΕΜ Άλλου", name_en="KEM Other", municipality="Θεσσαλονίκη")
    users = {
        name: staff(role=role, centre=own, discipline=discipline, username=f"matrix-{name}")
        for name, role, discipline in STAFF_SUBJECTS
    }
    # The other centre's staff make its records; none of them is a subject.
    other_people = {
        name: staff(role=role, centre=other, discipline=discipline, username=f"matrix-other-{name}")
        for name, role, discipline in STAFF_SUBJECTS
    }
    organisation = Organisation.objects.create(
        name_el="Στέγη Μήτρας", name_en="Matrix Shelter", type=OrganisationType.NGO, email="a@example.org"
    )
    partner_service = PartnerService.objects.create(
        organisation=organisation, name_el="Φιλοξενία", name_en="Shelter", category=ServiceCategory.SHELTER
    )
    course = Course.objects.create(
        name_el="Ελληνικά Α1", name_en="Greek A1", subject=Subject.GREEK, level=Level.A1, planned_hours=60
    )
    world = World(centres={OWN: own, OTHER: other}, users=users)
    world.params[NETWORK] = {
        "language": Language.objects.get(code="fa", dialect="").pk,
        "benefit_service": BenefitService.objects.first().pk,
        "organisation": organisation.pk,
        "partner_service": partner_service.pk,
        "course": course.pk,
    }
    _centre_objects(world, OWN, own, users)
    _centre_objects(world, OTHER, other, other_people)
    return world


__all__ = ["NETWORK", "OTHER", "OWN", "SUBJECTS", "World", "build_world", "get_user_model"]
