"""How every service of every app saves a record: validated, with a history row naming who did it.

Call these inside the service's own transaction (``@transaction.atomic``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import User

M = TypeVar("M", bound=models.Model)


def record_save(
    obj: M,
    *,
    by: User | None,
    reason: str | None = None,
    exclude: Collection[str] | None = None,
    update_fields: Collection[str] | None = None,
    validate: bool = True,
) -> M:
    """Validate ``obj`` (``full_clean``, leaving out the fields in ``exclude``) and save it; its
    history row names ``by`` and, if given, ``reason`` (simple-history's change reason).

    ``validate=False`` is for a caller whose database constraints are the check, such as a merge
    that moves records as they are and reports the conflicts the database refuses.
    """
    if validate:
        obj.full_clean(exclude=exclude)
    set_history_user(obj, by)
    if reason is not None:
        setattr(obj, "_change_reason", reason)  # noqa: B010 - simple-history's attribute, not the model's
    obj.save(update_fields=update_fields)
    return obj


def set_history_user(obj: models.Model, by: User | None) -> None:
    """Name ``by`` as the author of the history row ``obj``'s next save or delete writes
    (django-simple-history reads ``_history_user``; None leaves it to the request, if any)."""
    setattr(obj, "_history_user", by)  # noqa: B010 - simple-history's attribute, not the model's


def record_deactivate(obj: M, *, by: User, already_inactive: str) -> M:
    """Switch off ``obj``'s ``active`` flag on its row, locked until the transaction ends.

    Nothing that points at the record changes: it is only no longer offered. Refused with
    ``already_inactive`` as the message (code ``already_inactive``) when it is off already.
    """
    locked: Any = type(obj)._default_manager.select_for_update().get(pk=obj.pk)  # a model with ``active``
    if not locked.active:
        raise ValidationError(already_inactive, code="already_inactive")
    locked.active = False
    saved: M = record_save(locked, by=by)
    return saved
