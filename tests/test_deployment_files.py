"""docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so their shape is tested."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgres_redis_web_worker_and_beat(compose):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose["services"])


@pytest.mark.parametrize("service", ["postgres", "redis", "web", "worker"])
def test_long_running_services_have_health_checks(compose, service):
    assert compose["services"][service]["healthcheck"]["test"]


def test_data_lives_in_named_volumes(compose):
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    assert {"pgdata", "redisdata", "media", "beat"} <= set(compose["volumes"])


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("web", "gunicorn config.wsgi"),
        ("worker", "celery -A config worker"),
        ("beat", "celery -A config beat"),
        ("migrate", "manage.py migrate"),
    ],
)
def test_each_app_service_runs_its_command(compose, service, expected):
    command = compose["services"][service]["command"]
    assert expected in (command if isinstance(command, str) else " ".join(command))


@pytest.mark.parametrize("service", ["web", "worker", "beat", "migrate"])
def test_app_services_get_the_production_environment(compose, service):
    spec = compose["services"][service]
    assert spec["env_file"] == ".env"
    env = spec["environment"]
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379")
    assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_web_waits_for_migrations(compose):
    assert (
        compose["services"]["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    )


def test_the_image_holds_every_app_and_runs_as_a_plain_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for folder in ["config", "kem", "cases", "courses", "referrals", "locale"]:
        assert re.search(rf"^COPY {folder} \./{folder}$", dockerfile, re.MULTILINE), folder
    assert "KEM_PROFILE=production" in dockerfile
    assert re.search(r"^USER kem$", dockerfile, re.MULTILINE)
    assert "compile_catalogues" in dockerfile
