"""A real Celery worker process on a real broker, for tests marked ``worker``.

The worker runs in its own process against the same test database, so these tests need a
database that two processes can share (PostgreSQL) and a broker (``KEM_TEST_BROKER_URL``, Redis).
``.ci/run`` provides both; elsewhere the tests are skipped with the reason shown.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import pytest
from django.db import connection

from config.celery import app
from tests.conftest import TEST_ROOT_KEY

ROOT = Path(__file__).resolve().parent.parent


def broker_url() -> str:
    url = os.environ.get("KEM_TEST_BROKER_URL", "")
    if not url:
        pytest.skip("needs a real broker: set KEM_TEST_BROKER_URL (e.g. redis://127.0.0.1:6379/15)")
    return url


def require_shared_database() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker process shares the test database only on PostgreSQL")


def _database_url() -> str:
    s = connection.settings_dict
    user = s.get("USER") or "postgres"
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


@contextmanager
def running_worker(tmp_path: Path) -> Iterator[subprocess.Popen]:
    """Start ``celery worker`` on the test database and broker; point this process's app at them."""
    broker = broker_url()
    require_shared_database()
    results = broker.rsplit("/", 1)[0] + "/14"
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": results,
            "KEM_VAR_DIR": str(tmp_path),
            "KEM_ROOT_KEY": TEST_ROOT_KEY,
        }
    )
    queue = f"kem-test-{os.getpid()}-{time.monotonic_ns()}"
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-l",
            "INFO",
            "-n",
            f"test-{os.getpid()}@%h",
            # A queue of this test run's own: a worker left over from another run (killed CI,
            # another checkout) on the same Redis database cannot take these tasks.
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    }
    try:
        app.conf.update(
            broker_url=broker, result_backend=results, task_always_eager=False, task_default_queue=queue
        )
        # The app caches its result backend on first use; an eager task earlier in this process
        # would otherwise leave it on "no backend" and result.get() would fail.
        _forget_app_caches()
        _wait_until_ready(process, tmp_path / "worker.log")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        app.conf.update(**saved)
        _forget_app_caches()
        # Close this process's broker connections and forget the closed pools, so that the next
        # test using a worker builds fresh ones instead of failing with "Acquire on closed pool".
        app.pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        kombu.pools.reset()


def _forget_app_caches() -> None:
    # Celery keeps it in _backend_cache (thread-safe backends) or on the thread-local _local;
    # the queues and routes are cached on app.amqp, rebuilt from the configuration when dropped.
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)
    app.__dict__.pop("amqp", None)


def _wait_until_ready(process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the worker exited:\n" + log_path.read_text())
        if "ready." in log_path.read_text():
            return
        time.sleep(0.3)
    raise RuntimeError("the worker did not become ready:\n" + log_path.read_text())


def wait_for_log(log_path: Path, needle: str, timeout: float = 10) -> str:
    """The worker's log once it holds ``needle`` (the worker logs just after storing a result)."""
    deadline = time.monotonic() + timeout
    text = log_path.read_text()
    while needle not in text and time.monotonic() < deadline:
        time.sleep(0.2)
        text = log_path.read_text()
    return text


def wait_for_download(job, timeout: float = 90):
    """The download job once the worker has finished it (built or failed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_done:
            return job
        time.sleep(0.3)
    raise AssertionError(f"the download job is still {job.status} at {job.progress}%")
