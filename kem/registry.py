"""What other apps contribute to kem's pages, registered once, in each app's ``AppConfig.ready()``.

kem sits below cases, courses, referrals and reports and never imports them; where one of its
pages shows something of theirs (the label of an access-log action, a button on a profile, a
block on a home panel, entries of a person's timeline), the app registers it here at start-up.
Nothing registers at import time, so importing a module never changes what a page shows.
"""

from __future__ import annotations

from collections.abc import Mapping
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
