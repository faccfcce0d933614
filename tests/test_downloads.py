"""Files of background downloads: owner-only, and never left half-made."""

from __future__ import annotations

import stat

import pytest

from kem.models.downloads import downloads_dir
from kem.services.downloads import new_file


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_new_file_is_owner_only_and_kept_once_written():
    with new_file("csv") as (name, out):
        out.write(b"a,b\n")

    path = downloads_dir() / name
    assert path.read_bytes() == b"a,b\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert name.endswith(".csv") and len(name) == 44  # 40 random hex digits, no personal data


def test_a_file_whose_writing_fails_is_deleted_and_the_error_goes_on():
    with pytest.raises(RuntimeError, match="disk full"), new_file("pdf") as (name, out):
        out.write("%PDF-1.4 Ζυγομαλάς".encode())
        raise RuntimeError("disk full")

    assert not (downloads_dir() / name).exists()
    assert list(downloads_dir().iterdir()) == []
