"""The access log: the DPO's page and export, its scoping, and the rule that rows never change."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kem import services
from kem.models import AccessEvent, AccessLogIsAppendOnly, MergeRecord, Role
from kem.services.access_log import access_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(make_staff, athens):
    return make_staff(Role.DPO, athens, username="dpo-athens")


@pytest.fixture
def dpo_client(client, dpo):
    client.force_login(dpo)
    return client


@pytest.fixture
def event(officer, athens):
    """event(**fields) -> an access event by the Athens officer at Athens (``at`` may be set)."""

    def make(**fields):
        fields.setdefault("user", officer)
        fields.setdefault("actor", fields["user"].get_username())
        fields.setdefault("role", Role.FRONT_DESK)
        fields.setdefault("centre", athens)
        fields.setdefault("action", "kem.beneficiary.viewed")
        fields.setdefault("subject_type", "kem.beneficiary")
        fields.setdefault("subject_id", uuid.uuid4())
        return AccessEvent.objects.create(**fields)

    return make


def shown(response) -> list[int]:
    """The ids of the events a page lists, in order."""
    return [row.event.pk for row in response.context["rows"]]


# --- who may open it --------------------------------------------------------------------------


def test_the_dpo_sees_their_centres_events_newest_first(dpo_client, event):
    older = event(at=timezone.now() - dt.timedelta(hours=2))
    newer = event()

    response = dpo_client.get(reverse("access-log"))

    assert response.status_code == 200
    assert shown(response) == [newer.pk, older.pk]


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.MANAGER, Role.TEACHER, Role.COUNSELLOR, Role.ANALYST])
def test_other_roles_of_the_centre_get_403(client, make_staff, athens, role, event):
    event()
    client.force_login(make_staff(role, athens))

    assert client.get(reverse("access-log")).status_code == 403
    assert client.get(reverse("access-log-export")).status_code == 403


def test_a_dpo_of_another_centre_does_not_see_the_events(client, make_staff, thessaloniki, event):
    event()
    client.force_login(make_staff(Role.DPO, thessaloniki))

    response = client.get(reverse("access-log"))

    assert response.status_code == 200
    assert shown(response) == []


def test_events_without_a_centre_show_to_the_dpo_of_the_actors_centre(
    client, dpo_client, make_staff, thessaloniki, officer, event
):
    search = event(centre=None, subject_id=None, subject_type="", action="kem.beneficiary.searched")
    stranger = make_staff(Role.FRONT_DESK, thessaloniki)
    elsewhere = event(user=stranger, centre=None, subject_id=None, action="kem.beneficiary.searched")

    assert shown(dpo_client.get(reverse("access-log"))) == [search.pk]
    client.force_login(make_staff(Role.DPO, thessaloniki))
    assert shown(client.get(reverse("access-log"))) == [elsewhere.pk]


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("access-log"))

    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- filters ----------------------------------------------------------------------------------


def test_filtering_by_person(dpo_client, event):
    person = uuid.uuid4()
    about = event(subject_id=person)
    event()

    response = dpo_client.get(reverse("access-log"), {"person": str(person)})

    assert shown(response) == [about.pk]


def test_filtering_by_person_includes_a_merged_record_of_them(dpo_client, event, register, officer):
    survivor = register()
    merged_id = uuid.uuid4()
    MergeRecord.objects.create(survivor=survivor, merged_id=merged_id, merged_by=officer)
    before_merge = event(subject_id=merged_id)
    after_merge = event(subject_id=survivor.pk)

    response = dpo_client.get(reverse("access-log"), {"person": str(survivor.pk)})

    assert shown(response) == [after_merge.pk, before_merge.pk]


def test_filtering_by_user(dpo_client, event, make_staff, athens):
    counsellor = make_staff(Role.COUNSELLOR, athens, username="eleni")
    theirs = event(user=counsellor)
    event()

    response = dpo_client.get(reverse("access-log"), {"user": "eleni"})

    assert shown(response) == [theirs.pk]


def test_filtering_by_dates_includes_both_ends(dpo_client, event):
    def at(day: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime(2025, 3, day, 23, 30))

    event(at=at(1))
    first = event(at=at(2))
    last = event(at=at(4))
    event(at=at(5))

    response = dpo_client.get(reverse("access-log"), {"date_from": "2025-03-02", "date_to": "2025-03-04"})

    assert shown(response) == [last.pk, first.pk]


def test_filtering_by_action(dpo_client, event):
    reveal = event(action="kem.beneficiary.revealed", fields=["documents"], reason="verifying_identity")
    event()

    response = dpo_client.get(reverse("access-log"), {"action": "kem.beneficiary.revealed"})

    assert shown(response) == [reveal.pk]


def test_a_malformed_filter_is_an_error_next_to_its_field(dpo_client, event):
    event()

    response = dpo_client.get(reverse("access-log"), {"person": "not-an-id", "date_from": "2025-03-04"})

    assert response.status_code == 400
    assert "person" in response.context["form"].errors
    assert shown(response) == []


def test_reversed_dates_are_an_error(dpo_client):
    response = dpo_client.get(reverse("access-log"), {"date_from": "2025-03-04", "date_to": "2025-03-01"})

    assert response.context["form"].errors["date_to"]


# --- what a row shows -------------------------------------------------------------------------


def test_a_row_shows_labels_and_a_short_id_but_never_the_name_or_a_profile_link(
    dpo_client, register, officer, athens
):
    person = register(given_name="Ζαχαρούλα", family_name="Νικολαΐδου")
    access_record(
        user=officer,
        action="kem.beneficiary.revealed",
        subject=person,
        fields=["documents", "date_of_birth"],
        reason="verifying_identity",
        centre=athens,
        role=Role.FRONT_DESK,
    )

    response = dpo_client.get(reverse("access-log"))
    html = response.content.decode()
    (row,) = response.context["rows"]

    assert row.subject_label == str(person.pk)[:8] and str(person.pk)[:8] in html
    assert row.subject_url == "" and person.get_absolute_url() not in html
    assert row.action_label not in ("", "kem.beneficiary.revealed")
    assert len(row.field_labels) == 2 and not {"documents", "date_of_birth"} & set(row.field_labels)
    assert row.role_label not in ("", "front_desk")
    assert "Ζαχαρούλα" not in html and "Νικολαΐδου" not in html


def test_an_unknown_action_shows_its_code(dpo_client, event):
    event(action="courses.roster.printed")

    html = dpo_client.get(reverse("access-log")).content.decode()

    assert "<code>courses.roster.printed</code>" in html


def test_the_empty_log_says_what_will_appear(dpo_client):
    response = dpo_client.get(reverse("access-log"))

    assert response.status_code == 200
    assert 'class="empty"' in response.content.decode()


def test_pages_hold_fifty_events(dpo_client, event):
    for _n in range(51):
        event()

    first = dpo_client.get(reverse("access-log"))
    second = dpo_client.get(reverse("access-log"), {"page": 2})

    assert len(shown(first)) == 50 and len(shown(second)) == 1
    assert not set(shown(first)) & set(shown(second))


def test_a_page_costs_the_same_queries_however_many_people_it_lists(dpo, client, event, register):
    def queries() -> int:
        client.force_login(dpo)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("access-log")).status_code == 200
        return len(captured)

    event(subject_id=register().pk)
    few = queries()
    for _n in range(20):
        event(subject_id=register().pk)

    assert queries() == few


# --- export -----------------------------------------------------------------------------------


def test_the_export_streams_the_filtered_events_as_csv(dpo_client, event):
    reveal = event(action="kem.beneficiary.revealed", fields=["documents"], reason="verifying_identity")
    event()

    response = dpo_client.get(reverse("access-log-export"), {"action": "kem.beneficiary.revealed"})

    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    comment, rest = text.split("\r\n", 1)
    assert comment.startswith("#") and "action=kem.beneficiary.revealed" in comment
    rows = list(csv.DictReader(io.StringIO(rest)))
    assert [r["subject_id"] for r in rows] == [str(reveal.subject_id)]
    assert rows[0]["user"] == reveal.actor and rows[0]["fields"] == "documents"
    assert rows[0]["reason"] == "verifying_identity"


def test_the_export_is_itself_recorded(dpo_client, dpo, athens):
    response = dpo_client.get(reverse("access-log-export"), {"user": "nobody"})
    b"".join(response.streaming_content)

    export = AccessEvent.objects.get(action="kem.access_log.exported")
    assert export.user == dpo and export.centre == athens and export.role == Role.DPO
    assert export.fields == [] and export.reason == "" and export.request_id


def test_the_export_neutralises_values_a_spreadsheet_would_run(dpo_client, event, make_staff, athens):
    event(user=make_staff(Role.FRONT_DESK, athens, username="=cmd"))

    text = b"".join(dpo_client.get(reverse("access-log-export")).streaming_content).decode()

    assert "'=cmd" in text


# --- append-only ------------------------------------------------------------------------------


def test_an_event_cannot_be_changed(event):
    recorded = event()
    recorded.action = "kem.beneficiary.nothing"

    with pytest.raises(AccessLogIsAppendOnly):
        recorded.save()


def test_an_event_cannot_be_deleted(event):
    recorded = event()

    with pytest.raises(AccessLogIsAppendOnly):
        recorded.delete()
    assert AccessEvent.objects.filter(pk=recorded.pk).exists()


def test_the_queryset_refuses_update_and_delete(event):
    event()

    with pytest.raises(AccessLogIsAppendOnly):
        AccessEvent.objects.all().update(action="kem.beneficiary.nothing")
    with pytest.raises(AccessLogIsAppendOnly):
        AccessEvent.objects.filter(action="kem.beneficiary.viewed").delete()
    assert AccessEvent.objects.filter(action="kem.beneficiary.viewed").count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only"
)
@pytest.mark.parametrize(
    "sql",
    ["UPDATE kem_accessevent SET action = 'changed'", "DELETE FROM kem_accessevent"],
)
def test_the_database_refuses_raw_sql_changes(event, sql):
    event()

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AccessEvent.objects.filter(action="kem.beneficiary.viewed").count() == 1


def test_the_admin_cannot_add_change_or_delete_events(rf, django_user_model, event):
    event()
    superuser = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    request = rf.get("/")
    request.user = superuser
    model_admin = admin.site._registry[AccessEvent]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, AccessEvent.objects.first())
    assert not model_admin.has_delete_permission(request, AccessEvent.objects.first())
    assert "delete_selected" not in model_admin.get_actions(request)


def test_a_dpo_who_also_serves_people_gets_a_link_to_the_profile(client, make_staff, athens, register, event):
    person = register()
    event(subject_id=person.pk)
    both = make_staff(Role.DPO, athens)
    services.membership_grant(centre=athens, user=both, role=Role.FRONT_DESK)
    client.force_login(both)

    (row,) = client.get(reverse("access-log")).context["rows"]

    assert row.subject_url == person.get_absolute_url()
