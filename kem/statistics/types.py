"""The shapes statistics are handed around in: a scope, a raw table, a published (protected) one.

Raw tables (:class:`Table`) never leave the package; views, exports and the API only ever see
:class:`PublishedTable`, made by :func:`kem.statistics.disclosure.protect`.
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


@dataclass(frozen=True)
class Cell:
    """A published count: ``value`` is None when suppressed; ``display`` is what is shown."""

    value: int | None
    display: str
    suppressed: bool = False
    primary: bool = False


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
