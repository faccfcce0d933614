"""The demo (``seed_demo``) built once per test run and handed to each test that asks for it.

Building the demo takes seconds (hundreds of sealed people, cases, classes, statistics data), and
the browser journeys and the demo's own tests all need it. So the ``demo_snapshot`` fixture runs
``seed_demo`` once per test run (per xdist worker) inside a transaction, copies every table's rows
into memory, and rolls the transaction back: the test database is left exactly as it was, and no
seeded row reaches a test that did not ask for the demo (many tests count rows).

The ``demo`` fixture then puts those rows back for one test: it empties every table and inserts
the copy, in the test's own database state, so each test starts from the same demo whatever ran
before it. In a transactional test (the browser journeys: the live server reads committed rows)
the demo is committed, and pytest-django empties the tables again after the test as it does for
every transactional test; in an ordinary test it lives in the test's transaction and is rolled
back with it.

The copy holds the migrations' reference data too (languages, services, partner directory), so a
test never depends on whether an earlier transactional test flushed them.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import override_settings


@dataclass(frozen=True)
class Snapshot:
    """Every table's rows as ``seed_demo`` left them, and what it printed."""

    output: str
    tables: dict[str, tuple[tuple[str, ...], list[tuple]]]

    def restore(self) -> None:
        """Make the database hold exactly these rows (and forget whatever was cached about the old ones)."""
        quote = connection.ops.quote_name
        with transaction.atomic():
            # TRUNCATE on PostgreSQL (the access log's trigger refuses row deletes), DELETE on SQLite.
            flush = connection.ops.sql_flush(no_style(), list(self.tables), allow_cascade=False)
            with connection.cursor() as cursor:
                for statement in flush:
                    cursor.execute(statement)
                # Foreign keys are checked at commit (Django declares them deferrable), so the
                # order of the tables does not matter.
                for table, (columns, rows) in self.tables.items():
                    if rows:
                        _insert(cursor, quote(table), ", ".join(quote(c) for c in columns), rows)
                # Rows came back with their ids: PostgreSQL's sequences must not hand those out again.
                models = apps.get_models(include_auto_created=True)
                for statement in connection.ops.sequence_reset_sql(no_style(), models):
                    cursor.execute(statement)
        ContentType.objects.clear_cache()
        for cache in caches.all():
            cache.clear()


def _insert(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    if connection.vendor == "postgresql":
        # COPY takes a quarter of the time of a batch of INSERTs here (psycopg 3 adapts the values).
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(rows[0]))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def take_snapshot(output: str) -> Snapshot:
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.django_table_names(only_existing=True)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = tuple(column[0] for column in cursor.description)
            rows = cursor.fetchall()
            if connection.vendor == "sqlite":
                rows = [tuple(map(_sqlite_value, row)) for row in rows]
            tables[table] = (columns, rows)
    return Snapshot(output=output, tables=tables)


def _sqlite_value(value: object) -> object:
    # Django's SQLite backend reads TIME columns as datetime.time but registers no adapter to
    # write one back; it stores them as their ISO text.
    return value.isoformat() if isinstance(value, dt.time) else value


def build_demo() -> Snapshot:
    """Run ``seed_demo`` on the migrated database, copy the result, and undo it."""
    # Imported here: the apps are loaded only once pytest-django has set Django up.
    from cases.reference import seed_reference_data
    from partners.reference import seed_directory

    with transaction.atomic():
        seed_reference_data()  # what the migrations seed, in case a transactional test flushed it
        seed_directory()
        output = io.StringIO()
        call_command("seed_demo", stdout=output)
        snapshot = take_snapshot(output.getvalue())
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker) -> Snapshot:
    from tests.conftest import TEST_SETTINGS

    # The settings every test runs with (conftest's autouse fixtures are per test, so they are
    # not in force here): the same root key seals the demo that the tests open it with.
    with django_db_blocker.unblock(), override_settings(DEMO_MODE=True, **TEST_SETTINGS):
        return build_demo()


@pytest.fixture
def demo(demo_snapshot, settings) -> Snapshot:
    """The demo's two centres, logins (password ``DEMO_PASSWORD``), people, cases and classes.

    Needs database access from the test's ``django_db`` mark (transactional for the browser).
    """
    settings.DEMO_MODE = True
    demo_snapshot.restore()
    return demo_snapshot
