"""Log-in, password change and the demo data."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from kem.management.commands.seed_demo import CENTRES, DEMO_PASSWORD, ROLES
from kem.models import Centre, Membership, Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_member_of_staff_changes_their_password(client, manager):
    client.force_login(manager)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
    )

    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.check_password("a-brand-new-passphrase")


def test_a_wrong_password_keeps_the_username_and_says_so(client, manager):
    response = client.post(reverse("login"), {"username": manager.username, "password": "wrong"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{manager.username}"' in html
    assert 'role="alert"' in html


# The `demo` fixture is the database as one `seed_demo` on the migrated database left it, and what
# that run printed (built once per test run, see tests/demo.py); a second run must change nothing.


def test_seed_demo_creates_two_centres_and_a_login_per_role_per_centre(demo):
    call_command("seed_demo", stdout=io.StringIO())  # idempotent

    assert Centre.objects.count() == len(CENTRES) == 2
    users = get_user_model().objects.exclude(username="admin")
    assert users.count() == len(CENTRES) * len(ROLES)
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    frontdesk = users.get(username="frontdesk.athens")
    assert frontdesk.check_password(DEMO_PASSWORD)
    assert "frontdesk.athens" in demo.output and DEMO_PASSWORD in demo.output


def test_the_demo_analyst_compares_both_centres(demo):
    analyst = get_user_model().objects.get(username="analyst.athens")

    assert {m.centre.name_en for m in Membership.objects.filter(user=analyst)} == {
        c["name_en"] for c in CENTRES
    }


def test_the_demo_built_for_the_run_leaves_no_row_behind(demo_snapshot):
    from kem.models import Beneficiary

    # demo_snapshot has run seed_demo (now or earlier in this run); only `demo` puts it back.
    assert "frontdesk.athens" in demo_snapshot.output
    assert not Centre.objects.exists()
    assert not get_user_model().objects.exists()
    assert not Beneficiary.objects.exists()


def test_seed_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False

    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not get_user_model().objects.exists()


def test_seed_demo_registers_made_up_people_once_per_centre(demo):
    from kem.demo_people import PEOPLE
    from kem.models import Beneficiary
    from kem.vault.search import search_people
    from reports.demo import DEMO_PEOPLE

    call_command("seed_demo", stdout=io.StringIO())

    # The made-up people of the pages, plus the statistics demo's crowd (reports/demo.py).
    assert Beneficiary.objects.count() == 2 * (len(PEOPLE) + DEMO_PEOPLE)
    athens = Centre.objects.get(name_en=CENTRES[0]["name_en"])
    found = search_people("Ραχίμι", queryset=Beneficiary.objects.filter(registering_centre=athens))
    assert [c.person.family_name_latin for c in found][:1] == ["Rahimi"]


def test_seed_demo_gives_each_centre_interpreters_cases_and_sessions_once(demo, client):
    from cases.models import Case, Interpreter, Session, SessionStatus
    from kem.demo_people import PEOPLE
    from kem.models import Beneficiary

    call_command("seed_demo", stdout=io.StringIO())

    for centre in Centre.objects.all():
        assert Interpreter.objects.filter(centre=centre).count() == 3
        # The statistics demo's people have cases too: look at the pages' made-up people only.
        first = list(
            Beneficiary.objects.filter(registering_centre=centre).order_by("created_at")[: len(PEOPLE)]
        )
        cases = Case.objects.open().filter(centre=centre, beneficiary__in=first)
        assert sorted(cases.values_list("area", flat=True)) == ["employment", "legal", "psychosocial"]
        sessions = Session.objects.filter(case__centre=centre, case__beneficiary__in=first)
        assert sorted(sessions.values_list("status", flat=True)) == sorted(
            [SessionStatus.HELD] * 3 + [SessionStatus.SCHEDULED] * 3
        )
    client.post(reverse("login"), {"username": "psychologist.athens", "password": DEMO_PASSWORD})
    html = client.get("/").content.decode()
    assert 'data-panel="open-cases"' in html and "data-case=" in html
