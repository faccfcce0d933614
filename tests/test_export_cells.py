"""Every cell of every spreadsheet the product writes is neutral: no text a spreadsheet program
runs as a formula. One function (kem.export_cells.neutral_cell); a test for each writer."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import uuid

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kem.export_cells import FORMULA_STARTS, neutral_cell, neutral_row
from kem.models import AccessEvent, Role
from reports.build import CentreSection, Report, ReportRequest
from reports.layout import side_by_side
from reports.types import Cell, PublishedTable
from reports.writers import write_csv, write_xlsx
from tests.factories import CentreFactory

ATTACKS = [
    '=HYPERLINK("http://evil","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",  # full-width equals sign
    "＋1",
    "－1",
    "＠SUM(1)",
]


def formula_like(value) -> bool:
    """Text a spreadsheet would run (a plain negative number such as "-3" is a number, not that)."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return False
    try:
        float(value)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_text_that_starts_like_a_formula_gets_an_apostrophe(attack):
    assert neutral_cell(attack) == "'" + attack


@pytest.mark.parametrize(
    "value",
    [12, -5, 3.5, decimal.Decimal("-1.5"), None, True, dt.date(2025, 1, 1), "Μαρία", "", "a=b", "1-2", "'=x"],
)
def test_numbers_dates_and_ordinary_text_stay_as_they_are(value):
    assert neutral_cell(value) == value


def test_other_values_become_text():
    marker = uuid.UUID("12345678-1234-5678-1234-567812345678")

    assert neutral_row([marker, "=x"]) == [str(marker), "'=x"]


# --- the statistics exports (CSV and XLSX) ------------------------------------------------------


def hostile_report() -> Report:
    """A report whose every text a user or an administrator could choose starts like a formula."""
    centre = CentreFactory(name_el="=ΚΕΜ", name_en="=KEM")
    table = PublishedTable(
        key="t.nationality",
        title="@Served",
        row_dim="nationality",
        col_dim="gender",
        rows=[("x", "-Row"), ("y", "+Row")],
        cols=[("a", "=Col"), ("b", "\tCol")],
        cells=[
            [Cell(12, "12"), Cell(None, "-", suppressed=True, primary=True)],
            [Cell(-3, "-3"), Cell(4, "4")],
        ],
        row_totals=[],
        col_totals=[],
        total=Cell(None, ""),
    )
    return Report(
        request=ReportRequest(kind="esf", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31)),
        sections=[CentreSection(centres=[centre], tables=[table])],
        threshold=9,
        label="-",
    )


def write(writer, report) -> bytes:
    out = io.BytesIO()
    writer(out, report, side_by_side(report), lambda percent: None)
    return out.getvalue()


@pytest.mark.django_db
def test_no_cell_of_a_statistics_csv_runs_as_a_formula():
    text = write(write_csv, hostile_report()).decode("utf-8-sig")

    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'=KEM" in cells or "'=ΚΕΜ" in cells
    assert "'-Row" in cells and "'=Col" in cells
    assert [cell for cell in cells if formula_like(cell)] == []


@pytest.mark.django_db
def test_no_cell_of_a_statistics_xlsx_runs_as_a_formula():
    sheet = load_workbook(io.BytesIO(write(write_xlsx, hostile_report()))).active

    cells = [cell for row in sheet.iter_rows() for cell in row]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert "'-Row" in texts and "'\tCol" in texts
    assert [text for text in texts if formula_like(text)] == []
    assert all(cell.data_type != "f" for cell in cells)
    assert 12 in [cell.value for cell in cells]  # numbers stay numbers


# --- the access log's CSV -----------------------------------------------------------------------


@pytest.mark.django_db
def test_no_cell_of_the_access_log_csv_runs_as_a_formula(client, make_staff, athens):
    dpo = make_staff(Role.DPO, athens)
    client.force_login(dpo)
    AccessEvent.objects.create(
        user=None,
        actor="=cmd|' /C calc'!A0",
        role="@role",
        centre=athens,
        action="kem.beneficiary.viewed",
        subject_type="+kem.beneficiary",
        subject_id=uuid.uuid4(),
        fields=["-documents"],
        reason='=HYPERLINK("http://evil")',
        request_id="-1+2-3-4",
        ip="203.0.113.9",
    )

    response = client.get(reverse("access-log-export"))
    text = b"".join(response.streaming_content).decode()

    rows = list(csv.reader(io.StringIO(text.split("\r\n", 1)[1])))
    cells = [cell for row in rows for cell in row]
    assert "'=cmd|' /C calc'!A0" in cells and "'-1+2-3-4" in cells and "'@role" in cells
    assert '\'=HYPERLINK("http://evil")' in cells and "'-documents" in cells
    assert [cell for cell in cells if formula_like(cell)] == []
