"""The file writers of statistics exports (CSV, XLSX, JSON), a row at a time.

Memory does not grow with the file. A file holds only counts and the labels of categories: never
a name, a date of birth, an ID number or free text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from kem.export_cells import neutral_cell, neutral_row
from reports.build import Progress, Report
from reports.layout import common_notes, header_lines, legend, own_notes, table_lines
from reports.types import Cell, PublishedTable

# --- writers -----------------------------------------------------------------------------------


def write_csv(out: IO[bytes], built: Report, tables: list[PublishedTable], progress: Progress) -> None:
    """CSV (UTF-8 with a BOM, so spreadsheet programs read Greek right), a line at a time; every
    cell through :func:`kem.export_cells.neutral_cell`."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)

    def put(values: Iterable[Any]) -> None:
        writer.writerow(neutral_row(values))

    for name, value in header_lines(built):
        put([name, value])
    for symbol, meaning in legend(built):
        put([symbol, meaning])
    common = common_notes(built, tables)
    for note in common:
        put([note])
    for n, table in enumerate(tables, start=1):
        put([])
        for line, _cells in table_lines(table):
            put(line)
        for note in own_notes(table, common, built):
            put([note])
        progress(50 + 50 * n // len(tables))
    text.flush()
    text.detach()


def write_json(out: IO[bytes], built: Report, tables: list[PublishedTable], progress: Progress) -> None:
    """JSON: ``{"meta": {...}, "tables": [...]}``, written a row at a time."""

    def put(text: str) -> None:
        out.write(text.encode("utf-8"))

    request = built.request
    common = common_notes(built, tables)
    meta = {
        "report": request.kind,
        "title": request.title,
        "start": request.start.isoformat(),
        "end": request.end.isoformat(),
        "centres": [{"id": c.pk, "name": c.name} for c in built.centres],
        "threshold": built.threshold,
        "suppressed_label": built.label,
        "rounding": request.rounding,
        "generated_at": built.generated_at.isoformat(),
        "unit_note": _("Counts of unique persons unless stated."),
        "legend": [{"shows": symbol, "means": meaning} for symbol, meaning in legend(built)],
        "notes": common,
        "header": [{"name": name, "value": value} for name, value in header_lines(built)],
    }
    put('{"meta": ' + _dumps(meta) + ', "tables": [')
    for n, table in enumerate(tables, start=1):
        put(("" if n == 1 else ", ") + _json_table_start(table))
        for i, (code, label) in enumerate(table.rows):
            row = {"code": code, "label": str(label), "cells": [cell_json(c) for c in table.cells[i]]}
            if table.row_totals:
                row["total"] = cell_json(table.row_totals[i])
            put(("" if i == 0 else ", ") + _dumps(row))
        put(
            '], "col_totals": '
            + _dumps([cell_json(c) for c in table.col_totals])
            + ', "total": '
            + _dumps(cell_json(table.total))
            + ', "notes": '
            + _dumps(own_notes(table, common, built))
            + "}"
        )
        progress(50 + 50 * n // len(tables))
    put("]}\n")


def _json_table_start(table: PublishedTable) -> str:
    head = {
        "key": table.key,
        "title": str(table.title),
        "unit": str(table.unit),
        "row_dim": table.row_dim,
        "col_dim": table.col_dim,
        "columns": [{"code": code, "label": str(label)} for code, label in table.cols],
    }
    return _dumps(head)[:-1] + ', "rows": ['


def cell_json(cell: Cell) -> dict[str, Any]:
    return {"value": cell.value, "display": cell.display, "suppressed": cell.suppressed, "rate": cell.rate}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


SUPPRESSED_FILL = PatternFill(fill_type="solid", start_color="FFF2CC", end_color="FFF2CC")
BOLD = Font(bold=True)


def write_xlsx(out: IO[bytes], built: Report, tables: list[PublishedTable], progress: Progress) -> None:
    """XLSX in openpyxl's write-only mode (rows go to disk as they are added); suppressed cells
    hold the label on a coloured fill, explained by a legend line with the same fill. Every cell
    through :func:`kem.export_cells.neutral_cell` (openpyxl stores a text starting with "=" as a
    formula)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Statistics")[:31])
    sheet.column_dimensions["A"].width = 42
    for name, value in header_lines(built):
        sheet.append([_styled(sheet, name, font=BOLD), neutral_cell(value)])
    for symbol, meaning in legend(built):
        sheet.append([_styled(sheet, symbol, fill=SUPPRESSED_FILL), neutral_cell(meaning)])
    common = common_notes(built, tables)
    for note in common:
        sheet.append([neutral_cell(note)])
    for n, table in enumerate(tables, start=1):
        sheet.append([])
        for number, (line, cells) in enumerate(table_lines(table)):
            sheet.append(list(_xlsx_row(sheet, line, cells, heading=number == 0)))
        for note in own_notes(table, common, built):
            sheet.append([neutral_cell(note)])
        progress(50 + 45 * n // len(tables))
    workbook.save(out)


def _xlsx_row(sheet: Any, line: list[Any], cells: list[Cell | None], *, heading: bool) -> Iterable[Any]:
    for j, value in enumerate(line):
        cell = cells[j] if j < len(cells) else None
        text = neutral_cell(value)
        if heading or j == 0:
            yield _styled(sheet, text, font=BOLD)
        elif cell is not None and cell.suppressed:
            yield _styled(sheet, text, fill=SUPPRESSED_FILL)
        else:
            yield text


def _styled(
    sheet: Any, value: Any, *, font: Font | None = None, fill: PatternFill | None = None
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=neutral_cell(value))
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


WRITERS: dict[str, Callable[[IO[bytes], Report, list[PublishedTable], Progress], None]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "json": write_json,
}
