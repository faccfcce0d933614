"""Cells of the spreadsheets (CSV, XLSX) the product writes: never a formula.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after
its import trims them, a tab or a carriage return) as a formula: ``=HYPERLINK(...)`` in a
username, a reason or a request id would run on the reader's machine. Every writer passes its
text cells through :func:`neutral_cell`, which puts an apostrophe in front of such a text, as
OWASP advises; numbers, dates and empty cells stay as they are.
"""

from __future__ import annotations

import numbers
from typing import Any

# The ASCII signs, and the full-width ones some spreadsheet programs read the same way.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutral_cell(value: Any) -> Any:
    """The value as a cell that no spreadsheet program reads as a formula.

    Text (and anything that is not a number, a date, a boolean or ``None``) comes back as text,
    with an apostrophe in front when it starts like a formula.
    """
    if value is None or isinstance(value, numbers.Number):
        return value
    if hasattr(value, "isoformat"):  # dates and times: written by the writer as such
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def neutral_row(values: Any) -> list[Any]:
    """A row of :func:`neutral_cell` cells."""
    return [neutral_cell(value) for value in values]
