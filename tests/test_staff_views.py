"""A manager manages the memberships of their own centre."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from kem.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_a_manager_adds_a_new_teacher_account(client, manager, athens):
    client.force_login(manager)

    response = client.post(
        reverse("centre-staff", args=[athens.pk]),
        {"username": "eleni", "role": Role.TEACHER, "password": "a-long-first-passphrase"},
    )

    assert response.status_code == 302
    eleni = get_user_model().objects.get(username="eleni")
    assert eleni.check_password("a-long-first-passphrase")
    assert eleni.has_perm("kem.teach_classes", athens)
    assert Membership.objects.get(user=eleni).history.first().history_user == manager


def test_a_counsellor_without_discipline_is_refused_and_the_form_keeps_the_input(client, manager, athens):
    client.force_login(manager)

    response = client.post(
        reverse("centre-staff", args=[athens.pk]),
        {
            "username": "nikos",
            "role": Role.COUNSELLOR,
            "first_name": "Νίκος",
            "password": "another-long-pass",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "needs a discipline" in html or "χρειάζεται ειδικότητα" in html
    assert 'value="Νίκος"' in html
    assert not Membership.objects.filter(user__username="nikos").exists()


def test_a_new_account_needs_a_strong_first_password(client, manager, athens):
    client.force_login(manager)

    response = client.post(
        reverse("centre-staff", args=[athens.pk]),
        {"username": "weak", "role": Role.TEACHER, "password": "123"},
    )

    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="weak").exists()


def test_removing_staff_asks_first_and_then_removes(client, manager, make_staff, athens):
    teacher = make_staff(Role.TEACHER, athens)
    membership = Membership.objects.get(user=teacher)
    url = reverse("membership-revoke", args=[athens.pk, membership.pk])
    client.force_login(manager)

    confirm = client.get(url)
    assert confirm.status_code == 200
    membership.refresh_from_db()
    assert membership.active

    assert client.post(url).status_code == 302
    membership.refresh_from_db()
    assert not membership.active
    assert not teacher.has_perm("kem.teach_classes", athens)


def test_a_manager_cannot_remove_staff_of_another_centre(client, manager, make_staff, thessaloniki):
    other = Membership.objects.get(user=make_staff(Role.TEACHER, thessaloniki))

    client.force_login(manager)
    response = client.post(reverse("membership-revoke", args=[thessaloniki.pk, other.pk]))

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.active
