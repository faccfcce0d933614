"""Statistics exports: the CSV, XLSX and JSON files, their header and legend, disclosure control
in the file, and never a name, a date of birth or an ID number in the bytes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from kem import services
from kem.demo_people import amka_for
from kem.models import AccessEvent, DownloadJob, DownloadKind, DownloadStatus, Membership, Role
from kem.services.downloads import download_build, download_start
from referrals.models import ReferralStatus
from reports import writers
from reports.build import CentreSection, Report, ReportRequest, report_build
from reports.exports import statistics_build_export
from reports.layout import side_by_side
from reports.types import Cell, PublishedTable
from reports.writers import write_csv, write_json, write_xlsx

pytestmark = pytest.mark.django_db

SPRING = dt.date(2025, 3, 3)
YEAR_2025 = {"start": "2025-01-01", "end": "2025-12-31"}


def published(cells, *, key="t.nationality", title="Served by nationality", rows=None, cols=None, **extra):
    """A hand-built published table (what disclosure.protect hands on)."""
    rows = rows or [(f"r{i}", f"Row {i}") for i in range(len(cells))]
    cols = cols or [("", "Count")]
    return PublishedTable(
        key=key,
        title=title,
        row_dim="nationality",
        col_dim="" if len(cols) == 1 else "gender",
        rows=rows,
        cols=cols,
        cells=cells,
        row_totals=extra.pop("row_totals", []),
        col_totals=extra.pop("col_totals", []),
        total=extra.pop("total", Cell(None, "")),
        **extra,
    )


def n(value: int) -> Cell:
    return Cell(value=value, display=str(value))


SMALL = Cell(value=None, display="<10", suppressed=True, primary=True)
HIDDEN = Cell(value=None, display="x", suppressed=True)


@pytest.fixture
def hand_report(athens):
    """A report of Athens with one 2-D table holding a suppressed cell, built by hand."""
    table = published(
        [[n(14), SMALL], [HIDDEN, n(0)]],
        rows=[("AF", "Afghanistan"), ("SY", "Syria")],
        cols=[("male", "Male"), ("female", "Female")],
        row_totals=[n(20), n(11)],
        col_totals=[n(25), n(6)],
        total=n(31),
    )
    request = ReportRequest(kind="headline", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
    return Report(
        request=request,
        sections=[CentreSection(centres=[athens], tables=[table])],
        threshold=9,
        label="<10",
        generated_at=timezone.make_aware(dt.datetime(2026, 1, 15, 9, 30)),
    )


def write(writer, report) -> bytes:
    out = io.BytesIO()
    writer(out, report, side_by_side(report), lambda percent: None)
    return out.getvalue()


# --- the writers, on a hand-built table --------------------------------------------------------


def test_the_csv_opens_with_the_header_and_marks_suppressed_cells(hand_report):
    with translation.override("en"):
        text = write(write_csv, hand_report).decode("utf-8-sig")

    lines = list(csv.reader(io.StringIO(text)))
    header = {line[0]: line[1] for line in lines[:8]}
    assert header["Period"] == "01/01/2025 – 31/12/2025"
    assert header["Centre(s)"] == "KEM Athens"
    assert header["Suppression threshold"] == "counts from 1 to 9 are not published"
    assert header["Suppressed cells show"] == "<10"
    assert header["Rounding"] == "none"
    assert header["Generated at"] == "15/01/2026 09:30"
    assert header["Note"] == "Counts of unique persons unless stated."
    assert ["<10", "not published: a count from 1 to 9, too few people to show safely."] in lines
    assert ["Served by nationality", "Male", "Female", "Total"] in lines
    assert ["Afghanistan", "14", "<10", "20"] in lines
    assert ["Syria", "x", "0", "11"] in lines
    assert ["Total", "25", "6", "31"] in lines


def test_the_json_keeps_suppressed_cells_without_a_value(hand_report):
    body = json.loads(write(write_json, hand_report))

    assert body["meta"]["threshold"] == 9 and body["meta"]["suppressed_label"] == "<10"
    assert body["meta"]["start"] == "2025-01-01" and body["meta"]["end"] == "2025-12-31"
    assert body["meta"]["centres"][0]["name"]
    assert body["meta"]["rounding"] is None and body["meta"]["generated_at"].startswith("2026-01-15")
    (table,) = body["tables"]
    afghanistan = table["rows"][0]
    assert afghanistan["label"] == "Afghanistan"
    assert afghanistan["cells"][1] == {"value": None, "display": "<10", "suppressed": True, "rate": False}
    assert afghanistan["total"]["value"] == 20
    assert table["total"]["value"] == 31


def test_the_xlsx_marks_suppressed_cells_with_the_label_and_a_fill(hand_report):
    sheet = load_workbook(io.BytesIO(write(write_xlsx, hand_report))).active

    cells = [cell for row in sheet.iter_rows() for cell in row]
    # The header names the label; the legend lines and the table's suppressed cells have the fill.
    assert len([c for c in cells if c.value == "<10"]) == 3
    marked = [c for c in cells if c.value in ("<10", "x") and c.fill.fgColor.rgb.endswith("FFF2CC")]
    assert {c.value for c in marked} == {"<10", "x"}
    assert any(c.column > 1 for c in marked if c.value == "<10")  # inside the table, not only the legend
    legend = [c for c in marked if c.column == 1]
    assert {c.value for c in legend} == {"<10", "x"}
    numbers = [c.value for c in cells if isinstance(c.value, int)]
    assert 14 in numbers and 31 in numbers


def test_a_label_that_looks_like_a_formula_stays_text(athens):
    table = published([[n(12)]], rows=[("x", '=HYPERLINK("http://evil")')])
    report = Report(
        request=ReportRequest(kind="esf", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)),
        sections=[CentreSection(centres=[athens], tables=[table])],
        threshold=9,
        label="<10",
    )

    sheet = load_workbook(io.BytesIO(write(write_xlsx, report))).active
    text = write(write_csv, report).decode("utf-8-sig")

    values = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert '\'=HYPERLINK("http://evil")' in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert "\n'=HYPERLINK" in text.replace('"', "")


def test_several_centres_are_side_by_side_and_never_summed(athens, thessaloniki):
    def figures(served):
        return published(
            [[served], [n(0)]], key="headline.figures", rows=[("served", "Served"), ("sessions", "Sessions")]
        )

    report = Report(
        request=ReportRequest(kind="headline", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)),
        sections=[
            CentreSection(centres=[athens], tables=[figures(n(40))]),
            CentreSection(centres=[thessaloniki], tables=[figures(SMALL)]),
        ],
        threshold=9,
        label="<10",
    )

    (table,) = side_by_side(report)

    assert [label for _code, label in table.cols] == [athens.name, thessaloniki.name]
    assert table.cells[0] == [n(40), SMALL]
    assert table.row_totals == [] and table.total.value is None  # no network total


# --- real exports through the download job ----------------------------------------------------


@pytest.fixture
def distinctive_people(athens, officer, held_session, sent_referral):
    """Twelve people with names, dates of birth and ID numbers no statistic may ever show."""
    people = []
    for i in range(12):
        birth = dt.date(1987, 4, 10 + i)
        person = services.beneficiary_register(
            centre=athens,
            by=officer,
            data={
                "given_name": f"Ξενοφών{chr(0x3B1 + i)}",
                "family_name": "Ζυγομαλάς",
                "given_name_latin": f"Xenofon{chr(97 + i)}",
                "family_name_latin": "Zygomalas",
                "date_of_birth": birth,
                "birth_year": birth.year,
                "gender": "male" if i % 3 else "female",
                "nationality": "AF" if i < 8 else "SY",
                "municipality": "Αθήνα",
                "phone": f"+30697555{i:04d}",
                "notes": "Σημείωση ελεύθερου κειμένου QWERTY",
                "documents": [
                    {"kind": "amka", "number": amka_for(birth, 7700 + i), "status": "valid"},
                    {"kind": "passport", "number": f"ZX99887{i:02d}", "status": "valid"},
                ],
            },
            check_duplicates=False,
        )
        type(person).objects.filter(pk=person.pk).update(registration_date=SPRING)
        person.refresh_from_db()
        people.append(person)
    for person in people[:3]:
        held_session(person, SPRING)
    sent_referral(people[4], SPRING, status=ReferralStatus.ACCEPTED)
    return people


def needles(people) -> list[str]:
    """Every personal value of ``people`` as it could appear in a file."""
    found = []
    for person in people:
        birth = person.date_of_birth
        found += [person.given_name, person.given_name_latin, person.phone, person.phone[3:]]
        found += [birth.isoformat(), birth.strftime("%d/%m/%Y"), birth.strftime("%d.%m.%Y")]
        found += list(person.id_numbers.values())
    return [*found, "Ζυγομαλάς", "Zygomalas", "QWERTY", "Λόγος παραπομπής"]


def exported_bytes(job: DownloadJob) -> bytes:
    """The file's bytes; for XLSX, every XML part unzipped (the text inside the zip)."""
    data = job.open_file().read()
    if not job.filename.endswith(".xlsx"):
        return data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"\n".join(archive.read(name) for name in archive.namelist())


def run_export(user, *, fmt: str, centre=None, **request) -> DownloadJob:
    params = {"kind": "headline", "centre": centre.pk if centre else None, **request, "format": fmt}
    params.setdefault("start", "2025-01-01")
    params.setdefault("end", "2025-12-31")
    job = DownloadJob.objects.create(
        kind=DownloadKind.STATISTICS, created_by=user, centre=centre, params=params
    )
    return download_build(job_id=str(job.pk))


REPORTS = [
    {"kind": "headline"},
    {"kind": "esf"},
    {"kind": "breakdown", "measure": "served", "rows": "nationality", "cols": "gender"},
    {"kind": "breakdown", "measure": "served", "rows": "municipality", "cols": "age_band"},
    {"kind": "breakdown", "measure": "sessions", "rows": "month", "cols": "legal_status"},
]


def test_an_export_that_fails_while_writing_leaves_no_file(
    manager, athens, distinctive_people, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path

    def half_written(out, built, tables, progress):
        out.write(b"nationality,count\n")
        raise OSError("disk full")

    monkeypatch.setitem(writers.WRITERS, "csv", half_written)

    with pytest.raises(OSError, match="disk full"):
        run_export(manager, fmt="csv", centre=athens)

    assert list((tmp_path / "private" / "downloads").iterdir()) == []
    assert DownloadJob.objects.get().stored_name == ""


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_no_personal_field_is_in_any_export(fmt, manager, athens, distinctive_people):
    values = needles(distinctive_people)
    assert len(values) > 100

    for request in REPORTS:
        job = run_export(manager, fmt=fmt, centre=athens, **request)
        assert job.status == DownloadStatus.READY
        data = exported_bytes(job)
        text = data.decode("utf-8", errors="replace")
        if request.get("rows") == "nationality":
            assert "Afghanistan" in text or "Αφγανιστάν" in text  # the file has the real table
        # Every file holds its tables (an empty file would pass the search below).
        with translation.override(job.language):  # titles are in the language the file was made in
            published = report_build(user=manager, request=ReportRequest.from_params(job.params))
        assert [t.title for t in published.sections[0].tables if t.title not in text] == [], request
        leaked = [v for v in values if v.encode() in data or v in text]
        assert leaked == [], (request, leaked)


def test_the_xlsx_of_a_breakdown_opens_with_suppressed_cells_marked(manager, athens, distinctive_people):
    job = run_export(
        manager,
        fmt="xlsx",
        centre=athens,
        kind="breakdown",
        measure="served",
        rows="nationality",
        cols="gender",
    )

    sheet = load_workbook(job.open_file()).active
    cells = [c for row in sheet.iter_rows() for c in row]
    # 8 Afghans and 4 Syrians, each gender below 10: published as the label on the fill.
    marked = [c for c in cells if c.value == "<10" and c.column > 1 and c.fill.fgColor.rgb.endswith("FFF2CC")]
    assert len(marked) >= 3
    assert not any(isinstance(c.value, int) and 0 < c.value < 10 for c in cells if c.row > 12)
    assert job.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_rounding_to_5_is_applied_and_stated(manager, athens, distinctive_people, settings):
    job = run_export(manager, fmt="json", centre=athens, kind="headline", rounding=5)

    body = json.loads(job.open_file().read())
    figures = next(t for t in body["tables"] if t["key"] == "headline.figures")
    served = next(r for r in figures["rows"] if r["code"] == "served")
    assert served["cells"][0]["value"] == 10  # 12 people, rounded to base 5
    assert body["meta"]["rounding"] == 5


def test_the_threshold_and_label_follow_the_settings(manager, athens, distinctive_people, settings):
    settings.KEM_SUPPRESSION_THRESHOLD = 2
    settings.KEM_SUPPRESSION_LABEL = "≤2"

    body = json.loads(run_export(manager, fmt="json", centre=athens).open_file().read())

    assert body["meta"]["threshold"] == 2 and body["meta"]["suppressed_label"] == "≤2"
    figures = next(t for t in body["tables"] if t["key"] == "headline.figures")
    participants = next(r for r in figures["rows"] if r["code"] == "session_participants")
    assert participants["cells"][0]["value"] == 3  # 3 is above a threshold of 2: published


def test_an_analyst_exports_every_centre_side_by_side(analyst, athens, thessaloniki, distinctive_people):
    services.membership_grant(centre=thessaloniki, user=analyst, role=Role.ANALYST)

    body = json.loads(run_export(analyst, fmt="json").open_file().read())

    # The file is in the language of the job (Greek unless the user chose English).
    assert [c["name"] for c in body["meta"]["centres"]] == [athens.name_el, thessaloniki.name_el]
    figures = next(t for t in body["tables"] if t["key"] == "headline.figures")
    assert [c["label"] for c in figures["columns"]] == [athens.name_el, thessaloniki.name_el]


def test_the_export_checks_the_users_rights_again_when_it_runs(manager, athens, distinctive_people):
    job = download_start(
        kind=DownloadKind.STATISTICS,
        by=manager,
        centre=athens,
        params={"kind": "headline", "centre": athens.pk, "format": "csv", **YEAR_2025},
    )
    services.membership_revoke(membership=Membership.objects.get(user=manager))

    # The manager sees statistics nowhere now: refused (403), never written.
    with pytest.raises(PermissionDenied):
        statistics_build_export(DownloadJob.objects.get(pk=job.pk), lambda percent: None)


def test_fetching_the_file_is_in_the_access_log_and_only_for_its_owner(
    client, manager, athens, distinctive_people, make_staff
):
    job = run_export(manager, fmt="csv", centre=athens)
    client.force_login(make_staff(Role.MANAGER, athens))
    assert client.get(reverse("download-file", args=[job.pk])).status_code == 404

    client.force_login(manager)
    response = client.get(reverse("download-file", args=[job.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == job.open_file().read()
    event = AccessEvent.objects.get(action="kem.download.statistics")
    assert event.user == manager and event.subject_id == job.pk and event.centre == athens
    assert response["Cache-Control"] == "private, no-store"


# --- the demo data -----------------------------------------------------------------------------


def test_the_demo_data_has_cells_that_suppress_and_cells_that_do_not(manager, athens, officer):
    from reports.demo import DEMO_PEOPLE, seed_statistics_demo

    started = time.monotonic()
    added = seed_statistics_demo(athens, officer)
    took = time.monotonic() - started
    again = seed_statistics_demo(athens, officer)

    assert added == DEMO_PEOPLE and again == 0 and took < 15
    today = timezone.localdate()
    start = (today - dt.timedelta(days=365)).isoformat()
    job = run_export(
        manager,
        fmt="json",
        centre=athens,
        kind="breakdown",
        measure="served",
        rows="nationality",
        cols="gender",
        start=start,
        end=today.isoformat(),
    )
    (table,) = json.loads(job.open_file().read())["tables"]
    cells = [cell for row in table["rows"] for cell in row["cells"]]
    assert any(c["suppressed"] for c in cells)
    assert any(not c["suppressed"] and (c["value"] or 0) >= 10 for c in cells)
    sessions = json.loads(
        run_export(manager, fmt="json", centre=athens, start=start, end=today.isoformat()).open_file().read()
    )
    figures = next(t for t in sessions["tables"] if t["key"] == "headline.figures")
    published = {r["code"]: r["cells"][0]["value"] for r in figures["rows"]}
    assert (
        published["sessions"] >= 10
        and published["interpreter_requests"] >= 10
        and published["referrals"] >= 10
    )
