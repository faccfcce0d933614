"""A network analyst sees aggregates only: every page and API endpoint about a person answers 403.

The pages and endpoints are taken from the URL resolver, so a new person page is covered as soon as
it exists: its name says what it is about (beneficiary, case, session, interpreter request,
referral, enrolment, …) and its path's first segment says which object to ask for. A page whose
path names an object this file does not build fails the test with the route to add, rather than
pass untested. Public pages (a partner's link, a certificate check) are not staff pages and are
recognised by answering an anonymous visitor without asking them to log in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import (
    BenefitApplication,
    BenefitService,
    Case,
    DocumentReminder,
    InterpreterRequest,
    Language,
    OpenReason,
    ServiceArea,
    Session,
)
from cases.reference import seed_reference_data
from courses.models import (
    Certificate,
    ClassStatus,
    Course,
    CourseClass,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    Level,
    Subject,
)
from kem import services
from kem.models import Consent, ConsentMethod, ConsentPurpose, Discipline, Role
from partners.models import Organisation, PartnerService, WorkingArea
from partners.reference import seed_directory
from referrals.models import IncomingReferral, PartnerLink, Referral

pytestmark = pytest.mark.django_db

# Words in a URL name that make it a page or endpoint about a person.
PERSON_WORDS = (
    "beneficiar",
    "person",
    "people",
    "consent",
    "household",
    "case",
    "session",
    "outcome",
    "interpreter-request",
    "referral",
    "partner-link",
    "benefit-application",
    "document-reminder",
    "calendar",
    "enrol",
    "waitlist",
    "waiting",
    "attendance",
    "roster",
    "learner",
    "certificate",
)
# The object a path's leading segments name, most specific first.
PREFIXES = [
    ("referrals/links/", "partner_link"),
    ("beneficiaries/", "person"),
    ("consents/", "consent"),
    ("cases/", "case"),
    ("sessions/", "session"),
    ("interpreter-requests/", "interpreter_request"),
    ("applications/", "application"),
    ("document-reminders/", "reminder"),
    ("incoming-referrals/", "incoming_referral"),
    ("referrals/", "referral"),
    ("enrolments/", "enrolment"),
    ("classes/", "course_class"),
    ("lessons/", "lesson"),
    ("certificates/", "certificate"),
]
# API basenames -> the object their detail routes take.
API_OBJECTS = {
    "beneficiary": "person",
    "case": "case",
    "session": "session",
    "interpreter-request": "interpreter_request",
    "referral": "referral",
    "incoming-referral": "incoming_referral",
    "enrolment": "enrolment",
    "class": "course_class",
    "lesson": "lesson",
    "attendance": "lesson",
    "certificate": "certificate",
}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    kwargs: tuple[str, ...]
    api: bool


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            route = prefix + str(pattern.pattern)
            kwargs = tuple(_kwargs(route))
            yield Route(namespace + pattern.name, route, kwargs, api=namespace.startswith("api:"))


def _kwargs(route: str) -> list[str]:
    return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)]


def person_routes() -> list[Route]:
    """Every named page and API route about a person (format-suffix variants left out)."""
    found = {}
    for route in _walk(get_resolver().url_patterns):
        if route.name.startswith("admin:") or "format" in route.kwargs:
            continue
        if any(word in route.name.split(":")[-1] for word in PERSON_WORDS):
            found.setdefault((route.name, route.route), route)
    return list(found.values())


@pytest.fixture
def objects(athens, make_staff):
    """One of everything a person page can be about, at Athens."""
    officer = make_staff(Role.FRONT_DESK, athens)
    counsellor = make_staff(Role.COUNSELLOR, athens, Discipline.LEGAL)
    seed_reference_data()
    seed_directory()
    person = services.beneficiary_register(
        centre=athens,
        by=officer,
        data={"given_name": "Ζαΐρα", "family_name": "Ιντζέ", "birth_year": 1991},
        check_duplicates=False,
    )
    now = timezone.now()
    case = Case.objects.create(
        beneficiary=person,
        centre=athens,
        area=ServiceArea.LEGAL,
        counsellor=counsellor,
        open_reason=OpenReason.FRONT_DESK,
        opened_by=counsellor,
    )
    session = Session(case=case, counsellor=counsellor, starts_at=now, created_by=counsellor)
    session.save()
    interpreter_request = InterpreterRequest(
        beneficiary=person,
        centre=athens,
        language=Language.objects.first(),
        starts_at=now + dt.timedelta(days=2),
        requested_by=officer,
    )
    interpreter_request.save()
    service = PartnerService.objects.filter(area=WorkingArea.HOUSING).first()
    referral = Referral(
        beneficiary=person, centre=athens, service=service, contact_person=officer, created_by=officer
    )
    referral.reason = "Χρειάζεται στέγη."
    referral.save()
    incoming = IncomingReferral(
        beneficiary=person,
        centre=athens,
        organisation=Organisation.objects.first(),
        area=WorkingArea.HOUSING,
        recorded_by=officer,
    )
    incoming.save()
    course = Course.objects.create(
        name_el="Ελληνικά Α1", name_en="Greek A1", subject=Subject.GREEK, level=Level.A1, planned_hours=60
    )
    course_class = CourseClass.objects.create(
        course=course,
        centre=athens,
        name="Α1",
        capacity=20,
        start_date=dt.date(2027, 3, 1),
        end_date=dt.date(2027, 5, 31),
        status=ClassStatus.OPEN,
    )
    enrolment = Enrolment.objects.create(
        beneficiary=person, course_class=course_class, status=EnrolmentStatus.GRADUATED, created_by=officer
    )
    certificate = Certificate(
        enrolment=enrolment,
        number="ΚΕΜ-Τ-1",
        code="TESTCODE1",
        hours_attended=50,
        attendance_percent=90,
        issued_by=officer,
    )
    certificate.holder_name = "Ζαΐρα Ιντζέ"
    certificate.save()
    return {
        "person": person,
        "consent": Consent.objects.create(
            beneficiary=person,
            purpose=ConsentPurpose.DATA_PROCESSING,
            method=ConsentMethod.SIGNED_FORM,
            recorded_by=officer,
        ),
        "case": case,
        "session": session,
        "interpreter_request": interpreter_request,
        "application": BenefitApplication.objects.create(
            beneficiary=person, centre=athens, service=BenefitService.objects.first(), recorded_by=officer
        ),
        "reminder": DocumentReminder.objects.create(
            beneficiary=person, centre=athens, expires_on=dt.date.today() + dt.timedelta(days=20)
        ),
        "referral": referral,
        "partner_link": PartnerLink.objects.create(referral=referral, expires_at=now + dt.timedelta(days=30)),
        "incoming_referral": incoming,
        "course_class": course_class,
        "enrolment": enrolment,
        "certificate": certificate,
        "lesson": Lesson.objects.create(
            course_class=course_class, date=dt.date(2027, 3, 1), starts_at=dt.time(10), ends_at=dt.time(12)
        ),
    }


def _object_for(route: Route, kwarg: str, objects: dict) -> object:
    if route.api:
        basename = route.name.split(":")[-1].rsplit("-", 1)[0]
        for stem, key in sorted(API_OBJECTS.items(), key=lambda item: -len(item[0])):
            if basename.startswith(stem):
                return objects[key]
    elif kwarg == "pk":
        for prefix, key in PREFIXES:
            if route.route.startswith(prefix):
                return objects[key]
    else:
        stem = kwarg.removesuffix("_pk").removesuffix("_id")
        if stem in objects:
            return objects[stem]
    raise AssertionError(
        f"{route.name} ({route.route}): no object for {kwarg!r}; add its path or basename to this test"
    )


# Path parts that name no object (a partner's or a certificate's token): any value will do.
OPAQUE_KWARGS = {"token": "not-a-real-token", "code": "NOTACODE"}


def _url(route: Route, objects: dict) -> str:
    kwargs = {
        name: OPAQUE_KWARGS[name] if name in OPAQUE_KWARGS else str(_object_for(route, name, objects).pk)
        for name in route.kwargs
    }
    return reverse(route.name, kwargs=kwargs)


def _asks_to_log_in(response) -> bool:
    return response.status_code in (401, 403) or (
        response.status_code == 302 and "/accounts/login/" in response["Location"]
    )


def _call(client, url: str):
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def test_the_resolver_lists_the_person_pages_this_test_relies_on():
    names = {route.name for route in person_routes()}

    # A sample of each kind: if these disappear, the word list above no longer finds them.
    for name in (
        "beneficiary-list",
        "beneficiary-detail",
        "case-detail",
        "session-detail",
        "interpreter-request-detail",
        "referral-detail",
        "api:beneficiary-list",
        "api:beneficiary-detail",
        "api:session-detail",
        "api:referral-detail",
    ):
        assert name in names


# Person-related pages that answer without a log-in, on purpose: a partner's signed answer link
# and the public certificate check. Any other page found open fails the test below.
PUBLIC_PAGES = frozenset({"partner-referral", "certificate-verify", "certificate-verify-code"})


def test_an_analyst_gets_403_on_every_person_page(client, athens, make_staff, objects):
    analyst = make_staff(Role.ANALYST, athens)
    refused, checked, public = [], [], []

    for route in person_routes():
        if route.api:
            continue
        url = _url(route, objects)
        client.logout()
        if not _asks_to_log_in(_call(client, url)):
            public.append(route.name)  # must be one of the known public pages
            continue
        client.force_login(analyst)
        response = _call(client, url)
        checked.append(route.name)
        if response.status_code != 403:
            refused.append((route.name, url, response.status_code))

    assert len(checked) >= 30
    assert set(public) <= PUBLIC_PAGES, "pages open without a log-in: " + ", ".join(sorted(public))
    assert refused == [], "\n".join(map(str, refused))


def test_an_analyst_gets_403_on_every_person_api(athens, make_staff, objects):
    analyst = make_staff(Role.ANALYST, athens)
    api = APIClient()
    wrong, checked, public = [], [], []

    for route in person_routes():
        if not route.api:
            continue
        url = _url(route, objects)
        api.force_authenticate(None)
        if not _asks_to_log_in(_call(api, url)):
            public.append(route.name)  # no person API is public
            continue
        api.force_authenticate(analyst)
        for method in ("get", "post", "patch", "delete"):
            response = getattr(api, method)(url, {}, format="json")
            if response.status_code == 405:
                continue
            checked.append((route.name, method))
            if response.status_code != 403:
                wrong.append((route.name, method, url, response.status_code))

    assert len(checked) >= 10
    assert public == [], "person APIs open without a log-in: " + ", ".join(public)
    assert wrong == [], "\n".join(map(str, wrong))


def test_an_analyst_of_every_centre_sees_nobody_in_the_person_lists(
    client, athens, thessaloniki, make_staff, objects
):
    analyst = make_staff(Role.ANALYST, athens)
    services.membership_grant(centre=thessaloniki, user=analyst, role=Role.ANALYST)
    client.force_login(analyst)

    for name in ("beneficiary-list", "case-list", "referral-list", "interpreter-request-list"):
        response = client.get(reverse(name))
        assert response.status_code == 403, name
        assert objects["person"].family_name not in response.content.decode()
