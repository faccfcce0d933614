"""Imports that cannot hurt the server: each crafted file is refused with a clear message, fast and
with little memory (the limits of kem/sheets.py), and the web request never parses a sheet."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from bench.imports.sheets import person_row, xlsx_bytes
from kem import sheets
from kem.models import ImportJob, ImportStatus
from kem.sheets import SheetRefused, check_workbook, read_headers, read_rows, unique_headers
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# Loose bounds: every refusal below takes milliseconds; the bounds leave room for a busy CI machine.
FAST = 2.0
SMALL = 30 * 1024 * 1024


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager_client(client, manager):
    client.login(username=manager.username, password=PASSWORD)
    return client


def measured(action):
    """(the exception ``action`` raised, seconds, peak bytes allocated)."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        action()
    except SheetRefused as refused:
        error = refused
    else:
        error = None
    elapsed = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return error, elapsed, peak


def workbook(sheet_xml: bytes, *, level: int = 9) -> bytes:
    """A minimal XLSX around one worksheet's XML."""
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b"</Types>"
        ),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            b"</Relationships>"
        ),
        "xl/workbook.xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            b'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            b"</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def sheet_xml(rows: bytes, dimension: str | None) -> bytes:
    head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    if dimension:
        head += f'<dimension ref="{dimension}"/>'.encode()
    return head + b"<sheetData>" + rows + b"</sheetData></worksheet>"


# --- headers ------------------------------------------------------------------------------------
def test_three_thousand_identical_headers_are_made_unique_in_linear_time():
    started = time.monotonic()
    names = unique_headers(["Name"] * 3000)
    elapsed = time.monotonic() - started

    assert elapsed < 0.5
    assert names[:3] == ["Name", "Name (2)", "Name (3)"] and names[-1] == "Name (3000)"
    assert len(set(names)) == 3000


def test_a_repeat_that_clashes_with_a_given_name_still_gets_a_unique_one():
    assert unique_headers(["A", "A (2)", "A", None, ""]) == ["A", "A (2)", "A (3)"]
    assert unique_headers(["A", "A", "A (2)"]) == ["A", "A (2)", "A (2) (2)"]


def test_a_csv_of_three_thousand_identical_headers_is_read_at_once(tmp_path, settings):
    settings.KEM_IMPORT_MAX_COLUMNS = 5000
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["a"] * 3000) + "\n")  # 6 KB

    started = time.monotonic()
    headers = read_headers(path, "csv")

    assert time.monotonic() - started < FAST and len(set(headers)) == 3000


def test_a_header_row_wider_than_the_column_limit_is_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["a"] * 3000) + "\n")

    error, elapsed, _peak = measured(lambda: read_headers(path, "csv"))

    assert error is not None and error.code == "too_many_columns" and elapsed < FAST
    assert "200" in error.messages[0]


# --- XLSX bombs ---------------------------------------------------------------------------------
def test_a_wide_xlsx_bomb_is_refused_from_its_declared_dimension_in_a_moment(tmp_path):
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n) for n in range(1, 20_001))
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(workbook(sheet_xml(rows, "A1:XFD20000")))

    error, elapsed, peak = measured(lambda: read_headers(path, "xlsx"))

    assert error is not None and error.code == "too_many_columns"
    assert elapsed < FAST and peak < SMALL, (elapsed, peak)


def test_a_wide_xlsx_without_a_dimension_never_pads_rows_to_sixteen_thousand_cells(tmp_path):
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="XFD%d"><v>1</v></c></row>' % (n, n, n)
        for n in range(1, 2_001)
    )
    path = tmp_path / "wide.xlsx"
    path.write_bytes(workbook(sheet_xml(rows, None)))
    widths = []

    error, elapsed, peak = measured(
        lambda: widths.extend(len(cells) for _n, cells in read_rows(path, "xlsx"))
    )

    # The cells beyond the column limit are never made: each row is read at its real width.
    assert error is None and len(widths) == 2000 and max(widths) <= sheets.max_columns()
    assert elapsed < FAST * 2 and peak < SMALL, (elapsed, peak)


def test_a_value_just_past_the_column_limit_is_refused(tmp_path, settings):
    settings.KEM_IMPORT_MAX_COLUMNS = 3
    path = tmp_path / "wide.xlsx"
    path.write_bytes(workbook(sheet_xml(b'<row r="1"><c r="D1"><v>1</v></c></row>', None)))

    with pytest.raises(SheetRefused) as refused:
        list(read_rows(path, "xlsx"))

    assert refused.value.code == "too_many_columns"


def test_an_xlsx_that_unpacks_to_far_more_than_it_weighs_is_refused_before_parsing(tmp_path):
    # 60 MB of XML in a file of about 60 KB (a ratio near 1,000).
    filler = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>' * 1_000_000
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(workbook(sheet_xml(filler, None)))
    assert path.stat().st_size < 1024 * 1024

    error, elapsed, peak = measured(lambda: check_workbook(path))

    assert error is not None and error.code == "zip_bomb" and elapsed < FAST and peak < SMALL
    with pytest.raises(SheetRefused):
        read_headers(path, "xlsx")


def test_a_zip_of_thousands_of_parts_is_refused_before_any_is_unpacked(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(5000):
            archive.writestr(f"xl/media/{n}.xml", b"")
    path = tmp_path / "parts.xlsx"
    path.write_bytes(out.getvalue())

    error, elapsed, _peak = measured(lambda: check_workbook(path))

    assert error is not None and error.code == "zip_bomb" and elapsed < FAST


def test_the_total_unpacked_size_is_bounded(tmp_path, settings):
    settings.KEM_IMPORT_MAX_UNZIPPED_BYTES = 50_000
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx_bytes([person_row(n) for n in range(300)]))

    with pytest.raises(SheetRefused) as refused:
        check_workbook(path)

    assert refused.value.code == "zip_bomb"


def test_an_ordinary_workbook_passes_the_guards(tmp_path):
    path = tmp_path / "people.xlsx"
    path.write_bytes(xlsx_bytes([person_row(n) for n in range(2000)]))

    check_workbook(path)
    assert len(list(read_rows(path, "xlsx"))) == 2001


# --- the row limit ------------------------------------------------------------------------------
def test_a_long_xlsx_is_refused_as_soon_as_the_row_after_the_limit_is_seen(tmp_path, settings):
    settings.KEM_IMPORT_MAX_ROWS = 1000
    # 300,000 rows declared as one (a lying dimension), 1.5 MB packed.
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n) for n in range(1, 300_001))
    path = tmp_path / "long.xlsx"
    path.write_bytes(workbook(sheet_xml(rows, "A1:A1")))
    seen = []

    def read():
        for number, _cells in read_rows(path, "xlsx"):
            seen.append(number)

    error, elapsed, peak = measured(read)

    assert error is not None and error.code == "too_many_rows" and "1.000" in error.messages[0]
    assert seen[-1] == 1001  # the header and 1,000 rows, then the refusal
    assert elapsed < FAST and peak < SMALL, (elapsed, peak)


def test_an_xlsx_declaring_more_rows_than_the_limit_is_refused_before_reading(tmp_path, settings):
    settings.KEM_IMPORT_MAX_ROWS = 1000
    path = tmp_path / "long.xlsx"
    path.write_bytes(workbook(sheet_xml(b'<row r="1"><c r="A1"><v>1</v></c></row>', "A1:K2000000")))

    with pytest.raises(SheetRefused) as refused:
        check_workbook(path)

    assert refused.value.code == "too_many_rows"


def test_a_csv_of_two_million_lines_stops_at_the_limit(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(b"name\n" + b"x\n" * 2_000_000)  # 4 MB
    seen = []

    def read():
        for number, _cells in read_rows(path, "csv"):
            seen.append(number)

    error, elapsed, peak = measured(read)

    assert error is not None and error.code == "too_many_rows"
    assert seen[-1] == sheets.max_rows() + 1
    assert elapsed < FAST * 2 and peak < SMALL, (elapsed, peak)


def test_a_csv_line_longer_than_the_limit_is_refused(tmp_path, settings):
    settings.KEM_IMPORT_MAX_LINE_CHARS = 10_000
    path = tmp_path / "line.csv"
    path.write_text("a,b\n" + "x" * 50_000 + "\n")

    with pytest.raises(SheetRefused) as refused:
        list(read_rows(path, "csv"))

    assert refused.value.code == "line_too_long"


# --- through the pages --------------------------------------------------------------------------
def test_a_file_over_the_size_limit_is_refused_with_a_message_and_not_kept(manager_client, settings):
    settings.KEM_IMPORT_MAX_BYTES = 2048
    big = SimpleUploadedFile("people.csv", b"name\n" + b"x\n" * 4000)

    response = manager_client.post(reverse("import-upload"), {"file": big})

    assert response.status_code in (200, 413)
    assert "MB" in response.context["form"].errors["file"][0]
    assert not ImportJob.objects.exists() and not list(sheets.private_dir().iterdir())


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(manager_client, settings):
    settings.KEM_IMPORT_MAX_BYTES = 2048
    big = SimpleUploadedFile("people.csv", b"name\n" + b"x\n" * 100_000)

    response = manager_client.post(reverse("import-upload"), {"file": big})

    assert response.status_code == 413
    assert "MB" in str(response.context["form"].errors["file"][0])
    assert not ImportJob.objects.exists()


def test_an_xlsx_bomb_is_refused_by_the_upload_form_at_once(manager_client):
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n) for n in range(1, 5001))
    bomb = SimpleUploadedFile("people.xlsx", workbook(sheet_xml(rows, "A1:XFD5000")))

    started = time.monotonic()
    response = manager_client.post(reverse("import-upload"), {"file": bomb})

    assert time.monotonic() - started < FAST
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not ImportJob.objects.exists() and not list(sheets.private_dir().iterdir())


def test_the_web_request_only_stores_the_file_and_the_worker_reads_it(manager_client, monkeypatch):
    calls = []
    original = sheets.read_rows
    monkeypatch.setattr("kem.services.imports.read_rows", lambda *a: calls.append(a) or original(*a))
    monkeypatch.setattr("kem.sheets.read_rows", lambda *a: calls.append(a) or original(*a))

    # Without the commit (the task is not sent), the request has parsed nothing.
    response = manager_client.post(
        reverse("import-upload"), {"file": SimpleUploadedFile("p.xlsx", xlsx_bytes([person_row(1)]))}
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and calls == []
    assert (job.status, job.headers, job.is_running) == (ImportStatus.UPLOADED, [], True)
    page = manager_client.get(response["Location"], follow=True)
    assert 'hx-trigger="every 1s"' in page.content.decode()

    from kem import tasks

    tasks.import_read.delay(job.pk)  # what the worker runs
    job.refresh_from_db()
    assert calls and job.headers[0] == "Όνομα" and job.mapping
    assert manager_client.get(reverse("import-check", kwargs={"pk": job.pk}))["Location"] == reverse(
        "import-mapping", kwargs={"pk": job.pk}
    )


def test_a_sheet_over_the_row_limit_fails_its_job_with_the_message_on_the_page(manager_client, settings):
    settings.KEM_IMPORT_MAX_ROWS = 5
    upload = SimpleUploadedFile("p.csv", ("Όνομα,Επώνυμο\n" + "Α,Β\n" * 50).encode())

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = manager_client.post(reverse("import-upload"), {"file": upload})
    job = ImportJob.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        manager_client.post(
            reverse("import-mapping", kwargs={"pk": job.pk}), {"col_0": "given_name", "col_1": "family_name"}
        )
    job.refresh_from_db()
    page = manager_client.get(reverse("import-check", kwargs={"pk": job.pk})).content.decode()

    assert response.status_code == 302
    assert (job.status, job.failure, job.stored_name, job.attempts) == (
        ImportStatus.FAILED,
        "too_many_rows",
        "",
        1,
    )
    assert " 5 " in job.failure_message
    assert job.failure_message in page
