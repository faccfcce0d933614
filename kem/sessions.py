"""Log-in sessions: stored under a hash of their key, ended when idle or too old.

``SESSION_ENGINE = "kem.sessions"`` (the default without ``SESSION_CACHE_URL``) keeps sessions in
Django's session table with the SHA-256 of the cookie's key in the key column: the table, in a
dump or a backup, names no cookie that opens a session. With ``SESSION_CACHE_URL`` (production on
Redis) sessions are not in the database at all.

Ending sessions works the same with either store, on every device, at the session's next request:
a password change changes the hash Django's authentication keeps in each session (the one that
made the change is renewed), and a deactivated user is not loaded by the authentication backend
(the middleware then deletes the session, so reactivating the account does not bring it back).
:class:`SessionTimeoutMiddleware` ends a session idle for ``KEM_SESSION_IDLE_MINUTES`` and any
session ``KEM_SESSION_MAX_HOURS`` after its log-in.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.sessions.backends.cache import KEY_PREFIX as CACHE_KEY_PREFIX
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

LOGGED_IN_AT = "_kem_logged_in_at"
SEEN_AT = "_kem_seen_at"


def uses_cache() -> bool:
    """Whether sessions live in a cache (Redis) rather than the database."""
    return bool(settings.SESSION_ENGINE.endswith(".cache"))


def _index_key(user_pk: Any) -> str:
    return f"kem.sessions.of.{user_pk}"


def sessions_of(user_pk: Any) -> list[str]:
    """The keys of the sessions a user logged in with (cache store only: see :func:`stamp_login`)."""
    keys = caches[settings.SESSION_CACHE_ALIAS].get(_index_key(user_pk), [])
    return list(keys) if isinstance(keys, list) else []


def forget_sessions_of(user_pk: Any) -> None:
    caches[settings.SESSION_CACHE_ALIAS].delete(_index_key(user_pk))


def stored_key(session_key: str) -> str:
    """What the table holds for a session key: 40 hex digits of its SHA-256 (the column's width).

    Session keys are 32 random characters, so the hash cannot be walked back to a key."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:40]


class SessionStore(DatabaseSessionStore):
    """Django's database sessions, looked up and saved under :func:`stored_key` of the key."""

    def _get_session_from_db(self) -> Any:
        if not self.session_key:
            return None
        try:
            return self.model.objects.get(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    async def _aget_session_from_db(self) -> Any:
        if not self.session_key:
            return None
        try:
            return await self.model.objects.aget(
                session_key=stored_key(self.session_key), expire_date__gt=timezone.now()
            )
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    def exists(self, session_key: str) -> bool:
        return self.model.objects.filter(session_key=stored_key(session_key)).exists()

    async def aexists(self, session_key: str) -> bool:
        return await self.model.objects.filter(session_key=stored_key(session_key)).aexists()

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        instance = super().create_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    async def acreate_model_instance(self, data: dict[str, Any]) -> Any:
        instance = await super().acreate_model_instance(data)
        instance.session_key = stored_key(instance.session_key)
        return instance

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            self.model.objects.filter(session_key=stored_key(key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            await self.model.objects.filter(session_key=stored_key(key)).adelete()


def stamp_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in``: note when a session log-in happened (not a token log-in of the API)."""
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_KEY) != str(user.pk):
        return
    now = int(time.time())
    session[LOGGED_IN_AT] = now
    session[SEEN_AT] = now
    remember_session(user, session)


def remember_session(user: Any, session: Any) -> None:
    """Cache store only: add the session's current key to the user's list of session keys.

    A cache cannot be searched by user, so beside the sessions a list of each user's session
    keys is kept, so that every session can be ended (``end_sessions --user``, "log out on every
    other device"). Called at log-in and again whenever the key changes (the second factor's
    step renews it)."""
    if not uses_cache() or session is None:
        return
    if not session.session_key:
        session.save()
    store = caches[settings.SESSION_CACHE_ALIAS]
    keys = [key for key in sessions_of(user.pk) if store.has_key(CACHE_KEY_PREFIX + key)]
    if session.session_key not in keys:
        keys.append(session.session_key)
    store.set(_index_key(user.pk), keys, settings.SESSION_COOKIE_AGE)


class SessionTimeoutMiddleware:
    """Log out a session idle for ``KEM_SESSION_IDLE_MINUTES`` or older than ``KEM_SESSION_MAX_HOURS``.

    A session without the log-in time (made before these rules) counts as expired. The time of
    the last request is written at most once a minute, so an active session is not saved on
    every request. After a timeout the request goes on as an anonymous one: a page sends to the
    log-in page (with a message saying why), the API answers as to anybody not logged in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) is not None:
            self._check(request, session)
        if session is not None and session.get(SESSION_KEY) is not None and not request.user.is_authenticated:
            # The user was deactivated (or deleted): end the session for good, so that it does not
            # come back if the account is reactivated. (A changed password already flushes it.)
            logout(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest, session: Any) -> None:
        now = int(time.time())
        idle = settings.KEM_SESSION_IDLE_MINUTES * 60
        logged_in_at = session.get(LOGGED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if not isinstance(logged_in_at, int) or not isinstance(seen_at, int):
            expired = True
        else:
            expired = now - seen_at > idle or now - logged_in_at > settings.KEM_SESSION_MAX_HOURS * 3600
        if expired:
            logout(request)
            messages.info(request, _("Your session has ended. Please log in again."))
            return
        if now - seen_at >= min(60, idle // 10):
            session[SEEN_AT] = now
