"""The shapes statistics are handed around in: a scope, a raw table, a published (protected) one.

Raw tables (:class:`Table`) never leave the package; views, exports and the API only ever see
:class:`PublishedTable`, made by :func:`reports.disclosure.protect`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    """Which centres and which period (local dates, both included) a report covers."""

    centre_ids: tuple[int, ...]
    start: dt.date
    end: dt.date


@dataclass
class Table:
    """Counts by one or two dimensions, before disclosure control.

    ``rows``/``cols`` are (code, label) pairs; a one-dimensional table has a single column
    (``col_dim`` empty). ``row_totals``, ``col_totals`` and ``total`` are counted, not summed:
    with unique persons a person in two cells is one person in the total. ``additive`` says
    whether totals equal the sums of their cells (each person in exactly one cell).
    """

    key: str
    title: str
    row_dim: str
    col_dim: str
    rows: list[tuple[str, str]]
    cols: list[tuple[str, str]]
    counts: list[list[int]]
    row_totals: list[int]
    col_totals: list[int]
    total: int
    unit: str = "persons"
    additive: bool = True
    # --- added by the engine (all optional; see reports/disclosure.py for how they are used)
    # What is counted (a code of report.MEASURES, "figures" when the rows are measures, "esf" for
    # the ESF+ indicators), and for which scope: with the row and column codes they name each
    # count, so that the same count in two tables of one request is protected the same way.
    measure: str = ""
    scope: Scope | None = None
    # Per-axis additivity when it differs from ``additive``: ``row_totals_additive`` says each row
    # total is the sum of its row's cells, ``col_totals_additive`` each column total the sum of its
    # column's cells. None means "as ``additive``".
    row_totals_additive: bool | None = None
    col_totals_additive: bool | None = None
    # Other exact relations between rows, in every column: (row code of the whole, row codes of
    # the parts), e.g. ESF+ ("participants", ("women", "men", "non_binary", "gender_not_stated")).
    relations: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    # Rates published as extra columns, worked out from the published (protected) counts only:
    # (code, label, numerator column codes, denominator column codes).
    ratios: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    # Rows never published but taking part in ``relations`` (code, counts per column), e.g. the
    # participants *without* a disability: a small complement must not be worked out either.
    hidden_rows: list[tuple[str, list[int]]] = field(default_factory=list)
    # The codes folded into the "other" row or column of a dimension (top N plus other).
    grouped: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # False for a list of figures that have no meaningful total (headline figures, ESF+).
    show_totals: bool = True
    notes: list[str] = field(default_factory=list)

    @property
    def rows_add_up(self) -> bool:
        """Each row total is the sum of the row's cells."""
        return self.additive if self.row_totals_additive is None else self.row_totals_additive

    @property
    def cols_add_up(self) -> bool:
        """Each column total is the sum of the column's cells."""
        return self.additive if self.col_totals_additive is None else self.col_totals_additive


@dataclass(frozen=True)
class Cell:
    """A published count: ``value`` is None when suppressed; ``display`` is what is shown."""

    value: int | None
    display: str
    suppressed: bool = False
    primary: bool = False
    # Added by the engine: True for a rate (``value`` is a whole percentage).
    rate: bool = False


@dataclass
class PublishedTable:
    key: str
    title: str
    row_dim: str
    col_dim: str
    rows: list[tuple[str, str]]
    cols: list[tuple[str, str]]
    cells: list[list[Cell]]
    row_totals: list[Cell]
    col_totals: list[Cell]
    total: Cell
    unit: str = "persons"
    notes: list[str] = field(default_factory=list)
    # Added by the engine: codes of the columns that are rates (percent, worked out from the
    # published counts; ``Cell.value`` is the rounded percentage), and what is counted.
    rate_cols: list[str] = field(default_factory=list)
    measure: str = ""
    # False when the totals mean nothing (a list of figures): do not show them.
    show_totals: bool = True
