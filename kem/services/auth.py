"""Writes around log-in: lock-outs into the access log, unlocking staff, revoking API tokens.

Lock-out itself is django-axes' (:mod:`kem.lockout`); this module records it and lets a centre's
manager lift it. API tokens are django-rest-knox's: only their hash is stored, each expires, and
changing a user's password or deactivating the user revokes every token they hold.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from knox.models import AuthToken

from kem import lockout, sessions
from kem.models import Centre, Membership
from kem.permissions import CentrePerm, may
from kem.services.access_log import access_record

LOCKED_OUT = "kem.auth.locked_out"
UNLOCKED = "kem.auth.unlocked"


class NotAllowed(Exception):
    """The user may not do this at that centre."""


def lockout_record(sender: Any, *, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    """``axes.signals.user_locked_out``: one access event when an account or address is locked.

    Refused attempts during the lock-out do not add events (axes sends the signal for them too,
    without counting them). The account is named only when it exists: a name typed by a
    stranger is not kept. The event has no centre: the data-protection officers of every centre
    where the account works see it (kem.selectors.access_log).
    """
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    user = get_user_model().objects.filter(username=username).first() if username else None
    access_record(
        user=user,
        actor=user.get_username() if user is not None else "anonymous",
        action=LOCKED_OUT,
        subject_type="auth.user",
        request=request,
    )


@transaction.atomic
def staff_unlock(*, centre: Centre, user: Any, by: Any, request: HttpRequest | None = None) -> int:
    """Let ``user``, a member of ``centre``'s staff, log in again now; ``by`` manages its staff.

    Returns how many recorded failures were forgotten (0: the user was not locked out). The
    unlock is an access event at the centre, naming the account unlocked.
    """
    if not may(by, CentrePerm.MANAGE_STAFF, centre):
        raise NotAllowed
    if not Membership.objects.filter(centre=centre, user=user, active=True).exists():
        raise NotAllowed
    forgotten = lockout.unlock(user.get_username())
    access_record(
        user=by,
        action=UNLOCKED,
        subject_type="auth.user",
        fields=[user.get_username()],
        centre=centre,
        request=request,
    )
    return forgotten


def tokens_revoke_on_credentials_change(
    sender: Any, *, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """``pre_save`` of the user: a new password or a deactivation revokes every API token.

    (Sessions need nothing here: see :mod:`kem.sessions`.)"""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password or (before["is_active"] and not instance.is_active):
        AuthToken.objects.filter(user_id=instance.pk).delete()


def sessions_end(*, user: Any = None, keep: str | None = None) -> tuple[int, int]:
    """End every session and revoke every API token of ``user``, or of everybody (``user=None``);
    ``keep`` names one session key of ``user`` that goes on (the one asking, on its own page).

    Returns (sessions ended, tokens revoked). Database sessions are found by reading each one;
    cached ones (Redis) through the list of keys kept at log-in, or, for everybody, by emptying
    the sessions' own cache (``SESSION_CACHE_URL`` names a Redis database for sessions alone).
    """
    tokens = AuthToken.objects.all() if user is None else AuthToken.objects.filter(user=user)
    revoked, _ = tokens.delete()
    engine = import_module(settings.SESSION_ENGINE)
    if sessions.uses_cache():
        if user is None:
            caches[settings.SESSION_CACHE_ALIAS].clear()
            return -1, int(revoked)
        keys = [key for key in sessions.sessions_of(user.pk) if key != keep]
        for key in keys:
            engine.SessionStore(key).delete()
        sessions.forget_sessions_of(user.pk)
        if keep:
            sessions.remember_session(user, engine.SessionStore(keep))
        return len(keys), int(revoked)
    if user is None:
        ended, _ = Session.objects.all().delete()
        return int(ended), int(revoked)
    decoder = engine.SessionStore()
    kept = {keep, sessions.stored_key(keep)} if keep else set()
    mine = [
        row.pk
        for row in Session.objects.iterator(chunk_size=1000)
        if row.pk not in kept and decoder.decode(row.session_data).get(SESSION_KEY) == str(user.pk)
    ]
    ended, _ = Session.objects.filter(pk__in=mine).delete()
    return int(ended), int(revoked)


def api_tokens_expired_delete() -> int:
    """Delete API tokens past their expiry (daily); returns how many went."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return int(deleted)
