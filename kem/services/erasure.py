"""Erasing a person: shred their key, and delete the kept files that hold them.

Shredding (``kem.vault.services.shred``) makes every sealed value about a person unreadable. Files
the system keeps for a while hold people too: uploaded import sheets (up to seven days) and
batches of certificates (a day). Each is sealed under a key of its own (``kem.vault.files``), so
deleting the file *and* its key leaves nothing readable even where a copy of the file survives.

A sheet holds a person when it registered them (``ImportJob.people``), when its report names
them (an existing person with the same ID number or a similar name), or when one of its rows
carries their ID number or their whole name: sheets still kept are read for that, because a row
that was refused or not yet imported is tied to no one. A batch of certificates holds them when
the app that makes it says so (``kem.registry.register_person_files``: courses names the batches
of the classes they were in). The job rows stay, with their counts and without personal data.

The erasure workflow calls :func:`shred_beneficiary`; it reads the sheets before the key goes,
because recognising the person in a sheet needs their name and ID numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from kem.models import Beneficiary, DownloadJob, DownloadStatus, ImportJob, ImportStatus
from kem.models.downloads import downloads_dir
from kem.registry import person_file_sources
from kem.sheets import delete_stored, read_rows
from kem.vault.normalise import fold, id_canonical
from kem.vault.services import shred

ERASED = "erased"
MIN_ID_CHARS = 4


@dataclass(frozen=True)
class ErasedFiles:
    sheets: int
    downloads: int


@transaction.atomic
def shred_beneficiary(*, beneficiary: Beneficiary) -> ErasedFiles:
    """Delete the kept files that hold ``beneficiary``, then shred their key (one transaction).

    Shredding follows merges: every record merged into the person (and into those, in turn)
    keeps a key of its own, under which its older history rows stay sealed, so each of them is
    erased the same way. Otherwise the duplicate's name and documents would outlive the erasure.
    """
    people = records_of(beneficiary)
    sheets = downloads = 0
    for person in people:
        erased = erase_files_of(person)
        sheets, downloads = sheets + erased.sheets, downloads + erased.downloads
    for person in people:
        shred(person)
    return ErasedFiles(sheets=sheets, downloads=downloads)


def records_of(beneficiary: Beneficiary) -> list[Beneficiary]:
    """The person and every record merged into them, directly or through another merged record."""
    found = [beneficiary]
    frontier = [beneficiary.pk]
    while frontier:
        merged = list(Beneficiary.objects.filter(merged_into__in=frontier).order_by("pk"))
        found += merged
        frontier = [b.pk for b in merged]
    return found


@transaction.atomic
def erase_files_of(beneficiary: Beneficiary) -> ErasedFiles:
    """Delete every kept import sheet and background download that holds ``beneficiary``: the
    file and its key. Jobs keep their counts; an import not finished ends as cancelled."""
    sheets = 0
    identity = _Identity.of(beneficiary)
    for job in ImportJob.objects.select_for_update().exclude(stored_name=""):
        if _sheet_holds(job, beneficiary, identity):
            _erase_sheet(job)
            sheets += 1
    for job in ImportJob.objects.filter(people=beneficiary):
        job.people.remove(beneficiary)
    for job in ImportJob.objects.exclude(report={}):
        _forget_in_report(job, beneficiary)
    downloads = 0
    seen: set[Any] = set()
    for source in person_file_sources():
        for job in source(beneficiary):
            if job.pk in seen or not job.stored_name:
                continue
            seen.add(job.pk)
            _erase_download(job)
            downloads += 1
    return ErasedFiles(sheets=sheets, downloads=downloads)


# --- sheets ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Identity:
    """What recognises a person in a row: ID numbers, and whole names as sets of folded words."""

    ids: frozenset[str]
    names: tuple[frozenset[str], ...]

    @classmethod
    def of(cls, person: Beneficiary) -> _Identity:
        if person.is_shredded:  # nothing left to recognise them by
            return cls(ids=frozenset(), names=())
        ids = {id_canonical(str(v)) for v in (person.id_numbers or {}).values()}
        names = []
        for given, family in (
            (person.given_name, person.family_name),
            (person.given_name_latin, person.family_name_latin),
        ):
            words = frozenset(fold(f"{given or ''} {family or ''}").split())
            if given and family and words:
                names.append(words)
        return cls(ids=frozenset(i for i in ids if len(i) >= MIN_ID_CHARS), names=tuple(names))

    def in_row(self, cells: list[Any]) -> bool:
        texts = [str(c) for c in cells if c is not None and str(c).strip()]
        if self.ids and any(id_canonical(t) in self.ids for t in texts):
            return True
        words = {w for t in texts for w in fold(t).split()}
        return any(name <= words for name in self.names)


def _sheet_holds(job: ImportJob, person: Beneficiary, identity: _Identity) -> bool:
    if job.people.filter(pk=person.pk).exists() or _named_in_report(job.report, str(person.pk)):
        return True
    if not job.file_key or not (identity.ids or identity.names):
        return False
    try:
        with job.open_sheet() as sheet:
            return any(identity.in_row(cells) for _number, cells in read_rows(sheet, job.file_format))
    except Exception:
        # A sheet that cannot be read (refused, damaged, its key unknown) cannot be shown to
        # hold no one: it goes too.
        return True


def _named_in_report(report: dict[str, Any], person_id: str) -> bool:
    for row in (report or {}).get("rows", []):
        for entry in [*row.get("errors", []), *row.get("warnings", [])]:
            if person_id in entry.get("people", []):
                return True
    return False


def _forget_in_report(job: ImportJob, person: Beneficiary) -> None:
    person_id = str(person.pk)
    if not _named_in_report(job.report, person_id):
        return
    for row in job.report.get("rows", []):
        for entry in [*row.get("errors", []), *row.get("warnings", [])]:
            if person_id in entry.get("people", []):
                entry["people"] = [p for p in entry["people"] if p != person_id]
    ImportJob.objects.filter(pk=job.pk).update(report=job.report)


def _erase_sheet(job: ImportJob) -> None:
    delete_stored(job.stored_name)
    changes: dict[str, Any] = {"stored_name": "", "file_key": None, "updated_at": timezone.now()}
    if not job.is_finished:
        changes |= {
            "status": ImportStatus.CANCELLED,
            "failure": ERASED,
            "queue_pending": False,
            "finished_at": timezone.now(),
        }
    ImportJob.objects.filter(pk=job.pk).update(**changes)


# --- downloads ------------------------------------------------------------------------------------
def _erase_download(job: DownloadJob) -> None:
    (downloads_dir() / job.stored_name).unlink(missing_ok=True)
    DownloadJob.objects.filter(pk=job.pk).update(
        stored_name="", file_key=None, status=DownloadStatus.EXPIRED, failure=ERASED
    )
