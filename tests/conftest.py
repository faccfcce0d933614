from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.http import HttpRequest
from django.test import Client
from django.utils import translation
from django.utils.translation.reloader import translation_file_changed

from kem.models import Discipline, Role
from tests.browser import browser, page  # noqa: F401 - the shared Chromium fixtures
from tests.demo import demo, demo_snapshot  # noqa: F401 - the demo, built once per run
from tests.factories import CentreFactory, staff
from tests.otp import second_factor_on_force_login  # noqa: F401 - tests log in past the code

LOCALE = Path(__file__).resolve().parent.parent / "locale"
# A fixed, test-only vault root key, shared with the worker process of tests/worker.py.
TEST_ROOT_KEY = "dGVzdC1vbmx5LXJvb3Qta2V5LWZvci10aGUtc3VpdGU="
# In force for every test (the autouse fixtures below) and for the demo built once per run.
TEST_SETTINGS = {
    # PBKDF2's deliberate slowness protects real passwords; in tests it only costs minutes.
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "KEM_ROOT_KEY": TEST_ROOT_KEY,
    "KEM_OLD_ROOT_KEYS": [],
}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile stale catalogues so that a bare ``pytest`` renders Greek like the site does."""
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: the main process compiled them before starting it
    compiled = False
    for po_path in LOCALE.glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            compiled = True
    if compiled:
        # Django (and Python's gettext under it) may already have read the old catalogues while
        # the apps were set up: drop every cache of them, as Django's autoreloader does.
        translation_file_changed(sender=None, file_path=mo_path)


# Markers of tests that need something an ordinary machine may lack (they skip without it), and
# of the API fuzzing run (deselected unless asked for: it has a CI stage of its own).
NEEDS = ("e2e", "worker", "postgres", "schemathesis")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--schemathesis",
        action="store_true",
        help="run only the API fuzzing tests (marker schemathesis), which are otherwise deselected",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Only the API fuzzing tests with ``--schemathesis``, none without; browser tests last
    (after pytest-django has put transactional tests after the others).

    The browser fixture lifts Django's async-safety guard from the first browser test to the end
    of the session (tests/browser.py); run last, no other test runs without the guard.

    Each test also names those of its markers in NEEDS in the JUnit report (a "marker" property),
    so that .ci/run can require that none of them was skipped in a stage that provides it.
    """
    fuzzing = config.getoption("--schemathesis")
    kept = [i for i in items if (i.get_closest_marker("schemathesis") is not None) == fuzzing]
    if len(kept) != len(items):
        keep = set(kept)
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = kept
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
    for item in items:
        for name in NEEDS:
            if item.get_closest_marker(name):
                item.user_properties.append(("marker", name))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """The permission matrix's size, when it ran (tests/test_permission_matrix.py)."""
    ran = any(
        "test_permission_matrix.py::test_every_subject" in getattr(report, "nodeid", "")
        for reports in terminalreporter.stats.values()
        for report in reports
    )
    if ran:
        from tests.test_permission_matrix import describe_size

        terminalreporter.write_line(describe_size())


@pytest.fixture
def athens(db):
    return CentreFactory(name_el="ΚΕΜ Αθήνας", name_en="KEM Athens", municipality="Αθήνα")


@pytest.fixture
def thessaloniki(db):
    return CentreFactory(name_el="ΚΕΜ Θεσσαλονίκης", name_en="KEM Thessaloniki", municipality="Θεσσαλονίκη")


@pytest.fixture
def make_staff(db):
    """make_staff(role, centre, discipline="") -> a user with that role at that centre."""

    def make(role: str, centre, discipline: str = "", **fields):
        return staff(role=role, centre=centre, discipline=discipline, **fields)

    return make


@pytest.fixture
def manager(make_staff, athens):
    return make_staff(Role.MANAGER, athens)


@pytest.fixture
def officer(make_staff, athens):
    return make_staff(Role.FRONT_DESK, athens)


@pytest.fixture
def analyst(make_staff, athens):
    return make_staff(Role.ANALYST, athens)


@pytest.fixture
def social_worker(make_staff, athens):
    return make_staff(Role.COUNSELLOR, athens, Discipline.SOCIAL)


@pytest.fixture
def teacher(make_staff, athens):
    return make_staff(Role.TEACHER, athens)


@pytest.fixture
def dpo(make_staff, athens):
    return make_staff(Role.DPO, athens)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    for name, value in TEST_SETTINGS.items():
        setattr(settings, name, list(value) if isinstance(value, list) else value)


@pytest.fixture(autouse=True)
def _rate_limits_start_unspent():
    """Rate limits (certificate checks, partner links) count per address in the cache, and every
    test client comes from 127.0.0.1: each test starts with none spent."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's default language (Greek), whatever the one before it
    activated (a request with the language cookie leaves its language active in the thread)."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _test_client_login_carries_a_request(monkeypatch):
    """Django's ``Client.login()`` checks the password with ``authenticate()`` but no request;
    the lock-out (django-axes) refuses any check without one, as no real log-in lacks it. Give
    it a request from the test client's address."""
    login = Client.login

    def login_with_a_request(self, **credentials):
        if "request" not in credentials:
            request = HttpRequest()
            request.META["REMOTE_ADDR"] = "127.0.0.1"
            credentials["request"] = request
        return login(self, **credentials)

    monkeypatch.setattr(Client, "login", login_with_a_request)
