"""Settings come from the environment and stop the start, naming the variable, when it is wrong."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import Env

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "KEM_PROFILE": "production",
    "SECRET_KEY": "q8Z3k1Lr0VxF2sYpT7mWc9bN4hJ6gD5aE1uR8iO3pK2lM7nB0vC",
    "ALLOWED_HOSTS": "kem.example.gr",
    "DATABASE_URL": "postgres://kem:kem@127.0.0.1:5432/kem",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "KEM_SITE_URL": "https://kem.example.gr",
}


def run_django(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """Start a fresh interpreter with exactly this environment (settings are read once per process)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KEM_", "DJANGO_", "DATABASE_"))}
    clean.pop("DEBUG", None)
    clean.pop("SECRET_KEY", None)
    clean.pop("CELERY_BROKER_URL", None)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def production_env(**overrides: str) -> dict[str, str]:
    env = dict(PRODUCTION_ENV)
    env.update(_vault_env())
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _vault_env() -> dict[str, str]:
    # Production also needs the vault's root key (a fixed, test-only value).
    return {"KEM_ROOT_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}


@pytest.mark.parametrize("value", ["maybe", "yes please", "2"])
def test_a_word_that_is_not_a_boolean_stops_the_start(value):
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        Env({"DEBUG": value}).bool("DEBUG", False)


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("0", False), ("On", True), ("no", False)])
def test_booleans_are_read(value, expected):
    assert Env({"DEBUG": value}).bool("DEBUG", not expected) is expected


def test_a_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")

    assert Env({"SECRET_KEY_FILE": str(secret)}).str("SECRET_KEY") == "from-a-file"


def test_an_unreadable_secret_file_names_the_variable(tmp_path):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FILE"):
        Env({"SECRET_KEY_FILE": str(tmp_path / "missing")}).str("SECRET_KEY")


def test_a_database_url_of_another_kind_is_refused():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        Env({"DATABASE_URL": "mysql://x@y/z"}).db("DATABASE_URL")


def test_check_deploy_has_no_warnings_with_the_production_environment():
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "KEM_SITE_URL"]
)
def test_a_missing_production_variable_stops_the_start_naming_it(missing):
    env = production_env()
    del env[missing]

    result = run_django(["check"], env)

    assert result.returncode != 0
    assert missing in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_debug_maybe_stops_the_start_naming_it():
    result = run_django(["check"], production_env(DEBUG="maybe"))

    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_a_short_secret_key_is_refused_in_production():
    result = run_django(["check"], production_env(SECRET_KEY="short"))

    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50" in result.stderr


def test_demo_mode_is_refused_in_production():
    result = run_django(["check"], production_env(KEM_DEMO_MODE="true"))

    assert result.returncode != 0
    assert "KEM_DEMO_MODE" in result.stderr


def test_the_embedded_default_needs_no_environment(tmp_path):
    result = run_django(["check"], {"KEM_VAR_DIR": str(tmp_path)})

    assert result.returncode == 0, result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    settings_source = (ROOT / "config" / "settings.py").read_text()
    example_source = (ROOT / ".env.example").read_text()

    read = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example_source, flags=re.MULTILINE))

    assert len(read) > 10
    assert read - listed == set(), f"missing from .env.example: {sorted(read - listed)}"
