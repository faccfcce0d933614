"""Document-expiry reminders: the daily refresh, marking one handled, and the home-page part."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.models import DocumentReminder
from cases.services.benefits import document_reminder_handle, document_reminders_refresh
from cases.tasks import document_reminders
from kem import services as kem_services
from kem.models import Beneficiary, Role
from kem.vault.models import PersonKey
from kem.vault.services import shred

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture
def register(athens, officer):
    """register(expires_on, centre=athens, name=...) -> a person whose next document expires then."""

    def make(expires_on: dt.date | None, centre=None, name: str = "Αμίρ", by=None):
        documents = []
        if expires_on is not None:
            documents = [{"kind": "residence_permit", "number": f"RP{Beneficiary.objects.count()}"}]
            documents[0]["expires_on"] = expires_on.isoformat()
        return kem_services.beneficiary_register(
            centre=centre or athens,
            by=by or officer,
            data={"given_name": name, "family_name": "Καρίμι", "documents": documents},
            check_duplicates=False,
        )

    return make


def _expiring(person: Beneficiary, on: dt.date) -> Beneficiary:
    """Move ``person``'s next expiry (the plain column the refresh reads)."""
    Beneficiary.objects.filter(pk=person.pk).update(next_document_expiry=on)
    person.refresh_from_db()
    return person


# --- the refresh -------------------------------------------------------------------------------


def test_a_document_expiring_within_30_days_raises_one_reminder_at_the_persons_centre(register, athens):
    person = register(TODAY + 10 * DAY)

    assert person.next_document_expiry == TODAY + 10 * DAY
    assert document_reminders_refresh() == 1
    reminder = DocumentReminder.objects.get()
    assert (reminder.beneficiary, reminder.centre, reminder.expires_on) == (person, athens, TODAY + 10 * DAY)
    assert reminder.handled_at is None
    assert reminder.history.get().history_type == "+"


def test_the_window_is_30_days_and_includes_documents_already_expired(register):
    on_the_edge = register(TODAY + 30 * DAY, name="Ένας")
    expired = register(TODAY - 40 * DAY, name="Δύο")
    register(TODAY + 31 * DAY, name="Τρία")
    register(None, name="Τέσσερα")

    assert document_reminders_refresh() == 2
    assert set(DocumentReminder.objects.values_list("beneficiary", flat=True)) == {on_the_edge.pk, expired.pk}


def test_running_again_changes_nothing(register):
    register(TODAY + 5 * DAY)
    document_reminders_refresh()

    assert document_reminders_refresh() == 0
    assert DocumentReminder.objects.count() == 1


def test_a_new_expiry_date_raises_a_new_reminder(register):
    person = register(TODAY + 5 * DAY)
    document_reminders_refresh()

    _expiring(person, TODAY + 20 * DAY)

    assert document_reminders_refresh() == 1
    assert sorted(DocumentReminder.objects.values_list("expires_on", flat=True)) == [
        TODAY + 5 * DAY,
        TODAY + 20 * DAY,
    ]


def test_the_window_counts_from_the_day_given(register):
    register(TODAY + 40 * DAY)

    assert document_reminders_refresh(today=TODAY) == 0
    assert document_reminders_refresh(today=TODAY + 15 * DAY) == 1


def test_merged_records_and_erased_people_get_no_reminder(register):
    survivor = register(None, name="Μένει")
    merged = register(TODAY + 3 * DAY, name="Συγχωνεύτηκε")
    Beneficiary.objects.filter(pk=merged.pk).update(merged_into=survivor)
    shred(register(TODAY + 3 * DAY, name="Διαγράφηκε"))

    assert document_reminders_refresh() == 0
    assert not DocumentReminder.objects.exists()


def test_the_refresh_opens_nobodys_sealed_data(register, monkeypatch):
    person = register(TODAY + 7 * DAY)

    def refuse(self):
        raise AssertionError("a person key was unwrapped")

    monkeypatch.setattr(PersonKey, "unwrap", refuse)

    assert document_reminders_refresh() == 1
    assert DocumentReminder.objects.get().beneficiary_id == person.pk


def test_the_daily_task_runs_the_refresh(register):
    register(TODAY + 2 * DAY)

    # Called in-process (not ``.delay()``): an eager run would fix this process's Celery app to
    # no result backend, and a later test on a real worker could not read its result.
    assert document_reminders() == 1
    assert DocumentReminder.objects.count() == 1


# --- marking handled ---------------------------------------------------------------------------


@pytest.fixture
def reminder(register):
    register(TODAY + 12 * DAY)
    document_reminders_refresh()
    return DocumentReminder.objects.get()


def test_marking_handled_keeps_who_and_when(reminder, officer):
    document_reminder_handle(reminder=reminder, by=officer)

    reminder.refresh_from_db()
    assert reminder.handled_by == officer
    assert reminder.handled_at is not None
    assert reminder.history.first().history_user == officer


def test_a_reminder_is_handled_once(reminder, officer, psychologist):
    document_reminder_handle(reminder=reminder, by=officer)

    with pytest.raises(ValidationError) as caught:
        document_reminder_handle(reminder=reminder, by=psychologist)

    assert caught.value.code == "already_handled"
    reminder.refresh_from_db()
    assert reminder.handled_by == officer


@pytest.mark.parametrize("role", [Role.TEACHER, Role.ANALYST, Role.DPO])
def test_roles_that_do_not_serve_people_may_not_handle_reminders(reminder, make_staff, athens, role):
    with pytest.raises(PermissionDenied):
        document_reminder_handle(reminder=reminder, by=make_staff(role, athens))


# --- the home page -----------------------------------------------------------------------------


def _panel(response, role: str) -> str:
    """The HTML of the user's home panel of ``role``."""
    html = response.content.decode()
    start = html.index(f'data-role="{role}"')
    end = html.find('<section class="card panel"', start)
    return html[start : end if end != -1 else len(html)]


def test_the_front_desk_sees_the_reminders_with_name_date_and_days_left(client, officer, register):
    person = register(TODAY + 9 * DAY, name="Σαμίρ")
    document_reminders_refresh()
    reminder = DocumentReminder.objects.get()
    client.force_login(officer)

    panel = _panel(client.get(reverse("home")), Role.FRONT_DESK)

    assert f'data-reminder="{reminder.pk}"' in panel
    assert 'data-days-left="9"' in panel
    assert "Σαμίρ Καρίμι" in panel
    assert f'href="{person.get_absolute_url()}"' in panel
    assert (TODAY + 9 * DAY).strftime("%d/%m/%Y") in panel
    assert reverse("document-reminder-handle", args=[reminder.pk]) in panel


def test_counsellors_see_the_reminders_too_but_not_handled_ones(client, psychologist, officer, register):
    register(TODAY + 1 * DAY, name="Πρώτος")
    register(TODAY + 2 * DAY, name="Δεύτερος")
    document_reminders_refresh()
    handled, kept = DocumentReminder.objects.order_by("expires_on")
    document_reminder_handle(reminder=handled, by=officer)
    client.force_login(psychologist)

    panel = _panel(client.get(reverse("home")), Role.COUNSELLOR)

    assert f'data-reminder="{kept.pk}"' in panel
    assert f'data-reminder="{handled.pk}"' not in panel


def test_another_centres_reminders_do_not_show(client, make_staff, thessaloniki, register):
    register(TODAY + 3 * DAY)  # at Athens
    document_reminders_refresh()
    client.force_login(make_staff(Role.FRONT_DESK, thessaloniki))

    panel = _panel(client.get(reverse("home")), Role.FRONT_DESK)

    assert "data-reminder=" not in panel
    assert 'data-empty="no-reminders"' in panel


def test_nothing_expiring_says_so(client, officer):
    client.force_login(officer)

    assert 'data-empty="no-reminders"' in _panel(client.get(reverse("home")), Role.FRONT_DESK)


def test_the_home_page_costs_the_same_however_many_reminders(
    client, officer, register, django_assert_max_num_queries
):
    def home_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        return len(captured)

    client.force_login(officer)
    register(TODAY + 4 * DAY, name="Μόνος")
    document_reminders_refresh()
    with_one = home_queries()
    for n in range(12):
        register(TODAY + n * DAY, name=f"Άτομο{n}")
    document_reminders_refresh()

    with django_assert_max_num_queries(with_one):
        response = client.get(reverse("home"))

    assert _panel(response, Role.FRONT_DESK).count("data-reminder=") == 13


# --- marking handled: the page action ----------------------------------------------------------


def test_the_front_desk_marks_a_reminder_handled_from_the_home_page(client, officer, reminder):
    client.force_login(officer)
    url = reverse("document-reminder-handle", args=[reminder.pk])

    assert client.get(url).status_code == 405
    response = client.post(url)

    assert response.status_code == 302
    assert response.url == reverse("home")
    reminder.refresh_from_db()
    assert reminder.handled_by == officer


def test_with_htmx_the_part_comes_back_without_the_reminder(client, officer, reminder):
    client.force_login(officer)

    response = client.post(
        reverse("document-reminder-handle", args=[reminder.pk]), headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-panel="document-reminders"' in html
    assert f'data-reminder="{reminder.pk}"' not in html
    assert 'data-empty="no-reminders"' in html


def test_a_teacher_gets_403_for_marking_handled(client, teacher, reminder):
    client.force_login(teacher)

    assert client.post(reverse("document-reminder-handle", args=[reminder.pk])).status_code == 403
    reminder.refresh_from_db()
    assert reminder.handled_at is None


def test_another_centre_gets_404_for_marking_handled(client, make_staff, thessaloniki, reminder):
    client.force_login(make_staff(Role.FRONT_DESK, thessaloniki))

    assert client.post(reverse("document-reminder-handle", args=[reminder.pk])).status_code == 404
    reminder.refresh_from_db()
    assert reminder.handled_at is None
