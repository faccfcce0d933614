"""ESF+ participant indicators (common output and immediate result indicators).

Who is a participant of a period. The centre's work at the scoped centres is the operation; a
person *enters* it on the day of their first activity there (registration, a counselling session
held, an interpreter request, a referral sent, a seat in a class, a lesson attended — see
:mod:`reports.sources`). A period's participants are those whose first entry falls in the
period, so each person is counted once per operation (adding up the years never counts anyone
twice), whatever they did later.

What is counted of them:
- characteristics as recorded on the person (gender, employment status, education, disability,
  nationality, legal status, arrival year, housing), which the front desk records at
  registration — the record of the first entry; the age is the age reached in the year of entry
  (the year of birth only: the date of birth is sealed);
- unemployed includes the long-term unemployed; inactive includes people in education or
  training; employed includes the self-employed;
- third-country nationals: a nationality outside the EU, the EEA and Switzerland and not an EU
  citizen by status, or, nationality unrecorded, a legal status only third-country nationals
  have (asylum seeker, refugee, subsidiary or temporary protection, residence permit, long-term
  resident);
- foreign background: a nationality other than Greek, or an arrival year recorded (born abroad);
- homeless or affected by housing exclusion (ETHOS categories): homeless, in a shelter, in a
  reception facility or camp, in a housing programme for applicants (temporary accommodation),
  or hosted by relatives or friends (insecure housing);
- immediate results, at the last exit, i.e. as recorded by the end of the reporting period:
  *gaining a qualification* = a certificate of attendance (not revoked) from a class of the
  scoped centres; *in employment* = an employment-counselling outcome "employed" recorded at the
  scoped centres. Both count each participant once.

Every count is one query: the first entries, joined to the person, counted with conditional
sums. The disability is special-category data, sealed on the person: the same query also lists
the participants' ids, and their disability facts are looked up by pseudonym
(``kem.models.facts.people_with_fact``: one HMAC per participant, nobody's data opened).
"""

from __future__ import annotations

import uuid

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import EmploymentOutcome, OutcomeKind
from courses.models import Certificate
from kem.choices import Education, Employment, Gender, Housing, LegalStatus
from kem.models.facts import DISABILITY, people_with_fact
from reports.engine import SINGLE_COLUMN, person_join, union_sql
from reports.types import Scope, Table

ENTRY_SOURCES = ("registration", "session", "interpreter", "referral", "enrolment", "attendance")

# EU member states, the other EEA countries and Switzerland (ISO 3166-1 alpha-2).
EU_EEA_CH = [
    "AT",
    "BE",
    "BG",
    "HR",
    "CY",
    "CZ",
    "DK",
    "EE",
    "FI",
    "FR",
    "DE",
    "GR",
    "HU",
    "IE",
    "IT",
    "LV",
    "LT",
    "LU",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SK",
    "SI",
    "ES",
    "SE",
    "IS",
    "LI",
    "NO",
    "CH",
]
TCN_STATUSES = (
    LegalStatus.ASYLUM_SEEKER,
    LegalStatus.REFUGEE,
    LegalStatus.SUBSIDIARY_PROTECTION,
    LegalStatus.TEMPORARY_PROTECTION,
    LegalStatus.TCN_WITH_PERMIT,
    LegalStatus.LONG_TERM_RESIDENT,
)
HOUSING_EXCLUSION = (
    Housing.HOMELESS,
    Housing.SHELTER,
    Housing.RECEPTION_FACILITY,
    Housing.HOUSING_PROGRAMME,
    Housing.HOSTED,
)


def _in(column: str, values) -> str:
    return f"x.{column} IN ({', '.join(repr(str(v)) for v in values)})"


_AGE = "(CAST(x.first_day / 10000 AS INTEGER) - x.birth_year)"
_TCN = (
    f"(NOT (x.legal_status = '{LegalStatus.EU_CITIZEN}' OR {_in('nationality', EU_EEA_CH)}) "
    f"AND (x.nationality <> '' OR {_in('legal_status', TCN_STATUSES)}))"
)

# The disability is sealed on the person (special-category data): its indicators are counted from
# the pseudonymous facts (``kem.models.facts``) of the participants, not by SQL over the person.
FROM_FACTS = ""

# (code, label, SQL condition over one participant ``x``); in display order.
INDICATORS: list[tuple[str, str, str]] = [
    ("participants", gettext_lazy("Participants"), "1 = 1"),
    ("women", gettext_lazy("Women"), f"x.gender = '{Gender.FEMALE}'"),
    ("men", gettext_lazy("Men"), f"x.gender = '{Gender.MALE}'"),
    ("non_binary", gettext_lazy("Non-binary"), f"x.gender = '{Gender.NON_BINARY}'"),
    (
        "gender_not_stated",
        gettext_lazy("Gender not stated"),
        f"NOT {_in('gender', (Gender.FEMALE, Gender.MALE, Gender.NON_BINARY))}",
    ),
    (
        "unemployed",
        gettext_lazy("Unemployed, including long-term unemployed"),
        _in("employment", (Employment.UNEMPLOYED, Employment.LONG_TERM_UNEMPLOYED)),
    ),
    (
        "long_term_unemployed",
        gettext_lazy("Long-term unemployed"),
        _in("employment", (Employment.LONG_TERM_UNEMPLOYED,)),
    ),
    ("inactive", gettext_lazy("Inactive"), _in("employment", (Employment.INACTIVE, Employment.IN_EDUCATION))),
    (
        "employed",
        gettext_lazy("Employed, including self-employed"),
        _in("employment", (Employment.EMPLOYED, Employment.SELF_EMPLOYED)),
    ),
    (
        "employment_not_stated",
        gettext_lazy("Employment status not stated"),
        "NOT "
        + _in(
            "employment",
            (
                Employment.UNEMPLOYED,
                Employment.LONG_TERM_UNEMPLOYED,
                Employment.INACTIVE,
                Employment.IN_EDUCATION,
                Employment.EMPLOYED,
                Employment.SELF_EMPLOYED,
            ),
        ),
    ),
    ("under_18", gettext_lazy("Below 18 years of age"), f"x.birth_year IS NOT NULL AND {_AGE} < 18"),
    (
        "18_29",
        gettext_lazy("18 to 29 years of age"),
        f"x.birth_year IS NOT NULL AND {_AGE} BETWEEN 18 AND 29",
    ),
    (
        "30_54",
        gettext_lazy("30 to 54 years of age"),
        f"x.birth_year IS NOT NULL AND {_AGE} BETWEEN 30 AND 54",
    ),
    ("55_plus", gettext_lazy("55 years of age and above"), f"x.birth_year IS NOT NULL AND {_AGE} >= 55"),
    ("age_unknown", gettext_lazy("Year of birth not recorded"), "x.birth_year IS NULL"),
    (
        "isced_0_2",
        gettext_lazy("With lower secondary education or less (ISCED 0-2)"),
        _in("education", (Education.ISCED_0, Education.ISCED_1, Education.ISCED_2)),
    ),
    (
        "isced_3_4",
        gettext_lazy("With upper secondary or post-secondary education (ISCED 3-4)"),
        _in("education", (Education.ISCED_3, Education.ISCED_4)),
    ),
    (
        "isced_5_8",
        gettext_lazy("With tertiary education (ISCED 5-8)"),
        _in("education", (Education.ISCED_5_8,)),
    ),
    (
        "education_not_stated",
        gettext_lazy("Education not stated"),
        "NOT "
        + _in(
            "education",
            (
                Education.ISCED_0,
                Education.ISCED_1,
                Education.ISCED_2,
                Education.ISCED_3,
                Education.ISCED_4,
                Education.ISCED_5_8,
            ),
        ),
    ),
    ("disability", gettext_lazy("Participants with disabilities"), FROM_FACTS),
    ("third_country_nationals", gettext_lazy("Third-country nationals"), _TCN),
    (
        "foreign_background",
        gettext_lazy("Participants with a foreign background"),
        "((x.nationality <> '' AND x.nationality <> 'GR') OR x.arrival_year IS NOT NULL)",
    ),
    (
        "housing_exclusion",
        gettext_lazy("Homeless or affected by housing exclusion"),
        _in("housing", HOUSING_EXCLUSION),
    ),
    ("gained_qualification", gettext_lazy("Result: gaining a qualification"), "x.qualified = 1"),
    (
        "in_employment",
        gettext_lazy("Result: in employment, including self-employment"),
        "x.employed_after = 1",
    ),
]

# Complements never published but part of the equations: a small one (3 participants *without*
# a disability out of 50) must not be worked out by subtraction either.
HIDDEN: list[tuple[str, str]] = [
    ("short_term_unemployed", "x.employment = 'unemployed'"),
    ("no_disability", FROM_FACTS),
    ("not_third_country_nationals", f"NOT {_TCN}"),
    (
        "no_foreign_background",
        "NOT ((x.nationality <> '' AND x.nationality <> 'GR') OR x.arrival_year IS NOT NULL)",
    ),
    ("no_housing_exclusion", f"NOT {_in('housing', HOUSING_EXCLUSION)}"),
    ("no_qualification", "x.qualified = 0"),
    ("not_in_employment", "x.employed_after = 0"),
]

RELATIONS: list[tuple[str, tuple[str, ...]]] = [
    ("participants", ("women", "men", "non_binary", "gender_not_stated")),
    ("participants", ("unemployed", "inactive", "employed", "employment_not_stated")),
    ("unemployed", ("long_term_unemployed", "short_term_unemployed")),
    ("participants", ("under_18", "18_29", "30_54", "55_plus", "age_unknown")),
    ("participants", ("isced_0_2", "isced_3_4", "isced_5_8", "education_not_stated")),
    ("participants", ("disability", "no_disability")),
    ("participants", ("third_country_nationals", "not_third_country_nationals")),
    ("participants", ("foreign_background", "no_foreign_background")),
    ("participants", ("housing_exclusion", "no_housing_exclusion")),
    ("participants", ("gained_qualification", "no_qualification")),
    ("participants", ("in_employment", "not_in_employment")),
]


def _participants_sql(scope: Scope) -> tuple[str, list]:
    """One row per participant of the period: first entry, categories, result flags."""
    qn = connection.ops.quote_name
    entries, entry_params = union_sql(ENTRY_SOURCES, scope=scope, fields=["pid", "day"], start_open=True)
    first = scope.start.year * 10000 + scope.start.month * 100 + scope.start.day
    pid, day = qn("s_pid"), qn("s_day")
    cohort = (
        f"SELECT u.{pid} AS {pid}, MIN(u.{day}) AS first_day FROM ({entries}) u "  # noqa: S608
        f"GROUP BY u.{pid} HAVING MIN(u.{day}) >= {int(first)}"
    )
    qualified, q_params = (
        Certificate.objects.filter(
            revoked_at__isnull=True,
            issued_on__lte=scope.end,
            enrolment__course_class__centre_id__in=list(scope.centre_ids),
        )
        .values("enrolment__beneficiary_id")
        .order_by()
        .query.sql_with_params()
    )
    employed, w_params = (
        EmploymentOutcome.objects.filter(
            kind=OutcomeKind.EMPLOYED, achieved_on__lte=scope.end, case__centre_id__in=list(scope.centre_ids)
        )
        .values("case__beneficiary_id")
        .order_by()
        .query.sql_with_params()
    )
    columns = ["id", "gender", "employment", "education", "birth_year", "nationality"]
    columns += ["legal_status", "arrival_year", "housing"]
    picked = ", ".join(f"b.{qn(name)} AS {'pid' if name == 'id' else name}" for name in columns)
    key = f"b.{qn('id')}"
    sql = (
        f"SELECT {picked}, e.first_day AS first_day, "  # noqa: S608
        f"CASE WHEN {key} IN ({qualified}) THEN 1 ELSE 0 END AS qualified, "
        f"CASE WHEN {key} IN ({employed}) THEN 1 ELSE 0 END AS employed_after "
        f"FROM ({cohort}) e {person_join()}"
    )
    return sql, [*q_params, *w_params, *entry_params]


def esf_indicators(scope: Scope) -> Table:
    """The ESF+ participant indicators of the participants who entered in ``scope``'s period
    (key ``esf.participants``; rows = indicators, one column; see the module docstring)."""
    sql, params = _participants_sql(scope)
    conditions = [condition for _code, _label, condition in INDICATORS] + [c for _code, c in HIDDEN]
    in_sql = [c for c in conditions if c != FROM_FACTS]
    sums = ", ".join(f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)" for condition in in_sql)
    blanks = ", ".join("NULL" for _condition in in_sql)
    # One statement: the sums in the first row, then the participants' ids (the cohort is worked
    # out once; a CTE read twice is materialised by PostgreSQL).
    query = (
        f"WITH x AS ({sql}) "  # noqa: S608
        f"SELECT 0 AS part, NULL AS pid, {sums} FROM x "
        f"UNION ALL SELECT 1, x.pid, {blanks} FROM x"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    totals = next(row for row in rows if row[0] == 0)
    counted = iter([int(v or 0) for v in totals[2:]])
    participants = [uuid.UUID(str(row[1])) for row in rows if row[0] == 1]
    with_disability = len(people_with_fact(participants, DISABILITY))
    from_facts = {"disability": with_disability, "no_disability": len(participants) - with_disability}
    codes = [code for code, _label, _condition in INDICATORS] + [code for code, _condition in HIDDEN]
    values = [
        from_facts[code] if condition == FROM_FACTS else next(counted)
        for code, condition in zip(codes, conditions, strict=True)
    ]
    shown = values[: len(INDICATORS)]
    hidden = values[len(INDICATORS) :]
    return Table(
        key="esf.participants",
        title=_("ESF+ participant indicators"),
        row_dim="esf_indicator",
        col_dim="",
        rows=[(code, str(label)) for code, label, _condition in INDICATORS],
        cols=[(SINGLE_COLUMN, _("Participants"))],
        counts=[[v] for v in shown],
        row_totals=list(shown),
        col_totals=[0],
        total=0,
        unit="persons",
        additive=False,
        row_totals_additive=True,
        col_totals_additive=False,
        measure="esf",
        scope=scope,
        relations=list(RELATIONS),
        hidden_rows=[(code, [v]) for (code, _c), v in zip(HIDDEN, hidden, strict=True)],
        show_totals=False,
        notes=[
            _(
                "Participants who entered (first activity at the centre) in the period, each once; "
                "age at entry; results as recorded by the end of the period."
            )
        ],
    )
