"""Spreadsheet imports: the job a manager runs and the column mappings a centre reuses.

An uploaded sheet holds personal data. It lives in a private folder under MEDIA_ROOT (never served)
with a random name, sealed under a key of its own that only the job's row holds (wrapped under the
root key), only until the import finishes, is cancelled, is seven days old or a person it holds is
erased. The job keeps counts and a report of row numbers, column names and error codes, never a
cell's value, and the people it registered (so that erasing one of them deletes the sheet).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kem.sheets import FileFormat, open_stored, private_dir


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    MAPPED = "mapped", _("Columns mapped, checking")
    CHECKED = "checked", _("Checked")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all_or_nothing", _("Import nothing unless every row is valid")
    VALID_ROWS = "valid_rows", _("Import all valid rows, skip the others")


class ImportJob(models.Model):
    centre = models.ForeignKey(
        "kem.Centre", on_delete=models.CASCADE, related_name="import_jobs", verbose_name=_("centre")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    mode = models.CharField(
        _("mode"), max_length=20, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING
    )
    file_format = models.CharField(_("file format"), max_length=4, choices=FileFormat.choices)
    # The random name of the private file; empty once the file is deleted.
    stored_name = models.CharField(max_length=64, blank=True, editable=False)
    # The sheet's own key, wrapped under the root key (kem.vault.files); NULL once the file is gone.
    file_key = models.TextField(null=True, blank=True, editable=False)  # noqa: DJ001
    # The people this import registered: erasing one of them deletes the sheet.
    people = models.ManyToManyField("kem.Beneficiary", related_name="+", blank=True, editable=False)
    language = models.CharField(_("language of the report"), max_length=8, default="el")
    # Empty until the worker has read the header row.
    headers = models.JSONField(_("column headers"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    invalid_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    warning_rows = models.PositiveIntegerField(_("rows with warnings"), default=0)
    imported_rows = models.PositiveIntegerField(_("imported rows"), default=0)
    # The last sheet row committed in "valid rows" mode: a retried task resumes after it.
    imported_through = models.PositiveIntegerField(default=0, editable=False)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # {"rows": [{"row": 7, "errors": [{"column", "field", "code", "message"}], "warnings": [...]}]}
    report = models.JSONField(_("report"), default=dict, blank=True)
    failure = models.CharField(_("failure"), max_length=40, blank=True)
    # What the manager reads when the job failed (in the job's language); never a cell's value.
    failure_message = models.CharField(_("failure message"), max_length=300, blank=True)
    # Background work (kem/services/jobs.py): the task is to be (re)sent while queue_pending; the
    # worker holding the job writes heartbeat_at while it works; attempts counts the runs started.
    queue_pending = models.BooleanField(default=False, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{_('import')} {self.pk}"

    def get_absolute_url(self) -> str:
        if self.status == ImportStatus.UPLOADED and self.headers:
            return reverse("import-mapping", kwargs={"pk": self.pk})
        return reverse("import-check", kwargs={"pk": self.pk})

    @property
    def is_reading(self) -> bool:
        """Uploaded, and the worker has not yet read the header row."""
        return self.status == ImportStatus.UPLOADED and not self.headers and bool(self.stored_name)

    @property
    def is_running(self) -> bool:
        """A task is (or should be) working on the job: the page polls its progress."""
        return self.is_reading or self.status in (ImportStatus.MAPPED, ImportStatus.IMPORTING)

    @property
    def can_map(self) -> bool:
        return (
            self.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED)
            and bool(self.stored_name)
            and bool(self.headers)
        )

    @property
    def can_run(self) -> bool:
        return self.status == ImportStatus.CHECKED and bool(self.stored_name)

    @property
    def can_cancel(self) -> bool:
        return self.status in (ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.CHECKED)

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED)

    @property
    def file_path(self) -> Path | None:
        """Where the sealed sheet lies (its bytes are ciphertext: read it with ``open_sheet``)."""
        return private_dir() / self.stored_name if self.stored_name else None

    def open_sheet(self) -> AbstractContextManager[IO[bytes]]:
        """The sheet's plaintext as a seekable binary stream, opened chunk by chunk in memory."""
        if not self.stored_name or not self.file_key:
            raise FileNotFoundError("the sheet of this import is gone")
        return open_stored(self.stored_name, self.file_key)  # type: ignore[return-value]


class ImportMapping(models.Model):
    """A centre's mapping of one set of column headers to fields, offered again for the same set."""

    centre = models.ForeignKey(
        "kem.Centre", on_delete=models.CASCADE, related_name="import_mappings", verbose_name=_("centre")
    )
    header_key = models.CharField(max_length=64, editable=False)
    headers = models.JSONField(_("column headers"), default=list)
    mapping = models.JSONField(_("column mapping"), default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(fields=["centre", "header_key"], name="import_mapping_unique_headers")
        ]

    def __str__(self) -> str:
        return f"{_('import mapping')} {self.pk}"
