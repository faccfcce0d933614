"""One permission mechanism: a centre permission granted or removed by hand in the admin (django-
guardian's object-permission page of the centre) changes the pages, the API and the home panels
of every app alike, because every app asks for permissions and nothing else.

The user is a teacher of Athens; each case grants one more permission through the admin, checks
what each app now shows, removes it through the admin and checks that all of it is gone again.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from guardian.shortcuts import get_user_perms

from courses.models import ClassStatus, Course, CourseClass, Level, Subject
from kem.models import CentrePerm, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "x")


@pytest.fixture
def teacher(make_staff, athens):
    return make_staff(Role.TEACHER, athens)


@pytest.fixture
def other_class(athens):
    """A class of Athens the teacher does not teach."""
    course = Course.objects.create(
        name_el="Ελληνικά Α1", name_en="Greek A1", subject=Subject.GREEK, level=Level.A1, planned_hours=60
    )
    return CourseClass.objects.create(
        course=course,
        centre=athens,
        name="Α1 – πρωί",
        cycle="2027 Α",
        capacity=20,
        start_date=dt.date(2027, 3, 1),
        end_date=dt.date(2027, 5, 31),
        status=ClassStatus.OPEN,
    )


def _set_in_admin(client, root, centre, user, codenames: set[str]) -> None:
    """Submit guardian's object-permission form of ``centre`` for ``user`` with exactly ``codenames``."""
    client.force_login(root)
    url = reverse("admin:kem_centre_permissions_manage_user", args=[centre.pk, user.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"permissions": sorted(codenames)})
    assert response.status_code == 302, response.content.decode()[:500]
    assert set(get_user_perms(user, centre).values_list("codename", flat=True)) == codenames
    client.logout()


def _home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def _status(client, user, path: str) -> int:
    client.force_login(user)
    return client.get(path, HTTP_ACCEPT="application/json").status_code


# (permission, a page, an API endpoint, what the home page shows with it)
CASES = [
    pytest.param(
        CentrePerm.SERVE, "/beneficiaries/", "/api/v1/beneficiaries/", 'data-nav="beneficiaries"', id="kem"
    ),
    pytest.param(CentrePerm.SEE_CASES, "/cases/", "/api/v1/cases/", 'data-nav="cases"', id="cases"),
    pytest.param(
        CentrePerm.BOOK_INTERPRETERS,
        "/interpreter-requests/",
        "/api/v1/interpreter-requests/",
        'data-panel="interpreters"',
        id="cases-interpreters",
    ),
    pytest.param(
        CentrePerm.REFER,
        "/referrals/",
        "/api/v1/referrals/",
        'data-panel="referral-followup"',
        id="referrals",
    ),
    pytest.param(
        CentrePerm.VIEW_STATISTICS,
        "/statistics/",
        "/api/v1/statistics/headline/",
        'data-panel="statistics"',
        id="reports",
    ),
]


@pytest.mark.parametrize(("perm", "page", "api", "on_home"), CASES)
def test_a_permission_given_and_taken_in_the_admin_changes_page_api_and_home(
    client, root, athens, teacher, perm, page, api, on_home
):
    held = set(get_user_perms(teacher, athens).values_list("codename", flat=True))
    assert perm not in held
    assert _status(client, teacher, page) in (403, 404)
    assert _status(client, teacher, api) in (403, 404)
    assert on_home not in _home(client, teacher)

    _set_in_admin(client, root, athens, teacher, held | {perm})

    assert _status(client, teacher, page) == 200
    assert _status(client, teacher, api) == 200
    home = _home(client, teacher)
    assert home.count(on_home) == 1
    assert f'data-role="teacher" data-centre="{athens.pk}"' in home

    _set_in_admin(client, root, athens, teacher, held)

    assert _status(client, teacher, page) in (403, 404)
    assert _status(client, teacher, api) in (403, 404)
    assert on_home not in _home(client, teacher)


def test_classes_follow_the_admin_too(client, root, athens, teacher, other_class):
    """courses: ``see_classes`` opens every class of the centre (page and API) and ``enrol_learners``
    brings the waiting-list news to the home page; taking them away closes both again."""
    held = set(get_user_perms(teacher, athens).values_list("codename", flat=True))
    detail, api = reverse("class-detail", args=[other_class.pk]), f"/api/v1/classes/{other_class.pk}/"
    assert _status(client, teacher, detail) == 404
    assert _status(client, teacher, api) == 404
    assert 'data-panel="waiting-list-news"' not in _home(client, teacher)

    _set_in_admin(client, root, athens, teacher, held | {CentrePerm.SEE_CLASSES, CentrePerm.ENROL})

    assert _status(client, teacher, detail) == 200
    assert _status(client, teacher, api) == 200
    assert 'data-panel="waiting-list-news"' in _home(client, teacher)

    _set_in_admin(client, root, athens, teacher, held)

    assert _status(client, teacher, detail) == 404
    assert _status(client, teacher, api) == 404
    assert 'data-panel="waiting-list-news"' not in _home(client, teacher)


def test_permissions_without_a_role_get_a_panel_of_the_centre(client, root, athens, thessaloniki, teacher):
    """Granted by hand at a centre where the user holds no role (no role's whole bundle), a
    permission still shows its part, in a panel of that centre alone; the role panels stay."""
    _set_in_admin(client, root, thessaloniki, teacher, {"view_centre", CentrePerm.REFER})

    home = _home(client, teacher)

    assert f'data-role="centre" data-centre="{thessaloniki.pk}"' in home
    assert f'data-role="teacher" data-centre="{athens.pk}"' in home
    assert home.count('data-panel="referral-followup"') == 1
    assert _status(client, teacher, "/referrals/") == 200


def test_a_superuser_sees_no_centre_without_its_permissions(client, root, athens):
    """Superuser status runs the admin; it opens no centre's people, cases or statistics."""
    assert _status(client, root, "/beneficiaries/") == 403
    assert _status(client, root, "/cases/") == 403
    assert _status(client, root, "/statistics/") == 403
    assert 'class="card panel"' not in _home(client, root)


@pytest.mark.parametrize(
    "path", ["/", "/statistics/", "/api/v1/statistics/headline/", "/cases/", "/classes/"]
)
def test_a_request_reads_the_users_permissions_once(client, manager, path):
    """One read of the user's own centre permissions and one of their groups', however many
    decisions the page takes (the statistics page used to ask django-guardian four times)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, HTTP_ACCEPT="application/json").status_code == 200
    own = [q["sql"] for q in queries.captured_queries if f'user_id" = {manager.pk}' in q["sql"]]
    reads = [sql for sql in own if "centreuserobjectpermission" in sql.lower()]
    group_reads = [sql for sql in own if "centregroupobjectpermission" in sql.lower()]
    assert len(reads) == 1, reads
    assert len(group_reads) == 1, group_reads
