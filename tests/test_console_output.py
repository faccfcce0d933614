"""A first run as a newcomer meets it: a refused request in one line on the console (a server
error keeps its traceback), no warning on a migrate of the embedded database, and every demo
login named in the README."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_forbidden_page_is_one_log_line(client, make_staff, athens, officer, caplog):
    from kem import services
    from kem.models import Role

    teacher = make_staff(Role.TEACHER, athens)  # may not open people's profiles
    person = services.beneficiary_register(
        centre=athens, by=officer, data={"given_name": "Ali", "family_name": "Karimi"}, check_duplicates=False
    )
    client.force_login(teacher)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("beneficiary-detail", args=[person.pk]))

    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records, "Django logs the refusal"
    assert all(r.exc_info is None and r.status_code == 403 for r in records)
    assert all("\n" not in r.getMessage() for r in records)


def test_a_server_error_keeps_its_traceback():
    from kem.middleware import ClientErrorsInOneLine

    try:
        raise RuntimeError("boom")
    except RuntimeError as error:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), None
        )
        record.exc_info = (type(error), error, error.__traceback__)
    record.status_code = 500
    assert ClientErrorsInOneLine().filter(record)
    assert record.exc_info is not None


def test_a_migrate_on_the_embedded_database_prints_no_warning():
    from django.core import checks

    shown = [m for m in checks.run_checks(databases=["default"]) if not m.is_silenced()]
    assert not [m for m in shown if m.level >= checks.WARNING], [str(m) for m in shown]


def test_the_readme_lists_every_demo_login():
    from pathlib import Path

    from django.conf import settings

    from kem.management.commands.seed_demo import CENTRES, ROLES

    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    logins = [f"{part}.{centre['key']}" for part, _role, _discipline in ROLES for centre in CENTRES] + [
        "admin"
    ]
    assert len(logins) == 19
    assert [login for login in logins if f"`{login}`" not in readme] == []
