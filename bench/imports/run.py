"""Benchmark of the spreadsheet import: a generated XLSX checked (dry run) and imported.

    .venv/bin/python bench/imports/run.py [--rows 10000] [--mode all_or_nothing|valid_rows] [--profile]

Uses DATABASE_URL if set (give it a throw-away database: the script migrates it and fills it),
else a new SQLite file under var/bench/. Runs the task bodies in this process, as the worker
would, and prints rows per second for the check and for the import.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        bench_dir = ROOT / "var" / "bench"
        bench_dir.mkdir(parents=True, exist_ok=True)
        path = bench_dir / f"imports-{os.getpid()}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        atexit.register(path.unlink, missing_ok=True)
    if not os.environ.get("KEM_ROOT_KEY") and not os.environ.get("KEM_ROOT_KEY_FILE"):
        os.environ["KEM_ROOT_KEY"] = base64.b64encode(os.urandom(32)).decode()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--mode", default="all_or_nothing", choices=["all_or_nothing", "valid_rows"])
    parser.add_argument("--profile", action="store_true", help="print the 25 costliest calls of each step")
    args = parser.parse_args()
    setup_django()

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from bench.imports.sheets import MAPPING, person_row, xlsx_bytes
    from kem import services as kem_services
    from kem.models import Beneficiary, Role
    from kem.services import imports

    if Beneficiary.objects.exists():
        sys.exit("The database already holds people: point DATABASE_URL at an empty, throw-away database.")
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="kem-bench-media-"))
    centre = kem_services.centre_create(name_el="ΚΕΜ Bench", name_en="KEM Bench", municipality="Αθήνα")
    manager = kem_services.staff_account_create(
        username=f"bench-manager-{os.getpid()}", first_name="B", last_name="M", email="", password=None
    )
    kem_services.membership_grant(centre=centre, user=manager, role=Role.MANAGER)

    started = time.perf_counter()
    sheet = xlsx_bytes([person_row(n) for n in range(args.rows)])
    print(
        f"{connection.vendor}: {args.rows} rows, XLSX of {len(sheet) // 1024} KiB made in {time.perf_counter() - started:.1f} s"
    )

    job = imports.import_upload(
        centre=centre,
        by=manager,
        upload=SimpleUploadedFile("bench.xlsx", sheet),
        file_format="xlsx",
        language="el",
    )
    job = imports.import_map(job=job, by=manager, mapping=MAPPING)
    check_s = _timed("check", lambda: imports.import_check_job(job_id=job.pk), profile=args.profile)
    job.refresh_from_db()
    assert job.valid_rows == args.rows, (job.valid_rows, job.report.get("rows", [])[:3])
    imports.import_start(job=job, by=manager, mode=args.mode)
    run_s = _timed("import", lambda: imports.import_run_job(job_id=job.pk), profile=args.profile)
    job.refresh_from_db()
    assert job.imported_rows == args.rows == Beneficiary.objects.filter(registering_centre=centre).count()
    print(f"check:  {check_s:6.1f} s  {args.rows / check_s:8.0f} rows/s")
    print(f"import: {run_s:6.1f} s  {args.rows / run_s:8.0f} rows/s  (re-checks every row, then writes)")
    print(f"total:  {check_s + run_s:6.1f} s")


def _timed(label: str, body, *, profile: bool) -> float:
    from kem.vault import key_cache

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with key_cache():
        if profiler:
            profiler.runcall(body)
        else:
            body()
    elapsed = time.perf_counter() - started
    if profiler:
        print(f"--- {label} ---")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return elapsed


if __name__ == "__main__":
    main()
