"""Merges that always work: a bare duplicate, records on both that become one (enrolments in one
class, open cases of one area, reminders of one expiry), the plan shown before confirming, and the
history of moved records still opening under the survivor's key."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import Case, CloseReason, DocumentReminder, ServiceArea, Session
from courses.models import Attendance, AttendanceMark, Enrolment, EnrolmentStatus
from kem.models import Beneficiary, MergeRecord
from kem.selectors.merge import merge_facts, merge_plan
from kem.services.people import MergeRefused, beneficiary_merge
from referrals.models import Referral
from tests.merge_world import (
    add_session,
    ask_interpreter,
    build_world,
    enrol,
    open_case,
    refer,
    register,
)

pytestmark = pytest.mark.django_db

P, L, E, A = AttendanceMark.PRESENT, AttendanceMark.LATE, AttendanceMark.EXCUSED, AttendanceMark.ABSENT


@pytest.fixture
def world(athens):
    return build_world(athens)


@pytest.fixture
def twins(world):
    return register(world, given="Μοχάμεντ"), register(world, given="Μουχάμαντ")


def _plan(survivor, duplicate):
    return merge_plan(merge_facts(survivor=survivor, duplicate=duplicate))


def test_a_bare_duplicate_merges_and_records_an_empty_move(twins, world):
    survivor, duplicate = twins

    record = beneficiary_merge(survivor=survivor, duplicate=duplicate, by=world.manager)

    record.refresh_from_db()
    assert record.moved == {}
    assert Beneficiary.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk


def test_a_bare_duplicate_merges_through_the_page(client, twins, world):
    survivor, duplicate = twins
    client.force_login(world.manager)
    url = reverse("beneficiary-merge", args=[survivor.pk])

    preview = client.post(url, {"duplicate": str(duplicate.pk)}).content.decode()
    response = client.post(url, {"duplicate": str(duplicate.pk), "confirm": "on"})

    assert 'data-merge="nothing"' in preview
    assert response.status_code == 302
    assert MergeRecord.objects.get().moved == {}


def test_two_enrolments_in_one_class_become_one_with_the_attendance_of_both(twins, world):
    survivor, duplicate = twins
    course_class = world.classes[0]
    # Survivor: lessons 0 (absent) and 1 (late). Duplicate: lessons 1 (present), 2 and 3 (present).
    kept_by_survivor = enrol(world, survivor, course_class, marks={0: A, 1: L})
    dropped = enrol(world, duplicate, course_class, marks={1: P, 2: P, 3: E})
    plan = _plan(survivor, duplicate)
    (combination,) = plan.combinations

    record = beneficiary_merge(survivor=survivor, duplicate=duplicate, by=world.manager)

    # The duplicate's enrolment had more marks (3 against 2): it is the one kept, now the survivor's.
    assert (combination.kept.pk, combination.dropped.pk) == (dropped.pk, kept_by_survivor.pk)
    (enrolment,) = Enrolment.objects.filter(beneficiary=survivor, course_class=course_class)
    assert enrolment.pk == dropped.pk
    marks = {a.lesson_id: a.mark for a in Attendance.objects.filter(enrolment=enrolment)}
    lessons = world.lessons[course_class.pk]
    # Every lesson marked on either keeps a mark; lesson 1, marked on both, keeps the better one.
    assert marks == {lessons[0].pk: A, lessons[1].pk: P, lessons[2].pk: P, lessons[3].pk: E}
    assert not Enrolment.objects.filter(pk=kept_by_survivor.pk).exists()
    assert record.moved == plan.counts()
    assert record.moved["combined.courses.enrolment"] == 1
    assert record.moved["combined.courses.attendance"] == 1
    assert record.moved["moved_onto_kept.courses.attendance"] == 1  # lesson 0's mark
    row = Enrolment.history.filter(id=kept_by_survivor.pk).first()
    assert (row.history_type, row.history_user) == ("-", world.manager)
    assert row.history_change_reason.endswith(f"combined into {dropped.pk}")


def test_a_seat_is_kept_over_a_waiting_list_place_and_the_better_mark_wins_both_ways(twins, world):
    survivor, duplicate = twins
    course_class = world.classes[0]
    seat = enrol(world, survivor, course_class, marks={0: P})
    enrol(world, duplicate, course_class, status=EnrolmentStatus.WAITLISTED)

    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=world.manager)

    assert list(Enrolment.objects.filter(beneficiary=survivor).values_list("pk", "status")) == [
        (seat.pk, EnrolmentStatus.ENROLLED)
    ]


def test_two_open_cases_of_one_area_are_joined_with_all_their_sessions(twins, world):
    survivor, duplicate = twins
    theirs = open_case(world, survivor, ServiceArea.LEGAL, sessions=1)
    ours = open_case(world, duplicate, ServiceArea.LEGAL, sessions=2)
    other_area = open_case(world, duplicate, ServiceArea.PSYCHOSOCIAL, sessions=1)
    sessions = set(Session.objects.values_list("pk", flat=True))

    record = beneficiary_merge(survivor=survivor, duplicate=duplicate, by=world.manager)

    open_cases = Case.objects.filter(beneficiary=survivor, closed_on__isnull=True)
    assert set(open_cases.values_list("pk", flat=True)) == {ours.pk, other_area.pk}
    assert set(Session.objects.filter(case=ours).values_list("pk", flat=True)) == sessions - set(
        Session.objects.filter(case=other_area).values_list("pk", flat=True)
    )
    theirs.refresh_from_db()
    assert (theirs.beneficiary_id, theirs.close_reason) == (survivor.pk, CloseReason.MERGED)
    assert not Session.objects.filter(case=theirs).exists()
    assert record.moved["combined.cases.case"] == 1
    assert record.moved["moved_onto_kept.cases.session"] == 1
    assert record.moved["cases.case.beneficiary"] == 2
    # Every session opens under its new owner's key.
    for session in Session.objects.select_related("case__beneficiary__person_key"):
        assert session.summary.startswith("Συνάντηση")


def test_two_reminders_of_one_expiry_keep_the_handled_one(twins, world):
    survivor, duplicate = twins
    from django.utils import timezone

    day = timezone.localdate()
    DocumentReminder.objects.create(beneficiary=survivor, centre=world.centre, expires_on=day)
    handled = DocumentReminder.objects.create(
        beneficiary=duplicate, centre=world.centre, expires_on=day, handled_at=timezone.now()
    )

    beneficiary_merge(survivor=survivor, duplicate=duplicate, by=world.manager)

    assert list(DocumentReminder.objects.filter(beneficiary=survivor).values_list("pk", flat=True)) == [
        handled.pk
    ]


def test_history_rows_of_moved_records_open_under_the_survivors_key(twins, world):
    survivor, duplicate = twins
    open_case(world, survivor, ServiceArea.LEGAL, sessions=1)
    moved_case = open_case(world, duplicate, ServiceArea.LEGAL, sessions=2)
    open_case(world, duplicate, ServiceArea.PSYCHOSOCIAL, sessions=1)
    refer(world, duplicate)
    ask_interpreter(world, duplicate)
    add_session(world, moved_case, day=9)

    record = beneficiary_merge(survivor=survivor, duplicate=duplicate, by=world.manager)

    opened = 0
    for model, fields in ((Session, ("summary", "confidential_note")), (Referral, ("reason",))):
        for row in model.history.all():
            for name in fields:
                assert getattr(row.instance, name) is not None
                opened += 1
    assert opened >= 2 * 9
    assert record.moved["history_resealed"] > 0


def test_the_page_shows_what_moves_and_what_becomes_one_before_confirming(client, twins, world):
    survivor, duplicate = twins
    course_class = world.classes[0]
    enrol(world, survivor, course_class, marks={0: A, 2: L})
    enrol(world, duplicate, course_class, marks={0: P, 1: P, 3: P})
    open_case(world, duplicate, ServiceArea.LEGAL, sessions=1)
    refer(world, duplicate)
    client.force_login(world.manager)
    url = reverse("beneficiary-merge", args=[survivor.pk])

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(url, {"duplicate": str(duplicate.pk)}).content.decode()

    assert f"Two enrolments for {course_class} become one: the duplicate&#x27;s is kept" in html
    assert "Attendance marks recorded on both: 1 (the better mark stays" in html
    assert "1 attendance moves onto the kept one." in html
    assert "Referrals: 1" in html and "Cases: 1" in html
    # The duplicate's enrolment is kept and moves: it is counted with the moves too.
    assert "Enrolments: 1" in html
    assert not MergeRecord.objects.exists()


def test_a_pair_no_rule_can_combine_refuses_and_the_page_says_why(client, twins, world, monkeypatch):
    from kem import registry

    survivor, duplicate = twins
    enrol(world, survivor, world.classes[0])
    enrol(world, duplicate, world.classes[0])
    monkeypatch.delitem(registry._MERGE_RULES, "courses.enrolment")
    client.force_login(world.manager)

    with pytest.raises(MergeRefused) as refused:
        beneficiary_merge(survivor=survivor, duplicate=duplicate, by=world.manager)
    html = client.post(reverse("beneficiary-merge", args=[survivor.pk]), {"duplicate": str(duplicate.pk)})

    assert refused.value.code == "conflicting_records"
    assert 'data-merge="refusals"' in html.content.decode()
    assert 'name="confirm"' in html.content.decode() and "danger" not in html.content.decode()
    assert Enrolment.objects.filter(beneficiary=duplicate).count() == 1


def test_joined_is_a_reason_only_a_merge_gives(world, twins):
    from django.core.exceptions import ValidationError

    from cases.forms.cases import CaseCloseForm
    from cases.services.cases import case_close

    case = open_case(world, twins[0], ServiceArea.LEGAL)

    with pytest.raises(ValidationError) as refused:
        case_close(case=case, reason=CloseReason.MERGED, by=world.manager)

    assert "close_reason" in refused.value.error_dict
    assert CloseReason.MERGED not in dict(CaseCloseForm.base_fields["close_reason"].choices)
    assert Case.objects.get(pk=case.pk).closed_on is None


def test_two_households_are_refused_on_the_page_before_confirming(client, twins, world):
    from kem.models import Relationship
    from kem.services.people import household_link

    survivor, duplicate = twins
    for head in twins:
        household_link(
            head=head,
            member=register(world, given="Παιδί"),
            relationship=Relationship.CHILD,
            by=world.officer,
        )
    client.force_login(world.manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.post(reverse("beneficiary-merge", args=[survivor.pk]), {"duplicate": str(duplicate.pk)})

    assert "Both records belong to a household. Unlink one of them first." in html.content.decode()
    assert 'class="danger"' not in html.content.decode()


def test_the_plan_reads_in_greek_with_plural_forms(client, twins, world):
    survivor, duplicate = twins
    course_class = world.classes[0]
    enrol(world, survivor, course_class, marks={0: P, 1: P})
    enrol(world, duplicate, course_class, marks={2: P, 3: A})  # a tie: this record's stays
    client.force_login(world.manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "el"

    html = client.post(reverse("beneficiary-merge", args=[survivor.pk]), {"duplicate": str(duplicate.pk)})

    assert "2 παρουσίες μεταφέρονται στο στοιχείο που κρατείται." in html.content.decode()
