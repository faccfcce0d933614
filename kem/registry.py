"""What other apps contribute to kem's pages, registered once, in each app's ``AppConfig.ready()``.

kem sits below cases, courses, referrals and reports and never imports them; where one of its
pages shows something of theirs (the label of an access-log action, a button on a profile, a
block on a home panel, entries of a person's timeline, a kind of download, a part of the demo),
the app registers it here at start-up. Nothing registers at import time, so importing a module
never changes what a page shows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Human labels of the dotted access-log actions; the access-log page shows the code for any other.
_ACTION_LABELS: dict[str, Any] = {}


def register_action_labels(labels: Mapping[str, Any]) -> None:
    """Name the access-log actions an app records (``{"cases.session.read": _("Read …")}``).

    A code is registered once: two apps naming one code differently would be a mistake.
    """
    for code, label in labels.items():
        known = _ACTION_LABELS.get(code)
        if known is not None and known != label:
            raise ValueError(f"access-log action {code!r} is registered twice with different labels")
        _ACTION_LABELS[code] = label


def action_label(action: str) -> str:
    """The human label of a dotted action, or the code itself when it is not a known one."""
    label = _ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def action_labels() -> dict[str, str]:
    """Every registered action and its label in the active language (for the access log's filter)."""
    return {code: str(label) for code, label in _ACTION_LABELS.items()}


# --- files made in the background ----------------------------------------------------------------
# A builder is ``build(job, progress) -> (filename, content type, stored name)``; kem names the kinds
# of download (``DownloadKind``), the app that makes each kind registers its builder.
_DOWNLOAD_BUILDERS: dict[str, Callable[..., tuple[str, str, str]]] = {}


def register_download_builder(kind: str, builder: Callable[..., tuple[str, str, str]]) -> None:
    """Say which function makes the downloads of ``kind`` (a ``DownloadKind`` value)."""
    if _DOWNLOAD_BUILDERS.get(kind, builder) is not builder:
        raise ValueError(f"download kind {kind!r} already has a builder")
    _DOWNLOAD_BUILDERS[kind] = builder


def download_builder(kind: str) -> Callable[..., tuple[str, str, str]]:
    """The registered builder of ``kind``; a ``LookupError`` names a kind no app makes."""
    try:
        return _DOWNLOAD_BUILDERS[kind]
    except KeyError:
        raise LookupError(f"no app makes downloads of kind {kind!r}") from None


# --- files that hold a person ---------------------------------------------------------------------
# A source is ``files_of(beneficiary) -> iterable of DownloadJob`` whose kept file may hold the
# person (a batch of certificates of a class they were in); erasing the person deletes those files.
_PERSON_FILE_SOURCES: list[Callable[[Any], Any]] = []


def register_person_files(source: Callable[[Any], Any]) -> None:
    """Say where an app's background files may hold a person (``kem.services.erasure`` asks)."""
    if all(existing is not source for existing in _PERSON_FILE_SOURCES):
        _PERSON_FILE_SOURCES.append(source)


def person_file_sources() -> list[Callable[[Any], Any]]:
    return list(_PERSON_FILE_SOURCES)


# --- the demo ------------------------------------------------------------------------------------
# ``seed(*, centre, key, users, seed)``: ``users`` maps the demo's login names at that centre
# ("manager", "teacher", "frontdesk", "social", …) to their users; each seeder is idempotent.
_DEMO_SEEDERS: list[tuple[int, Callable[..., None]]] = []


def register_demo_seeder(seeder: Callable[..., None], *, order: int) -> None:
    """Add an app's part of the demo; ``seed_demo`` runs the parts by ``order``, centre by centre."""
    if all(existing is not seeder for _order, existing in _DEMO_SEEDERS):
        _DEMO_SEEDERS.append((order, seeder))
        _DEMO_SEEDERS.sort(key=lambda item: item[0])


def demo_seeders() -> list[Callable[..., None]]:
    return [seeder for _order, seeder in _DEMO_SEEDERS]


# --- home panels ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HomePart:
    """A block an app adds to the home page: ``source(*, centre, user) -> PanelPart | None``.

    Shown once per centre where the user holds ``perm``: in the panel of the first role of
    ``panels`` the user holds there, else in their first panel of that centre (or a panel of
    the centre alone, when permissions were granted by hand without a role). The source may
    still return None (nothing to show); it must cost a fixed number of queries.
    """

    source: Callable[..., Any]
    perm: str
    panels: tuple[str, ...]


_HOME_PARTS: list[HomePart] = []


def register_home_part(source: Callable[..., Any], *, perm: str, panels: Sequence[str]) -> None:
    if all(part.source is not source for part in _HOME_PARTS):
        _HOME_PARTS.append(HomePart(source=source, perm=perm, panels=tuple(panels)))


def home_parts_by_panel(roles: Sequence[str], perms: frozenset[str]) -> dict[str, list[HomePart]]:
    """Where each registered part goes at one centre: panel (a role, or "" for the centre's own
    panel) -> parts, in registration order. ``roles`` are the roles held there, in panel order."""
    placed: dict[str, list[HomePart]] = {}
    for part in _HOME_PARTS:
        if part.perm not in perms:
            continue
        panel = next((role for role in part.panels if role in roles), roles[0] if roles else "")
        placed.setdefault(panel, []).append(part)
    return placed


# --- the profile: timeline sources and buttons ----------------------------------------------------
# A timeline source is ``source(beneficiary, user) -> [TimelineEntry]``; a profile-action source is
# ``source(beneficiary, user) -> [ProfileAction]`` (kem.selectors.timeline). Each costs a fixed
# number of queries, so the profile stays within a fixed number whatever the person's history.
_TIMELINE_SOURCES: list[Callable[..., Any]] = []
_PROFILE_ACTION_SOURCES: list[Callable[..., Any]] = []


def register_timeline_source(source: Callable[..., Any]) -> None:
    if source not in _TIMELINE_SOURCES:
        _TIMELINE_SOURCES.append(source)


def timeline_sources() -> list[Callable[..., Any]]:
    return list(_TIMELINE_SOURCES)


def register_profile_actions(source: Callable[..., Any]) -> None:
    if source not in _PROFILE_ACTION_SOURCES:
        _PROFILE_ACTION_SOURCES.append(source)


def profile_action_sources() -> list[Callable[..., Any]]:
    return list(_PROFILE_ACTION_SOURCES)


# --- merging two records of one person: records that cannot both stay ------------------------------
# When both records of a person hold a record that a unique constraint allows only once per person
# (both enrolled in one class, both with an open case of one area), the merge keeps one and
# retires the other. The app that owns the model says how (kem.selectors.merge reads the rule).


@dataclass(frozen=True)
class MergeRule:
    """How two clashing records of one kind become one.

    ``rank(record, children)`` -> a comparable value, the higher is kept (ties keep the surviving
    record's); ``children`` counts the records pointing at it, by model label (``"cases.session"``).
    ``why`` says the rule in words for the manager. ``about(record)`` names what the two share
    (the class, the service area). ``absorb(kept, dropped)`` copies onto the kept record what only
    the dropped one had and returns the changed field names (it does not save). ``retire(dropped,
    *, by, reason)`` ends the dropped record once its children have moved to the kept one; None
    deletes it. ``keeps_dropped`` says that ``retire`` leaves the row in place (it then moves to
    the surviving person like any other record).
    """

    rank: Callable[[Any, Mapping[str, int]], Any]
    why: Any
    about: Callable[[Any], str] = str
    absorb: Callable[[Any, Any], list[str]] | None = None
    retire: Callable[..., None] | None = None
    keeps_dropped: bool = False


_MERGE_RULES: dict[str, MergeRule] = {}


def register_merge_rule(label: str, rule: MergeRule) -> None:
    """Say how two clashing records of the model ``label`` (``"courses.enrolment"``) become one."""
    if _MERGE_RULES.get(label, rule) != rule:
        raise ValueError(f"model {label!r} already has a merge rule")
    _MERGE_RULES[label] = rule


def merge_rule(label: str) -> MergeRule | None:
    return _MERGE_RULES.get(label)
