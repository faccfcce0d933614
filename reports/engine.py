"""Counting in the database: stack the activities of a measure, join the person when a person
category is asked for, group, and count unique persons (``COUNT(DISTINCT)``) or activities.

A breakdown costs at most four queries whatever the size of the data: the cells, and, only for
unique persons by an activity dimension (where cells do not add up), the row totals, the column
totals and the grand total, each counted rather than summed.

The SQL around the Django-compiled subqueries is assembled from code constants and quoted
identifiers only (hence the ``noqa: S608``): every value, dates and centre ids included, is a
query parameter of the compiled subqueries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from kem.models import Beneficiary
from reports.dims import BY_CODE, OTHER, OTHER_LABEL, UNKNOWN, UNKNOWN_LABEL, Dimension
from reports.measures import MEASURE_SOURCES, MEASURE_UNITS, MEASURES, PERSONS, dimensions_for
from reports.sources import select
from reports.types import Scope, Table

SINGLE_COLUMN = "n"
# Memory a report's aggregation may use per sort or hash (PostgreSQL ``work_mem``, this
# transaction only): enough to count a year of a large network without spilling to disk.
WORK_MEM_MB = 128


@contextmanager
def tuned() -> Iterator[None]:
    """Run a report's queries in one read-only snapshot (on PostgreSQL, when not already in a
    transaction: every table of a report then counts the same data) with room to aggregate in
    memory rather than on disk."""
    if connection.vendor != "postgresql":
        yield
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if outermost:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute(f"SET LOCAL work_mem = '{int(WORK_MEM_MB)}MB'")
        yield


def union_sql(
    sources: Iterable[str],
    *,
    scope: Scope,
    fields: Sequence[str],
    start_open: bool = False,
    kind: bool = False,
    null_missing: bool = False,
) -> tuple[str, tuple]:
    """SQL and parameters of the stacked rows of ``sources`` (``UNION ALL``) with ``fields``.

    ``start_open`` drops the period's lower bound (everything up to its end).
    """
    querysets = [
        select(
            source,
            centre_ids=scope.centre_ids,
            start=None if start_open else scope.start,
            end=scope.end,
            fields=fields,
            kind=kind,
            null_missing=null_missing,
        )
        for source in sources
    ]
    combined = querysets[0].union(*querysets[1:], all=True) if len(querysets) > 1 else querysets[0]
    sql, params = combined.query.sql_with_params()
    return sql, tuple(params)


def person_join() -> str:
    qn = connection.ops.quote_name
    return f"JOIN {qn(Beneficiary._meta.db_table)} b ON b.{qn(Beneficiary._meta.pk.column)} = e.{qn('s_pid')}"


def grouped_counts(
    scope: Scope, *, measure: str, group: Sequence[Dimension], distinct_persons: bool = False
) -> dict[tuple[str, ...], int]:
    """Counts of ``measure`` in ``scope`` by the categories of ``group`` (one query); unique
    persons behind the measure's activities when ``distinct_persons``."""
    qn = connection.ops.quote_name
    persons = distinct_persons or MEASURE_UNITS[measure] == PERSONS
    fields = ["pid", *(dim.column for dim in group if not dim.person)]
    sql, params = union_sql(MEASURE_SOURCES[measure], scope=scope, fields=fields)
    joins_person = any(dim.person for dim in group)
    if persons and group and all(dim.person for dim in group):
        # One row per person before the join: the join then touches each person once.
        source = f"(SELECT DISTINCT u.{qn('s_pid')} AS {qn('s_pid')} FROM ({sql}) u) e"  # noqa: S608
        count = "COUNT(*)"
    else:
        source = f"({sql}) e"
        count = "COUNT(DISTINCT x.pid)" if persons else "COUNT(*)"
    columns = [f"{dim.sql(scope)} AS g{i}" for i, dim in enumerate(group)]
    inner = ", ".join([*columns, f"e.{qn('s_pid')} AS pid"])
    query = f"SELECT {inner} FROM {source} {person_join() if joins_person else ''}"  # noqa: S608
    names = ", ".join(f"x.g{i}" for i in range(len(group)))
    if group:
        outer = f"SELECT {names}, {count} FROM ({query}) x GROUP BY {names}"  # noqa: S608
    else:
        outer = f"SELECT {count} FROM ({query}) x"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        rows = cursor.fetchall()
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    for row in rows:
        key = tuple(dim.code_of(value) for dim, value in zip(group, row[:-1], strict=True))
        counts[key] += int(row[-1] or 0)
    return counts


def _categories(
    dim: Dimension,
    scope: Scope,
    totals: dict[str, int],
    top_n: int,
    *,
    can_fold: bool,
    people: dict[str, int] | None = None,
) -> tuple[list[tuple[str, str]], tuple[str, ...]]:
    """The ordered (code, label) categories of ``dim`` and the codes folded into "other"
    (only when ``can_fold``: the folded categories then add up exactly). A free-text category is
    named only when more than the threshold of *people* (``people``, default ``totals``) share it:
    ten sessions of one person must not publish what that person typed."""
    people = totals if people is None else people
    present = [code for code, n in totals.items() if n]
    if dim.fixed is not None:
        categories = [(code, str(label)) for code, label in dim.fixed(scope)]
        known = {code for code, _label in categories}
        extra = sorted(code for code in present if code not in known and code != UNKNOWN)
        categories += [(code, code) for code in extra]
        if totals.get(UNKNOWN):
            categories.append((UNKNOWN, str(UNKNOWN_LABEL)))
        return categories, ()
    ranked = sorted((code for code in present if code != UNKNOWN), key=lambda code: (-totals[code], code))
    folded: tuple[str, ...] = ()
    if can_fold and dim.top and top_n and len(ranked) > top_n + 1:
        ranked, folded = ranked[:top_n], tuple(ranked[top_n:])
    if can_fold and dim.free_text:
        rare = [code for code in ranked if people.get(code, 0) <= settings.KEM_SUPPRESSION_THRESHOLD]
        ranked = [code for code in ranked if code not in rare]
        folded = (*rare, *folded)
    folded = tuple(sorted(folded))
    labels = dim.labels(ranked) if dim.labels else {}
    categories = [(code, str(labels.get(code, code))) for code in ranked]
    if folded:
        categories.append((OTHER, str(OTHER_LABEL)))
    if totals.get(UNKNOWN):
        categories.append((UNKNOWN, str(UNKNOWN_LABEL)))
    return categories, folded


def _people(scope: Scope, measure: str, dim: Dimension) -> dict[str, int] | None:
    """Unique persons per category of a free-text dimension when the measure counts activities
    (one more query, only then); None where the measure's own totals already count persons."""
    if not dim.free_text or MEASURE_UNITS[measure] == PERSONS:
        return None
    counts = grouped_counts(scope, measure=measure, group=[dim], distinct_persons=True)
    return {key[0]: n for key, n in counts.items()}


def _fold(code: str, folded: tuple[str, ...]) -> str:
    return OTHER if code in folded else code


def breakdown_table(scope: Scope, *, measure: str, rows: str, cols: str = "", top_n: int = 10) -> Table:
    """The raw table of ``measure`` by ``rows`` (and ``cols``): see report.breakdown."""
    if measure not in MEASURES:
        raise ValueError(f"Unknown measure {measure!r}.")
    allowed = dimensions_for(measure)
    if rows not in allowed or (cols and cols not in allowed) or rows == cols:
        raise ValueError(f"{measure!r} cannot be broken down by {rows!r} and {cols!r}.")
    persons = MEASURE_UNITS[measure] == PERSONS
    row_dim = BY_CODE[rows]
    col_dim = BY_CODE[cols] if cols else None
    # Where a person counted once may sit in several cells, totals are counted, not summed.
    rows_partition = not persons or row_dim.person
    cols_partition = col_dim is None or not persons or col_dim.person

    cells = grouped_counts(scope, measure=measure, group=[row_dim, col_dim] if col_dim else [row_dim])
    if col_dim is None:
        cells = {(key[0], SINGLE_COLUMN): n for key, n in cells.items()}
    row_totals: dict[str, int] = defaultdict(int)
    col_totals: dict[str, int] = defaultdict(int)
    if cols_partition:
        for (r, _c), n in cells.items():
            row_totals[r] += n
    else:
        row_totals.update(
            {key[0]: n for key, n in grouped_counts(scope, measure=measure, group=[row_dim]).items()}
        )
    if rows_partition:
        for (_r, c), n in cells.items():
            col_totals[c] += n
    else:
        col_totals.update(
            {key[0]: n for key, n in grouped_counts(scope, measure=measure, group=[col_dim]).items()}
            if col_dim
            else {SINGLE_COLUMN: 0}
        )
    if rows_partition:
        total = sum(row_totals.values())
    elif cols_partition and col_dim is not None:
        total = sum(col_totals.values())
    else:
        total = grouped_counts(scope, measure=measure, group=[]).get((), 0)
        if col_dim is None:
            col_totals[SINGLE_COLUMN] = total

    return make_table(
        scope,
        measure=measure,
        rows=rows,
        cols=cols,
        cells=cells,
        row_totals=row_totals,
        col_totals=col_totals,
        total=total,
        top_n=top_n,
    )


def make_table(
    scope: Scope,
    *,
    measure: str,
    rows: str,
    cols: str,
    cells: dict[tuple[str, str], int],
    row_totals: dict[str, int],
    col_totals: dict[str, int],
    total: int,
    top_n: int = 10,
) -> Table:
    """A breakdown table from its counts by category code (the one-column code for 1-D tables):
    categories ordered and labelled, the top N plus "other" where that adds up exactly."""
    persons = MEASURE_UNITS[measure] == PERSONS
    row_dim = BY_CODE[rows]
    col_dim = BY_CODE[cols] if cols else None
    rows_partition = not persons or row_dim.person
    cols_partition = col_dim is None or not persons or col_dim.person
    # Top N plus "other", only where the folded categories add up exactly.
    row_cats, row_folded = _categories(
        row_dim, scope, row_totals, top_n, can_fold=rows_partition, people=_people(scope, measure, row_dim)
    )
    if col_dim is not None:
        col_cats, col_folded = _categories(
            col_dim,
            scope,
            col_totals,
            top_n,
            can_fold=cols_partition,
            people=_people(scope, measure, col_dim),
        )
    else:
        col_cats, col_folded = [(SINGLE_COLUMN, str(MEASURES[measure]))], ()
    folded_cells: dict[tuple[str, str], int] = defaultdict(int)
    for (r, c), n in cells.items():
        folded_cells[(_fold(r, row_folded), _fold(c, col_folded))] += n
    folded_rows: dict[str, int] = defaultdict(int)
    for r, n in row_totals.items():
        folded_rows[_fold(r, row_folded)] += n
    folded_cols: dict[str, int] = defaultdict(int)
    for c, n in col_totals.items():
        folded_cols[_fold(c, col_folded)] += n

    title = (
        _("%(measure)s by %(rows)s and %(cols)s")
        % {"measure": MEASURES[measure], "rows": row_dim.label, "cols": col_dim.label}
        if col_dim
        else _("%(measure)s by %(rows)s") % {"measure": MEASURES[measure], "rows": row_dim.label}
    )
    grouped = {}
    if row_folded:
        grouped[rows] = row_folded
    if col_folded:
        grouped[cols] = col_folded
    return Table(
        key=f"breakdown.{measure}.{rows}" + (f".{cols}" if cols else ""),
        title=title,
        row_dim=rows,
        col_dim=cols,
        rows=row_cats,
        cols=col_cats,
        counts=[[folded_cells.get((r, c), 0) for c, _l in col_cats] for r, _l in row_cats],
        row_totals=[folded_rows.get(r, 0) for r, _l in row_cats],
        col_totals=[folded_cols.get(c, 0) for c, _l in col_cats],
        total=total,
        unit=MEASURE_UNITS[measure],
        additive=rows_partition and cols_partition,
        row_totals_additive=cols_partition,
        col_totals_additive=rows_partition,
        measure=measure,
        scope=scope,
        grouped=grouped,
    )
