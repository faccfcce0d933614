"""The generated permission matrix: every route × every subject × GET and the unsafe methods.

The routes come from Django's URL resolver (tests/permission_matrix.py walks it), the expected
answers from the one declared table there (``RULES``; how to add a route is in its docstring), the
objects and users from tests/permission_world.py, built once for this module. Each test is one
route, one path (an object of the own centre, of the other centre, or the network's) and one
method, and asks it as every subject; a wrong answer names route × path × method × subject.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import TEST_SETTINGS
from tests.permission_matrix import BODIES, EXCLUDED_PREFIXES, FIELD_RULES, RULES, Route, Rule, matrix_routes
from tests.permission_world import OTHER, SUBJECTS, World, build_world

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
DENIED = frozenset({401, 403, 404, 405})
# Rows a refused request may still write: the session, and the access log that records it.
MAY_WRITE_WHEN_DENIED = frozenset({"django_session", "kem_accessevent"})
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)

ROUTES = matrix_routes()
CELLS = [
    pytest.param(route, where, method, id=f"{route.label}@{where}:{method}")
    for route in ROUTES
    for where in route.wheres()
    for method in route.methods
]


@dataclass(frozen=True)
class Answer:
    status: int
    location: str
    wrote: frozenset[str]  # tables written that a refusal may not write
    leaked: tuple[str, ...]  # markers of the other centre found in the body
    shown: frozenset[str]  # the own centre's secrets (World.secrets) found in the body

    @property
    def denied(self) -> bool:
        # login_required sends to the log-in page with ?next=; a log-out lands there without it.
        return self.status in DENIED or (
            self.status == 302 and self.location.startswith(LOGIN_URL + "?next=")
        )

    def __str__(self) -> str:
        extra = f" → {self.location}" if self.location else ""
        wrote = f", wrote {sorted(self.wrote)}" if self.wrote else ""
        return f"{self.status}{extra}{wrote}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[tuple[World, dict[str, str]]]:
    """The world and a session key per subject, made once in a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            media_root = str(tmp_path_factory.mktemp("matrix-media"))  # the world's download file
            with override_settings(**TEST_SETTINGS, MEDIA_ROOT=media_root):
                built = build_world()
                built.media_root = media_root
                sessions = {}
                for name, user in built.users.items():
                    client = Client()
                    client.force_login(user)
                    sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield built, sessions
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def ask(
    world: World, sessions: dict[str, str], route: Route, where: str, method: str, subject: str
) -> Answer:
    """Send ``method`` to the route's path as ``subject``; undo whatever it changed."""
    path = reverse(route.name, kwargs=route.kwargs(world.params, where))
    client = Client()
    if subject != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[subject]
    written: set[str] = set()

    def record(execute, sql, params, many, context):
        match = _WRITE.match(sql)
        if match:
            written.add(match.group(1).lower())
        return execute(sql, params, many, context)

    with (
        transaction.atomic(),
        connection.execute_wrapper(record),
        # The public pages' rate limits would answer 429 after a few subjects: they have tests of
        # their own. (The caches are left alone: sessions may live there.)
        override_settings(MEDIA_ROOT=world.media_root, RATELIMIT_ENABLE=False),
    ):
        if not route.name.startswith("api:"):
            response = getattr(client, method.lower())(path)  # an unsafe method: an empty form
        elif method == "GET":
            response = client.get(path, HTTP_ACCEPT="application/json")
        else:
            payload = BODIES[route.name](world, where) if route.name in BODIES else {}
            response = client.generic(
                method,
                path,
                json.dumps(payload),
                content_type="application/json",
                HTTP_ACCEPT="application/json",
            )
        body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    text = body.decode("utf-8", "replace")
    return Answer(
        status=response.status_code,
        location=response.get("Location", ""),
        wrote=frozenset(written - MAY_WRITE_WHEN_DENIED),
        # The other centre's id in the path the subject asked for may come back (a 404 page).
        leaked=tuple(marker for marker in world.other_markers if marker in text and marker not in path),
        shown=frozenset(name for name, secret in world.secrets.items() if secret in text),
    )


def rule_for(route: Route) -> Rule:
    """The declared rule of ``route``; a route nobody declared fails, naming it."""
    declared = RULES.get(route.name)
    if declared is None:
        pytest.fail(
            f"declare a rule for {route.name!r} ({route.pattern}) in RULES of tests/permission_matrix.py",
            pytrace=False,
        )
    return declared


@pytest.mark.parametrize(("route", "where", "method"), CELLS)
def test_every_subject_gets_the_declared_answer(world, route: Route, where: str, method: str) -> None:
    built, sessions = world
    rule = rule_for(route)
    wrong = []
    for subject in SUBJECTS:
        answer = ask(built, sessions, route, where, method, subject)
        allowed = rule.allows(subject, method, where)
        if answer.status >= 500:
            wrong.append(f"{subject}: server error {answer}")
        elif allowed and answer.denied:
            wrong.append(f"{subject}: expected allow, got {answer}")
        elif not allowed and not answer.denied:
            wrong.append(f"{subject}: expected deny, got {answer}")
        elif not allowed and answer.wrote:
            wrong.append(f"{subject}: refused but changed {sorted(answer.wrote)}")
        if answer.leaked and not (where == OTHER and rule.cross_centre):
            wrong.append(f"{subject}: the answer names the other centre's {answer.leaked}")
        for secret in sorted(answer.shown):
            if subject not in FIELD_RULES[secret] and not rule.cross_centre:
                wrong.append(f"{subject}: the answer shows the {secret}, which FIELD_RULES keep from them")
    assert not wrong, f"{route.label} {where} {method}:\n  " + "\n  ".join(wrong)


def test_a_route_without_a_rule_fails_naming_it() -> None:
    stranger = Route(name="unlock-user", pattern="staff/<int:pk>/unlock/", params=("pk",), methods=("POST",))

    with pytest.raises(pytest.fail.Exception, match="declare a rule for 'unlock-user'"):
        rule_for(stranger)
    with pytest.raises(AssertionError, match="add its first path segment to SEGMENT_KINDS"):
        stranger.wheres()


def test_every_rule_names_a_route() -> None:
    """A rule left behind by a renamed or removed route is an error too."""
    names = {route.name for route in ROUTES}
    assert not set(RULES) - names, f"rules for routes that do not exist: {sorted(set(RULES) - names)}"


def matrix_size() -> dict[str, int]:
    """The matrix's size: routes, paths, subjects, and the requests it sends (GET and unsafe)."""
    requests = len(CELLS) * len(SUBJECTS)
    gets = sum(1 for cell in CELLS if cell.values[2] == "GET") * len(SUBJECTS)
    return {
        "routes": len(ROUTES),
        "api_routes": sum(1 for route in ROUTES if route.name.startswith("api:")),
        "paths": sum(len(route.wheres()) for route in ROUTES),
        "subjects": len(SUBJECTS),
        "requests": requests,
        "get_requests": gets,
        "unsafe_requests": requests - gets,
    }


def describe_size() -> str:
    size = matrix_size()
    return (
        f"permission matrix: {size['routes']} routes ({size['api_routes']} of the API), {size['paths']} paths "
        f"× {size['subjects']} subjects = {size['requests']} requests ({size['get_requests']} GET, "
        f"{size['unsafe_requests']} unsafe); not covered: {', '.join(EXCLUDED_PREFIXES)}"
    )


def test_the_matrix_covers_the_whole_site(record_testsuite_property) -> None:
    """Its size, in the JUnit report (``permission_matrix_*`` properties) and at the end of the run."""
    size = matrix_size()
    for name, value in size.items():
        record_testsuite_property(f"permission_matrix_{name}", value)
    assert size["routes"] >= 150 and size["api_routes"] >= 30
    assert size["paths"] > size["routes"]  # objects of the own and of another centre
    assert size["get_requests"] and size["unsafe_requests"]
