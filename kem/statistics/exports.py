"""Published statistics for a request, and the files they are exported to (CSV, XLSX, JSON).

Every page, API response and export of statistics is made here, so that the same request always
publishes the same numbers: :func:`report_build` scopes the request to the user's statistics
centres, asks the engine for raw tables one centre at a time and passes each centre's tables
through :func:`kem.statistics.disclosure.protect` together (so secondary suppression holds across
the tables of that request). Nothing past this point ever sees a raw count.

Centres are reported side by side, never summed into a network total: with unique persons a
network column next to the centres' columns would let a reader work a suppressed centre's figure
out by difference.

Exports run in the background (:func:`statistics_build_export`, the builder named for
``DownloadKind.STATISTICS`` in ``kem.services.downloads``) and are written a row at a time to a
file of :func:`kem.downloads.new_file`, so memory does not grow with the file. A file holds only
counts and the labels of categories: never a name, a date of birth, an ID number or free text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from kem.downloads import DownloadJob, DownloadKind, new_file
from kem.models import Centre
from kem.services.downloads import download_start
from kem.statistics import disclosure, report
from kem.statistics.scope import scope_for, statistics_centres
from kem.statistics.types import Cell, PublishedTable

Progress = Callable[[int], None]

KINDS: dict[str, Any] = {
    "headline": gettext_lazy("Headline figures"),
    "breakdown": gettext_lazy("Breakdown"),
    "esf": gettext_lazy("ESF+ participant indicators"),
}
FORMATS: dict[str, tuple[str, str]] = {
    # format -> (file suffix, content type)
    "csv": ("csv", "text/csv; charset=utf-8"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": ("json", "application/json"),
}
ROUNDINGS = (None, 5)
# A cell a centre's table does not list separately (e.g. outside its top N nationalities).
NOT_LISTED = Cell(value=None, display="—")
NO_TOTAL = Cell(value=None, display="")
# Spreadsheet programs run a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ReportRequest:
    """What to publish: ids, dates and options only (it travels in a download job's params)."""

    kind: str
    start: dt.date
    end: dt.date
    centre_id: int | None = None  # None: every centre where the user may see statistics
    measure: str = ""
    rows: str = ""
    cols: str = ""
    top_n: int = 10
    rounding: int | None = None

    def to_params(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "centre": self.centre_id,
            "measure": self.measure,
            "rows": self.rows,
            "cols": self.cols,
            "top_n": self.top_n,
            "rounding": self.rounding,
        }

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ReportRequest:
        return cls(
            kind=params["kind"],
            start=dt.date.fromisoformat(params["start"]),
            end=dt.date.fromisoformat(params["end"]),
            centre_id=params.get("centre"),
            measure=params.get("measure", ""),
            rows=params.get("rows", ""),
            cols=params.get("cols", ""),
            top_n=int(params.get("top_n") or 10),
            rounding=params.get("rounding"),
        )

    @property
    def title(self) -> str:
        if self.kind != "breakdown":
            return str(KINDS[self.kind])
        measure = report.MEASURES.get(self.measure, self.measure)
        by = " × ".join(str(report.DIMENSIONS.get(d, d)) for d in (self.rows, self.cols) if d)
        return _("%(measure)s by %(dimensions)s") % {"measure": measure, "dimensions": by}


@dataclass
class CentreSection:
    """The published tables of one centre (a list, so that a section of several centres counted
    together can be added without changing the shape)."""

    centres: list[Centre]
    tables: list[PublishedTable]

    @property
    def centre(self) -> Centre | None:
        """The centre of a one-centre section (None when centres are counted together)."""
        return self.centres[0] if len(self.centres) == 1 else None

    @property
    def name(self) -> str:
        return ", ".join(c.name for c in self.centres)


@dataclass
class Report:
    """A request's published tables, one section per centre, and what a reader must know."""

    request: ReportRequest
    sections: list[CentreSection]
    threshold: int
    label: str
    generated_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def centres(self) -> list[Centre]:
        return [centre for section in self.sections for centre in section.centres]


def suppression_threshold() -> int:
    return settings.KEM_SUPPRESSION_THRESHOLD


def suppression_label() -> str:
    """What a suppressed cell shows (the same as :func:`kem.statistics.disclosure.protect` uses)."""
    return disclosure.suppression_label(suppression_threshold())


def report_centres(user: Any, centre_id: int | None) -> list[Centre]:
    """The centres a request covers: one of the user's statistics centres (404 for any other id, so
    ids confirm nothing), or all of them in name order (403 if the user may see statistics nowhere)."""
    centres = list(statistics_centres(user).order_by("name_el"))
    if not centres:
        raise PermissionDenied
    if centre_id is None:
        return centres
    chosen = [c for c in centres if c.pk == centre_id]
    if not chosen:
        raise Http404
    return chosen


def report_build(*, user: Any, request: ReportRequest) -> Report:
    """Publish ``request`` for ``user``: each centre's tables, disclosure control applied.

    Raises ``PermissionDenied`` for a user without statistics, ``Http404`` for a centre outside
    theirs and ``ValidationError`` (from :func:`scope_for`) for a period it refuses.
    """
    if request.kind not in KINDS:
        raise ValidationError(_("Unknown report."), code="unknown_report")
    if request.rounding not in ROUNDINGS:
        raise ValidationError(_("Counts can only be rounded to 5."), code="rounding")
    centres = report_centres(user, request.centre_id)
    # The period and the user's rights are checked once for all the centres of the request.
    scope = scope_for(user, centre_ids=[c.pk for c in centres], start=request.start, end=request.end)
    sections = []
    for centre in centres:
        try:
            raw = _raw_tables(replace(scope, centre_ids=(centre.pk,)), request)
        except ValueError as error:  # a measure or dimension the engine does not know
            raise ValidationError(_("This report cannot be made."), code="invalid_report") from error
        sections.append(
            CentreSection(centres=[centre], tables=disclosure.protect(raw, rounding=request.rounding))
        )
    return Report(
        request=request, sections=sections, threshold=suppression_threshold(), label=suppression_label()
    )


def _raw_tables(scope: Any, request: ReportRequest) -> list:
    if request.kind == "headline":
        return report.headline(scope)
    if request.kind == "esf":
        return [report.esf_indicators(scope)]
    return [
        report.breakdown(
            scope, measure=request.measure, rows=request.rows, cols=request.cols, top_n=request.top_n
        )
    ]


# --- centres side by side ----------------------------------------------------------------------


def is_one_dimensional(table: PublishedTable) -> bool:
    return not table.col_dim and len(table.cols) <= 1


def side_by_side(built: Report) -> list[PublishedTable]:
    """The tables to show: a single centre's as they are; for several centres, each one-dimensional
    table becomes one table with a column per centre (its published cells, untouched), and each
    two-dimensional table is shown once per centre, named after it.

    No cell is summed across centres: a network total is not published (see the module's note).
    """
    if len(built.sections) == 1:
        return built.sections[0].tables
    keys: list[str] = []
    by_key: dict[str, list[tuple[Centre, PublishedTable]]] = {}
    for section in built.sections:
        for table in section.tables:
            if table.key not in by_key:
                keys.append(table.key)
            by_key.setdefault(table.key, []).append((section.centres[0], table))
    tables: list[PublishedTable] = []
    for key in keys:
        group = by_key[key]
        if all(is_one_dimensional(t) for _c, t in group):
            tables.append(_centre_columns(group))
        else:
            tables += [replace(t, title=f"{t.title} — {c.name}", key=f"{t.key}.{c.pk}") for c, t in group]
    return tables


def _centre_columns(group: list[tuple[Centre, PublishedTable]]) -> PublishedTable:
    first = group[0][1]
    rows: dict[str, str] = {}
    for _centre, table in group:
        for code, label in table.rows:
            rows.setdefault(code, label)
    cells_by_centre = [
        {code: table.cells[i][0] for i, (code, _label) in enumerate(table.rows) if table.cells[i]}
        for _centre, table in group
    ]
    notes = list(first.notes)
    if any(len(found) < len(rows) for found in cells_by_centre):
        notes.append(_("— : not listed separately for that centre."))
    return PublishedTable(
        key=first.key,
        title=first.title,
        row_dim=first.row_dim,
        col_dim="centre",
        rows=list(rows.items()),
        cols=[(str(c.pk), c.name) for c, _t in group],
        cells=[[found.get(code, NOT_LISTED) for found in cells_by_centre] for code in rows],
        row_totals=[],
        col_totals=[t.total for _c, t in group],
        total=NO_TOTAL,
        unit=first.unit,
        notes=notes,
        rate_cols=list(first.rate_cols),
        measure=first.measure,
        show_totals=first.show_totals,
    )


def chart_data(table: PublishedTable) -> dict[str, Any]:
    """What a chart of ``table`` draws: published values only, a suppressed cell as no bar."""
    single = is_one_dimensional(table)
    return {
        "key": table.key,
        "title": str(table.title),
        "unit": str(table.unit),
        "labels": [str(label) for _code, label in table.rows],
        "datasets": [
            {
                "label": str(table.title) if single else str(label),
                "data": [None if row[j].suppressed else row[j].value for row in table.cells],
                "display": [row[j].display for row in table.cells],
                "suppressed": [row[j].suppressed for row in table.cells],
            }
            for j, (code, label) in enumerate(table.cols)
            if code not in table.rate_cols
        ],
    }


# --- what a file says before its tables --------------------------------------------------------


def header_lines(built: Report) -> list[tuple[str, str]]:
    """(name, value) pairs that open every export: period, centres, disclosure control, time."""
    request = built.request
    rounding = _("to base 5") if request.rounding == 5 else _("none")
    return [
        (_("Report"), request.title),
        (
            _("Period"),
            f"{request.start:%d/%m/%Y} – {request.end:%d/%m/%Y}",
        ),
        (_("Centre(s)"), "; ".join(c.name for c in built.centres)),
        (
            _("Suppression threshold"),
            _("counts from 1 to %(threshold)s are not published") % {"threshold": built.threshold},
        ),
        (_("Suppressed cells show"), built.label),
        (_("Rounding"), rounding),
        (
            _("Generated at"),
            f"{timezone.localtime(built.generated_at):%d/%m/%Y %H:%M}",
        ),
        (_("Note"), _("Counts of unique persons unless stated.")),
    ]


def legend(built: Report) -> list[tuple[str, str]]:
    """(what a cell shows, what it means) for the two kinds of suppressed cell."""
    return [
        (
            built.label,
            _("not published: a count from 1 to %(threshold)s, too few people to show safely.")
            % {"threshold": built.threshold},
        ),
        (
            disclosure.SECONDARY_LABEL,
            _("not published, so that a hidden count cannot be worked out from the totals."),
        ),
    ]


def common_notes(built: Report, tables: list[PublishedTable]) -> list[str]:
    """Notes every table carries (said once, after the legend), less what the legend says."""
    if not tables:
        return []
    shared = [str(n) for n in tables[0].notes if all(n in t.notes for t in tables[1:])]
    said = tuple(f"{symbol}:" for symbol, _meaning in legend(built))
    return [n for n in shared if not n.startswith(said)]


def own_notes(table: PublishedTable, common: list[str], built: Report) -> list[str]:
    said = tuple(f"{symbol}:" for symbol, _meaning in legend(built))
    return [str(n) for n in table.notes if str(n) not in common and not str(n).startswith(said)]


def safe_text(value: Any) -> str:
    """A label as text a spreadsheet will not run as a formula."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _cell_out(cell: Cell) -> Any:
    """A number where there is one; the display text for suppressed cells and rates ("45%")."""
    return cell.display if cell.suppressed or cell.rate or cell.value is None else cell.value


@dataclass
class Line:
    """One row of a laid-out table; ``href`` is where a page lets the reader drill into it."""

    code: str
    label: str
    cells: list[Cell]
    href: str = ""


@dataclass
class TableLayout:
    """A published table as it is laid out on a page and in a file: which totals are shown.

    A row-total column only for tables of several columns; a totals line only where the engine
    says totals are shown (not for the headline figures, whose rows are different measures) and
    published one, for more than one row; a side-by-side table never has a network total.
    """

    table: PublishedTable
    head: list[str]
    lines: list[Line]
    totals: list[Cell] | None

    @property
    def title(self) -> str:
        return str(self.table.title)


def table_layout(table: PublishedTable) -> TableLayout:
    shown = table.show_totals
    with_row_totals = (
        shown and bool(table.row_totals) and len(table.cols) > 1 and any(c.display for c in table.row_totals)
    )
    head = [str(label) or _("Count") for _c, label in table.cols]
    if with_row_totals:
        head.append(_("Total"))
    lines = [
        Line(
            code=code,
            label=str(label),
            cells=[*table.cells[i], *([table.row_totals[i]] if with_row_totals else [])],
        )
        for i, (code, label) in enumerate(table.rows)
    ]
    totals = None
    if shown and table.col_totals and len(table.rows) > 1 and any(c.display for c in table.col_totals):
        totals = list(table.col_totals) + ([table.total] if with_row_totals else [])
    return TableLayout(table=table, head=head, lines=lines, totals=totals)


def _table_lines(table: PublishedTable) -> Iterator[tuple[list[Any], list[Cell | None]]]:
    """A table as lines of plain values (with the cells they came from, to mark suppression)."""
    layout = table_layout(table)
    yield [layout.title, *layout.head], []
    for line in layout.lines:
        yield [line.label] + [_cell_out(c) for c in line.cells], [None, *line.cells]
    if layout.totals is not None:
        yield [_("Total")] + [_cell_out(c) for c in layout.totals], [None, *layout.totals]


# --- writers -----------------------------------------------------------------------------------


def write_csv(out: IO[bytes], built: Report, tables: list[PublishedTable], progress: Progress) -> None:
    """CSV (UTF-8 with a BOM, so spreadsheet programs read Greek right), a line at a time."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    for name, value in header_lines(built):
        writer.writerow([safe_text(name), safe_text(value)])
    for symbol, meaning in legend(built):
        writer.writerow([safe_text(symbol), safe_text(meaning)])
    common = common_notes(built, tables)
    for note in common:
        writer.writerow([safe_text(note)])
    for n, table in enumerate(tables, start=1):
        writer.writerow([])
        for line, _cells in _table_lines(table):
            writer.writerow([safe_text(v) if isinstance(v, str) else v for v in line])
        for note in own_notes(table, common, built):
            writer.writerow([safe_text(note)])
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
    hold the label on a coloured fill, explained by a legend line with the same fill."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Statistics")[:31])
    sheet.column_dimensions["A"].width = 42
    for name, value in header_lines(built):
        sheet.append([_styled(sheet, name, font=BOLD), safe_text(value)])
    for symbol, meaning in legend(built):
        sheet.append([_styled(sheet, symbol, fill=SUPPRESSED_FILL), safe_text(meaning)])
    common = common_notes(built, tables)
    for note in common:
        sheet.append([safe_text(note)])
    for n, table in enumerate(tables, start=1):
        sheet.append([])
        for number, (line, cells) in enumerate(_table_lines(table)):
            sheet.append(list(_xlsx_row(sheet, line, cells, heading=number == 0)))
        for note in own_notes(table, common, built):
            sheet.append([safe_text(note)])
        progress(50 + 45 * n // len(tables))
    workbook.save(out)


def _xlsx_row(sheet: Any, line: list[Any], cells: list[Cell | None], *, heading: bool) -> Iterable[Any]:
    for j, value in enumerate(line):
        cell = cells[j] if j < len(cells) else None
        text = safe_text(value) if isinstance(value, str) else value
        if heading or j == 0:
            yield _styled(sheet, text, font=BOLD)
        elif cell is not None and cell.suppressed:
            yield _styled(sheet, text, fill=SUPPRESSED_FILL)
        else:
            yield text


def _styled(
    sheet: Any, value: Any, *, font: Font | None = None, fill: PatternFill | None = None
) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=safe_text(value) if isinstance(value, str) else value)
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


def export_filename(request: ReportRequest, fmt: str) -> str:
    """A file name of the report and period only (nothing about a person or a user)."""
    what = request.kind if request.kind != "breakdown" else f"{request.measure}-{request.rows}"
    if request.kind == "breakdown" and request.cols:
        what += f"-{request.cols}"
    return f"kem-statistics-{what}-{request.start:%Y%m%d}-{request.end:%Y%m%d}.{FORMATS[fmt][0]}"


@transaction.atomic
def statistics_export_start(*, request: ReportRequest, fmt: str, by: Any) -> DownloadJob:
    """Queue an export of ``request`` in ``fmt`` for ``by`` (the file is made in the background).

    What the background job would refuse is refused now instead: a user without statistics (403),
    a centre outside theirs (404), a period :func:`scope_for` refuses or an unknown format
    (``ValidationError``). The job's parameters are ids, dates and options only.
    """
    if fmt not in FORMATS:
        raise ValidationError(_("Unknown export format."), code="format")
    centres = report_centres(by, request.centre_id)
    scope_for(by, centre_ids=[centre.pk for centre in centres], start=request.start, end=request.end)
    return download_start(
        kind=DownloadKind.STATISTICS,
        by=by,
        centre=centres[0] if request.centre_id is not None else None,
        params={**request.to_params(), "format": fmt},
    )


def statistics_build_export(job: DownloadJob, progress: Progress) -> tuple[str, str, str]:
    """The download builder of a statistics export: publish the job's request (the user's rights
    are checked again now) and write it in the job's format. Returns (filename, content type,
    stored name)."""
    fmt = job.params.get("format", "csv")
    if fmt not in WRITERS:
        raise ValidationError(_("Unknown export format."), code="format")
    request = ReportRequest.from_params(job.params)
    with translation.override(job.language or settings.LANGUAGE_CODE):
        progress(5)
        built = report_build(user=job.created_by, request=request)
        progress(50)
        tables = side_by_side(built)
        suffix, content_type = FORMATS[fmt]
        with new_file(suffix) as (stored_name, out):
            WRITERS[fmt](out, built, tables, progress)
    return export_filename(request, fmt), content_type, stored_name
