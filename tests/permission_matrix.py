"""The declared permission matrix: who may do what on every route of the site and the API.

tests/test_permission_matrix.py walks Django's URL resolver (every pattern of config/urls.py,
the API router's routes included; the admin is left out by ``EXCLUDED_PREFIXES``), builds paths for each
route from the world of tests/permission_world.py (an object of the subjects' own centre and one
of another centre), and requests every cell: each route × each subject (anonymous, front desk,
the four counsellors, the teacher of a class, a teacher of another class, the manager, the
analyst, the data-protection officer) × GET and the unsafe methods the route serves. It compares
each answer with the rule below:

- **allow**: the subject gets an answer that is not a refusal (GET: 200, a redirect elsewhere than
  the log-in page, ...; an unsafe method: anything but a refusal or a server error: 200, 201,
  302 or a 400 for the empty form are all fine);
- **deny**: a refusal (302 to the log-in page, 401, 403, 404 or 405) and, for an unsafe method,
  no row written (the access log and the session excepted).

An object of the *other* centre is denied to every subject unless the rule says ``cross_centre``
(public pages). No answer to a subject may name a person or record of the other centre (their
ids and the other person's name are searched for in every body), and what a record of the own
centre keeps from most eyes (a person's name, a session's summary and confidential note) appears
only in answers to the subjects ``FIELD_RULES`` name.

**Adding a route**: add one line to ``RULES`` naming the route and its rule, e.g.
``"unlock-user": MANAGER_ONLY,``; a route without a line fails the test with "declare a rule for
...". If its URL names an object by a kind the walker does not know yet, add the first path
segment to ``SEGMENT_KINDS`` (and the object to the world); if one route's ``pk`` names another
kind than its segment, say so in ``ROUTE_KINDS``. An API action that validates its body before it
asks for the permission gets a body in ``BODIES`` (an empty one would be a 400 for everybody).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from tests.permission_world import NETWORK, OTHER, OWN, SUBJECTS

# --- subjects ----------------------------------------------------------------------------------

ANONYMOUS = frozenset({"anonymous"})
COUNSELLORS = frozenset({"social", "psychologist", "lawyer", "career"})
TEACHERS = frozenset({"teacher", "other_teacher"})
STAFF = frozenset(SUBJECTS) - ANONYMOUS
EVERYONE = frozenset(SUBJECTS)
NOBODY: frozenset[str] = frozenset()
SERVING = frozenset({"front_desk", "manager"}) | COUNSELLORS  # serve_beneficiaries


@dataclass(frozen=True)
class Rule:
    """Who gets an answer: ``read`` for GET (and HEAD), ``write`` for the unsafe methods.

    Both name subjects; for a route naming an object, they are the answers for the object of the
    subjects' own centre, and the other centre's object is denied to all, unless ``cross_centre``.
    """

    read: frozenset[str]
    write: frozenset[str]
    cross_centre: bool = False

    def allows(self, subject: str, method: str, where: str) -> bool:
        if where == OTHER and not self.cross_centre:
            return False
        return subject in (self.read if method in ("GET", "HEAD") else self.write)


def rule(read: frozenset[str], write: frozenset[str] | None = None, *, cross_centre: bool = False) -> Rule:
    return Rule(read=read, write=read if write is None else write, cross_centre=cross_centre)


def only(*names: str) -> frozenset[str]:
    unknown = set(names) - set(SUBJECTS)
    assert not unknown, f"unknown subjects {unknown}"
    return frozenset(names)


# --- rule helpers --------------------------------------------------------------------------------

PUBLIC = rule(EVERYONE, cross_centre=True)  # no log-in: the same answer for everyone, any centre
PUBLIC_READ = rule(EVERYONE, NOBODY, cross_centre=True)  # the same, for a page with nothing to post
ANY_STAFF = rule(STAFF, NOBODY)  # any logged-in user reads (only what they may see); no writes
SERVE = rule(SERVING)  # serve_beneficiaries: front desk, counsellors, the manager
SERVE_READ = rule(SERVING, NOBODY)
SERVE_ACTION = rule(NOBODY, SERVING)  # POST only (GET is a 405)
MANAGER_ONLY = rule(only("manager"))
MANAGER_READ = rule(only("manager"), NOBODY)
MANAGER_ACTION = rule(NOBODY, only("manager"))
STATISTICS = rule(only("manager", "analyst"), NOBODY)  # view_statistics
# The network's shared lists (directory, catalogue): read by those who use them, kept by managers.
DIRECTORY_API = rule(SERVING, only("manager"))
CLASSES_SEEN = frozenset({"front_desk", "manager"}) | TEACHERS  # see_classes, or teaches one
CLASS_OF_TEACHER = only("front_desk", "manager", "teacher")  # the class's teacher; not another
TEACH = rule(only("teacher", "manager"))  # the class's own teacher and the manager
CASE_COUNSELLOR = rule(only("psychologist"))  # the case's own counsellor (its discipline)

# --- the table: one line per route name ----------------------------------------------------------

RULES: dict[str, Rule] = {
    # kem: home, centres, staff
    "home": ANY_STAFF,
    "centre-list": ANY_STAFF,
    "centre-detail": ANY_STAFF,
    "staff-home": ANY_STAFF,
    "centre-staff": MANAGER_ONLY,
    "membership-revoke": MANAGER_ONLY,
    "membership-unlock": MANAGER_ACTION,  # lifts a lock-out of the centre's staff
    # kem: the registry of people
    "beneficiary-list": SERVE,
    "beneficiary-register": SERVE,
    "beneficiary-search": SERVE_ACTION,
    "beneficiary-detail": SERVE_READ,
    "beneficiary-reveal": SERVE_ACTION,
    "beneficiary-edit": SERVE,
    "beneficiary-history": MANAGER_READ,
    "consent-create": SERVE,
    "consent-withdraw": SERVE,
    "household-link": SERVE,
    "household-search": SERVE_ACTION,
    "household-unlink": SERVE,
    "beneficiary-merge": MANAGER_ONLY,
    "beneficiary-merge-search": MANAGER_ACTION,
    "access-log": rule(only("dpo"), NOBODY),
    "access-log-export": rule(only("dpo"), NOBODY),
    "import-list": MANAGER_READ,
    "import-upload": MANAGER_ONLY,
    "import-mapping": MANAGER_ONLY,
    "import-check": MANAGER_READ,
    "import-status": MANAGER_READ,
    "import-run": MANAGER_ACTION,
    "import-cancel": MANAGER_ACTION,
    # A download is its requester's alone (here the manager's).
    "download-detail": MANAGER_READ,
    "download-status": MANAGER_READ,
    "download-file": MANAGER_READ,
    # cases: counselling
    "case-list": SERVE_READ,
    "case-open": rule(COUNSELLORS | {"manager"}),
    "case-detail": SERVE_READ,
    "case-close": rule(only("psychologist", "manager")),
    "case-reassign": MANAGER_ONLY,
    "session-schedule": CASE_COUNSELLOR,
    "session-log": CASE_COUNSELLOR,
    "outcome-record": rule(only("career")),  # its counsellor, on the employment case (ROUTE_KINDS)
    "session-detail": SERVE_READ,
    "session-record": CASE_COUNSELLOR,
    "session-mark": CASE_COUNSELLOR,
    # cases: interpreters, application help, reminders, calendar
    "language-list": SERVE_READ,
    "language-new": MANAGER_ONLY,
    "language-edit": MANAGER_ONLY,
    "language-deactivate": MANAGER_ONLY,
    "interpreter-list": SERVE_READ,
    "interpreter-new": MANAGER_ONLY,
    "interpreter-edit": MANAGER_ONLY,
    "interpreter-deactivate": MANAGER_ONLY,
    "interpreter-request-new": SERVE,
    "interpreter-request-list": SERVE_READ,
    "interpreter-request-detail": SERVE_READ,
    "interpreter-request-book": SERVE,
    "interpreter-request-complete": SERVE_ACTION,
    "interpreter-request-no-show": SERVE_ACTION,
    "interpreter-request-cancel": SERVE,
    "benefit-service-list": MANAGER_READ,
    "benefit-service-new": MANAGER_ONLY,
    "benefit-service-edit": MANAGER_ONLY,
    "benefit-application-new": SERVE,
    "benefit-application-list": SERVE_READ,
    "benefit-application-edit": SERVE,
    # handle_document_reminders: front desk and counsellors (not the manager)
    "document-reminder-handle": rule(NOBODY, COUNSELLORS | {"front_desk"}),
    "calendar": SERVE_READ,
    # referrals: the directory, referrals out and in, the partner's link
    "organisation-list": SERVE_READ,
    "organisation-new": MANAGER_ONLY,
    "organisation-detail": SERVE_READ,
    "organisation-edit": MANAGER_ONLY,
    "organisation-deactivate": MANAGER_ONLY,
    "partner-service-new": MANAGER_ONLY,
    "partner-service-edit": MANAGER_ONLY,
    "referral-list": SERVE_READ,
    "referral-new": SERVE,
    "referral-detail": SERVE_READ,
    "referral-edit": SERVE,
    "referral-send": SERVE,
    "referral-withdraw": SERVE,
    "referral-answer": SERVE,
    "referral-outcome": SERVE,
    "incoming-referral-list": SERVE_READ,
    "incoming-referral-new": SERVE,
    "incoming-referral-edit": SERVE,
    "partner-referral": PUBLIC,  # the signed token is the key
    "partner-link-revoke": SERVE,
    "partner-link-resend": SERVE,
    # courses: catalogue, classes, enrolment, teaching, results, certificates
    "course-list": rule(CLASSES_SEEN, NOBODY),
    "course-create": MANAGER_ONLY,
    "course-detail": rule(CLASSES_SEEN, NOBODY),
    "course-edit": MANAGER_ONLY,
    "class-list": rule(CLASSES_SEEN, NOBODY),
    "class-create": MANAGER_ONLY,
    "class-detail": rule(CLASS_OF_TEACHER, NOBODY),
    "class-edit": MANAGER_ONLY,
    "class-teachers": MANAGER_ONLY,
    "class-status": MANAGER_ACTION,
    "class-lessons-generate": MANAGER_ONLY,
    "lesson-move": MANAGER_ONLY,
    "lesson-cancel": MANAGER_ONLY,
    "closed-day-list": MANAGER_ONLY,
    "closed-day-remove": MANAGER_ONLY,
    "class-enrol": rule(only("front_desk", "manager")),
    "beneficiary-enrol": rule(only("front_desk", "manager")),
    "enrolment-withdraw": rule(only("front_desk", "manager")),
    "teaching-today": rule(TEACHERS | {"manager"}, NOBODY),
    "lesson-sheet": TEACH,
    "class-attendance": rule(only("teacher", "manager"), NOBODY),
    "class-results": TEACH,
    "class-certificates-issue": rule(NOBODY, only("teacher", "manager")),
    "class-certificates-print": rule(NOBODY, only("teacher", "manager")),
    "certificate-pdf": rule(only("teacher", "manager"), NOBODY),
    "certificate-revoke": MANAGER_ONLY,
    "certificate-verify": PUBLIC_READ,
    "certificate-verify-code": PUBLIC_READ,
    # reports: statistics (aggregates only)
    "statistics-dashboard": STATISTICS,
    "statistics-breakdown": STATISTICS,
    "statistics-esf": STATISTICS,
    "statistics-export": rule(NOBODY, only("manager", "analyst")),
    # log-in, log-out, passwords, language, health
    "login": PUBLIC,
    "logout": rule(NOBODY, EVERYONE),  # POST only; anonymous too (it just lands on the log-in page)
    "password_change": rule(STAFF),
    # the second factor (kem/views/account.py): each person's own; managers and DPOs must keep it
    "login-code": rule(STAFF),  # a verified session or one with nothing to verify is sent on
    "account-security": ANY_STAFF,
    "reauthenticate": rule(STAFF),
    "second-factor-setup": rule(STAFF),
    "second-factor-qr": rule(NOBODY, NOBODY),  # 404 with no enrolment under way (405 to POST)
    "recovery-codes-renew": rule(NOBODY, STAFF),  # POST only
    "log-out-other-devices": rule(NOBODY, STAFF),  # POST only: ends the person's other log-ins
    "second-factor-remove": rule(STAFF - only("manager", "dpo")),
    "password_change_done": ANY_STAFF,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC_READ,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC_READ,
    "set_language": PUBLIC,
    "healthz": PUBLIC_READ,
    # the API (config/api_urls.py): the same rules as the pages
    # API tokens: anyone may ask for one with a password (400 without); logging a token out takes
    # that token (knox), so a session, as every subject here has, is refused with a 401.
    "api:token-login": rule(NOBODY, EVERYONE, cross_centre=True),
    "api:token-logout": rule(NOBODY, NOBODY),
    "api:token-logout-all": rule(NOBODY, NOBODY),
    "api:api-root": ANY_STAFF,
    "api:centre-list": ANY_STAFF,
    "api:centre-my-roles": ANY_STAFF,
    "api:centre-detail": ANY_STAFF,
    "api:beneficiary-list": SERVE,
    "api:beneficiary-search": SERVE_ACTION,
    "api:beneficiary-detail": SERVE,
    "api:case-list": rule(SERVING, COUNSELLORS | {"manager"}),
    "api:case-detail": rule(SERVING, only("psychologist", "manager")),
    "api:session-list": rule(SERVING, only("psychologist")),
    "api:session-detail": rule(SERVING, only("psychologist")),
    "api:interpreter-request-list": SERVE,
    "api:interpreter-request-detail": SERVE_READ,
    "api:interpreter-request-book": SERVE_ACTION,
    "api:interpreter-request-cancel": SERVE_ACTION,
    "api:interpreter-request-complete": SERVE_ACTION,
    "api:interpreter-request-no-show": SERVE_ACTION,
    "api:organisation-list": DIRECTORY_API,
    "api:organisation-detail": DIRECTORY_API,
    "api:partner-service-list": DIRECTORY_API,
    "api:partner-service-detail": DIRECTORY_API,
    "api:referral-list": SERVE,
    "api:referral-detail": SERVE_READ,
    "api:referral-send": SERVE_ACTION,
    "api:referral-withdraw": SERVE_ACTION,
    "api:course-list": rule(CLASSES_SEEN, only("manager")),
    "api:course-detail": rule(CLASSES_SEEN, only("manager")),
    "api:class-list": rule(CLASSES_SEEN, only("manager")),
    "api:class-detail": rule(CLASS_OF_TEACHER, only("manager")),
    "api:class-generate-lessons": MANAGER_ACTION,
    "api:class-set-status": MANAGER_ACTION,
    "api:class-set-teachers": MANAGER_ACTION,
    "api:enrolment-list": rule(CLASSES_SEEN, only("front_desk", "manager")),
    "api:enrolment-detail": rule(CLASS_OF_TEACHER, NOBODY),
    "api:enrolment-withdraw": rule(NOBODY, only("front_desk", "manager")),
    "api:lesson-list": ANY_STAFF,  # a list of the lessons the user may see (none for most)
    "api:lesson-detail": rule(CLASS_OF_TEACHER, NOBODY),
    "api:lesson-attendance": TEACH,
    "api:statistics-breakdown": STATISTICS,
    "api:statistics-esf": STATISTICS,
    "api:statistics-headline": STATISTICS,
    # The schema and its viewer: open in development; production puts them behind the log-in.
    "api-schema": PUBLIC_READ,
    "api-docs": PUBLIC_READ,
}

# Who may see what a record of the own centre keeps from most eyes, on any page or API answer.
FIELD_RULES: dict[str, frozenset[str]] = {
    "person_name": SERVING | {"teacher"},  # the teacher of the class the person is enrolled in
    "session_summary": COUNSELLORS | {"manager"},  # read_session_summaries
    "confidential_note": only("psychologist"),  # keep_psychological_cases: the case's discipline
}

# Routes outside the matrix, with why.
EXCLUDED_PREFIXES: dict[str, str] = {
    "admin/": "the Django admin: staff status and model permissions (tests/test_permissions_follow_the_admin.py)",
}

# A JSON body for an unsafe API method, where an empty one would be refused by validation before
# the permission is asked (a 400 that says nothing about who may): route -> (world, where) -> body.
BODIES: dict[str, Callable[[Any, str], dict[str, Any]]] = {
    "api:case-list": lambda world, where: {
        "beneficiary": str(world.params[OWN]["beneficiary"]),
        "area": "psychosocial",
        "counsellor": world.users["psychologist"].pk,
        "open_reason": "self",
    },
    "api:case-detail": lambda world, where: {"close_reason": "goals_met"},
    "api:session-list": lambda world, where: {
        "case": world.params[OWN]["case"],
        "starts_at": "2027-03-02T10:00:00+02:00",
        "duration_minutes": 45,
    },
    "api:class-list": lambda world, where: {
        "centre": world.centres[OWN].pk,
        "course": world.params[NETWORK]["course"],
        "name": "Α1 – βράδυ",
        "capacity": 5,
        "start_date": "2027-03-01",
        "end_date": "2027-05-31",
        "slots": [{"weekday": 0, "starts_at": "18:00", "ends_at": "20:00"}],
    },
}

# --- what the URL parameters name ----------------------------------------------------------------

# The literal start of a route (before its first parameter, without the API's "api/v1/^") ->
# the kind of object its ``pk`` names (the longest matching start wins).
SEGMENT_KINDS: dict[str, str] = {
    "centres/": "centre",
    "beneficiaries/": "beneficiary",
    "consents/": "consent",
    "imports/": "import",
    "downloads/": "download",
    "cases/": "case",
    "sessions/": "session",
    "languages/": "language",
    "interpreters/": "interpreter",
    "interpreter-requests/": "interpreter_request",
    "benefit-services/": "benefit_service",
    "applications/": "application",
    "document-reminders/": "document_reminder",
    "directory/": "organisation",
    "organisations/": "organisation",
    "directory/services/": "partner_service",
    "partner-services/": "partner_service",
    "referrals/": "referral",
    "referrals/links/": "partner_link",
    "incoming-referrals/": "incoming_referral",
    "courses/": "course",
    "classes/": "class",
    "lessons/": "lesson",
    "closed-days/": "closed_day",
    "enrolments/": "enrolment",
    "certificates/": "certificate",
}
# Where one route's ``pk`` names another object than its segment says: route -> param -> kind.
ROUTE_KINDS: dict[str, dict[str, str]] = {
    "outcome-record": {"pk": "employment_case"},  # outcomes are recorded on employment cases only
}
# Parameters other than ``pk`` -> the kind they name (or a fixed value).
PARAM_KINDS: dict[str, str] = {
    "membership_pk": "membership",
    "token": "partner_token",
    "code": "certificate_code",
}
FIXED_PARAMS: dict[str, str] = {
    "format": "json",
    "uidb64": "MQ",
    "token@password_reset_confirm": "set-password",
}
NETWORK_KINDS = frozenset({"language", "benefit_service", "organisation", "partner_service", "course"})

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Route:
    name: str  # the URL name, with its namespace ("api:case-detail")
    pattern: str  # the full pattern, as the resolver spells it
    params: tuple[str, ...]
    methods: tuple[str, ...]  # what the view serves: GET and the unsafe methods

    @property
    def suffixed(self) -> bool:
        return "format" in self.params

    @property
    def label(self) -> str:
        return self.name + (".json" if self.suffixed else "")

    @property
    def start(self) -> str:
        literal = re.split(r"<|\(\?P<|\[", self.pattern, maxsplit=1)[0]
        return literal.replace("api/v1/^", "").replace("^", "")

    def kinds(self) -> dict[str, str]:
        """Each parameter -> the kind of object (or fixed value) it takes."""
        found: dict[str, str] = {}
        for param in self.params:
            if param in ROUTE_KINDS.get(self.name, {}):
                found[param] = ROUTE_KINDS[self.name][param]
            elif f"{param}@{self.name}" in FIXED_PARAMS:
                found[param] = "fixed:" + FIXED_PARAMS[f"{param}@{self.name}"]
            elif param in PARAM_KINDS:
                found[param] = PARAM_KINDS[param]
            elif param in FIXED_PARAMS:
                found[param] = "fixed:" + FIXED_PARAMS[param]
            elif param == "pk":
                starts = [s for s in SEGMENT_KINDS if self.start.startswith(s)]
                assert starts, f"{self.pattern}: add its first path segment to SEGMENT_KINDS"
                found[param] = SEGMENT_KINDS[max(starts, key=len)]
            else:
                raise AssertionError(f"{self.pattern}: say what its parameter {param!r} names (PARAM_KINDS)")
        return found

    def wheres(self) -> tuple[str, ...]:
        """Own and other centre for a route naming a centre's object, else the network's one path."""
        kinds = [k for k in self.kinds().values() if not k.startswith("fixed:")]
        if any(k not in NETWORK_KINDS for k in kinds):
            return (OWN, OTHER)
        return (NETWORK,)

    def kwargs(self, params: dict[str, dict[str, Any]], where: str) -> dict[str, Any]:
        values = {}
        for param, kind in self.kinds().items():
            if kind.startswith("fixed:"):
                values[param] = kind.removeprefix("fixed:")
            elif kind in NETWORK_KINDS:
                values[param] = params[NETWORK][kind]
            else:
                values[param] = params[where][kind]
        return values


def _methods(callback: Any) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset route: the methods it maps and the viewset serves
        served = getattr(getattr(callback, "cls", None), "http_method_names", actions)
        return tuple(
            m.upper() for m in ("get", "post", "put", "patch", "delete") if m in actions and m in served
        )
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:  # a class-based view: the handlers it has
        return tuple(m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m))
    return ("GET", "POST")  # a function view: asked both; it answers 405 to what it does not serve


def walk(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> list[Route]:
    """Every URL pattern under ``resolver`` (the site's root by default), recursively."""
    resolver = resolver or get_resolver()
    routes = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            routes += walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            pattern = prefix + str(entry.pattern)
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", pattern))
            flat = tuple(a or b for a, b in params)
            routes.append(Route(name=name, pattern=pattern, params=flat, methods=_methods(entry.callback)))
    return routes


def matrix_routes() -> list[Route]:
    """The routes the matrix covers: every one but those under ``EXCLUDED_PREFIXES``."""
    return [r for r in walk() if not any(r.pattern.startswith(p) for p in EXCLUDED_PREFIXES)]
