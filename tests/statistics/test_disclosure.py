"""Disclosure control: primary and secondary suppression, across the tables of one request,
zero stays zero, rounding to 5, the label setting, rates, and a property test.

Recoverability is checked with an independent solver (below): a hidden count is recoverable
when the published counts and the tables' sums fix it exactly, i.e. when its unit vector lies in
the row space of the sum equations restricted to the hidden counts (rank test).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.disclosure import SECONDARY_LABEL, protect
from reports.types import PublishedTable, Scope, Table

SCOPE = Scope(centre_ids=(1,), start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))


# --- tables and an independent check ---------------------------------------------------------


def grid(counts: list[list[int]], *, key="t", rows="nationality", cols="gender", measure="served") -> Table:
    """An additive 2-D table of unique persons by two person categories."""
    return Table(
        key=key,
        title=key,
        row_dim=rows,
        col_dim=cols,
        rows=[(f"r{i}", f"r{i}") for i in range(len(counts))],
        cols=[(f"c{j}", f"c{j}") for j in range(len(counts[0]))],
        counts=counts,
        row_totals=[sum(row) for row in counts],
        col_totals=[sum(row[j] for row in counts) for j in range(len(counts[0]))],
        total=sum(map(sum, counts)),
        measure=measure,
        scope=SCOPE,
    )


def column(values: list[int], *, key="m", dim="nationality", measure="served", code="r") -> Table:
    """A 1-D table (one column) of the same persons by one category."""
    return Table(
        key=key,
        title=key,
        row_dim=dim,
        col_dim="",
        rows=[(f"{code}{i}", f"{code}{i}") for i in range(len(values))],
        cols=[("n", "n")],
        counts=[[v] for v in values],
        row_totals=list(values),
        col_totals=[sum(values)],
        total=sum(values),
        measure=measure,
        scope=SCOPE,
    )


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [row[:] for row in matrix]
    rank = 0
    width = len(rows[0]) if rows else 0
    for j in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][j] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][j] != 0:
                factor = rows[i][j] / rows[rank][j]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def recoverable(
    equations: list[tuple[str, list[str]]], values: dict[str, int], hidden: set[str], threshold=9
):
    """The hidden names with a value from 1 to ``threshold`` that the equations fix exactly."""
    unknowns = sorted(hidden)
    matrix = []
    for total, parts in equations:
        row = [Fraction(0)] * len(unknowns)
        for j, name in enumerate(unknowns):
            row[j] += parts.count(name) - (1 if name == total else 0)
        if any(row):
            matrix.append(row)
    base = _rank(matrix) if matrix else 0
    found = []
    for j, name in enumerate(unknowns):
        if 1 <= values[name] <= threshold:
            unit = [Fraction(int(k == j)) for k in range(len(unknowns))]
            if _rank([*matrix, unit]) == base:
                found.append(name)
    return found


def grid_system(counts: list[list[int]]):
    """Names, values and sum equations of an additive 2-D table with its margins."""
    n_rows, n_cols = len(counts), len(counts[0])
    values = {f"c{i}.{j}": counts[i][j] for i in range(n_rows) for j in range(n_cols)}
    values.update({f"r{i}": sum(counts[i]) for i in range(n_rows)})
    values.update({f"k{j}": sum(row[j] for row in counts) for j in range(n_cols)})
    values["t"] = sum(map(sum, counts))
    equations = [(f"r{i}", [f"c{i}.{j}" for j in range(n_cols)]) for i in range(n_rows)]
    equations += [(f"k{j}", [f"c{i}.{j}" for i in range(n_rows)]) for j in range(n_cols)]
    equations += [("t", [f"r{i}" for i in range(n_rows)]), ("t", [f"k{j}" for j in range(n_cols)])]
    return values, equations


def hidden_in(published: PublishedTable) -> set[str]:
    names = {
        f"c{i}.{j}" for i, row in enumerate(published.cells) for j, cell in enumerate(row) if cell.suppressed
    }
    names |= {f"r{i}" for i, cell in enumerate(published.row_totals) if cell.suppressed}
    names |= {f"k{j}" for j, cell in enumerate(published.col_totals) if cell.suppressed}
    return names | ({"t"} if published.total.suppressed else set())


def displays(published: PublishedTable) -> list[list[str]]:
    return [[cell.display for cell in row] for row in published.cells]


# --- primary suppression, zero, label --------------------------------------------------------


def test_counts_from_one_to_the_threshold_read_as_the_label_and_zero_stays_zero(settings):
    settings.KEM_SUPPRESSION_THRESHOLD = 9
    settings.KEM_SUPPRESSION_LABEL = ""
    [published] = protect([column([0, 1, 3, 10, 40])])
    cells = [row[0] for row in published.cells]
    assert [c.display for c in cells[:3]] == ["0", "<10", "<10"]
    assert cells[0].value == 0 and not cells[0].suppressed
    assert cells[1].primary and cells[2].primary and cells[1].value is None
    # 1 + 3 = 54 - 10 - 40 would say "these two groups make 4 people": 10, the smallest count
    # left, is hidden with them (the total 54 stays published).
    assert cells[3].display == SECONDARY_LABEL and cells[3].suppressed and not cells[3].primary
    assert cells[4].display == "40"
    assert published.total.display == "54"


def test_the_label_comes_from_the_setting_or_from_the_threshold(settings):
    settings.KEM_SUPPRESSION_LABEL = "≤9"
    [published] = protect([column([3, 30, 40])])
    assert published.cells[0][0].display == "≤9"
    settings.KEM_SUPPRESSION_LABEL = ""
    settings.KEM_SUPPRESSION_THRESHOLD = 4
    [published] = protect([column([3, 5, 40, 50])])
    assert published.cells[0][0].display == "<5"
    assert published.cells[1][0].display == SECONDARY_LABEL  # 5 is above 4: hidden only to protect 3
    [published] = protect([column([3, 5, 40, 50])], threshold=2)
    assert [row[0].display for row in published.cells] == ["3", "5", "40", "50"]


# --- secondary suppression -------------------------------------------------------------------


def test_a_row_with_one_suppressed_cell_and_a_published_total_hides_a_second_cell():
    counts = [[3, 20, 30], [15, 25, 40]]
    values, equations = grid_system(counts)
    # The naive way (hide 3 only) leaks it: 3 = 53 - 20 - 30.
    assert recoverable(equations, values, {"c0.0"}) == ["c0.0"]
    [published] = protect([grid(counts)])
    assert published.cells[0][0].display == "<10"
    assert published.row_totals[0].display == "53"
    hidden = hidden_in(published)
    assert sum(name.startswith("c0.") for name in hidden) >= 2  # its row
    assert sum(name.endswith(".0") and name.startswith("c") for name in hidden) >= 2  # its column
    assert recoverable(equations, values, hidden) == []


def test_a_column_with_one_suppressed_cell_hides_a_second_one():
    counts = [[40, 12], [30, 2], [25, 50]]
    [published] = protect([grid(counts)])
    column_1 = [row[1] for row in published.cells]
    assert column_1[1].display == "<10"
    assert sum(cell.suppressed for cell in column_1) >= 2
    values, equations = grid_system(counts)
    assert recoverable(equations, values, hidden_in(published)) == []


def test_hidden_cells_of_a_line_never_add_up_to_a_small_group():
    # 2 and 3 hidden with a published total would say "these two groups make 5 people".
    [published] = protect([column([2, 3, 40, 50])])
    hidden = [row[0].value for row in published.cells]
    assert hidden[:2] == [None, None]
    assert hidden[2] is None  # a third count hidden with them
    assert published.total.display == "95"


def test_a_two_way_table_and_its_margins_in_one_request_are_protected_together():
    counts = [[20, 5], [0, 40]]  # nationality x gender
    values, equations = grid_system(counts)
    two_way = grid(counts, key="nationality.gender")
    nationality = column([25, 40], key="nationality")
    gender = column([20, 45], key="gender", dim="gender", code="c")

    # Protected one by one, the margins (no small count in them) are published whole, and with
    # the two-way table's published cells they give the hidden 5 away: 20 women of r0 (the only
    # non-zero cell of c0), so 25 - 20 = 5.
    alone = protect([two_way])[0]
    margins = {f"r{i}" for i in range(2)} | {f"k{j}" for j in range(2)} | {"t"}
    leaky = hidden_in(alone) - margins
    assert "c0.1" in recoverable(equations, values, leaky)

    published = protect([two_way, nationality, gender])
    both, by_nationality, by_gender = published
    for i in range(2):
        assert both.row_totals[i].display == by_nationality.cells[i][0].display
    for j in range(2):
        assert both.col_totals[j].display == by_gender.cells[j][0].display
    assert both.total.display == by_nationality.total.display == by_gender.total.display
    assert recoverable(equations, values, hidden_in(both)) == []


def test_the_same_figure_in_two_tables_is_hidden_in_both():
    """An analyst's request: sessions by centre over two centres, and each centre's headline
    figures side by side. Centre 2's 40 sessions are hidden in the first table to protect
    centre 1's 3; shown in centre 2's headline they would give the 3 away (43 - 40)."""
    both = Scope(centre_ids=(1, 2), start=SCOPE.start, end=SCOPE.end)
    by_centre = column([3, 40], key="sessions_by_centre", dim="centre", measure="sessions", code="")
    by_centre.rows = [("1", "Athens"), ("2", "Thessaloniki")]
    by_centre.scope = both

    def figures(centre: int, sessions: int) -> Table:
        return Table(
            key="headline.figures",
            title="",
            row_dim="measure",
            col_dim="",
            rows=[("served", "served"), ("sessions", "sessions")],
            cols=[("n", "n")],
            counts=[[50], [sessions]],
            row_totals=[50, sessions],
            col_totals=[0],
            total=0,
            additive=False,
            row_totals_additive=True,
            col_totals_additive=False,
            measure="figures",
            scope=Scope(centre_ids=(centre,), start=SCOPE.start, end=SCOPE.end),
            show_totals=False,
        )

    published = protect([by_centre, figures(1, 3), figures(2, 40)])
    assert [row[0].display for row in published[0].cells] == ["<10", SECONDARY_LABEL]
    assert published[0].total.display == "43"
    assert published[1].cells[1][0].display == "<10"
    assert published[2].cells[1][0].display == SECONDARY_LABEL
    assert published[2].cells[0][0].display == "50"
    # Protected alone, centre 2's headline has nothing small and would show 40.
    assert protect([figures(2, 40)])[0].cells[1][0].display == "40"


def test_a_small_complement_is_not_left_to_subtraction():
    # 40 of 43 participants have a disability: publishing 40 and 43 says 3 do not.
    table = Table(
        key="esf.participants",
        title="",
        row_dim="esf_indicator",
        col_dim="",
        rows=[("participants", "p"), ("disability", "d")],
        cols=[("n", "n")],
        counts=[[43], [40]],
        row_totals=[43, 40],
        col_totals=[0],
        total=0,
        additive=False,
        row_totals_additive=True,
        col_totals_additive=False,
        measure="esf",
        scope=SCOPE,
        relations=[("participants", ("disability", "no_disability"))],
        hidden_rows=[("no_disability", [3])],
        show_totals=False,
    )
    [published] = protect([table])
    assert published.cells[1][0].display == SECONDARY_LABEL
    assert [code for code, _label in published.rows] == ["participants", "disability"]


# --- rounding, rates, classes ----------------------------------------------------------------


def test_rounding_to_5_rounds_published_counts_and_keeps_zero():
    [published] = protect([column([0, 12, 13, 22, 27])], rounding=5)
    assert [row[0].display for row in published.cells] == ["0", "10", "15", "20", "25"]
    assert published.total.display == "75"  # 74, rounded on its own
    assert any("5" in note for note in published.notes)


def test_rounding_never_turns_a_count_into_zero():
    [published] = protect([column([0, 1, 2])], threshold=0, rounding=5)
    assert [row[0].display for row in published.cells] == ["0", "5", "5"]


def test_rounding_other_than_5_is_refused():
    with pytest.raises(ValueError):
        protect([column([1])], rounding=10)


def test_rates_come_from_published_counts_and_hide_with_them():
    table = grid([[30, 10], [4, 40], [20, 25]], key="referrals", rows="working_area", cols="referral_status")
    table.measure = "referrals"
    table.ratios = [("acceptance_rate", "rate", ("c0",), ("c0", "c1"))]
    [published] = protect([table])
    assert published.rate_cols == ["acceptance_rate"]
    assert published.cols[-1][0] == "acceptance_rate"
    first, second, third = published.cells
    assert first[2].rate and first[2].value == 75 and first[2].display == "75%"
    assert second[0].suppressed and second[2].suppressed and second[2].value is None
    assert third[2].suppressed
    # The totals' rate from the published totals: 54 of 129.
    assert published.col_totals[2].display == f"{round(100 * 54 / 129)}%"


def test_class_counts_are_not_suppressed():
    table = grid([[1, 2], [0, 3]], key="classes", rows="course", cols="class_status", measure="classes")
    table.unit = "classes"
    [published] = protect([table])
    assert displays(published) == [["1", "2"], ["0", "3"]]


# --- property ---------------------------------------------------------------------------------

small_counts = st.sampled_from([0, 0, 0, 1, 2, 3, 5, 8, 9, 10, 11, 14, 20, 35, 60])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda n_rows: st.integers(min_value=1, max_value=4).flatmap(
            lambda n_cols: st.lists(
                st.lists(small_counts, min_size=n_cols, max_size=n_cols), min_size=n_rows, max_size=n_rows
            )
        )
    )
)
def test_no_line_of_a_random_table_gives_a_small_count_away(counts):
    [published] = protect([grid(counts)], threshold=9)
    values, equations = grid_system(counts)
    hidden = hidden_in(published)
    for name, value in values.items():
        if value == 0:
            assert name not in hidden
        if 1 <= value <= 9:
            assert name in hidden
    shown = {f"c{i}.{j}": cell.value for i, row in enumerate(published.cells) for j, cell in enumerate(row)}
    assert all(shown[name] == values[name] for name in shown if name not in hidden)
    for total, parts in equations:
        line = [total, *parts]
        assert sum(name in hidden for name in line) != 1, (total, parts)
    assert recoverable(equations, values, hidden) == []
