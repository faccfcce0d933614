"""Who sees which centre, and what each role's navigation offers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kem import services
from kem.models import Membership, Role
from kem.navigation import NAV_ITEMS
from kem.permissions import access_for, visible_centres
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_sees_only_the_centres_they_work_at(make_staff, athens, thessaloniki, client):
    officer = make_staff(Role.FRONT_DESK, athens)
    client.force_login(officer)

    page = client.get(reverse("centre-list"))

    assert list(visible_centres(officer)) == [athens]
    assert athens.name_el in page.content.decode()
    assert thessaloniki.name_el not in page.content.decode()


def test_another_centres_page_answers_404(make_staff, athens, thessaloniki, client):
    client.force_login(make_staff(Role.MANAGER, athens))

    assert client.get(reverse("centre-detail", args=[thessaloniki.pk])).status_code == 404
    assert client.get(reverse("centre-staff", args=[thessaloniki.pk])).status_code == 404
    assert client.get(reverse("centre-detail", args=[athens.pk])).status_code == 200


def test_a_role_that_may_only_look_gets_403_on_staff_management(make_staff, athens, client):
    client.force_login(make_staff(Role.FRONT_DESK, athens))

    assert client.get(reverse("centre-detail", args=[athens.pk])).status_code == 200
    assert client.get(reverse("centre-staff", args=[athens.pk])).status_code == 403


def test_an_inactive_centre_disappears_from_its_staff(make_staff, athens, client):
    officer = make_staff(Role.FRONT_DESK, athens)
    athens.active = False
    athens.save()
    client.force_login(officer)

    assert client.get(reverse("centre-detail", args=[athens.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, athens):
    response = client.get(reverse("centre-detail", args=[athens.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# What everybody who serves people at a centre (front desk, counsellors, the manager) finds.
SERVING = {
    "home",
    "centres",
    "beneficiaries",
    "cases",
    "calendar",
    "interpreters",
    "applications",
    "referrals",
    "directory",
}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.FRONT_DESK, SERVING | {"classes"}),
        (Role.COUNSELLOR, SERVING),
        (Role.TEACHER, {"home", "centres", "classes", "teaching"}),
        (Role.MANAGER, SERVING | {"classes", "statistics", "imports", "staff"}),
        (Role.ANALYST, {"home", "centres", "statistics"}),
        (Role.DPO, {"home", "centres", "access_log"}),
    ],
)
def test_each_role_sees_only_its_navigation(make_staff, athens, client, role, expected):
    client.force_login(make_staff(role, athens))

    html = client.get(reverse("home")).content.decode()

    shown = {item.key for item in NAV_ITEMS if f'data-nav="{item.key}"' in html}
    assert shown == expected
    assert 'data-nav="admin"' not in html


def test_each_role_gets_its_own_home_panel(make_staff, athens, client):
    for role in Role:
        user = make_staff(role, athens)
        client.force_login(user)
        html = client.get(reverse("home")).content.decode()
        assert f'data-role="{role}"' in html
        others = {r for r in Role if r != role}
        assert not any(f'data-role="{other}"' in html for other in others)


def test_a_user_without_a_centre_gets_an_honest_empty_home(client, db):
    client.force_login(UserFactory())

    html = client.get(reverse("home")).content.decode()

    assert 'data-empty="no-centre"' in html


def test_access_lists_roles_per_centre(make_staff, athens, thessaloniki):
    user = make_staff(Role.COUNSELLOR, athens, discipline="legal")
    services.membership_grant(centre=thessaloniki, user=user, role=Role.TEACHER)

    access = access_for(user)

    assert access.roles_at(athens.pk) == (Role.COUNSELLOR,)
    assert access.roles_at(thessaloniki.pk) == (Role.TEACHER,)
    assert access.may("keep_legal_cases", athens.pk)
    assert not access.may("keep_social_cases", athens.pk)
    assert not access.may("keep_legal_cases", thessaloniki.pk)


def test_revoking_a_membership_removes_the_centre(make_staff, athens, manager):
    officer = make_staff(Role.FRONT_DESK, athens)
    membership = Membership.objects.get(user=officer, centre=athens)

    services.membership_revoke(membership=membership, by=manager)

    assert not visible_centres(officer).exists()
    assert not officer.has_perm("kem.serve_beneficiaries", athens)


def test_two_roles_at_one_centre_keep_the_union_when_one_ends(make_staff, athens, manager):
    user = make_staff(Role.FRONT_DESK, athens)
    services.membership_grant(centre=athens, user=user, role=Role.TEACHER)

    services.membership_revoke(membership=Membership.objects.get(user=user, role=Role.FRONT_DESK), by=manager)

    assert user.has_perm("kem.teach_classes", athens)
    assert not user.has_perm("kem.serve_beneficiaries", athens)
    assert list(visible_centres(user)) == [athens]


def test_role_groups_follow_memberships(make_staff, athens):
    user = make_staff(Role.MANAGER, athens)

    assert set(user.groups.values_list("name", flat=True)) == {"kem:manager"}
    assert user.has_perm("kem.add_membership")
