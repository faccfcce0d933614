"""Breakdowns of a measure by one or two dimensions, with hand-computed expectations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from cases.models import RequestStatus, ServiceArea
from courses.models import EnrolmentStatus, Level
from kem.choices import Gender, LegalStatus
from referrals.models import ReferralStatus
from reports.dims import OTHER, UNKNOWN
from reports.disclosure import protect
from reports.report import DIMENSIONS, MEASURES, breakdown, dimensions_for
from reports.types import Scope

pytestmark = pytest.mark.django_db

START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)


@pytest.fixture
def scope(athens) -> Scope:
    return Scope(centre_ids=(athens.pk,), start=START, end=END)


def _rows(table) -> dict[str, int]:
    return dict(zip([code for code, _label in table.rows], table.row_totals, strict=True))


def _cells(table) -> dict[tuple[str, str], int]:
    return {
        (r, c): table.counts[i][j]
        for i, (r, _rl) in enumerate(table.rows)
        for j, (c, _cl) in enumerate(table.cols)
    }


@pytest.fixture
def nations(make_person):
    """Registered in the period: SY 5 (3 women), AF 4 (1 woman), IQ 3, PK 2, SO 1, unrecorded 1."""
    people = []
    for code, n, women in (("SY", 5, 3), ("AF", 4, 1), ("IQ", 3, 0), ("PK", 2, 0), ("SO", 1, 0), ("", 1, 0)):
        for i in range(n):
            gender = Gender.FEMALE if i < women else Gender.MALE
            people.append(make_person(nationality=code, gender=gender, registered=dt.date(2025, 2, 1)))
    return people


def test_every_measure_has_its_dimensions():
    assert set(MEASURES) >= {
        "served",
        "registered",
        "session_participants",
        "sessions",
        "interpreter_requests",
        "referrals",
        "enrolments",
        "graduates",
    }
    assert set(DIMENSIONS) >= {"gender", "age_band", "nationality", "legal_status", "municipality", "month"}
    for measure in MEASURES:
        assert dimensions_for(measure)[:6] == [
            "gender",
            "age_band",
            "nationality",
            "legal_status",
            "municipality",
            "month",
        ]
    assert "area" in dimensions_for("sessions") and "area" not in dimensions_for("served")
    assert "language" in dimensions_for("interpreter_requests")
    assert {"working_area", "referral_status"} <= set(dimensions_for("referrals"))
    assert "course_level" in dimensions_for("graduates")


def test_a_dimension_a_measure_does_not_have_is_refused(scope):
    with pytest.raises(ValueError):
        breakdown(scope, measure="served", rows="area")
    with pytest.raises(ValueError):
        breakdown(scope, measure="nobody", rows="gender")
    with pytest.raises(ValueError):
        breakdown(scope, measure="served", rows="gender", cols="gender")


def test_nationality_keeps_the_top_n_and_folds_the_rest_into_other(nations, scope):
    table = breakdown(scope, measure="registered", rows="nationality", top_n=2)
    assert _rows(table) == {"SY": 5, "AF": 4, OTHER: 6, UNKNOWN: 1}
    assert table.grouped == {"nationality": ("IQ", "PK", "SO")}
    assert table.total == 16 and table.additive
    with translation.override("en"):
        english = breakdown(scope, measure="registered", rows="nationality", top_n=2)
    assert dict(english.rows)["SY"] == "Syria"
    assert dict(english.rows)[OTHER] == "Other"


def test_nationality_by_gender_counts_cells_and_both_margins(nations, scope):
    table = breakdown(scope, measure="registered", rows="nationality", cols="gender", top_n=3)
    cells = _cells(table)
    assert cells[("SY", Gender.FEMALE)] == 3 and cells[("SY", Gender.MALE)] == 2
    assert cells[("AF", Gender.FEMALE)] == 1 and cells[("AF", Gender.MALE)] == 3
    assert cells[(OTHER, Gender.MALE)] == 3 and cells[(OTHER, Gender.FEMALE)] == 0
    assert [code for code, _label in table.cols] == [g.value for g in Gender]
    assert dict(zip([c for c, _l in table.cols], table.col_totals, strict=True)) == {
        Gender.FEMALE: 4,
        Gender.MALE: 12,
        Gender.NON_BINARY: 0,
        Gender.NOT_STATED: 0,
    }
    assert _rows(table) == {"SY": 5, "AF": 4, "IQ": 3, OTHER: 3, UNKNOWN: 1}
    assert table.total == 16


def test_legal_status_lists_every_category_and_the_unrecorded(make_person, scope):
    make_person(legal_status=LegalStatus.REFUGEE, registered=dt.date(2025, 3, 1))
    make_person(legal_status=LegalStatus.REFUGEE, registered=dt.date(2025, 3, 2))
    make_person(legal_status="", registered=dt.date(2025, 3, 3))
    rows = _rows(breakdown(scope, measure="registered", rows="legal_status"))
    assert list(rows)[: len(LegalStatus.values)] == LegalStatus.values
    assert rows[LegalStatus.REFUGEE] == 2 and rows[LegalStatus.ASYLUM_SEEKER] == 0 and rows[UNKNOWN] == 1


def test_municipality_of_residence_names_only_places_many_people_share(make_person, scope, settings):
    """The municipality is typed, not chosen: a stray text (here an address with a name) must
    never become a row label, so places shared by fewer than threshold + 1 people fold into
    "other"."""
    settings.KEM_SUPPRESSION_THRESHOLD = 2
    for place in ("Αθήνα", "Αθήνα", "Αθήνα", "Πειραιάς", "Πειραιάς", "Πατησίων 12, Γ. Παπαδόπουλος"):
        make_person(municipality=place, registered=dt.date(2025, 3, 1))
    make_person(municipality="", registered=dt.date(2025, 3, 1))
    table = breakdown(scope, measure="registered", rows="municipality", top_n=0)
    assert _rows(table) == {"Αθήνα": 3, OTHER: 3, UNKNOWN: 1}
    assert not any("Πατησίων" in label for _code, label in table.rows)
    by_month = breakdown(scope, measure="registered", rows="month", cols="municipality")
    assert [code for code, _label in by_month.cols] == ["Αθήνα", OTHER, UNKNOWN]


def test_a_municipality_typed_by_one_person_stays_hidden_however_many_sessions_they_had(
    make_person, held_session, scope, settings
):
    """Counting activities, a stray text shared by few people still folds into "other": what
    decides is how many people share it, not how many sessions they had."""
    settings.KEM_SUPPRESSION_THRESHOLD = 2
    typed = make_person(municipality="Πατησίων 12, Γ. Παπαδόπουλος")
    for day in range(1, 6):
        held_session(typed, dt.date(2025, 1, day))
    for _ in range(3):
        held_session(make_person(municipality="Αθήνα"), dt.date(2025, 2, 1))

    table = breakdown(scope, measure="sessions", rows="municipality", top_n=0)

    assert _rows(table) == {"Αθήνα": 3, OTHER: 5}
    assert not any("Πατησίων" in label for _code, label in table.rows)


def test_sessions_by_month_add_up_and_participants_by_area_do_not(make_person, held_session, scope):
    a, b = make_person(), make_person()
    held_session(a, dt.date(2025, 1, 10))
    held_session(a, dt.date(2025, 1, 20), area=ServiceArea.LEGAL)
    held_session(a, dt.date(2025, 3, 5))
    held_session(b, dt.date(2025, 3, 6))
    sessions = breakdown(scope, measure="sessions", rows="month")
    assert _rows(sessions) == {
        "2025-01": 2,
        "2025-02": 0,
        "2025-03": 2,
        "2025-04": 0,
        "2025-05": 0,
        "2025-06": 0,
    }
    assert sessions.total == 4 and sessions.additive and sessions.unit == "sessions"
    participants = breakdown(scope, measure="session_participants", rows="area")
    assert _rows(participants)[ServiceArea.EMPLOYMENT] == 2
    assert _rows(participants)[ServiceArea.LEGAL] == 1
    assert participants.total == 2 and not participants.additive


def test_participants_by_area_and_gender_count_people_in_each_area(make_person, held_session, scope):
    woman, man = make_person(gender=Gender.FEMALE), make_person(gender=Gender.MALE)
    held_session(woman, dt.date(2025, 2, 1))
    held_session(woman, dt.date(2025, 2, 2), area=ServiceArea.PSYCHOSOCIAL)
    held_session(man, dt.date(2025, 2, 3))
    table = breakdown(scope, measure="session_participants", rows="area", cols="gender")
    cells = _cells(table)
    assert cells[(ServiceArea.EMPLOYMENT, Gender.FEMALE)] == 1
    assert cells[(ServiceArea.EMPLOYMENT, Gender.MALE)] == 1
    assert cells[(ServiceArea.PSYCHOSOCIAL, Gender.FEMALE)] == 1
    # The woman is in two areas but one woman: the gender margin is counted, not summed.
    assert dict(zip([c for c, _l in table.cols], table.col_totals, strict=True))[Gender.FEMALE] == 1
    assert _rows(table)[ServiceArea.EMPLOYMENT] == 2
    assert table.total == 2
    assert table.row_totals_additive and not table.col_totals_additive


def test_interpreter_requests_by_language(make_person, interpreter_request, scope):
    person = make_person()
    interpreter_request(person, dt.date(2025, 1, 5), language="fa")
    interpreter_request(person, dt.date(2025, 1, 6), language="fa")
    interpreter_request(person, dt.date(2025, 1, 7), language="ps")
    interpreter_request(person, dt.date(2025, 1, 8), language="ps", status=RequestStatus.CANCELLED)
    with translation.override("en"):
        table = breakdown(scope, measure="interpreter_requests", rows="language")
    labels = {label: n for (_code, label), n in zip(table.rows, table.row_totals, strict=True)}
    assert labels == {"Farsi": 2, "Pashto": 1} and table.total == 3
    assert table.unit == "requests"


def test_referrals_by_working_area_and_how_they_stand(make_person, sent_referral, job_placement, scope):
    person = make_person()
    sent_referral(person, dt.date(2025, 2, 1))
    sent_referral(person, dt.date(2025, 2, 2), status=ReferralStatus.DECLINED)
    sent_referral(person, dt.date(2025, 2, 3), status=ReferralStatus.COMPLETED, successful=True)
    sent_referral(person, dt.date(2025, 2, 4), status=ReferralStatus.WITHDRAWN, answered=True)
    sent_referral(
        person, dt.date(2025, 2, 5), status=ReferralStatus.COMPLETED, successful=False, service=job_placement
    )
    table = breakdown(scope, measure="referrals", rows="working_area", cols="referral_status")
    cells = _cells(table)
    assert cells[("housing", "awaiting")] == 1
    assert cells[("housing", "declined")] == 1
    assert cells[("housing", "successful")] == 1
    assert cells[("housing", "withdrawn_after_answer")] == 1
    assert cells[("labour", "unsuccessful")] == 1
    assert _rows(table) == {"legal": 0, "health_social": 0, "housing": 4, "education": 0, "labour": 1}
    assert table.total == 5 and table.additive


def test_graduates_by_course_level(make_person, make_class, enrol, greek_a1, scope):
    from courses.models import Course, Subject

    b1 = Course.objects.create(
        name_el="Ελληνικά Β1", name_en="Greek B1", subject=Subject.GREEK, level=Level.B1, planned_hours=80
    )
    a1_class, b1_class = make_class(), make_class(course=b1)
    person = make_person()
    enrol(person, a1_class, dt.date(2025, 2, 3), status=EnrolmentStatus.GRADUATED, ended=dt.date(2025, 5, 30))
    enrol(person, b1_class, dt.date(2025, 2, 3), status=EnrolmentStatus.GRADUATED, ended=dt.date(2025, 6, 20))
    enrol(
        make_person(),
        b1_class,
        dt.date(2025, 2, 3),
        status=EnrolmentStatus.GRADUATED,
        ended=dt.date(2025, 7, 2),
    )
    enrol(
        make_person(),
        b1_class,
        dt.date(2025, 2, 3),
        status=EnrolmentStatus.DROPPED,
        ended=dt.date(2025, 3, 1),
    )
    table = breakdown(scope, measure="graduates", rows="course_level")
    rows = _rows(table)
    assert rows[Level.A1] == 1 and rows[Level.B1] == 1
    assert table.total == 1  # one person graduated twice in the period; the third after it


def test_a_published_breakdown_hides_small_cells(nations, scope):
    [published] = protect([breakdown(scope, measure="registered", rows="nationality", cols="gender")])
    displays = {
        r: [c.display for c in row] for (r, _l), row in zip(published.rows, published.cells, strict=True)
    }
    assert displays["SY"][:2] == ["<10", "<10"]
    assert all(
        cell.value is None or cell.value == 0 or cell.value > 9 for row in published.cells for cell in row
    )
