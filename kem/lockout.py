"""Lock-out after repeated wrong passwords, per account and per address (django-axes).

Every password check goes through ``django.contrib.auth.authenticate`` with the request, and
axes' backend (first in ``AUTHENTICATION_BACKENDS``) refuses it while the account or the address
is locked out: the log-in page, the admin's and the API's token log-in alike. An account is
locked after ``KEM_LOGIN_FAILURE_LIMIT`` failures, an address after
``KEM_LOGIN_ADDRESS_FAILURE_LIMIT`` failures for any accounts (a centre's staff may share one
address), both within and for ``KEM_LOCKOUT_MINUTES``. The address is read by
:func:`kem.services.access_log.client_ip` alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

# The status of a refused log-in while locked out (Too Many Requests), page and API alike.
LOCKED_STATUS = 429


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for the address.

    Axes compares one count with one limit (``AXES_FAILURE_LIMIT``, the account's); the count
    of an address is scaled so that it reaches that limit exactly at the address's own limit.
    The attempts are listed in the order of ``AXES_LOCKOUT_PARAMETERS``: account, then address.
    """

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        account_limit = settings.KEM_LOGIN_FAILURE_LIMIT
        address_limit = settings.KEM_LOGIN_ADDRESS_FAILURE_LIMIT
        return int(max(by_account, by_address * account_limit // address_limit))

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """After a successful log-in, forget that account's failures only.

        Axes would also forget every failure from the address: then anybody with one account could
        lift the lock-out of the others by logging in from the same place.
        """
        username = get_client_username(request, credentials)
        return unlock(username) if username else 0


def locked_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of ``usernames`` are locked out now (one query), for the staff page."""
    names = list(usernames)
    if not names:
        return set()
    rows = (
        AccessAttempt.objects.filter(
            username__in=names, attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
        )
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
    )
    return {row["username"] for row in rows if row["failures"] >= settings.KEM_LOGIN_FAILURE_LIMIT}


def unlock(username: str) -> int:
    """Forget the failed attempts on ``username`` (from any address); returns how many rows went.

    The address count of those attempts goes with them, so the person can log in again from
    the address where the wrong passwords were typed.
    """
    deleted, _ = AccessAttempt.objects.filter(username=username).delete()
    return int(deleted)


def lockout_message() -> str:
    """What a locked-out person reads; it says neither whether the password was right nor which
    of the account and the address is locked."""
    return _(
        "Too many wrong passwords: this account or this address is locked for %(minutes)d minutes. "
        "Your centre's manager can unlock your account sooner."
    ) % {"minutes": settings.KEM_LOCKOUT_MINUTES}
