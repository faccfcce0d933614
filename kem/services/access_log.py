"""Writing the access log: one event per look at personal data (see :mod:`kem.models.access_log`).

Who looked, in which role, at whom, which fields, why, from where and when; ``action`` is dotted
and stable (``kem.beneficiary.revealed``) and its label is registered in :mod:`kem.registry`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest

from kem.middleware import current_request_id
from kem.models.access_log import AccessEvent
from kem.permissions import access_for


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the trusted proxy reports it (the last hop it added)."""
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and settings.SECURE_PROXY_SSL_HEADER:
        return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def role_at(user: Any, centre_id: int | None) -> str:
    """The user's roles at a centre, as an access event records them (``"counsellor,manager"``)."""
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
