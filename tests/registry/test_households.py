"""Households: linking and unlinking people, the panel on each member's profile, and the pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from kem.models import Household, HouseholdMember, Relationship, Role
from kem.selectors.people import profile_people_context
from kem.selectors.timeline import beneficiary_timeline
from kem.services.people import household_link, household_unlink

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(register):
    """Three people registered at Athens: a mother, her son and her daughter."""
    return {
        "mother": register(given_name="Ζαχρά", family_name="Αχμαντί", given_name_latin="Zahra"),
        "son": register(given_name="Αλί", family_name="Αχμαντί", given_name_latin="Ali"),
        "daughter": register(given_name="Μαριάμ", family_name="Αχμαντί", given_name_latin="Maryam"),
    }


def _panel(person, user) -> str:
    return render_to_string(
        "kem/people/_profile_panels.html", profile_people_context(beneficiary=person, user=user)
    )


# --- rules -------------------------------------------------------------------------------------


def test_linking_creates_a_household_at_the_heads_centre_with_them_as_head(family, officer, athens):
    link = household_link(
        head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=officer
    )

    household = link.household
    assert household.centre == athens
    assert dict(household.members.values_list("beneficiary_id", "relationship")) == {
        family["mother"].pk: Relationship.HEAD,
        family["son"].pk: Relationship.CHILD,
    }
    assert link.history.get().history_user == officer


def test_linking_from_any_members_profile_joins_their_household(family, officer):
    household_link(head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=officer)

    household_link(head=family["son"], member=family["daughter"], relationship=Relationship.CHILD, by=officer)

    assert Household.objects.count() == 1
    assert (
        HouseholdMember.objects.filter(relationship=Relationship.HEAD).get().beneficiary == family["mother"]
    )


def test_a_person_in_another_household_must_be_unlinked_first(family, officer, register):
    household_link(head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=officer)
    aunt = register(given_name="Φατιμά", family_name="Ρεζαΐ")

    for language, words in (("el", "Αφαιρέστε το πρώτα"), ("en", "Unlink them from it first")):
        with translation.override(language), pytest.raises(ValidationError) as caught:
            household_link(
                head=aunt, member=family["son"], relationship=Relationship.OTHER_RELATIVE, by=officer
            )
        assert caught.value.code == "already_in_household"
        assert words in caught.value.messages[0]
    assert HouseholdMember.objects.get(beneficiary=family["son"]).household.members.count() == 2


def test_a_second_head_is_refused(family, officer):
    with pytest.raises(ValidationError) as caught:
        household_link(
            head=family["mother"], member=family["son"], relationship=Relationship.HEAD, by=officer
        )

    assert caught.value.error_dict["relationship"][0].code == "second_head"


def test_people_of_different_centres_cannot_share_a_household(
    family, officer, register, thessaloniki, make_staff
):
    elsewhere = register(centre=thessaloniki, by=make_staff(Role.FRONT_DESK, thessaloniki))

    with pytest.raises(ValidationError) as caught:
        household_link(head=family["mother"], member=elsewhere, relationship=Relationship.SIBLING, by=officer)

    assert caught.value.code == "different_centres"
    assert not Household.objects.exists()


def test_only_someone_who_serves_the_centre_links_its_people(family, make_staff, athens, thessaloniki):
    for outsider in (make_staff(Role.FRONT_DESK, thessaloniki), make_staff(Role.TEACHER, athens)):
        with pytest.raises(PermissionDenied):
            household_link(
                head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=outsider
            )
    assert not Household.objects.exists()


def test_the_head_leaves_last(family, officer):
    household_link(head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=officer)

    with pytest.raises(ValidationError) as caught:
        household_unlink(member=family["mother"], by=officer)

    assert caught.value.code == "head_with_members"


def test_when_the_last_member_leaves_the_household_is_dissolved(family, officer):
    household_link(head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=officer)
    household_link(
        head=family["mother"], member=family["daughter"], relationship=Relationship.CHILD, by=officer
    )

    household_unlink(member=family["son"], by=officer)
    assert HouseholdMember.objects.count() == 2
    household_unlink(member=family["daughter"], by=officer)

    assert not HouseholdMember.objects.exists()
    assert not Household.objects.exists()
    assert HouseholdMember.history.filter(history_type="-", history_user=officer).count() == 3


# --- profile panel and timeline ----------------------------------------------------------------


def test_the_household_shows_on_each_members_profile(family, officer):
    household_link(head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=officer)

    for person in (family["mother"], family["son"]):
        html = _panel(person, officer)
        assert f'data-member="{family["mother"].pk}"' in html
        assert f'data-member="{family["son"].pk}"' in html
        assert str(Relationship.HEAD.label) in html
        assert str(Relationship.CHILD.label) in html
        assert "Ζαχρά Αχμαντί (Zahra)" in html
    assert f'data-member="{family["mother"].pk}"' not in _panel(family["daughter"], officer)


def test_the_timeline_shows_joining_and_leaving(family, officer):
    household_link(head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=officer)
    household_link(
        head=family["mother"], member=family["daughter"], relationship=Relationship.CHILD, by=officer
    )
    household_unlink(member=family["son"], by=officer)

    kinds = [e.kind for e in beneficiary_timeline(beneficiary=family["son"], user=officer)]

    assert kinds.count("kem.household.joined") == 1
    assert kinds.count("kem.household.left") == 1


# --- pages -------------------------------------------------------------------------------------


def test_the_search_finds_people_of_the_centre_in_the_post_body(
    client, family, officer, register, thessaloniki
):
    register(centre=thessaloniki, given_name="Αλί", family_name="Αχμαντί")
    client.force_login(officer)
    url = reverse("household-search", args=[family["mother"].pk])

    response = client.post(url, {"query": "Ahmadi"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('name="member"') == 2  # the son and the daughter, not herself, not Thessaloniki's
    assert f'value="{family["son"].pk}"' in html
    assert f'value="{family["mother"].pk}"' not in html
    assert client.get(url, {"query": "Ahmadi"}).status_code == 405


def test_the_search_without_javascript_renders_the_whole_page(client, family, officer):
    client.force_login(officer)

    response = client.post(reverse("household-search", args=[family["mother"].pk]), {"query": "Μαριάμ"})

    assert response.status_code == 200
    assert response.templates[0].name == "kem/people/household_link.html"
    assert f'value="{family["daughter"].pk}"' in response.content.decode()


def test_the_front_desk_links_a_person_found_by_search(client, family, officer):
    client.force_login(officer)

    response = client.post(
        reverse("household-link", args=[family["mother"].pk]),
        {"member": str(family["daughter"].pk), "relationship": Relationship.CHILD},
    )

    assert response.status_code == 302
    assert HouseholdMember.objects.get(beneficiary=family["daughter"]).relationship == Relationship.CHILD


def test_linking_someone_already_in_a_household_shows_the_message(client, family, officer, register):
    household_link(head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=officer)
    other = register(given_name="Χασάν", family_name="Ρεζαΐ")
    client.force_login(officer)

    response = client.post(
        reverse("household-link", args=[other.pk]),
        {"member": str(family["son"].pk), "relationship": "sibling"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not HouseholdMember.objects.filter(beneficiary=other).exists()


def test_unlinking_asks_first(client, family, officer):
    household_link(head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=officer)
    client.force_login(officer)
    url = reverse("household-unlink", args=[family["son"].pk])

    assert client.get(url).status_code == 200
    assert HouseholdMember.objects.filter(beneficiary=family["son"]).exists()
    assert client.post(url).status_code == 302
    assert not HouseholdMember.objects.filter(beneficiary=family["son"]).exists()


def test_household_pages_are_403_for_a_teacher(client, family, make_staff, athens):
    client.force_login(make_staff(Role.TEACHER, athens))
    pk = family["mother"].pk

    assert client.get(reverse("household-link", args=[pk])).status_code == 403
    assert client.post(reverse("household-search", args=[pk]), {"query": "Ali"}).status_code == 403
    assert client.post(reverse("household-unlink", args=[pk])).status_code == 403


def test_household_pages_are_404_for_another_centre(client, family, make_staff, thessaloniki):
    client.force_login(make_staff(Role.FRONT_DESK, thessaloniki))
    pk = family["mother"].pk

    assert client.get(reverse("household-link", args=[pk])).status_code == 404
    assert (
        client.post(
            reverse("household-link", args=[pk]), {"member": str(family["son"].pk), "relationship": "child"}
        )
    ).status_code == 404
    assert client.get(reverse("household-unlink", args=[pk])).status_code == 404
    assert not Household.objects.exists()


def test_both_profile_pages_show_the_household(client, family, officer):
    household_link(head=family["mother"], member=family["son"], relationship=Relationship.CHILD, by=officer)
    client.force_login(officer)

    for person, other in ((family["mother"], family["son"]), (family["son"], family["mother"])):
        html = client.get(reverse("beneficiary-detail", args=[person.pk])).content.decode()
        assert 'data-panel="household"' in html
        assert f'href="{other.get_absolute_url()}"' in html
