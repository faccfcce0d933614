"""Caching of computed (raw, unprotected) statistics tables in Django's cache.

A report over a *closed* period (its end before today) is cached for
``KEM_STATISTICS_CACHE_SECONDS``; one over a period still running for the much shorter
``KEM_STATISTICS_OPEN_CACHE_SECONDS`` (0 turns either off). Keys name the kind of report, the
scope, its parameters, the language (labels are translated when a table is made) and the *data
version* of every centre in the scope.

Invalidation. A closed period changes only through a back-dated entry or an edit of an old
record (a session recorded for last month, a referral's answer, a person's categories, a class's
result). ``post_save``/``post_delete`` receivers on the activity models bump the data version of
the centre concerned when the record's date lies before today (or, for a beneficiary, whenever an
existing record changes: their categories are in every past breakdown), after the transaction
commits; centre and language names bump every centre. Writes that send no signals (bulk creates
and ``QuerySet.update()``, e.g. attendance sheets, which are saved in bulk and so not watched
one mark at a time, or appointments cancelled in one UPDATE) are covered by the bounded
lifetime of each entry: a closed period's figures can be at most
``KEM_STATISTICS_CACHE_SECONDS`` behind such a write.

Raw tables hold counts and category labels only, never a person; they are protected when
published, after the cache (the threshold and rounding are the reader's choice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import get_language

from reports.types import Scope

logger = logging.getLogger(__name__)

PREFIX = "kem:statistics"
EVERY_CENTRE = "all"
T = TypeVar("T")


def _version_key(centre: int | str) -> str:
    return f"{PREFIX}:version:{centre}"


def versions(centre_ids: Iterable[int]) -> tuple[int, ...]:
    """The data versions of ``centre_ids`` and of "every centre", in that order."""
    keys = [_version_key(pk) for pk in centre_ids] + [_version_key(EVERY_CENTRE)]
    found = cache.get_many(keys)
    return tuple(int(found.get(key, 0)) for key in keys)


def bump(centre_ids: Iterable[int | str]) -> None:
    """Invalidate every cached report of ``centre_ids`` (``EVERY_CENTRE`` for all)."""
    for pk in set(centre_ids):
        key = _version_key(pk)
        try:
            cache.add(key, 0, timeout=None)
            cache.incr(key)
        except Exception:  # a cache that is down must not fail the write that changed data
            logger.warning("Could not invalidate cached statistics (centre %s).", pk, exc_info=True)


def cached(kind: str, scope: Scope, compute: Callable[[], T], **params: Any) -> T:
    """``compute()``'s result for ``kind`` and ``scope``, from the cache when it is there."""
    closed = scope.end < timezone.localdate()
    timeout = settings.KEM_STATISTICS_CACHE_SECONDS if closed else settings.KEM_STATISTICS_OPEN_CACHE_SECONDS
    if timeout <= 0:
        return compute()
    # The versions are read before computing: data written meanwhile bumps them, so a result
    # that may have missed it is stored under the old key and never read again.
    parts = (kind, scope.centre_ids, scope.start, scope.end, sorted(params.items()), get_language())
    digest = hashlib.sha256(repr((parts, versions(scope.centre_ids))).encode()).hexdigest()
    key = f"{PREFIX}:{kind}:{digest}"
    try:
        found = cache.get(key)
    except Exception:
        logger.warning("Could not read cached statistics.", exc_info=True)
        found = None
    if found is not None:
        return found
    value = compute()
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        logger.warning("Could not cache statistics.", exc_info=True)
    return value


# --- invalidation ----------------------------------------------------------------------------


def _local_day(value: dt.datetime | dt.date | None) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _beneficiary(obj: Any, created: bool) -> tuple[list[int | str], dt.date | None]:
    # A new record dated today changes no closed period. An edit may change categories, and a
    # person is counted at every centre where something happened to them, not only where they
    # registered: every centre's reports.
    if created:
        return [obj.registering_centre_id], obj.registration_date
    return [EVERY_CENTRE], None


def _with_centre(centre: Callable[[Any], int], day: Callable[[Any], Any]):
    def spec(obj: Any, created: bool) -> tuple[list[int], dt.date | None]:
        return [centre(obj)], _local_day(day(obj))

    return spec


def _enrolment_day(obj: Any) -> dt.date | None:
    days = [_local_day(obj.enrolled_at), _local_day(obj.waitlisted_at), obj.course_class.start_date]
    days = [day for day in days if day is not None]
    return min(days) if days else None


# model label -> (obj, created) -> (centre ids, the record's date; None = always bump)
WATCHED: dict[str, Callable[[Any, bool], tuple[list[int], dt.date | None]]] = {
    "kem.Beneficiary": _beneficiary,
    "cases.Case": _with_centre(lambda o: o.centre_id, lambda o: o.opened_on),
    "cases.Session": _with_centre(lambda o: o.case.centre_id, lambda o: o.starts_at),
    "cases.InterpreterRequest": _with_centre(lambda o: o.centre_id, lambda o: o.starts_at),
    "cases.EmploymentOutcome": _with_centre(lambda o: o.case.centre_id, lambda o: o.achieved_on),
    "referrals.Referral": _with_centre(lambda o: o.centre_id, lambda o: o.sent_at or o.created_at),
    "courses.CourseClass": _with_centre(lambda o: o.centre_id, lambda o: o.start_date),
    "courses.Lesson": _with_centre(lambda o: o.course_class.centre_id, lambda o: o.date),
    "courses.Enrolment": _with_centre(lambda o: o.course_class.centre_id, _enrolment_day),
    "courses.Certificate": _with_centre(lambda o: o.enrolment.course_class.centre_id, lambda o: o.issued_on),
}
# Names that appear as labels in every centre's tables.
LABELS = ("kem.Centre", "cases.Language")


def _changed(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    label = sender._meta.label
    if label in LABELS:
        centres: list[int | str] = [EVERY_CENTRE]
    else:
        try:
            ids, day = WATCHED[label](instance, created)
        except ObjectDoesNotExist:  # a parent deleted in the same cascade: say "every centre"
            ids, day = [EVERY_CENTRE], None
        if day is not None and day >= timezone.localdate():
            return
        centres = list(ids)
    transaction.on_commit(lambda: bump(centres), robust=True)


def connect_signals() -> None:
    """Watch the activity models (``ReportsConfig.ready``): a back-dated write bumps its centre."""
    for label in (*WATCHED, *LABELS):
        post_save.connect(_changed, sender=label, dispatch_uid=f"reports.cache.save.{label}")
        post_delete.connect(_changed, sender=label, dispatch_uid=f"reports.cache.delete.{label}")
