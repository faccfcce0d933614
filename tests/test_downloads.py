"""Files of background downloads: owner-only, and never left half-made."""

from __future__ import annotations

import stat

import pytest

from kem.models.downloads import DownloadJob, DownloadKind, downloads_dir
from kem.services.downloads import new_file


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_new_file_is_owner_only_sealed_and_kept_once_written():
    job = DownloadJob(kind=DownloadKind.CERTIFICATES)
    with new_file(job, "csv") as (name, out):
        out.write("Ζυγομαλάς,Karimi\n".encode())

    path = downloads_dir() / name
    assert job.stored_name == name and job.file_key.startswith("kem1:")
    on_disk = path.read_bytes()
    assert "Ζυγομαλάς".encode() not in on_disk and b"Karimi" not in on_disk
    with job.open_file() as stream:
        assert stream.read() == "Ζυγομαλάς,Karimi\n".encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert name.endswith(".csv") and len(name) == 44  # 40 random hex digits, no personal data


def test_a_file_whose_writing_fails_is_deleted_and_the_error_goes_on():
    job = DownloadJob(kind=DownloadKind.CERTIFICATES)
    with pytest.raises(RuntimeError, match="disk full"), new_file(job, "pdf") as (name, out):
        out.write("%PDF-1.4 Ζυγομαλάς".encode())
        raise RuntimeError("disk full")

    assert not (downloads_dir() / name).exists()
    assert list(downloads_dir().iterdir()) == []
    assert job.stored_name == "" and job.file_key is None
