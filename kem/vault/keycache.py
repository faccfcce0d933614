"""Unwrapped keys remembered for one request or one task, never longer.

A context variable holds a plain dict while a request (``KeyCacheMiddleware``) or a
``with key_cache():`` block runs; outside one, nothing is remembered across records. Keys are
never put into Django's cache, sessions or task arguments.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_current: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "kem_vault_key_cache", default=None
)


@contextmanager
def key_cache() -> Iterator[None]:
    """Remember unwrapped keys inside the block (a task, a command); forget them after it."""
    token = _current.set({})
    try:
        yield
    finally:
        cache = _current.get()
        if cache is not None:
            cache.clear()
        _current.reset(token)


def remembered(cache_key: Any, load: Callable[[], Any]) -> Any:
    """Return the cached value for ``cache_key`` in this request, loading it once if needed."""
    cache = _current.get()
    if cache is None:
        return load()
    if cache_key not in cache:
        cache[cache_key] = load()
    return cache[cache_key]


def remember(cache_key: Any, value: Any) -> None:
    cache = _current.get()
    if cache is not None:
        cache[cache_key] = value


def peek(cache_key: Any) -> Any:
    cache = _current.get()
    return None if cache is None else cache.get(cache_key)


def forget(cache_key: Any) -> None:
    cache = _current.get()
    if cache is not None:
        cache.pop(cache_key, None)


class KeyCacheMiddleware:
    """Give every request its own empty key cache and clear it when the response is made."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        with key_cache():
            return self.get_response(request)
