"""Backups that keep keys apart from data, and a restore that rebuilds the blind index.

A **data backup** holds every table but no key material and no blind-index entries: the tables
``kem_vault_personkey``, ``kem_vault_indexkey``, ``kem_vault_pseudonymkey``,
``kem_vault_blindindexentry`` and ``kem_vault_indextally`` are there empty. A **key backup** holds
only the person, index and pseudonym keys, wrapped under the root key as they are in the database. The two are written to different folders with different retention
(``KEM_BACKUP_DAYS``, ``KEM_KEY_BACKUP_DAYS``): shredding a person destroys their key in the
database, and once every key backup older than the shredding has been deleted nothing opens
their data, whatever data backups are kept. docs/OPERATIONS.md says how to run both.

**Restore** = the data backup, then the key backup chosen (normally the keys of the database
being replaced, ``current``, so that people erased since the data backup stay erased), then the
constraints, then a new blind index made from the sealed data (each person opened with their key).
People in the data whose key is not in the key backup get a shredded key (they cannot be
opened, as after an erasure); the foreign keys on ``person_key`` are created after the keys are
in and checked to exist.

PostgreSQL: ``pg_dump``/``pg_restore``, custom format, the restore in sections (pre-data, data,
keys, post-data). SQLite (the embedded default): Python's ``sqlite3`` backup API into an
in-memory copy from which key and index rows are deleted (``secure_delete``, then ``VACUUM``, so
no freed page still holds them) before it is written out; the key backup is a small SQLite file
with the two key tables.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from kem.models import DownloadJob, DownloadStatus, ImportJob, ImportStatus
from kem.vault import blind, key_cache
from kem.vault.models import BlindIndexEntry, IndexKey, IndexTally, PersonKey, PseudonymKey
from kem.vault.rotation import person_models

# The pseudonym key links special-category facts to people: it is key material like the others.
KEY_TABLES = (PersonKey._meta.db_table, IndexKey._meta.db_table, PseudonymKey._meta.db_table)
# The blind index and its sealed tallies are rebuilt from the sealed data on restore.
INDEX_TABLES = (BlindIndexEntry._meta.db_table, IndexTally._meta.db_table)
DATA_PREFIX = "kem-data-"
KEYS_PREFIX = "kem-keys-"
_STAMP = "%Y%m%dT%H%M%S%fZ"
_NAME = re.compile(r"^kem-(?:data|keys)-(\d{8}T\d{12}Z)")
REBUILD_BATCH = 500


class BackupError(Exception):
    """A backup or restore step failed; the message says which and why (never a value)."""


@dataclass(frozen=True)
class Backup:
    data: Path
    keys: Path
    pruned: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Restored:
    keys_from: Path
    people: int
    erased: int  # people who cannot be opened: erased, or without a key in the key backup
    without_key: int  # of those, people whose key the key backup did not hold
    indexed: int


def _suffix() -> str:
    return ".dump" if connection.vendor == "postgresql" else ".sqlite3"


def _new_path(folder: Path, prefix: str, now: dt.datetime, tail: str = "") -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"{prefix}{now.astimezone(dt.UTC).strftime(_STAMP)}{tail}{_suffix()}"


def _private_file(path: Path) -> int:
    """A new owner-only file (a backup holds personal data, sealed, and keys, wrapped)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


# --- making backups ---------------------------------------------------------------------------------
def backup(
    *, data_dir: Path | None = None, keys_dir: Path | None = None, now: dt.datetime | None = None
) -> Backup:
    """Write a data backup, then a key backup (so every person in the data has a key in it), and
    delete backups older than their retention. Returns the paths."""
    now = now or timezone.now()
    data_dir = Path(data_dir or settings.KEM_BACKUP_DIR)
    keys_dir = Path(keys_dir or settings.KEM_KEY_BACKUP_DIR)
    data_path = _new_path(data_dir, DATA_PREFIX, now)
    _write(data_path, _pg_dump_data if connection.vendor == "postgresql" else _sqlite_dump_data)
    keys_path = backup_keys(keys_dir=keys_dir, now=now)
    pruned = prune(data_dir, DATA_PREFIX, days=settings.KEM_BACKUP_DAYS, now=now)
    pruned += prune(keys_dir, KEYS_PREFIX, days=settings.KEM_KEY_BACKUP_DAYS, now=now)
    return Backup(data=data_path, keys=keys_path, pruned=tuple(pruned))


def backup_keys(*, keys_dir: Path | None = None, now: dt.datetime | None = None, tail: str = "") -> Path:
    """Write a key backup of this database: the person and index keys, wrapped as stored."""
    path = _new_path(Path(keys_dir or settings.KEM_KEY_BACKUP_DIR), KEYS_PREFIX, now or timezone.now(), tail)
    _write(path, _pg_dump_keys if connection.vendor == "postgresql" else _sqlite_dump_keys)
    return path


def _write(path: Path, dump: Callable[[Path], None]) -> None:
    part = path.with_name(path.name + ".part")
    try:
        dump(part)
        part.rename(path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def prune(folder: Path, prefix: str, *, days: int, now: dt.datetime) -> list[Path]:
    """Delete the backups in ``folder`` named ``prefix…`` that are older than ``days``."""
    limit = now - dt.timedelta(days=days)
    gone = []
    for path in sorted(folder.glob(f"{prefix}*")) if folder.exists() else []:
        found = _NAME.match(path.name)
        if found and dt.datetime.strptime(found.group(1), _STAMP).replace(tzinfo=dt.UTC) < limit:
            path.unlink(missing_ok=True)
            gone.append(path)
    return gone


def newest_key_backup(keys_dir: Path | None = None) -> Path:
    folder = Path(keys_dir or settings.KEM_KEY_BACKUP_DIR)
    found = sorted(p for p in folder.glob(f"{KEYS_PREFIX}*{_suffix()}") if _NAME.match(p.name))
    if not found:
        raise BackupError(f"No key backup in {folder}.")
    return found[-1]


# --- PostgreSQL -------------------------------------------------------------------------------------
def _pg(program: str, *args: str, stdout: Any = None) -> None:
    db = connection.settings_dict
    command = [program, "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGPASSWORD": db.get("PASSWORD") or ""}
    result = subprocess.run(  # noqa: S603 - fixed programs; arguments from settings, not input
        [*command, *args], stdout=stdout, stderr=subprocess.PIPE, env=env, check=False, timeout=3600
    )
    if result.returncode:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{program} failed: {' / '.join(message[-3:])}")


def _pg_dump_data(path: Path) -> None:
    excluded = [f"--exclude-table-data={table}" for table in (*KEY_TABLES, *INDEX_TABLES)]
    with os.fdopen(_private_file(path), "wb") as out:
        _pg(
            "pg_dump",
            "-Fc",
            "--no-owner",
            "--no-privileges",
            *excluded,
            connection.settings_dict["NAME"],
            stdout=out,
        )


def _pg_dump_keys(path: Path) -> None:
    tables = [f"--table={table}" for table in KEY_TABLES]
    with os.fdopen(_private_file(path), "wb") as out:
        _pg(
            "pg_dump",
            "-Fc",
            "--data-only",
            "--no-owner",
            *tables,
            connection.settings_dict["NAME"],
            stdout=out,
        )


def _pg_restore(path: Path, *args: str) -> None:
    _pg(
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        *args,
        "-d",
        connection.settings_dict["NAME"],
        str(path),
    )


def _pg_restore_all(data: Path, keys: Path) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")
    connection.close()
    _pg_restore(data, "--section=pre-data")
    _pg_restore(data, "--section=data")
    _pg_restore(keys, "--data-only")
    _fill_missing_keys()
    _pg_restore(data, "--section=post-data")
    connection.close()


# --- SQLite -----------------------------------------------------------------------------------------
def _raw() -> sqlite3.Connection:
    connection.ensure_connection()
    raw = connection.connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def _sqlite_dump_data(path: Path) -> None:
    copy = sqlite3.connect(":memory:")
    try:
        _raw().backup(copy)
        copy.execute("PRAGMA foreign_keys = OFF")
        copy.execute("PRAGMA secure_delete = ON")
        for table in (*INDEX_TABLES, *KEY_TABLES):
            copy.execute(f'DELETE FROM "{table}"')  # noqa: S608 - table names are the models'
        copy.commit()
        copy.execute("VACUUM")
        os.close(_private_file(path))
        out = sqlite3.connect(path)
        try:
            copy.backup(out)
        finally:
            out.close()
    finally:
        copy.close()


def _sqlite_dump_keys(path: Path) -> None:
    raw = _raw()
    os.close(_private_file(path))
    out = sqlite3.connect(path)
    try:
        for table in KEY_TABLES:
            (create,) = raw.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()
            out.execute(create)
            cursor = raw.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            columns = ", ".join(f'"{d[0]}"' for d in cursor.description)
            marks = ", ".join("?" for _ in cursor.description)
            out.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', cursor.fetchall())  # noqa: S608
        out.commit()
    finally:
        out.close()


def _sqlite_restore_all(data: Path, keys: Path) -> None:
    source = sqlite3.connect(f"file:{data}?mode=ro", uri=True)
    try:
        source.backup(_raw())
    finally:
        source.close()
    key_source = sqlite3.connect(f"file:{keys}?mode=ro", uri=True)
    try:
        with connection.cursor() as cursor:
            for table in KEY_TABLES:
                present = {c.name for c in connection.introspection.get_table_description(cursor, table)}
                found = key_source.execute(f'SELECT * FROM "{table}"')  # noqa: S608
                names = [d[0] for d in found.description]
                kept = [i for i, name in enumerate(names) if name in present]
                columns = ", ".join(f'"{names[i]}"' for i in kept)
                marks = ", ".join("%s" for _ in kept)
                cursor.executemany(
                    f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',  # noqa: S608
                    [[row[i] for i in kept] for row in found.fetchall()],
                )
    finally:
        key_source.close()
    _fill_missing_keys()


# --- restoring --------------------------------------------------------------------------------------
def restore(*, data: Path, keys: str | Path = "current") -> Restored:
    """Replace this database by the data backup ``data`` with the keys of ``keys``: ``"current"``
    (this database's own keys, saved first as a key backup), ``"newest"`` (the newest key backup)
    or the path of a key backup. Then check the foreign keys and rebuild the blind index.

    Nothing else may use the database meanwhile (stop the web and worker processes first).
    """
    data = Path(data)
    if not data.is_file():
        raise BackupError(f"No data backup at {data}.")
    if keys == "current":
        with connection.cursor() as cursor:
            if PersonKey._meta.db_table not in connection.introspection.table_names(cursor):
                raise BackupError(
                    "This database holds no keys to keep: choose a key backup (--keys newest or a path)."
                )
        keys_path = backup_keys(tail="-before-restore")
    elif keys == "newest":
        keys_path = newest_key_backup()
    else:
        keys_path = Path(keys)
        if not keys_path.is_file():
            raise BackupError(f"No key backup at {keys_path}.")
    if connection.vendor == "postgresql":
        _pg_restore_all(data, keys_path)
    else:
        _sqlite_restore_all(data, keys_path)
    check_foreign_keys()
    without_key = PersonKey.objects.filter(shredded_at__isnull=False, created_at=_PLACEHOLDER_CREATED).count()
    _forget_job_files()
    indexed = rebuild_blind_index()
    people = sum(model.objects.count() for model in person_models())
    erased = sum(
        model.objects.filter(person_key__shredded_at__isnull=False).count() for model in person_models()
    )
    return Restored(
        keys_from=keys_path, people=people, erased=erased, without_key=without_key, indexed=indexed
    )


# A key row made at restore for a person whose key the key backup lacks is dated at the epoch.
_PLACEHOLDER_CREATED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _person_key_references() -> list[tuple[str, str]]:
    """(table, column) of every field, history tables included, that names a person key."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is PersonKey and not model._meta.proxy:
                found.append((model._meta.db_table, field.column))
    return found


def _fill_missing_keys() -> None:
    """Give each person key named in the data but absent from the key backup a shredded row:
    those people cannot be opened (as if erased), and the foreign keys can be created."""
    qn = connection.ops.quote_name
    table = qn(PersonKey._meta.db_table)
    stamp = _PLACEHOLDER_CREATED if settings.USE_TZ else _PLACEHOLDER_CREATED.replace(tzinfo=None)
    # A shredded key row, whatever other columns the table has (each gets its default).
    fixed: dict[str, Any] = {
        "wrapped_key": None,
        "root_key_id": "",
        "created_at": stamp,
        "shredded_at": stamp,
    }
    columns, values = [], []
    for field in PersonKey._meta.concrete_fields:
        if field.primary_key:
            continue
        value = fixed[field.name] if field.name in fixed else field.get_default()
        columns.append(qn(field.column))
        values.append(field.get_db_prep_save(value, connection))
    marks = ", ".join("%s" for _ in values)
    with connection.cursor() as cursor:
        for referring, column in _person_key_references():
            cursor.execute(
                f"INSERT INTO {table} (id, {', '.join(columns)}) "  # noqa: S608
                f"SELECT DISTINCT r.{qn(column)}, {marks} FROM {qn(referring)} r "
                f"WHERE r.{qn(column)} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {table} k WHERE k.id = r.{qn(column)})",
                values,
            )


def _expected_foreign_keys() -> set[tuple[str, str]]:
    expected = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, models.ForeignKey) and getattr(field, "db_constraint", True):
                expected.add((model._meta.db_table, field.column))
    return expected


def check_foreign_keys() -> None:
    """Raise unless every foreign key of the models exists in the database and none is broken."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                "WHERE c.contype = 'f' AND c.convalidated"
            )
            present = {(table.strip('"'), column) for table, column in cursor.fetchall()}
            broken: list[Any] = []
        else:
            present = set()
            for table in connection.introspection.table_names(cursor):
                cursor.execute(f'PRAGMA foreign_key_list("{table}")')
                present |= {(table, row[3]) for row in cursor.fetchall()}
            cursor.execute("PRAGMA foreign_key_check")
            broken = cursor.fetchall()
    missing = sorted(_expected_foreign_keys() - present)
    if missing or broken:
        raise BackupError(
            f"After the restore {len(missing)} foreign keys are missing "
            f"({', '.join(f'{t}.{c}' for t, c in missing[:5])}) and {len(broken)} rows break one."
        )


def _forget_job_files() -> None:
    """Kept files are not part of a backup: the restored jobs hold none (nor their keys)."""
    ImportJob.objects.exclude(stored_name="", file_key=None).exclude(
        status__in=[ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.CANCELLED]
    ).update(status=ImportStatus.CANCELLED, failure="restored", finished_at=timezone.now())
    ImportJob.objects.exclude(stored_name="", file_key=None).update(stored_name="", file_key=None)
    DownloadJob.objects.exclude(stored_name="", file_key=None).update(
        stored_name="", file_key=None, status=DownloadStatus.EXPIRED
    )


def rebuild_blind_index(*, batch_size: int = REBUILD_BATCH) -> int:
    """Write the blind-index entries of every person whose key opens, from their sealed values,
    under the live index keys (a first one is made if the key backup held none). Returns how
    many people were indexed. A key that does not open (root key missing) stops it loudly."""
    BlindIndexEntry.objects.all().delete()
    indexed = 0
    for model in person_models():
        people = model.objects.not_shredded().order_by("pk")
        last = None
        while True:
            with key_cache():
                batch = list((people.filter(pk__gt=last) if last is not None else people)[:batch_size])
                if not batch:
                    break
                blind.index_people(batch, keys=blind.index_keys())
            indexed += len(batch)
            last = batch[-1].pk
    return indexed
