"""The access log: an append-only record of every look at personal data.

Who looked, in which role, at whom, which fields, why, from where and when. The data-protection
officer reviews it. Rows cannot be changed or deleted through the application: the model and its
queryset refuse, and on PostgreSQL a trigger refuses too (migration ``kem.0004_access_log_guard``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kem.registry import action_label


class AccessLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an access event."""


class RevealReason(models.TextChoices):
    """Why a person's sealed details were revealed (asked every time)."""

    SERVING_NOW = "serving_now", _("Serving the person now")
    APPLICATION = "application", _("Filling in an application for the person")
    REFERRAL = "referral", _("Preparing a referral")
    VERIFYING_IDENTITY = "verifying_identity", _("Verifying identity")
    DATA_REQUEST = "data_request", _("Answering the person's data request")


class AccessEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AccessLogIsAppendOnly("Access events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AccessLogIsAppendOnly("Access events cannot be deleted.")

    def about(self, subject_id: uuid.UUID | str) -> AccessEventQuerySet:
        return self.filter(subject_id=subject_id)


class AccessEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
        editable=False,
    )
    actor = models.CharField(_("actor"), max_length=150, editable=False)
    role = models.CharField(_("role"), max_length=40, blank=True, editable=False)
    centre = models.ForeignKey(
        "kem.Centre", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    action = models.CharField(_("action"), max_length=80, db_index=True, editable=False)
    # The subject is an id, not a foreign key: the trace must outlive a merge or an erasure.
    subject_type = models.CharField(_("subject type"), max_length=60, editable=False)
    subject_id = models.UUIDField(_("subject"), null=True, blank=True, db_index=True, editable=False)
    fields = models.JSONField(_("fields revealed"), default=list, blank=True, editable=False)
    reason = models.CharField(_("reason"), max_length=40, blank=True, editable=False)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, editable=False)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True, editable=False)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["subject_id", "at"], name="access_subject_at"),
            models.Index(fields=["user", "at"], name="access_user_at"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AccessLogIsAppendOnly("Access events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AccessLogIsAppendOnly("Access events cannot be deleted.")

    @property
    def reason_label(self) -> str:
        return RevealReason(self.reason).label if self.reason in RevealReason.values else self.reason

    @property
    def action_label(self) -> str:
        return action_label(self.action)
