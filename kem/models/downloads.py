"""Files made by a background task and fetched by the person who asked for them, for a while.

Printing a class's certificates and exporting statistics both take long enough that a page must
not wait for them: a :class:`DownloadJob` records the request, a Celery task fills the file and
the job's progress (the page polls it with htmx), and the file can be downloaded by its owner
until ``expires_at``; a beat task deletes expired files. Every download is in the access log.

Files live under ``MEDIA_ROOT/private/downloads`` with random names and owner-only permissions;
they are never served by the web server directly. Each is sealed (``kem.vault.files``) under a key
of its own, held only in the job's row wrapped under the root key; expiry and erasure delete the
file and the key.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kem.vault import files


class DownloadKind(models.TextChoices):
    CERTIFICATES = "certificates", _("certificates of a class")
    STATISTICS = "statistics", _("statistics export")


class DownloadStatus(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("in progress")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")
    EXPIRED = "expired", _("expired")


class DownloadJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=DownloadKind.choices)
    centre = models.ForeignKey(
        "kem.Centre",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("centre"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by")
    )
    # What to make (ids and options only, never personal data).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8, default="el")
    status = models.CharField(
        _("status"), max_length=10, choices=DownloadStatus.choices, default=DownloadStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    filename = models.CharField(_("file name"), max_length=120, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    stored_name = models.CharField(max_length=64, blank=True, editable=False)
    # The file's own key, wrapped under the root key (kem.vault.files); NULL once the file is gone.
    file_key = models.TextField(null=True, blank=True, editable=False)  # noqa: DJ001
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    failure = models.CharField(_("failure"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    # What the asker reads when the job failed (in the job's language).
    failure_message = models.CharField(_("failure message"), max_length=300, blank=True)
    # Background work (kem/services/jobs.py): the task is to be (re)sent while queue_pending; the
    # worker holding the job writes heartbeat_at while it works.
    queue_pending = models.BooleanField(default=False, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("available until"), null=True, blank=True)

    class Meta:
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="downloadjob_expiry")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("download-detail", kwargs={"pk": self.pk})

    @property
    def is_done(self) -> bool:
        return self.status in (DownloadStatus.READY, DownloadStatus.FAILED, DownloadStatus.EXPIRED)

    @property
    def is_ready(self) -> bool:
        return (
            self.status == DownloadStatus.READY
            and bool(self.stored_name)
            and (self.expires_at is None or self.expires_at > timezone.now())
        )

    @property
    def path(self) -> Path:
        """Where the sealed file lies (its bytes are ciphertext: read it with ``open_file``)."""
        return downloads_dir() / self.stored_name

    @property
    def file_context(self) -> str:
        """What the file's chunks are bound to: this job and its file's name."""
        return f"kem_downloadjob.file:{self.pk}:{self.stored_name}"

    @property
    def key_context(self) -> str:
        """What the wrap of the file's key is bound to."""
        return f"kem_downloadjob.file_key:{self.pk}"

    def open_file(self) -> IO[bytes]:
        """The file's plaintext as a seekable binary stream, opened chunk by chunk."""
        if not self.stored_name or not self.file_key:
            raise FileNotFoundError("the file of this download is gone")
        key = files.unwrap_file_key(self.file_key, context=self.key_context)
        return files.open_file(self.path, key, context=self.file_context)


def downloads_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "private" / "downloads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path
