"""schemathesis over every operation of the API, against a live server holding the demo.

Runs only with ``--schemathesis`` (the CI stage "API fuzzing" of .ci/run), as a manager, a
front-desk officer and an analyst: each run goes through every operation of the schema with
schemathesis's phases (explicit examples, coverage of edge values and wrong types, random
fuzzing, stateful sequences), at most ``KEM_SCHEMATHESIS_EXAMPLES`` examples per operation
and phase, and must end with 0 server errors, 0 responses that the schema does not describe
(body, status code or content type) and every operation tested. The seed is fixed so that CI
is repeatable; ``KEM_SCHEMATHESIS_SEED`` picks another.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from knox.models import AuthToken

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=True)]

# Who the API is fuzzed as (demo logins): each sees different fields, lists and refusals.
CALLERS = ("manager.athens", "frontdesk.athens", "analyst.athens")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
LOGOUT = r"^/api/v1/auth/token/logout"
EXAMPLES = int(os.environ.get("KEM_SCHEMATHESIS_EXAMPLES", "10"))
SEED = os.environ.get("KEM_SCHEMATHESIS_SEED", "20261207")


def api_auth_headers(username: str) -> dict[str, str]:
    """The headers that authenticate ``username`` to the API: the one place to change when the
    API's authentication changes."""
    user = get_user_model().objects.get(username=username)
    _instance, token = AuthToken.objects.create(user)
    return {"Authorization": f"Token {token}"}


def schemathesis_run(base_url: str, headers: dict[str, str], workdir: Path) -> tuple[int, str, dict]:
    """``schemathesis run`` against the live server; its exit code, output and JSON report."""
    report = workdir / "report.json"
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{base_url}/api/schema/",
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        SEED,
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--output-truncate",
        "true",
        "--no-color",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    # Logging out would revoke the run's own token, and every later case would only test the 401.
    command += ["--exclude-path-regex", LOGOUT]
    # In a directory of its own: schemathesis keeps a cache of past failures where it runs.
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=1800, check=False)
    return done.returncode, done.stdout + done.stderr, json.loads(report.read_text())


@pytest.mark.parametrize("username", CALLERS)
def test_schemathesis_finds_nothing_over_every_operation(username, demo, live_server, tmp_path):
    code, output, report = schemathesis_run(live_server.url, api_auth_headers(username), tmp_path)

    operations, cases = report["operations"], report["test_cases"]
    print(
        f"schemathesis as {username}: {operations['tested']} of {operations['total']} operations, "
        f"{cases['generated']} test cases, {cases['unique_failures']} failures, "
        f"{cases['errored']} errored, seed {report['seed']}, {report['running_time']:.0f}s"
    )
    assert report["complete"], output
    assert operations["total"] > 50, output
    # Every operation but the two log-outs.
    assert operations["selected"] == operations["total"] - 2, output
    assert operations["tested"] == operations["selected"], output
    assert operations["errored"] == 0, output
    assert report["failures"] == [], output
    assert cases["unique_failures"] == 0 and cases["errored"] == 0, output
    assert code == 0, output
