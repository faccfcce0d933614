"""The profile timeline: everything about a person that the viewer's role may see, newest first.

Each source is a function ``(beneficiary, user) -> list[TimelineEntry]`` costing a fixed number of
queries; apps register theirs with ``kem.registry.register_timeline_source`` in ``AppConfig.ready()``. The profile page stays within a fixed
number of queries however long the timeline, because no source queries per entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kem.registry import profile_action_sources, timeline_sources
from kem.vault.errors import VaultError
from kem.vault.fields import SealedField


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # stable, dotted: "kem.beneficiary.registered", "kem.consent.given", ...
    title: str  # translated, no sealed data
    detail: str = ""
    actor: str = ""
    url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def beneficiary_timeline(*, beneficiary: Any, user: Any) -> list[TimelineEntry]:
    """Every registered source's entries for ``beneficiary``, newest first."""
    entries: list[TimelineEntry] = []
    for source in timeline_sources():
        entries.extend(source(beneficiary, user))
    return sorted(entries, key=lambda e: e.at, reverse=True)


@dataclass(frozen=True)
class ProfileAction:
    """A button on the profile that another app offers (open a case, request an interpreter…)."""

    key: str
    label: str
    url: str


def profile_actions(*, beneficiary: Any, user: Any) -> list[ProfileAction]:
    """The buttons other apps offer ``user`` on ``beneficiary``'s profile, in registration order."""
    return [action for source in profile_action_sources() for action in source(beneficiary, user)]


# --- The record's own history (django-simple-history) ------------------------------------------


def _actor_name(username: str | None, first_name: str | None, last_name: str | None) -> str:
    full = f"{first_name or ''} {last_name or ''}".strip()
    return full or username or ""


def record_history(beneficiary: Any, user: Any) -> list[TimelineEntry]:
    """'Registered by X' and 'Details changed by Y', one query; only who and when, never a value."""
    rows = beneficiary.history.order_by().values_list(
        "history_date",
        "history_type",
        "history_user__username",
        "history_user__first_name",
        "history_user__last_name",
    )
    entries = []
    for at, kind, username, first_name, last_name in rows:
        actor = _actor_name(username, first_name, last_name)
        if kind == "+":
            code = "kem.beneficiary.registered"
            title = _("Registered by %(user)s") % {"user": actor} if actor else _("Registered")
        else:
            code = "kem.beneficiary.changed"
            title = _("Details changed by %(user)s") % {"user": actor} if actor else _("Details changed")
        entries.append(TimelineEntry(at=at, kind=code, title=title, actor=actor))
    return entries


@dataclass(frozen=True)
class RecordChange:
    """One historical row of a person's record: when, by whom, and the names of what changed."""

    at: dt.datetime
    actor: str
    created: bool
    fields: list[str]


def beneficiary_changes(*, beneficiary: Any) -> list[RecordChange]:
    """Who changed what and when, newest first, naming the changed fields and never their values.

    Every save re-seals the values it was given, so comparing envelopes would call every sealed
    field changed: sealed fields are compared opened, in memory (one person key for the whole
    history), and only their names leave this function.
    """
    model = type(beneficiary)
    sealed = [f.name for f in model._meta.fields if isinstance(f, SealedField)]
    records = beneficiary.history.select_related("history_user").order_by("history_date", "history_id")
    changes: list[RecordChange] = []
    previous, previous_opened = None, None
    for record in records:
        opened = _opened(record, sealed)
        fields: list[str] = []
        if previous is not None and record.history_type != "+":
            delta = record.diff_against(previous, excluded_fields=set(sealed))
            changed = list(delta.changed_fields)
            if opened is None or previous_opened is None:
                fields.append(str(_("sealed details")))
            else:
                changed += [name for name in sealed if opened[name] != previous_opened[name]]
            fields += [str(model._meta.get_field(name).verbose_name) for name in changed]
        user = record.history_user
        changes.append(
            RecordChange(
                at=record.history_date,
                actor=_actor_name(user.username, user.first_name, user.last_name) if user else "",
                created=record.history_type == "+",
                fields=sorted(fields),
            )
        )
        previous, previous_opened = record, opened
    return changes[::-1]


def _opened(record: Any, sealed: list[str]) -> dict[str, Any] | None:
    """The plaintext of a historical row's sealed fields, or None once the person's key is shredded."""
    instance = record.instance
    try:
        return {name: getattr(instance, name) for name in sealed}
    except VaultError:
        return None
