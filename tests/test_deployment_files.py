"""docker-compose.yml and the Dockerfile cannot be run here (no Docker engine), so their shape is tested;
and the dependency locks that the image, ``make`` and CI install from."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

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
        ("web", "config/start-web"),
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


def test_the_image_installs_the_locked_dependencies_then_the_project_without_them():
    dockerfile = (ROOT / "Dockerfile").read_text()
    lock = re.search(r"^RUN pip install --no-cache-dir -r requirements/base\.txt$", dockerfile, re.MULTILINE)
    project = re.search(r"^RUN pip install --no-cache-dir --no-deps \. ", dockerfile, re.MULTILINE)
    assert lock and project and lock.start() < project.start()
    assert "COPY requirements/base.txt ./requirements/base.txt" in dockerfile


def test_the_image_compiles_the_catalogues_at_build_time_without_production_secrets(tmp_path):
    """The build has no SECRET_KEY or database: the step must not need the production settings."""
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    image_env = dict(
        re.findall(r"(\w+)=(\S+)", " ".join(re.findall(r"^ENV (.+)$", dockerfile, re.MULTILINE)))
    )
    step = re.search(r"&& ((?:\w+=\S+ )*)python manage\.py compile_catalogues", dockerfile)
    assert image_env["KEM_PROFILE"] == "production" and step
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEM_", "DJANGO_", "DATABASE_"))}
    env.pop("SECRET_KEY", None)
    env.update(image_env, KEM_VAR_DIR=str(tmp_path))
    env.update(re.findall(r"(\w+)=(\S+)", step.group(1)))

    result = subprocess.run(
        [sys.executable, "manage.py", "compile_catalogues"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr


def pins(lock: str) -> dict[str, Version]:
    text = (ROOT / "requirements" / lock).read_text()
    return {
        canonicalize_name(name): Version(version)
        for name, version in re.findall(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", text, re.MULTILINE)
    }


def declared(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return [Requirement(line) for line in lines]


@pytest.mark.parametrize(("lock", "extras"), [("base.txt", ()), ("dev.txt", ("dev",))])
def test_the_locks_pin_every_declared_dependency_within_its_bounds(lock, extras):
    """Fails when pyproject.toml changed without `make lock`."""
    locked = pins(lock)
    for requirement in declared(*extras):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements/{lock}: run make lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={locked[name]}, outside {requirement.specifier}: run make lock"
        )


def test_the_dev_lock_holds_the_production_versions():
    base, dev = pins("base.txt"), pins("dev.txt")
    assert {name: dev.get(name) for name in base} == base


def test_the_image_and_compose_start_the_web_app_with_the_script_ci_runs(compose):
    """One start command: the image's CMD, compose's web service and .ci/run's production stage."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'CMD ["config/start-web"]' in dockerfile
    assert compose["services"]["web"]["command"] == ["config/start-web"]
    script = (ROOT / "config" / "start-web").read_text()
    assert "collectstatic --noinput" in script and "gunicorn config.wsgi" in script
    assert "config/start-web" in (ROOT / ".ci" / "run").read_text()


def test_make_run_says_what_it_does_and_that_the_first_run_is_slow_before_installing():
    steps = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()

    banner = next(i for i, line in enumerate(steps) if "first run takes a couple of minutes" in line)
    first_install = next(i for i, line in enumerate(steps) if "pip" in line or "migrate" in line)
    assert banner < first_install
    assert any("serving the demo at http://" in line for line in steps)


def test_make_run_builds_partner_links_from_the_port_it_serves():
    env = {key: value for key, value in os.environ.items() if key != "KEM_SITE_URL"}
    steps = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    ).stdout

    serve = next(line for line in steps.splitlines() if "runserver" in line)
    assert "runserver 127.0.0.1:8123" in serve
    script = serve.replace(
        "runserver", "shell -c 'from django.conf import settings; print(settings.KEM_SITE_URL)' #"
    )
    shown = subprocess.run(["sh", "-c", script], cwd=ROOT, capture_output=True, text=True, env=env)
    assert shown.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8123", shown.stderr
