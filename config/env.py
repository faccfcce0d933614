"""Strict reading of the environment for settings.

django-environ parses URLs and lists well, but it quietly turns an unknown boolean such as
``DEBUG=maybe`` into ``False``. A back-office holding refugees' data must not start half-configured,
so every reader here raises :class:`ImproperlyConfigured` naming the variable and what it expects.
Any variable may instead be given as ``NAME_FILE`` pointing at a file (Docker and systemd secrets).
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_UNSET = object()


class Env:
    """Reads typed values from a mapping (``os.environ`` by default), failing loudly."""

    def __init__(self, environ_map: dict[str, str] | None = None) -> None:
        self._env = os.environ if environ_map is None else environ_map

    def raw(self, name: str, default: object = _UNSET) -> str | None:
        """Return the text of ``name`` or of the file named by ``name_FILE``."""
        file_var = f"{name}_FILE"
        if name in self._env and file_var in self._env:
            raise ImproperlyConfigured(f"Set either {name} or {file_var}, not both.")
        if file_var in self._env:
            path = Path(self._env[file_var])
            try:
                return path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"{file_var} points at {path}, which cannot be read: {exc.strerror}."
                ) from exc
        if name in self._env:
            return self._env[name]
        if default is _UNSET:
            raise ImproperlyConfigured(f"The environment variable {name} is required but not set.")
        return default  # type: ignore[return-value]

    def str(self, name: str, default: object = _UNSET) -> str:
        value = self.raw(name, default)
        if value is None or value == "":
            if default is _UNSET:
                raise ImproperlyConfigured(f"The environment variable {name} must not be empty.")
            return default  # type: ignore[return-value]
        return value

    def bool(self, name: str, default: bool) -> bool:
        value = self.raw(name, None)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean; use one of: true, false, 1, 0, yes, no, on, off."
        )

    def int(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self.raw(name, None)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
        return number

    def list(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self.raw(name, None)
        if value is None:
            if default is None:
                raise ImproperlyConfigured(
                    f"The environment variable {name} is required (a comma-separated list)."
                )
            return default
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.raw(name, None)
        if value is None:
            return default
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of: {', '.join(choices)}.")
        return value

    def db(self, name: str, default: object = _UNSET) -> dict:
        value = self.str(name, default)
        if isinstance(value, dict):
            return value
        scheme = value.split(":", 1)[0]
        if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
            raise ImproperlyConfigured(f"{name} must be a postgres:// or sqlite:// URL, not {scheme}://.")
        return environ.Env.db_url_config(value)

    def cache(self, name: str, default: str) -> dict:
        """A cache URL: ``redis://`` (shared between processes) or ``locmemcache://`` (in-process)."""
        value = self.str(name, default)
        scheme = value.split(":", 1)[0]
        if scheme not in {"redis", "rediss", "locmemcache"}:
            raise ImproperlyConfigured(f"{name} must be a redis:// or locmemcache:// URL, not {scheme}://.")
        return environ.Env.cache_url_config(value)

    def url(self, name: str, schemes: tuple[str, ...], default: object = _UNSET) -> str | None:
        value = self.raw(name, default)
        if value is None:
            return None
        scheme = value.split(":", 1)[0]
        if scheme not in schemes:
            raise ImproperlyConfigured(
                f"{name} must start with one of {', '.join(s + '://' for s in schemes)}."
            )
        return value
