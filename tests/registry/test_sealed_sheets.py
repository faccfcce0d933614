"""Uploaded sheets are sealed at rest under a key of their own, and erasing a person deletes them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files import uploadedfile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from bench.imports.sheets import MAPPING, person_row, xlsx_bytes
from kem.models import (
    Beneficiary,
    DownloadJob,
    DownloadKind,
    DownloadStatus,
    ImportJob,
    ImportMode,
    ImportStatus,
)
from kem.services.downloads import downloads_cleanup, new_file
from kem.services.erasure import erase_files_of, shred_beneficiary
from kem.services.imports import import_files_cleanup
from kem.sheets import open_stored, private_dir, read_rows
from kem.vault import files
from kem.vault.errors import ShreddedError, TamperedError
from tests.vault.conftest import KEY_A, KEY_B

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def post(client, url, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


def upload(client, content: bytes, name: str = "people.xlsx") -> ImportJob:
    response = post(client, reverse("import-upload"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("pk")


def checked(client, rows) -> ImportJob:
    job = upload(client, xlsx_bytes(rows))
    data = {f"col_{i}": MAPPING.get(header, "") for i, header in enumerate(job.headers)}
    assert post(client, reverse("import-mapping", kwargs={"pk": job.pk}), data).status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    return job


def run(client, job, mode=ImportMode.VALID_ROWS) -> ImportJob:
    assert post(client, reverse("import-run", kwargs={"pk": job.pk}), {"mode": mode}).status_code == 302
    job.refresh_from_db()
    return job


def test_a_csv_sheet_on_disk_holds_no_cell_and_its_key_is_only_in_the_row(manager_client, tmp_path):
    content = "Όνομα;Επώνυμο;ΑΜΚΑ\nΑριστείδης;Ζυγομαλάς;01019012345\n".encode()
    job = upload(manager_client, content, name="people.csv")

    on_disk = job.file_path.read_bytes()
    assert on_disk.startswith(files.MAGIC)
    for secret in ("Ζυγομαλάς", "Αριστείδης", "01019012345", "ΑΜΚΑ"):
        assert secret.encode() not in on_disk
    # The worker read the header row through the seal.
    assert job.headers == ["Όνομα", "Επώνυμο", "ΑΜΚΑ"]
    # The key is wrapped under the root key in the job's row, and nowhere in the media folder.
    assert job.file_key.startswith("kem1:")
    key = files.unwrap_file_key(job.file_key, context=f"kem_importjob.file_key:{job.stored_name}")
    media = [p.read_bytes() for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert not any(key in blob or job.file_key.encode() in blob for blob in media)
    with job.open_sheet() as sheet:
        assert sheet.read() == content


def test_an_xlsx_sheet_is_sealed_yet_checked_in_place(manager_client):
    rows = [person_row(n) for n in range(30)]
    job = checked(manager_client, rows)

    on_disk = job.file_path.read_bytes()
    assert not on_disk[len(files.MAGIC) :].startswith(b"PK\x03\x04")
    assert xlsx_bytes(rows)[:200] not in on_disk
    assert (job.total_rows, job.valid_rows) == (30, 30)


def test_a_sheet_moved_to_another_job_does_not_open(manager_client):
    first = upload(manager_client, b"a;b\n1;2\n", name="a.csv")
    second = upload(manager_client, b"c;d\n3;4\n", name="b.csv")
    first.file_path.write_bytes(second.file_path.read_bytes())

    with pytest.raises(TamperedError), open_stored(first.stored_name, first.file_key) as sheet:
        list(read_rows(sheet, "csv"))


def test_an_import_links_the_people_it_registered_and_drops_its_sheet_and_key(manager_client):
    job = run(manager_client, checked(manager_client, [person_row(n) for n in range(3)]))

    assert job.status == ImportStatus.DONE
    assert (job.stored_name, job.file_key) == ("", None)
    assert list(private_dir().iterdir()) == []
    assert job.people.count() == 3
    assert set(job.people.values_list("pk", flat=True)) == set(
        Beneficiary.objects.values_list("pk", flat=True)
    )


def test_erasing_a_person_deletes_every_kept_sheet_that_holds_them_and_nothing_else(manager_client):
    imported = run(manager_client, checked(manager_client, [person_row(7), person_row(8)]))
    person = imported.people.first()
    row = next(r for r in (person_row(7), person_row(8)) if r[0] == person.given_name)

    by_id = checked(manager_client, [row, person_row(40)])  # the same AMKA: the report names them
    broken = list(row)
    broken[5], broken[6] = "not a date", ""  # their name in a refused row, tied to no one
    by_name = checked(manager_client, [broken, person_row(41)])
    unrelated = checked(manager_client, [person_row(42), person_row(43)])
    assert any(
        str(person.pk) in entry.get("people", []) for r in by_id.report["rows"] for entry in r["errors"]
    )

    erased = erase_files_of(person)

    assert erased.sheets == 2
    for job in (by_id, by_name):
        path = job.file_path
        job.refresh_from_db()
        assert not path.exists()
        assert (job.stored_name, job.file_key) == ("", None)
        assert (job.status, job.failure) == (ImportStatus.CANCELLED, "erased")
        assert job.total_rows == 2  # counts stay
    assert not any(
        str(person.pk) in entry.get("people", [])
        for job in ImportJob.objects.all()
        for r in job.report.get("rows", [])
        for entry in [*r["errors"], *r["warnings"]]
    )
    imported.refresh_from_db()
    assert not imported.people.filter(pk=person.pk).exists() and imported.people.count() == 1
    unrelated.refresh_from_db()
    assert unrelated.status == ImportStatus.CHECKED and unrelated.file_path.exists()
    with unrelated.open_sheet() as sheet:
        assert len(list(read_rows(sheet, "xlsx"))) == 3


def test_shredding_a_beneficiary_deletes_their_sheets_then_their_key(manager_client):
    run(manager_client, checked(manager_client, [person_row(9)]))
    person = Beneficiary.objects.get()
    kept = checked(manager_client, [person_row(9)])
    path = kept.file_path

    shred_beneficiary(beneficiary=person)

    assert not path.exists()
    person = Beneficiary.objects.get(pk=person.pk)
    with pytest.raises(ShreddedError):
        _ = person.given_name


def test_an_unreadable_kept_sheet_is_deleted_too(manager_client):
    run(manager_client, checked(manager_client, [person_row(10)]))
    person = Beneficiary.objects.get()
    damaged = upload(manager_client, b"x;y\n1;2\n", name="c.csv")
    blob = bytearray(damaged.file_path.read_bytes())
    blob[-1] ^= 1
    damaged.file_path.write_bytes(bytes(blob))

    assert erase_files_of(person).sheets == 1
    assert not damaged.file_path.exists()


def test_a_sealed_file_round_trips_every_size_and_seeks(tmp_path):
    key = files.new_file_key()
    for size in (0, 1, files.CHUNK - 1, files.CHUNK, files.CHUNK + 1, 3 * files.CHUNK + 7):
        data = bytes(range(256)) * (size // 256) + bytes(size % 256)
        path = tmp_path / f"f{size}"
        files.seal_chunks([data[:1000], data[1000:]], path, key, context="ctx")
        assert path.stat().st_size == len(files.MAGIC) + len(data) + files.OVERHEAD * max(
            1, -(-size // files.CHUNK)
        )
        with files.open_file(path, key, context="ctx") as stream:
            assert stream.read() == data
            stream.seek(size // 2)
            assert stream.read(5) == data[size // 2 : size // 2 + 5]


def test_a_sealed_file_cut_at_a_chunk_boundary_or_with_chunks_swapped_does_not_open(tmp_path):
    key = files.new_file_key()
    path = tmp_path / "f"
    files.seal_chunks([b"x" * (3 * files.CHUNK + 5)], path, key, context="ctx")
    blob = path.read_bytes()
    step = files.CHUNK + files.OVERHEAD
    head = len(files.MAGIC)

    (tmp_path / "cut").write_bytes(blob[: head + 2 * step])
    with pytest.raises(TamperedError):
        files.read_all(tmp_path / "cut", key, context="ctx")
    swapped = (
        blob[:head] + blob[head + step : head + 2 * step] + blob[head : head + step] + blob[head + 2 * step :]
    )
    (tmp_path / "swapped").write_bytes(swapped)
    with pytest.raises(TamperedError):
        files.read_all(tmp_path / "swapped", key, context="ctx")
    with pytest.raises(TamperedError):
        files.read_all(path, key, context="another file")


def test_rotating_the_root_key_rewraps_a_kept_sheets_key(manager_client, settings):
    settings.KEM_ROOT_KEY, settings.KEM_OLD_ROOT_KEYS = KEY_A, []
    job = upload(manager_client, b"a;b\n1;2\n", name="a.csv")
    settings.KEM_ROOT_KEY, settings.KEM_OLD_ROOT_KEYS = KEY_B, [KEY_A]

    call_command("rotate_keys", stdout=io.StringIO())

    settings.KEM_OLD_ROOT_KEYS = []
    job.refresh_from_db()
    with job.open_sheet() as sheet:
        assert sheet.read() == b"a;b\n1;2\n"


def test_a_large_upload_never_lands_in_a_temporary_file(manager_client, monkeypatch, settings):
    def refuse(*args, **kwargs):
        raise AssertionError("the sheet was written to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", refuse)
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE < 3 * 1024 * 1024
    content = "Όνομα;Επώνυμο\n".encode() + "Αριστείδης;Ζυγομαλάς\n".encode() * 90_000

    job = upload(manager_client, content, name="big.csv")

    assert job.headers == ["Όνομα", "Επώνυμο"]
    with job.open_sheet() as sheet:
        assert sheet.read() == content


def test_expiry_deletes_a_sheet_and_its_key(manager_client):
    job = upload(manager_client, b"a;b\n1;2\n", name="a.csv")
    path = job.file_path
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=8))

    assert import_files_cleanup() == 1

    job.refresh_from_db()
    assert not path.exists() and (job.stored_name, job.file_key) == ("", None)
    assert job.status == ImportStatus.CANCELLED


def test_expiry_deletes_a_download_and_its_key(manager):
    job = DownloadJob(kind=DownloadKind.STATISTICS, created_by=manager, status=DownloadStatus.READY)
    with new_file(job, "csv") as (_name, out):
        out.write(b"a,b\n")
    job.expires_at = timezone.now() - dt.timedelta(minutes=1)
    job.save()
    path = job.path

    assert downloads_cleanup() == 1

    job.refresh_from_db()
    assert not path.exists() and (job.stored_name, job.file_key, job.status) == (
        "",
        None,
        DownloadStatus.EXPIRED,
    )
