"""The access log: an append-only record of every look at personal data.

Who looked, in which role, at whom, which fields, why, from where and when. The data-protection
officer reviews it. Rows cannot be changed or deleted through the application: the model and its
queryset refuse, and on PostgreSQL a trigger refuses too (migration ``kem.0004_access_log_guard``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kem.middleware import current_request_id


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


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the trusted proxy reports it (the last hop it added)."""
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and settings.SECURE_PROXY_SSL_HEADER:
        return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


# Human labels of the known dotted actions; the access-log page shows the code for any other.
# Apps that record a new action add its label here, so the DPO reads words, not codes.
ACTION_LABELS: dict[str, Any] = {
    "kem.beneficiary.viewed": _("Opened a profile"),
    "kem.beneficiary.revealed": _("Revealed hidden details"),
    "kem.beneficiary.edit_opened": _("Opened a profile for editing"),
    "kem.beneficiary.searched": _("Searched for people"),
    "kem.beneficiary.merged": _("Merged two records of a person"),
    "kem.access_log.exported": _("Exported the access log"),
    "api.beneficiary.read": _("Read a person's data through the API"),
    "cases.session.read": _("Read session notes"),
    "api.session.read": _("Read session notes through the API"),
    "cases.interpreter_request.read": _("Read an interpreter request's notes"),
    "api.interpreter_request.read": _("Read an interpreter request's notes through the API"),
    "referrals.incoming_referral.read": _("Read an incoming referral's notes"),
}


def action_label(action: str) -> str:
    """The human label of a dotted action, or the code itself when it is not a known one."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def role_at(user: Any, centre_id: int | None) -> str:
    """The user's roles at a centre, as an access event records them (``"counsellor,manager"``)."""
    from kem.permissions import access_for

    if centre_id is None:
        return ""
    return ",".join(sorted(access_for(user).roles_at(centre_id)))[:40]


@dataclass(frozen=True)
class Access:
    """One look at one subject, for :func:`access_record_many`."""

    subject: models.Model
    fields: tuple[str, ...] | list[str] = ()
    centre_id: int | None = None
    role: str = ""


def _event(
    *,
    user: Any,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | None,
    fields: Any,
    reason: str,
    centre: Any = None,
    centre_id: int | None = None,
    role: str,
    request: HttpRequest | None,
    actor: str = "",
) -> AccessEvent:
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    request_id = current_request_id()
    event = AccessEvent(
        user=user if authenticated else None,
        actor=actor or (user.get_username() if authenticated else "anonymous"),
        role=role,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        fields=sorted(fields),
        reason=reason,
        request_id=request_id if request_id != "-" else "",
        ip=client_ip(request),
    )
    if centre is not None:
        event.centre = centre
    elif centre_id is not None:
        event.centre_id = centre_id
    event.full_clean(exclude=["user", "centre"])
    return event


@transaction.atomic
def access_record(
    *,
    user: Any,
    action: str,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: uuid.UUID | None = None,
    fields: list[str] | tuple[str, ...] = (),
    reason: str = "",
    centre: Any = None,
    role: str = "",
    request: HttpRequest | None = None,
    actor: str = "",
) -> AccessEvent:
    """Append one access event. ``action`` is dotted and stable, e.g. ``kem.beneficiary.revealed``."""
    if subject is not None:
        subject_type = subject._meta.label_lower
        subject_id = subject.pk
    event = _event(
        user=user,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        fields=fields,
        reason=reason,
        centre=centre,
        role=role,
        request=request,
        actor=actor,
    )
    event.save()
    return event


@transaction.atomic
def access_record_many(
    *,
    user: Any,
    action: str,
    accesses: Iterable[Access],
    reason: str = "",
    request: HttpRequest | None = None,
) -> list[AccessEvent]:
    """Append one access event per subject in a single INSERT (a page of people read at once).

    Each event is validated like :func:`access_record`; the cost is one query however many
    subjects, so a list page stays within a fixed number of queries.
    """
    events = [
        _event(
            user=user,
            action=action,
            subject_type=access.subject._meta.label_lower,
            subject_id=access.subject.pk,
            fields=access.fields,
            reason=reason,
            centre_id=access.centre_id,
            role=access.role,
            request=request,
        )
        for access in accesses
    ]
    return AccessEvent.objects.bulk_create(events) if events else []
