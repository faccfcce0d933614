"""Uploaded spreadsheets of imports: where they are kept, how they are read, what their headers are.

An uploaded sheet holds personal data. It lives in a private folder under MEDIA_ROOT (never served)
with a random name, only until the import finishes, is cancelled or is seven days old.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kem.vault.normalise import fold

FILE_LIFETIME_DAYS = 7


class FileFormat(models.TextChoices):
    XLSX = "xlsx", "XLSX"
    CSV = "csv", "CSV"


def header_key(headers: list[str]) -> str:
    """The key of a set of headers: order, case and accents do not matter."""
    folded = sorted({fold(h) or h.strip().casefold() for h in headers})
    return hashlib.sha256("\x1f".join(folded).encode()).hexdigest()


# --- the private files ------------------------------------------------------------------------
def private_dir() -> Path:
    """The folder of uploaded sheets: under MEDIA_ROOT, never served, readable by this user only."""
    path = Path(settings.MEDIA_ROOT) / "private" / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def store_upload(chunks: Iterator[bytes], file_format: str) -> str:
    """Write an upload under a random name (owner-only permissions) and return the name."""
    name = f"{secrets.token_hex(20)}.{file_format}"
    fd = os.open(private_dir() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return name


def delete_stored(name: str) -> None:
    if name:
        (private_dir() / name).unlink(missing_ok=True)


# --- reading ----------------------------------------------------------------------------------
def read_rows(path: Path, file_format: str) -> Iterator[tuple[int, list[Any]]]:
    """(sheet row number, cells) of every row, the header row (number 1) first.

    XLSX: the first worksheet, read-only and streaming, with the cells' values (not formulas).
    CSV: UTF-8 with or without a byte-order mark, ``,`` or ``;`` as the delimiter.
    """
    if file_format == FileFormat.XLSX:
        yield from _xlsx_rows(path)
    else:
        yield from _csv_rows(path)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    finally:
        workbook.close()


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        for number, cells in enumerate(reader, start=1):
            yield number, list(cells)


def read_headers(path: Path, file_format: str) -> list[str]:
    """The header row as unique, non-empty names ("Column 3" for an empty one, "Name (2)" for a repeat)."""
    for _number, cells in read_rows(path, file_format):
        return unique_headers(cells)
    return []


def unique_headers(cells: list[Any]) -> list[str]:
    while cells and (cells[-1] is None or str(cells[-1]).strip() == ""):
        cells = cells[:-1]
    headers: list[str] = []
    for position, cell in enumerate(cells, start=1):
        name = str(cell).strip() if cell is not None else ""
        name = name or str(_("Column %(number)s") % {"number": position})
        base, n = name, 2
        while name in headers:
            name, n = f"{base} ({n})", n + 1
        headers.append(name)
    return headers


def is_blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def sniff_format(head: bytes) -> str | None:
    """XLSX (a zip) or UTF-8 text, from the first bytes of a file; None for anything else."""
    if head.startswith(b"PK\x03\x04"):
        return FileFormat.XLSX
    try:
        io.TextIOWrapper(io.BytesIO(head), encoding="utf-8-sig").read()
    except UnicodeDecodeError:
        # A multi-byte character cut at the end of the sample is still text.
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return None
    return FileFormat.CSV
