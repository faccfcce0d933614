"""The reports: headline figures, breakdowns and the ESF+ participant indicators of a scope.

Every function returns raw :class:`~reports.types.Table` objects; nothing leaves the
package unprotected: pass them (all the tables of one request together) through
:func:`reports.disclosure.protect`.

Counts are of unique persons unless the unit says otherwise (sessions, requests, referrals,
enrolments, classes, attendance marks). What counts as an activity, and on which date, is in
:mod:`reports.sources`; dimensions and age bands in :mod:`reports.dims`.

Besides the dimensions of ``DIMENSIONS``, tables may have these row or column axes: ``measure``
(the headline figures), ``esf_indicator``, ``course`` and ``class_status`` /
``enrolment_outcome`` / ``attendance`` (class tables).
"""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext as _

from cases.models import ServiceArea
from courses.models import ClassStatus
from courses.selectors.figures import OUTCOMES, CourseFigures, course_figures
from reports.cache import cached
from reports.engine import SINGLE_COLUMN, breakdown_table, make_table, tuned, union_sql
from reports.esf import esf_indicators as _esf_indicators
from reports.measures import DIMENSIONS, MEASURES, dimensions_for
from reports.types import Scope, Table

__all__ = [
    "DIMENSIONS",
    "MEASURES",
    "breakdown",
    "dimensions_for",
    "esf_indicators",
    "headline",
]


HEADLINE_MEASURES = (
    "served",
    "registered",
    "session_participants",
    "sessions",
    "interpreter_requests",
    "referrals",
    "enrolments",
    "learners",
    "graduates",
)


def breakdown(scope: Scope, *, measure: str, rows: str, cols: str = "", top_n: int = 10) -> Table:
    """``measure`` in ``scope`` by the dimension ``rows`` (and ``cols``), e.g. unique
    beneficiaries served by nationality and gender. ``top_n`` keeps the N largest categories
    of nationality, municipality and language and folds the rest into "other".

    ValueError for an unknown measure or a dimension it cannot be broken down by (see
    ``dimensions_for``). Totals are counted, not summed: a person served in March and in May is
    one person in the total (and then ``additive`` is False).
    """
    if measure not in MEASURES:
        raise ValueError(f"Unknown measure {measure!r}.")
    return cached(
        "breakdown",
        scope,
        lambda: _tuned(breakdown_table, scope, measure=measure, rows=rows, cols=cols, top_n=top_n),
        measure=measure,
        rows=rows,
        cols=cols,
        top_n=top_n,
    )


def esf_indicators(scope: Scope) -> Table:
    """The ESF+ participant indicators of ``scope`` (see :mod:`reports.esf`)."""
    return cached("esf", scope, lambda: _tuned(_esf_indicators, scope))


def _tuned(function, *args, **kwargs):
    with tuned():
        return function(*args, **kwargs)


def headline(scope: Scope) -> list[Table]:
    """The centre's (or centres') headline report for the period: the figures (unique
    beneficiaries served, new registrations, counselling participants and sessions, interpreter
    requests, referrals, enrolments, learners, graduates), then sessions and participants by
    service area, interpreter requests by language, referrals by working area and how they
    stand (with acceptance and success rates), and the classes of the period by course: their
    status, how their enrolments ended, and attendance (with its rate).

    A fixed number of queries whatever the size of the data (about a dozen); cached for closed
    periods (:mod:`reports.cache`).
    """
    return cached("headline", scope, lambda: _headline(scope))


def _headline(scope: Scope) -> list[Table]:
    with tuned():
        figures, sessions, participants = _activities(scope)
        languages = breakdown_table(scope, measure="interpreter_requests", rows="language")
        languages.key, languages.title = (
            "headline.interpreters_by_language",
            _("Interpreter requests by language"),
        )
        tables = [figures, sessions, participants, languages, _referrals(scope)]
        courses = course_figures(centre_ids=scope.centre_ids, start=scope.start, end=scope.end)
        return tables + _classes(scope, courses)


SOURCES = ("registration", "session", "interpreter", "referral", "enrolment", "attendance", "graduation")


def _activities(scope: Scope) -> tuple[Table, Table, Table]:
    """The headline figures, and sessions and participants by service area (one query)."""
    values, area_sessions, area_people = _activity_counts(scope)

    def by_area_table(measure: str, per_area: dict[str, int], key: str, title: str) -> Table:
        total = values[measure]
        table = make_table(
            scope,
            measure=measure,
            rows="area",
            cols="",
            cells={(code, SINGLE_COLUMN): n for code, n in per_area.items()},
            row_totals=per_area,
            col_totals={SINGLE_COLUMN: total},
            total=total,
        )
        table.key, table.title = key, title
        return table

    sessions = by_area_table(
        "sessions", area_sessions, "headline.sessions_by_area", _("Counselling sessions held by service area")
    )
    participants = by_area_table(
        "session_participants",
        area_people,
        "headline.participants_by_area",
        _("Unique participants in counselling by service area"),
    )
    return _figures_table(scope, values), sessions, participants


def _activity_counts(scope: Scope) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Every headline figure, and sessions and people per service area, in one query.

    Every activity of the period is stacked once (sessions, the bulk, are read once) and folded
    into one row per person (a single hash aggregation on the person): their activities of each
    kind and their sessions in each service area. Sums over those rows give every figure: an
    activity count is a sum, a count of unique people the number of rows where it is not zero.
    """
    qn = connection.ops.quote_name
    sql, params = union_sql(SOURCES, scope=scope, fields=["pid", "area"], kind=True, null_missing=True)
    kind, pid, area = qn("s_kind"), qn("s_pid"), qn("s_area")
    areas = list(ServiceArea.values)
    per_kind = [f"SUM(CASE WHEN e.{kind} = '{k}' THEN 1 ELSE 0 END) AS k{i}" for i, k in enumerate(SOURCES)]
    per_area = [
        f"SUM(CASE WHEN e.{kind} = 'session' AND e.{area} = '{a}' THEN 1 ELSE 0 END) AS a{i}"
        for i, a in enumerate(areas)
    ]
    person = f"SELECT {', '.join(per_kind + per_area)} FROM ({sql}) e GROUP BY e.{pid}"  # noqa: S608

    def anyone(*names: str) -> str:
        return f"SUM(CASE WHEN {' + '.join(f'x.{n}' for n in names)} > 0 THEN 1 ELSE 0 END)"

    kinds = {k: f"k{i}" for i, k in enumerate(SOURCES)}
    served = [kinds[k] for k in SOURCES if k != "graduation"]
    totals = {
        "served": anyone(*served),
        "registered": f"SUM(x.{kinds['registration']})",
        "session_participants": anyone(kinds["session"]),
        "sessions": f"SUM(x.{kinds['session']})",
        "interpreter_requests": f"SUM(x.{kinds['interpreter']})",
        "referrals": f"SUM(x.{kinds['referral']})",
        "enrolments": f"SUM(x.{kinds['enrolment']})",
        "learners": anyone(kinds["enrolment"], kinds["attendance"]),
        "graduates": anyone(kinds["graduation"]),
    }
    by_area = [f"SUM(x.a{i})" for i in range(len(areas))] + [anyone(f"a{i}") for i in range(len(areas))]
    columns = [totals[m] for m in HEADLINE_MEASURES] + by_area
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM ({person}) x", params)  # noqa: S608
        row = [int(v or 0) for v in cursor.fetchone()]
    values = dict(zip(HEADLINE_MEASURES, row, strict=False))
    area_sessions = dict(
        zip(areas, row[len(HEADLINE_MEASURES) : len(HEADLINE_MEASURES) + len(areas)], strict=True)
    )
    area_people = dict(zip(areas, row[len(HEADLINE_MEASURES) + len(areas) :], strict=True))
    return values, area_sessions, area_people


def _figures_table(scope: Scope, values: dict[str, int]) -> Table:
    counts = [values[m] for m in HEADLINE_MEASURES]
    return Table(
        key="headline.figures",
        title=_("Headline figures"),
        row_dim="measure",
        col_dim="",
        rows=[(m, str(MEASURES[m])) for m in HEADLINE_MEASURES],
        cols=[(SINGLE_COLUMN, _("Count"))],
        counts=[[v] for v in counts],
        row_totals=list(counts),
        col_totals=[0],
        total=0,
        unit="figures",
        additive=False,
        row_totals_additive=True,
        col_totals_additive=False,
        measure="figures",
        scope=scope,
        show_totals=False,
        notes=[_("Unique persons, except sessions, interpreter requests, referrals and enrolments.")],
    )


def _referrals(scope: Scope) -> Table:
    table = breakdown_table(scope, measure="referrals", rows="working_area", cols="referral_status")
    table.key, table.title = "headline.referrals", _("Referrals sent by working area, and how they stand")
    accepted = ("accepted", "successful", "unsuccessful", "withdrawn_after_answer")
    table.ratios = [
        ("acceptance_rate", _("Acceptance rate"), accepted, (*accepted, "declined")),
        ("success_rate", _("Success rate"), ("successful",), ("successful", "unsuccessful")),
    ]
    return table


def _course_rows(figures: CourseFigures) -> list[tuple[str, str]]:
    return [(str(f.course_id), f.name) for f in figures.by_course]


def _grid(figures: CourseFigures, values: list[list[int]], **fields) -> Table:
    row_totals = [sum(row) for row in values]
    width = len(fields["cols"])
    col_totals = [sum(row[j] for row in values) for j in range(width)]
    return Table(
        row_dim="course",
        rows=_course_rows(figures),
        counts=values,
        row_totals=row_totals,
        col_totals=col_totals,
        total=sum(row_totals),
        additive=True,
        **fields,
    )


def _classes(scope: Scope, figures: CourseFigures) -> list[Table]:
    statuses = [(s.value, str(s.label)) for s in ClassStatus]
    classes = _grid(
        figures,
        [[f.classes.get(code, 0) for code, _label in statuses] for f in figures.by_course],
        key="headline.classes",
        title=_("Classes of the period by course and status"),
        col_dim="class_status",
        cols=statuses,
        unit="classes",
        measure="classes",
        scope=scope,
    )
    outcome_labels = [(str(s.value), str(s.label)) for s in OUTCOMES]
    results = _grid(
        figures,
        [[f.outcomes.get(code, 0) for code, _label in outcome_labels] for f in figures.by_course],
        key="headline.class_results",
        title=_("Enrolments in the classes of the period, by how they stand"),
        col_dim="enrolment_outcome",
        cols=outcome_labels,
        unit="enrolments",
        measure="class_enrolments",
        scope=scope,
    )
    attendance = _grid(
        figures,
        [[f.attended, f.not_attended] for f in figures.by_course],
        key="headline.attendance",
        title=_("Attendance at the lessons of the period"),
        col_dim="attendance",
        cols=[("attended", _("Present or late")), ("missed", _("Absent or excused"))],
        unit="attendance marks",
        measure="attendance",
        scope=scope,
    )
    attendance.ratios = [("attendance_rate", _("Attendance rate"), ("attended",), ("attended", "missed"))]
    return [classes, results, attendance]
