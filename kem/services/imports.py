"""Importing beneficiaries from a spreadsheet: upload, map, check (a dry run), import, cancel.

Every row goes through the registration form's rules (``RowValidator``) and a duplicate pass:
an ID number already registered anywhere in the network or repeated within the file stops the
row; people at the centre with a similar name and birth year are reported as warnings, as the
registration page shows them. The import re-reads and re-checks the file, so nothing personal is
kept between the dry run and the import: the job holds counts and a report of row numbers,
columns and error codes only.

People are written in bulk (``people_bulk_create``: keys, sealed values, blind-index entries),
each validated with ``full_clean`` first, with a history row naming the manager.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kem.forms.imports import RowValidator, guess_mapping, safe_message
from kem.models import Beneficiary, Centre, ImportJob, ImportMapping, ImportMode, ImportStatus
from kem.selectors.beneficiaries import SIMILAR_MIN_TOKENS, beneficiary_duplicates
from kem.services.beneficiaries import beneficiary_fields_apply as apply_fields
from kem.services.beneficiaries import id_numbers_of
from kem.services.jobs import IMPORTS, job_beat, job_enqueue
from kem.services.records import set_history_user
from kem.sheets import (
    FILE_LIFETIME_DAYS,
    check_size,
    delete_stored,
    header_key,
    is_blank,
    private_dir,
    read_headers,
    read_rows,
    store_upload,
)
from kem.vault import blind
from kem.vault.models import BlindIndexEntry
from kem.vault.normalise import id_canonical
from kem.vault.search import QueryToken, Want, parse_query, want_digests
from kem.vault.services import people_bulk_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User

BATCH_SIZE = 500
PROGRESS_EVERY = 250
DIGESTS_PER_QUERY = 500


class ImportRefused(ValidationError):
    """The job is not in a state that allows this step."""


# --- the manager's steps -----------------------------------------------------------------------
@transaction.atomic
def import_upload(*, centre: Centre, by: User, upload: Any, file_format: str, language: str) -> ImportJob:
    """Keep an uploaded sheet in the private folder and start a job; the worker reads its header
    row (``import_read_job``). Nothing of the file is parsed here."""
    check_size(upload.size)
    stored_name, file_key = store_upload(upload.chunks(), file_format)
    job = ImportJob(
        centre=centre,
        created_by=by,
        file_format=file_format,
        stored_name=stored_name,
        file_key=file_key,
        language=language,
    )
    try:
        job.full_clean()
        job.save()
    except Exception:
        delete_stored(stored_name)
        raise
    job_enqueue(job)
    return job


def import_read_job(*, job_id: int) -> ImportJob:
    """Read the header row of the job's file and fill in the centre's remembered mapping for the
    same headers, or a guess from their names (task ``kem.tasks.import_read``)."""
    job = ImportJob.objects.get(pk=job_id)
    if not job.is_reading or job.file_path is None:
        return job
    with translation.override(job.language):
        if not job.file_path.exists() or not job.file_key:
            raise ImportRefused(_("The file of this import is gone."), code="file_gone")
        with job.open_sheet() as sheet:
            headers = read_headers(sheet, job.file_format)
        if not headers:
            raise ImportRefused(_("The file has no header row."), code="no_headers")
    remembered = ImportMapping.objects.filter(centre=job.centre, header_key=header_key(headers)).first()
    mapping = remembered.mapping if remembered else guess_mapping(headers)
    job.headers = headers
    job.mapping = {h: f for h, f in mapping.items() if h in headers}
    ImportJob.objects.filter(pk=job.pk, status=ImportStatus.UPLOADED).update(
        headers=job.headers, mapping=job.mapping, progress=0, updated_at=timezone.now()
    )
    return job


@transaction.atomic
def import_map(*, job: ImportJob, by: User, mapping: dict[str, str]) -> ImportJob:
    """Set the job's column mapping, remember it for the centre, and queue the dry run."""
    if not job.can_map:
        raise ImportRefused(_("This import can no longer be changed."), code="not_mappable")
    job.mapping = mapping
    job.status = ImportStatus.MAPPED
    job.progress = 0
    job.report = {}
    job.attempts = 0
    job.full_clean()
    job.save()
    ImportMapping.objects.update_or_create(
        centre=job.centre,
        header_key=header_key(job.headers),
        defaults={"headers": job.headers, "mapping": mapping, "updated_by": by},
    )
    job_enqueue(job)
    return job


@transaction.atomic
def import_start(*, job: ImportJob, by: User, mode: str) -> ImportJob:
    """Confirm a checked job in ``mode``; the import task does the rest."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not job.can_run:
        raise ImportRefused(_("This import is not ready to run."), code="not_runnable")
    job.mode = mode
    job.status = ImportStatus.IMPORTING
    job.progress = 0
    job.attempts = 0
    job.full_clean()
    job.save()
    job_enqueue(job)
    return job


@transaction.atomic
def import_cancel(*, job: ImportJob, by: User) -> ImportJob:
    """Stop a job that has not started importing and delete its file."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not job.can_cancel:
        raise ImportRefused(_("This import can no longer be cancelled."), code="not_cancellable")
    _finish(job, ImportStatus.CANCELLED)
    return job


def import_fail(*, job_id: int, code: str, message: str = "") -> None:
    """Mark a job failed (a permanent error, or its task gave up) and delete its file."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is not None and not job.is_finished:
        job.failure = code[:40]
        job.failure_message = message[:300]
        _finish(job, ImportStatus.FAILED)


def import_files_cleanup(*, now: dt.datetime | None = None) -> int:
    """Delete sheets older than the limit (their jobs end as cancelled) and stray files; returns how many."""
    now = now or timezone.now()
    limit = now - dt.timedelta(days=FILE_LIFETIME_DAYS)
    deleted = 0
    for job in ImportJob.objects.exclude(stored_name="").filter(created_at__lt=limit):
        if not job.is_finished:
            job.failure = job.failure or "expired"
            _finish(job, ImportStatus.CANCELLED)
        else:
            delete_stored(job.stored_name)
            ImportJob.objects.filter(pk=job.pk).update(stored_name="", file_key=None)
        deleted += 1
    known = set(ImportJob.objects.exclude(stored_name="").values_list("stored_name", flat=True))
    for path in private_dir().iterdir():
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if path.name not in known and modified < limit:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def _finish(job: ImportJob, status: str) -> None:
    delete_stored(job.stored_name)
    job.stored_name = ""
    job.file_key = None
    job.status = status
    job.finished_at = timezone.now()
    job.save()


# --- examining the rows ------------------------------------------------------------------------
@dataclass
class Row:
    number: int
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] | None = None  # the cleaned values, in memory only

    @property
    def is_valid(self) -> bool:
        return not self.errors


def examine(job: ImportJob, *, after_row: int = 0, progress_span: tuple[int, int] = (0, 100)) -> list[Row]:
    """Validate every row of the job's file, then look for duplicates; updates the job's progress."""
    if job.file_path is None or not job.file_path.exists() or not job.file_key:
        raise ImportRefused(_("The file of this import is gone."), code="file_gone")
    validator = RowValidator(job.mapping)
    # Streamed: reading stops with a refusal as soon as the row after the limit is seen.
    with job.open_sheet() as sheet:
        rows = list(_data_rows(job, sheet, after_row=after_row))
    job_beat(IMPORTS, job.pk)
    examined: list[Row] = []
    start, span = progress_span[0], (progress_span[1] - progress_span[0]) * 0.8
    for position, (number, cells) in enumerate(rows, start=1):
        form, errors = validator.validate(job.headers, cells)
        row = Row(number=number, errors=errors)
        if not errors:
            row.data = form.service_data()
        examined.append(row)
        if position % PROGRESS_EVERY == 0:
            _progress(job, start + int(span * position / len(rows)))
    _find_duplicates(job, examined, validator.column_of)
    _progress(job, progress_span[1])
    return examined


def _data_rows(job: ImportJob, sheet: IO[bytes], *, after_row: int) -> Iterator[tuple[int, list[Any]]]:
    for number, cells in read_rows(sheet, job.file_format):
        if number == 1 or number <= after_row or is_blank(cells):
            continue
        yield number, cells


def _progress(job: ImportJob, percent: int) -> None:
    job.progress = min(percent, 100)
    job_beat(IMPORTS, job.pk, progress=job.progress, updated_at=timezone.now())


def _find_duplicates(job: ImportJob, rows: list[Row], column_of: dict[str, str]) -> None:
    """Within-file repeats of an ID number, ID numbers already registered, similar people."""
    first_holder: dict[str, int] = {}
    identities: dict[int, dict[str, Any]] = {}
    for row in rows:
        if not row.is_valid or row.data is None:
            continue
        identity = _identity(row.data)
        for kind, number in identity["id_numbers"].items():
            canonical = id_canonical(str(number))
            if canonical in first_holder:
                row.errors.append(
                    _duplicate_error(
                        column_of,
                        kind,
                        "duplicate_in_file",
                        _("The same number as row %(row)s of this file.") % {"row": first_holder[canonical]},
                    )
                )
            else:
                first_holder[canonical] = row.number
        if row.is_valid:
            identities[row.number] = identity
    by_number = {row.number: row for row in rows}
    for number in _index_candidates(identities):
        _check_existing(job, by_number[number], identities[number], column_of)


def _check_existing(job: ImportJob, row: Row, identity: dict[str, Any], column_of: dict[str, str]) -> None:
    check = beneficiary_duplicates(user=job.created_by, data=identity)
    if check.same_id:
        held = {id_canonical(str(v)) for person in check.same_id for v in (person.id_numbers or {}).values()}
        kind = next(
            (k for k, v in identity["id_numbers"].items() if id_canonical(str(v)) in held),
            next(iter(identity["id_numbers"]), ""),
        )
        row.errors.append(
            _duplicate_error(column_of, kind, "duplicate_id", _("This ID number is already registered."))
        )
        if check.visible_same_id:
            row.errors[-1]["people"] = [str(p.pk) for p in check.visible_same_id]
    if check.similar:
        row.warnings.append(
            {
                "code": "similar_people",
                "message": _("People with a similar name and the same year of birth are registered."),
                "people": [str(p.pk) for p in check.similar],
            }
        )


def _duplicate_error(column_of: dict[str, str], kind: str, code: str, message: str) -> dict[str, Any]:
    form_field = f"{kind}_number"
    return {"column": column_of.get(form_field, ""), "field": form_field, "code": code, "message": message}


def _identity(data: dict[str, Any]) -> dict[str, Any]:
    birth_year = data.get("birth_year") or (data["date_of_birth"].year if data.get("date_of_birth") else None)
    return {
        "given_name": data.get("given_name") or "",
        "family_name": data.get("family_name") or "",
        "given_name_latin": data.get("given_name_latin") or "",
        "family_name_latin": data.get("family_name_latin") or "",
        "birth_year": birth_year,
        "id_numbers": id_numbers_of(data.get("documents") or []),
    }


def _index_candidates(identities: dict[int, dict[str, Any]]) -> list[int]:
    """Rows that the blind index says may match someone already registered.

    A superset of what ``beneficiary_duplicates`` finds (it confirms on the plaintext): an ID
    digest present in the index, or one person holding digests of at least two of the row's name
    tokens. Asking the index once for all rows keeps a large file from costing a search per row.
    """
    if not identities:
        return []
    index_key = blind.active_key()
    tokens_of: dict[int, list[QueryToken]] = {}
    for number, identity in identities.items():
        names = " ".join(
            identity[k] for k in ("given_name", "family_name", "given_name_latin", "family_name_latin")
        )
        name_tokens = parse_query(names, model=Beneficiary) if names.strip() else []
        id_tokens = [
            QueryToken(wants=(Want(lab, blind.ID, c),))
            for lab in _labels(blind.IdIndex)
            for v in identity["id_numbers"].values()
            if len(c := id_canonical(str(v))) >= 4
        ]
        tokens_of[number] = [*id_tokens, *name_tokens]
    wanted = {want for tokens in tokens_of.values() for token in tokens for want in token.wants}
    by_digest = want_digests(index_key, wanted)
    digests_of: dict[Want, list[tuple[str, str, int]]] = defaultdict(list)
    for found, wants in by_digest.items():
        for want in wants:
            digests_of[want].append(found)
    holders = _holders(set(by_digest), version=index_key.version)
    candidates = []
    for number, tokens in tokens_of.items():
        matched: dict[Any, set[int]] = defaultdict(set)
        id_hit = False
        for position, token in enumerate(tokens):
            for want in token.wants:
                for found in digests_of[want]:
                    keys = holders.get(found, ())
                    id_hit = id_hit or (want.kind == blind.ID and bool(keys))
                    for person_key in keys:
                        matched[person_key].add(position)
        if id_hit or any(len(p) >= SIMILAR_MIN_TOKENS for p in matched.values()):
            candidates.append(number)
    return candidates


def _labels(index_type: type) -> list[str]:
    return [blind.label(Beneficiary, i) for i in Beneficiary.vault_indexes if isinstance(i, index_type)]


def _holders(digests: set[tuple[str, str, int]], *, version: int) -> dict[tuple[str, str, int], set[Any]]:
    """(label, kind, digest) -> person keys holding it, asked in a few large queries."""
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for lab, kind, value in digests:
        groups[(lab, kind)].add(value)
    holders: dict[tuple[str, str, int], set[Any]] = defaultdict(set)
    for (lab, kind), values in groups.items():
        ordered = sorted(values)
        for start in range(0, len(ordered), DIGESTS_PER_QUERY):
            entries = BlindIndexEntry.objects.filter(
                field=lab, kind=kind, version=version, digest__in=ordered[start : start + DIGESTS_PER_QUERY]
            ).values_list("digest", "person_key_id")
            for value, person_key in entries:
                holders[(lab, kind, value)].add(person_key)
    return holders


def report_of(rows: list[Row]) -> dict[str, Any]:
    return {
        "rows": [
            {"row": r.number, "errors": r.errors, "warnings": r.warnings}
            for r in rows
            if r.errors or r.warnings
        ]
    }


# --- the tasks' bodies -------------------------------------------------------------------------
def import_check_job(*, job_id: int) -> ImportJob:
    """The dry run: examine every row and store the report (task ``kem.tasks.import_check``)."""
    job = ImportJob.objects.select_related("centre", "created_by").get(pk=job_id)
    if job.status != ImportStatus.MAPPED:
        return job
    with translation.override(job.language):
        rows = examine(job)
    job.total_rows = len(rows)
    job.valid_rows = sum(1 for r in rows if r.is_valid)
    job.invalid_rows = job.total_rows - job.valid_rows
    job.warning_rows = sum(1 for r in rows if r.warnings and r.is_valid)
    job.report = report_of(rows)
    job.status = ImportStatus.CHECKED
    job.progress = 100
    with transaction.atomic():
        # Cancelled (or re-mapped and queued again) while this check ran: keep that state.
        if ImportJob.objects.select_for_update().filter(pk=job.pk, status=ImportStatus.MAPPED).exists():
            job.save()
    return job


def import_run_job(*, job_id: int) -> ImportJob:
    """The import: examine the rows again, then write them as the mode says (task ``kem.tasks.import_run``)."""
    job = ImportJob.objects.select_related("centre", "created_by").get(pk=job_id)
    if job.status != ImportStatus.IMPORTING:
        return job
    with translation.override(job.language):
        rows = examine(job, after_row=job.imported_through, progress_span=(0, 40))
        people = _build(job, rows)
        job.report = report_of(rows)
        invalid = [r for r in rows if not r.is_valid]
        if job.mode == ImportMode.ALL_OR_NOTHING and invalid:
            job.failure = "invalid_rows"
        elif job.mode == ImportMode.ALL_OR_NOTHING:
            with transaction.atomic():
                _write_in_batches(job, people)
        else:
            _write_in_batches(job, people)
    job.refresh_from_db(fields=["imported_rows", "imported_through"])
    job.invalid_rows = len(invalid)
    job.report["imported"] = job.imported_rows
    job.report["skipped"] = len(invalid) if job.mode == ImportMode.VALID_ROWS else 0
    job.progress = 100
    _finish(job, ImportStatus.FAILED if job.failure else ImportStatus.DONE)
    return job


def _build(job: ImportJob, rows: list[Row]) -> list[tuple[int, Beneficiary]]:
    """Unsaved people of the valid rows, validated like ``beneficiary_register`` validates."""
    people = []
    column_of = {f: h for h, f in job.mapping.items()}
    for row in rows:
        if not row.is_valid or row.data is None:
            continue
        person = Beneficiary(registering_centre=job.centre, registered_by=job.created_by)
        apply_fields(person, row.data)
        try:
            # Skipped checks are known to hold and would cost a query or a country list per row:
            # the id is a fresh UUID, the key is new, centre and manager come from the job, and
            # the form checked the nationality against the same list of countries.
            person.full_clean(
                exclude=["person_key", "registering_centre", "registered_by", "nationality"],
                validate_unique=False,
            )
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                row.errors += [
                    {"column": column_of.get(name, ""), "field": name, "code": e.code or "invalid"}
                    | {"message": safe_message(e)}
                    for e in errors
                ]
            continue
        set_history_user(person, job.created_by)
        people.append((row.number, person))
    return people


def _write_in_batches(job: ImportJob, people: list[tuple[int, Beneficiary]]) -> None:
    """Write ``people`` one batch per transaction (inside the caller's, for all or nothing)."""
    for start in range(0, len(people), BATCH_SIZE):
        _write(job, people[start : start + BATCH_SIZE])
        _progress(job, 40 + int(60 * min(start + BATCH_SIZE, len(people)) / len(people)))


@transaction.atomic
def _write(job: ImportJob, people: list[tuple[int, Beneficiary]]) -> None:
    """Insert people with their keys, index entries and history rows, and count them, at once."""
    if not people:
        return
    batch = [person for _number, person in people]
    people_bulk_create(batch, batch_size=BATCH_SIZE)
    Beneficiary.history.bulk_history_create(batch, batch_size=BATCH_SIZE, default_user=job.created_by)
    job.people.add(*batch)
    ImportJob.objects.filter(pk=job.pk).update(
        imported_rows=F("imported_rows") + len(batch), imported_through=people[-1][0]
    )
