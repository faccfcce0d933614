"""The access log as the data-protection officer reviews it: scoped to their centres, filtered.

Scope. A DPO sees the events recorded at the centres where they hold ``review_access_log``, and
the events recorded without a centre (a search across the user's centres, an export of the log)
whose actor has or had a membership at one of those centres: they are that centre's staff, and
the DPO answers for what its staff do; a lock-out after wrong passwords is such an event of the
locked account. Events with neither a centre nor a known user are nobody's to review here: the
only ones are lock-outs of names no account has (superusers see those attempts in the admin).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from kem.export_cells import neutral_row
from kem.models import AccessEvent, Beneficiary, Centre, Membership, MergeRecord, Role
from kem.permissions import CentrePerm, visible_centres
from kem.registry import action_label
from kem.selectors.beneficiaries import beneficiaries_visible_to

PAGE_SIZE = 50
EXPORT_CHUNK_SIZE = 2000
BENEFICIARY = Beneficiary._meta.label_lower


@dataclass(frozen=True)
class AccessLogFilters:
    """What the DPO narrowed the log to; every part is optional."""

    person: uuid.UUID | None = None
    username: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    action: str = ""

    def describe(self) -> str:
        """The filters as ``key=value`` pairs, for the header of an export."""
        parts = {
            "person": self.person or "",
            "user": self.username,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "action": self.action,
        }
        return ", ".join(f"{key}={value}" for key, value in parts.items() if value) or "-"


@dataclass(frozen=True)
class AccessLogRow:
    """One event as the page shows it: labels, not codes, and no one's name."""

    event: AccessEvent
    role_label: str
    action_label: str
    subject_label: str
    subject_url: str = ""
    field_labels: list[str] = field(default_factory=list)


def access_log_centres(user: Any) -> QuerySet[Centre]:
    """The centres whose access log ``user`` reviews (the DPO's centres)."""
    return visible_centres(user, CentrePerm.REVIEW_ACCESS_LOG)


def access_events(*, user: Any, filters: AccessLogFilters | None = None) -> QuerySet[AccessEvent]:
    """Events ``user`` may review (see the module docstring), filtered, newest first."""
    centres = access_log_centres(user)
    staff = Membership.objects.filter(centre__in=centres).values("user_id")
    events = AccessEvent.objects.filter(Q(centre__in=centres) | Q(centre__isnull=True, user__in=staff))
    if filters is not None:
        events = _filtered(events, filters)
    return events.order_by("-at", "-pk")


def _filtered(events: QuerySet[AccessEvent], filters: AccessLogFilters) -> QuerySet[AccessEvent]:
    if filters.person:
        # A merged record's trace belongs to the survivor too.
        merged = MergeRecord.objects.filter(survivor_id=filters.person).values("merged_id")
        events = events.filter(Q(subject_id=filters.person) | Q(subject_id__in=merged))
    if filters.username:
        events = events.filter(actor=filters.username)
    if filters.date_from:
        events = events.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_start_of(filters.date_to + dt.timedelta(days=1)))
    if filters.action:
        events = events.filter(action=filters.action)
    return events


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the centre's time zone (the dates the DPO types are local)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def access_log_rows(*, user: Any, events: list[AccessEvent]) -> list[AccessLogRow]:
    """Rows for a page of events. One query finds which subjects ``user`` may open as a profile
    (none, for a DPO who does not serve beneficiaries): only those get a link."""
    person_ids = {e.subject_id for e in events if e.subject_type == BENEFICIARY and e.subject_id}
    openable = set(
        beneficiaries_visible_to(user).filter(pk__in=person_ids).values_list("pk", flat=True)
        if person_ids
        else ()
    )
    return [
        AccessLogRow(
            event=event,
            role_label=role_label(event.role),
            action_label=action_label(event.action),
            subject_label=_subject_label(event),
            subject_url=_profile_url(event.subject_id) if event.subject_id in openable else "",
            field_labels=[field_label(event.subject_type, name) for name in event.fields or []],
        )
        for event in events
    ]


def role_label(role: str) -> str:
    """``"counsellor,manager"`` -> ``"Counsellor, Centre manager"``; unknown codes as they are."""
    labels = dict(Role.choices)
    return ", ".join(str(labels.get(code, code)) for code in role.split(",") if code)


def field_label(subject_type: str, name: str) -> str:
    """A revealed field's label for a beneficiary (``documents`` -> "identity documents")."""
    if subject_type == BENEFICIARY:
        try:
            return str(Beneficiary._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            pass
    return name


def _subject_label(event: AccessEvent) -> str:
    # A short id, never a name: the DPO reviews who looked, not what they saw.
    return str(event.subject_id)[:8] if event.subject_id else ""


def _profile_url(pk: uuid.UUID) -> str:
    try:
        return reverse("beneficiary-detail", kwargs={"pk": pk})
    except NoReverseMatch:
        return ""


EXPORT_COLUMNS = (
    "at",
    "user",
    "role",
    "centre",
    "action",
    "action_label",
    "subject_type",
    "subject_id",
    "fields",
    "reason",
    "request_id",
    "ip",
)


def access_log_export_rows(events: QuerySet[AccessEvent]) -> Iterator[list[str]]:
    """The events as CSV rows, read in chunks so that memory stays flat however long the log."""
    yield neutral_row(EXPORT_COLUMNS)
    for event in events.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield neutral_row(
            [
                timezone.localtime(event.at).isoformat(),
                event.actor,
                event.role,
                str(event.centre_id or ""),
                event.action,
                action_label(event.action),
                event.subject_type,
                str(event.subject_id or ""),
                " ".join(event.fields or []),
                event.reason,
                event.request_id,
                event.ip or "",
            ]
        )
