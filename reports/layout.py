"""How published tables are laid out: centres side by side, chart data, table lines and notes.

Centres are reported side by side, never summed into a network total: with unique persons a
network column next to the centres' columns would let a reader work a suppressed centre's figure
out by difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from kem.models import Centre
from reports import disclosure
from reports.build import Report
from reports.types import Cell, PublishedTable

# A cell a centre's table does not list separately (e.g. outside its top N nationalities).
NOT_LISTED = Cell(value=None, display="—")
NO_TOTAL = Cell(value=None, display="")


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


def table_lines(table: PublishedTable) -> Iterator[tuple[list[Any], list[Cell | None]]]:
    """A table as lines of plain values (with the cells they came from, to mark suppression)."""
    layout = table_layout(table)
    yield [layout.title, *layout.head], []
    for line in layout.lines:
        yield [line.label] + [_cell_out(c) for c in line.cells], [None, *line.cells]
    if layout.totals is not None:
        yield [_("Total")] + [_cell_out(c) for c in layout.totals], [None, *layout.totals]
