"""Disclosure control: every table a user can see or export passes through :func:`protect`.

1. **Primary suppression.** A count from 1 to the threshold (``KEM_SUPPRESSION_THRESHOLD``,
   default 9) is not shown; it reads as the label (``KEM_SUPPRESSION_LABEL``, default ``<10``).
   Zero stays zero: an empty cell says nothing about anyone.
2. **Secondary suppression.** Tables of one request are protected *together*, as one system of
   equations: every published total is the sum of its parts (rows, columns, the grand total, the
   relations a table declares such as ESF+ "participants = women + men + …"), and the same count
   appearing in two tables of the request (a 2-D table and its 1-D margin, the headline's
   "sessions" and the sessions by service area) is one unknown, hidden in both or in neither.
   More counts are hidden (shown as ``x``), the smallest first and cells before totals, until
   - no equation has exactly one hidden count (it could be worked out by subtraction),
   - no published total leaves its hidden parts summing to 1..threshold (a small group), and
   - no primary-suppressed count is determined by the system as a whole (checked exactly, by
     Gaussian elimination over the rationals).
   Counts that are never published but take part in an equation (``Table.hidden_rows``, e.g. the
   participants *without* a disability) are unknowns from the start, and protected like a
   primary cell when small.
3. **Rounding** (optional, base 5) of every published count, after suppression; zero stays zero
   and a non-zero count never rounds to zero. Rates are worked out from the published counts
   only, and hidden when any of their inputs is.

Known limit: the checks are exact for equality; bounds an attacker can draw from inequalities
(counts are never negative) are covered only by the "small group" rule above.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext as _

from reports.types import Cell, PublishedTable, Table

SECONDARY_LABEL = "x"
# Units that count no people (a class is not a person): published as they are.
UNPROTECTED_UNITS = frozenset({"classes"})
NO_RATE = "–"
ROUNDING_BASES = (5,)


@dataclass
class _Node:
    value: int
    hidden: bool = False  # never published (a hidden row)
    suppressed: bool = False
    primary: bool = False
    in_total: bool = False  # is a total somewhere: suppressed last
    exempt: bool = False  # counts no people
    order: int = 0


@dataclass
class _Graph:
    threshold: int
    nodes: list[_Node] = field(default_factory=list)
    keys: dict[tuple, int] = field(default_factory=dict)
    # Each equation: (total node, part nodes) meaning total = sum(parts).
    equations: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    _by_node: list[list[tuple[int, tuple[int, ...]]]] = field(default_factory=list, repr=False)
    _indexed: int = -1

    def node(self, key: tuple, value: int, *, hidden: bool = False, exempt: bool = False) -> int:
        full = (*key, value)
        if full not in self.keys:
            self.keys[full] = len(self.nodes)
            self.nodes.append(_Node(value=value, hidden=hidden, exempt=exempt, order=len(self.nodes)))
        index = self.keys[full]
        # Published in one table makes it published: an attacker reads it there.
        self.nodes[index].hidden = self.nodes[index].hidden and hidden
        return index

    def equation(self, total: int, parts: list[int]) -> None:
        parts_t = tuple(dict.fromkeys(parts))
        if parts_t == (total,) or not parts_t:
            return
        self.nodes[total].in_total = True
        self.equations.append((total, parts_t))

    # --- the rules -----------------------------------------------------------------------------

    def sensitive(self, index: int) -> bool:
        node = self.nodes[index]
        return not node.exempt and 1 <= node.value <= self.threshold

    def unknown(self, index: int) -> bool:
        node = self.nodes[index]
        return node.suppressed or node.hidden

    def run(self) -> None:
        for index, node in enumerate(self.nodes):
            if self.sensitive(index):
                node.primary = True
                node.suppressed = True
        while self._apply_line_rules() or self._apply_system_rule():
            pass

    def _hide_one_of(self, candidates: list[int]) -> bool:
        """Hide the best of ``candidates``: a cell before a total, then one that also mends
        another equation left with a single hidden count, then the smallest."""
        usable = [i for i in candidates if not self.unknown(i) and self.nodes[i].value > 0]
        if not usable:
            return False

        def mends(index: int) -> int:
            return sum(
                1
                for total, parts in self._equations_of(index)
                if sum(self.unknown(member) for member in (total, *parts)) == 1
            )

        best = min(
            usable,
            key=lambda i: (self.nodes[i].in_total, -mends(i), self.nodes[i].value, self.nodes[i].order),
        )
        self.nodes[best].suppressed = True
        return True

    def _equations_of(self, index: int) -> list[tuple[int, tuple[int, ...]]]:
        if len(self._by_node) != len(self.nodes) or self._indexed != len(self.equations):
            self._by_node = [[] for _node in self.nodes]
            for equation in self.equations:
                for member in dict.fromkeys((equation[0], *equation[1])):
                    self._by_node[member].append(equation)
            self._indexed = len(self.equations)
        return self._by_node[index]

    def _apply_line_rules(self) -> bool:
        changed = False
        progress = True
        while progress:
            progress = False
            for total, parts in self.equations:
                members = (total, *parts)
                unknown = [i for i in members if self.unknown(i)]
                if len(unknown) == 1:
                    only = unknown[0]
                    node = self.nodes[only]
                    # A never-published count that is zero or large may well be worked out.
                    if node.hidden and not node.suppressed and not self.sensitive(only):
                        continue
                    others = [i for i in parts if i != only] + ([total] if total != only else [])
                    if self._hide_one_of(others):
                        progress = changed = True
                elif unknown and total not in unknown:
                    hidden_sum = sum(self.nodes[i].value for i in unknown)
                    if 1 <= hidden_sum <= self.threshold and self._hide_one_of([*parts, total]):
                        progress = changed = True
        return changed

    def _apply_system_rule(self) -> bool:
        """Hide one more count among the equations that determine a primary-suppressed count:
        the published counts of the equations reachable from it through hidden counts."""
        for index in determined(self):
            node = self.nodes[index]
            if not (node.primary or (node.hidden and self.sensitive(index))):
                continue
            if self._hide_one_of(self._reachable_published(index)):
                return True
        return False

    def _reachable_published(self, start: int) -> list[int]:
        seen_unknown = {start}
        queue = [start]
        published: set[int] = set()
        while queue:
            current = queue.pop()
            for total, parts in self.equations:
                members = (total, *parts)
                if current not in members:
                    continue
                for member in members:
                    if not self.unknown(member):
                        published.add(member)
                    elif member not in seen_unknown:
                        seen_unknown.add(member)
                        queue.append(member)
        return sorted(published)


def determined(graph: _Graph) -> list[int]:
    """Unknown counts whose value the published counts fix exactly (Gauss-Jordan over Q).

    Only the coefficients matter: x_k is fixed iff the unit vector e_k lies in the row space of
    the equations restricted to the unknowns, i.e. its reduced row is exactly e_k.
    """
    unknowns = [i for i in range(len(graph.nodes)) if graph.unknown(i)]
    if not unknowns:
        return []
    column = {node: j for j, node in enumerate(unknowns)}
    rows: list[list[Fraction]] = []
    for total, parts in graph.equations:
        row = [Fraction(0)] * len(unknowns)
        for part in parts:
            if part in column:
                row[column[part]] += 1
        if total in column:
            row[column[total]] -= 1
        if any(row):
            rows.append(row)
    pivots: list[int] = []
    rank = 0
    for j in range(len(unknowns)):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][j] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        lead = rows[rank][j]
        rows[rank] = [value / lead for value in rows[rank]]
        for r in range(len(rows)):
            if r != rank and rows[r][j] != 0:
                factor = rows[r][j]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        pivots.append(j)
        rank += 1
    fixed = []
    for r, j in enumerate(pivots):
        if all(value == 0 for k, value in enumerate(rows[r]) if k != j):
            fixed.append(unknowns[j])
    return fixed


# --- tables into the system ----------------------------------------------------------------------


@dataclass
class _Layout:
    cells: list[list[int]]
    row_totals: list[int]
    col_totals: list[int]
    total: int


def _conditions(table: Table, dim: str, code: str) -> tuple:
    if not dim or dim == "measure":
        return ()
    if code == "other" and dim in table.grouped:
        code = "other:" + ",".join(table.grouped[dim])
    return ((dim, code),)


def _key(table: Table, index: int, row: str | None, col: str | None) -> tuple:
    """What a count is: the same key in two tables of a request is the same count."""
    scope = table.scope
    measure = table.measure or table.key
    if table.row_dim == "measure" and row is not None:
        measure = row
    conditions: list[tuple[str, str]] = []
    if row is not None:
        conditions += _conditions(table, table.row_dim, row)
    if col is not None:
        conditions += _conditions(table, table.col_dim, col)
    centres = scope.centre_ids if scope else ()
    named = dict(conditions)
    if "centre" in named:
        centres = (int(named.pop("centre")),) if named["centre"].isdigit() else centres
    conditions = sorted((d, c) for d, c in conditions if d != "centre")
    where = (centres, scope.start, scope.end) if scope else ("table", index)
    return (measure, where, tuple(conditions))


def _add_table(graph: _Graph, table: Table, index: int) -> _Layout:
    exempt = table.unit in UNPROTECTED_UNITS

    def node(key: tuple, value: int) -> int:
        return graph.node(key, value, exempt=exempt)

    row_codes = [code for code, _label in table.rows]
    col_codes = [code for code, _label in table.cols]
    single = not table.col_dim
    cells = [
        [
            node(_key(table, index, r, None if single else c), table.counts[i][j])
            for j, c in enumerate(col_codes)
        ]
        for i, r in enumerate(row_codes)
    ]
    row_totals = [node(_key(table, index, r, None), table.row_totals[i]) for i, r in enumerate(row_codes)]
    col_totals = [
        node(_key(table, index, None, None if single else c), table.col_totals[j])
        for j, c in enumerate(col_codes)
    ]
    total = node(_key(table, index, None, None), table.total)
    # Rows add up when the columns split every unit into exactly one column; then the columns'
    # totals add up to the grand total too (and the other way round).
    if table.rows_add_up:
        for i in range(len(row_codes)):
            graph.equation(row_totals[i], cells[i])
        graph.equation(total, col_totals)
    if table.cols_add_up:
        for j in range(len(col_codes)):
            graph.equation(col_totals[j], [cells[i][j] for i in range(len(row_codes))])
        graph.equation(total, row_totals)
    _add_relations(graph, table, index, row_codes, col_codes, cells, row_totals)
    return _Layout(cells=cells, row_totals=row_totals, col_totals=col_totals, total=total)


def _add_relations(graph, table, index, row_codes, col_codes, cells, row_totals) -> None:
    if not table.relations:
        return
    single = not table.col_dim
    by_code: dict[str, list[int]] = {code: [*cells[i], row_totals[i]] for i, code in enumerate(row_codes)}
    for code, counts in table.hidden_rows:
        hidden_cells = [
            graph.node(_key(table, index, code, None if single else c), counts[j], hidden=True)
            for j, c in enumerate(col_codes)
        ]
        hidden_total = graph.node(_key(table, index, code, None), sum(counts), hidden=True)
        if table.rows_add_up:
            graph.equation(hidden_total, hidden_cells)
        by_code[code] = [*hidden_cells, hidden_total]
    for whole, parts in table.relations:
        for j in range(len(col_codes) + 1):
            graph.equation(by_code[whole][j], [by_code[part][j] for part in parts])


# --- publishing ----------------------------------------------------------------------------------


def _round(value: int, base: int | None) -> int:
    if not base or value == 0:
        return value
    return max(base, ((value + base // 2) // base) * base)


def suppression_label(threshold: int) -> str:
    """What a suppressed cell shows: ``KEM_SUPPRESSION_LABEL``, or ``<threshold+1`` (``<10``)."""
    return getattr(settings, "KEM_SUPPRESSION_LABEL", "") or f"<{threshold + 1}"


def protect(
    tables: list[Table], *, threshold: int | None = None, rounding: int | None = None
) -> list[PublishedTable]:
    """Publish ``tables`` (one request's tables, protected together): see the module docstring.

    ``threshold`` defaults to ``settings.KEM_SUPPRESSION_THRESHOLD``; ``rounding`` is None or 5.
    """
    threshold = settings.KEM_SUPPRESSION_THRESHOLD if threshold is None else int(threshold)
    if threshold < 0:
        raise ValueError("The threshold cannot be negative.")
    if rounding is not None and rounding not in ROUNDING_BASES:
        raise ValueError(f"Rounding must be None or one of {ROUNDING_BASES}.")
    label = suppression_label(threshold)
    graph = _Graph(threshold=threshold)
    layouts = [_add_table(graph, table, index) for index, table in enumerate(tables)]
    graph.run()
    notes = _notes(threshold=threshold, label=label, rounding=rounding)
    return [
        _publish(table, layout, graph, label=label, rounding=rounding, notes=notes)
        for table, layout in zip(tables, layouts, strict=True)
    ]


def _notes(*, threshold: int, label: str, rounding: int | None) -> list[str]:
    notes = [
        _("%(label)s: from 1 to %(threshold)d, not shown to protect the people counted.")
        % {"label": label, "threshold": threshold},
        _("%(x)s: not shown, so that a hidden count cannot be worked out from the totals.")
        % {"x": SECONDARY_LABEL},
    ]
    if rounding:
        notes.append(
            _("Counts rounded to the nearest %(base)d; totals may differ from the sum of their parts.")
            % {"base": rounding}
        )
    return notes


def _cell(graph: _Graph, index: int, *, label: str, rounding: int | None) -> Cell:
    node = graph.nodes[index]
    if node.suppressed:
        return Cell(
            value=None,
            display=label if node.primary else SECONDARY_LABEL,
            suppressed=True,
            primary=node.primary,
        )
    value = _round(node.value, rounding)
    return Cell(value=value, display=str(value))


def _rate(cells: dict[str, Cell], numerator: tuple[str, ...], denominator: tuple[str, ...]) -> Cell:
    inputs = [cells[code] for code in (*numerator, *denominator)]
    if any(cell.suppressed for cell in inputs):
        return Cell(value=None, display=SECONDARY_LABEL, suppressed=True, rate=True)
    below = sum(cells[code].value or 0 for code in denominator)
    if not below:
        return Cell(value=None, display=NO_RATE, rate=True)
    percent = round(100 * sum(cells[code].value or 0 for code in numerator) / below)
    return Cell(value=percent, display=f"{percent}%", rate=True)


def _publish(
    table: Table, layout: _Layout, graph: _Graph, *, label: str, rounding: int | None, notes: list[str]
) -> PublishedTable:
    def cell(index: int) -> Cell:
        return _cell(graph, index, label=label, rounding=rounding)

    col_codes = [code for code, _label in table.cols]
    cells = [[cell(index) for index in row] for row in layout.cells]
    col_totals = [cell(index) for index in layout.col_totals]
    cols = list(table.cols)
    for code, ratio_label, numerator, denominator in table.ratios:
        cols.append((code, str(ratio_label)))
        for row in cells:
            row.append(_rate(dict(zip(col_codes, row, strict=False)), numerator, denominator))
        col_totals.append(_rate(dict(zip(col_codes, col_totals, strict=False)), numerator, denominator))
    return PublishedTable(
        key=table.key,
        title=table.title,
        row_dim=table.row_dim,
        col_dim=table.col_dim,
        rows=list(table.rows),
        cols=cols,
        cells=cells,
        row_totals=[cell(index) for index in layout.row_totals],
        col_totals=col_totals,
        total=cell(layout.total),
        unit=table.unit,
        notes=[*table.notes, *notes],
        rate_cols=[code for code, *_rest in table.ratios],
        measure=table.measure,
        show_totals=table.show_totals,
    )
