"""Writing the access log: one event per look at personal data (see :mod:`kem.models.access_log`).

Who looked, in which role, at whom, which fields, why, from where and when; ``action`` is dotted
and stable (``kem.beneficiary.revealed``) and its label is registered in :mod:`kem.registry`.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest

from kem.middleware import current_request_id
from kem.models.access_log import AccessEvent
from kem.permissions import access_for

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[_Network, ...]:
    # The setting is checked when settings load; a test may change it, hence the cache key.
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _address(text: str) -> _Address | None:
    """An IP address, or ``None`` for anything else ("not-an-ip", "unknown", a port, "")."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.scope_id:
            return ipaddress.IPv6Address(str(address).split("%", 1)[0])
    return address


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: the one function that every rate limit and the access log use.

    The peer (``REMOTE_ADDR``) is the client unless it is one of ``KEM_TRUSTED_PROXIES``; then
    ``X-Forwarded-For`` is read from the right, skipping the trusted proxies, and the first
    address no trusted proxy owns is the client. What a client writes into the header itself
    stands left of that and is never read, so rotating it changes nothing. A malformed entry
    (``not-an-ip``) ends the walk at the nearest trusted hop; it is never an error.
    """
    if request is None:
        return None
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    trusted = _networks(tuple(settings.KEM_TRUSTED_PROXIES))
    if not any(peer in network for network in trusted):
        return str(peer)
    client = peer
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop = _address(entry)
        if hop is None:
            break
        client = hop
        if not any(hop in network for network in trusted):
            break
    return str(client)


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
