"""Uploaded spreadsheets of imports: where they are kept, how they are read, what their headers are.

An uploaded sheet holds personal data. It lives in a private folder under MEDIA_ROOT (never served)
with a random name, only until the import finishes, is cancelled or is seven days old, and it is
sealed there (``kem.vault.files``) under a key of its own that only the job's row holds, wrapped
under the root key: the plaintext never touches the disk, and deleting the key (erasure, expiry)
leaves nothing readable even where a copy of the file survives.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kem.vault import files
from kem.vault.normalise import fold

FILE_LIFETIME_DAYS = 7
# The longest header kept (a cell may hold 32,767 characters; a column's name needs far fewer).
HEADER_CHARS = 120
# Only members larger than this are held to the compression ratio (tiny XML parts compress well).
RATIO_FROM_BYTES = 1024 * 1024
# Parts an XLSX zip may hold (a workbook of one sheet has about a dozen).
MAX_ZIP_MEMBERS = 1000
# How much of a worksheet's XML is read to find its declared <dimension>.
DIMENSION_PROBE_BYTES = 4096
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?\"")


class SheetRefused(ValidationError):
    """The file is refused before (or while) it is read: too large, too wide, too long, a zip bomb."""


def max_rows() -> int:
    return int(settings.KEM_IMPORT_MAX_ROWS)


def max_columns() -> int:
    return int(settings.KEM_IMPORT_MAX_COLUMNS)


def too_many_rows() -> SheetRefused:
    return SheetRefused(
        gettext("A file may hold at most %(limit)s rows.") % {"limit": f"{max_rows():,}".replace(",", ".")},
        code="too_many_rows",
    )


def too_many_columns() -> SheetRefused:
    return SheetRefused(
        gettext("A file may hold at most %(limit)s columns.") % {"limit": max_columns()},
        code="too_many_columns",
    )


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


def sheet_context(name: str) -> str:
    """What a stored sheet's chunks are bound to."""
    return f"kem_importjob.sheet:{name}"


def sheet_key_context(name: str) -> str:
    """What the wrap of a stored sheet's key is bound to."""
    return f"kem_importjob.file_key:{name}"


def store_upload(chunks: Iterable[bytes], file_format: str) -> tuple[str, str]:
    """Seal an upload under a new key into a file with a random name (owner-only permissions).

    Returns (name, wrapped key); the wrapped key belongs in the job's row, never beside the file.
    """
    name = f"{secrets.token_hex(20)}.{file_format}"
    key = files.new_file_key()
    files.seal_chunks(chunks, private_dir() / name, key, context=sheet_context(name))
    return name, files.wrap_file_key(key, context=sheet_key_context(name))


def open_stored(name: str, wrapped_key: str) -> IO[bytes]:
    """The plaintext of a stored sheet as a seekable binary stream (opened chunk by chunk)."""
    key = files.unwrap_file_key(wrapped_key, context=sheet_key_context(name))
    return files.open_file(private_dir() / name, key, context=sheet_context(name))


def delete_stored(name: str) -> None:
    if name:
        (private_dir() / name).unlink(missing_ok=True)


# --- guards -----------------------------------------------------------------------------------
def check_size(size: int) -> None:
    """Refuse a file larger than ``KEM_IMPORT_MAX_BYTES`` (asked before a byte of it is read)."""
    if size > int(settings.KEM_IMPORT_MAX_BYTES):
        raise SheetRefused(too_large_message(), code="file_too_large")


def too_large_message() -> str:
    return gettext("The file is larger than %(limit)s MB.") % {
        "limit": _megabytes(int(settings.KEM_IMPORT_MAX_BYTES))
    }


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.3g}"


def check_workbook(source: Path | IO[bytes]) -> None:
    """Refuse an XLSX whose zip would unpack too large, too compressed, or whose worksheets declare
    more rows or columns than allowed; only the zip's directory and a few bytes of each worksheet
    are read, so a crafted "bomb" is refused in milliseconds and without memory.

    The sizes the zip's directory declares bound what reading can produce: Python's zipfile (which
    openpyxl uses) never returns more than a member's declared size.
    """
    total_limit = int(settings.KEM_IMPORT_MAX_UNZIPPED_BYTES)
    ratio_limit = int(settings.KEM_IMPORT_MAX_RATIO)
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise SheetRefused(
                    gettext("The workbook unpacks to far more data than a spreadsheet of people holds."),
                    code="zip_bomb",
                )
            total = 0
            for member in members:
                total += member.file_size
                ratio = member.file_size / max(member.compress_size, 1)
                if total > total_limit or (member.file_size > RATIO_FROM_BYTES and ratio > ratio_limit):
                    raise SheetRefused(
                        gettext("The workbook unpacks to far more data than a spreadsheet of people holds."),
                        code="zip_bomb",
                    )
            for member in members:
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                    with archive.open(member) as part:
                        _check_dimension(part.read(DIMENSION_PROBE_BYTES))
    except SheetRefused:
        raise
    except Exception:  # not a zip, a truncated one, an unknown compression: not a workbook
        raise SheetRefused(
            gettext("The file could not be read as a spreadsheet."), code="unreadable"
        ) from None


def _check_dimension(head: bytes) -> None:
    found = _DIMENSION.search(head)
    if found is None:
        return
    last_column = (found.group(3) or found.group(1)).decode("ascii")
    last_row = int(found.group(4) or found.group(2))
    if _column_number(last_column) > max_columns():
        raise too_many_columns()
    if last_row > max_rows() + 1:
        raise too_many_rows()


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


# --- reading ----------------------------------------------------------------------------------
def read_rows(path: Path | IO[bytes], file_format: str) -> Iterator[tuple[int, list[Any]]]:
    """(sheet row number, cells) of every row, the header row (number 1) first, one at a time.

    ``path`` is a plaintext file or a seekable binary stream (a stored sheet: ``open_stored``).

    XLSX: the first worksheet, read-only and streaming, with the cells' values (not formulas),
    after :func:`check_workbook`; never more than ``KEM_IMPORT_MAX_COLUMNS`` cells a row.
    CSV: UTF-8 with or without a byte-order mark, ``,`` or ``;`` as the delimiter, read line by
    line; a line longer than ``KEM_IMPORT_MAX_LINE_CHARS`` or wider than the column limit stops it.
    Either way a row beyond ``KEM_IMPORT_MAX_ROWS`` (after the header) is refused as soon as it is
    seen, with :class:`SheetRefused`.
    """
    rows = _xlsx_rows(path) if file_format == FileFormat.XLSX else _csv_rows(path)
    limit = max_rows() + 1
    for number, cells in rows:
        if number > limit:
            raise too_many_rows()
        yield number, cells


def _xlsx_rows(path: Path | IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    check_workbook(path)
    columns = max_columns()
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise SheetRefused(
            gettext("The file could not be read as a spreadsheet."), code="unreadable"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        # Neither the declared size (it may lie) nor the sheet's real one decides how far reading
        # goes: cells right of the column limit are not even made (a sheet declaring 16,384
        # columns would otherwise be padded to that width on every row), and reading ends at the
        # row after the row limit.
        rows = sheet.iter_rows(max_col=columns + 1, max_row=max_rows() + 2, values_only=True)
        for number, cells in enumerate(rows, start=1):
            row = list(cells)
            if len(row) > columns and row[columns] not in (None, ""):
                raise too_many_columns()
            del row[columns:]
            while row and row[-1] is None:
                row.pop()
            yield number, row
    finally:
        workbook.close()


def _csv_rows(path: Path | IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
    columns = max_columns()
    if isinstance(path, Path):
        text = path.open(encoding="utf-8-sig", newline="")
    else:
        text = io.TextIOWrapper(path, encoding="utf-8-sig", newline="")
    with text as handle:
        first = handle.readline(int(settings.KEM_IMPORT_MAX_LINE_CHARS) + 1)
        delimiter = ";" if first.count(";") > first.count(",") else ","
        handle.seek(0)
        reader = csv.reader(_bounded_lines(handle), delimiter=delimiter)
        try:
            for number, cells in enumerate(reader, start=1):
                if len(cells) > columns:
                    if any(c.strip() for c in cells[columns:]):
                        raise too_many_columns()
                    cells = cells[:columns]
                yield number, cells
        except (csv.Error, UnicodeDecodeError):
            raise SheetRefused(
                gettext("The file could not be read as a spreadsheet."), code="unreadable"
            ) from None


def _bounded_lines(handle: IO[str]) -> Iterator[str]:
    limit = int(settings.KEM_IMPORT_MAX_LINE_CHARS)
    while line := handle.readline(limit + 1):
        if len(line) > limit:
            raise SheetRefused(
                gettext("A line of the file is longer than %(limit)s characters.") % {"limit": limit},
                code="line_too_long",
            )
        yield line


def read_headers(path: Path | IO[bytes], file_format: str) -> list[str]:
    """The header row as unique, non-empty names ("Column 3" for an empty one, "Name (2)" for a repeat)."""
    for _number, cells in read_rows(path, file_format):
        return unique_headers(cells)
    return []


def unique_headers(cells: list[Any]) -> list[str]:
    """Names for the header cells, each unique, in time linear in the number of cells."""
    cells = list(cells)
    while cells and (cells[-1] is None or str(cells[-1]).strip() == ""):
        cells.pop()
    headers: list[str] = []
    used: set[str] = set()
    next_suffix: dict[str, int] = {}
    for position, cell in enumerate(cells, start=1):
        name = str(cell).strip()[:HEADER_CHARS] if cell is not None else ""
        name = name or str(_("Column %(number)s") % {"number": position})
        if name in used:
            base, n = name, next_suffix.get(name, 2)
            while f"{base} ({n})" in used:
                n += 1
            name = f"{base} ({n})"
            next_suffix[base] = n + 1
        used.add(name)
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
