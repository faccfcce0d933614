"""Benchmark of the statistics engine at scale (PostgreSQL only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kem_bench_stats \\
        .venv/bin/python bench/statistics_bench.py [--people 100000] [--sessions 1000000] [--runs 3]

Give it a throw-away database: the script migrates it, fills it with SQL (``INSERT … SELECT
generate_series``: N beneficiaries with valid person-key rows holding a fixed dummy "ciphertext"
— nothing is ever opened —, cases, M counselling sessions over 2024–2025, interpreter requests,
referrals, classes, enrolments, lessons and attendance), runs ``VACUUM ANALYZE``, then times, for the
year 2025:

- the headline report of the whole network and of one centre, *cold* (the application cache
  emptied before each run; the database's own buffers stay warm after the first run) and
  *cached* (a closed period, served from Django's cache);
- a breakdown (served by nationality and gender), the ESF+ indicators, and protect() of the
  headline's tables.

Prints the median of ``--runs`` runs of each and the number of queries of one headline. A database
already holding exactly ``--people`` bench beneficiaries is reused (``--rebuild`` refills it).
"""

# The fill statements are SQL with inlined integers from the command line (a throw-away database).
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH_ROOT_KEY = "YmVuY2gtb25seS1rZXktbmV2ZXItcHJvZHVjdGlvbiE="  # 32 bytes, throw-away data only
CENTRES = 10
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))

NATIONALITIES = "AF AF AF SY SY SY IQ IQ PK PK SO CD UA UA ER BD IR TR EG NG GE AL MA DZ CM GN SN SD YE PS"
GENDERS = "female female female male male male male non_binary not_stated not_stated"
LEGAL = "asylum_seeker asylum_seeker refugee refugee subsidiary_protection temporary_protection tcn_permit long_term_resident other"
HOUSING = "own_or_rented own_or_rented hosted housing_programme reception_facility shelter homeless other not_stated"
EMPLOYMENT = (
    "employed self_employed unemployed unemployed long_term_unemployed inactive in_education not_stated"
)
EDUCATION = "isced_0 isced_1 isced_2 isced_3 isced_4 isced_5_8 not_stated"
MUNICIPALITIES = "Αθήνα Αθήνα Πειραιάς Περιστέρι Καλλιθέα Θεσσαλονίκη Λάρισα Πάτρα Ηράκλειο Ιωάννινα"
AREAS = "psychosocial administrative legal employment social_benefits"


def _array(words: str) -> str:
    items = ", ".join("'" + w + "'" for w in words.split())
    return f"ARRAY[{items}]"


def _pick(words: str, seed: str) -> str:
    """SQL picking one of ``words`` pseudo-randomly by a hash of ``seed`` (an SQL expression)."""
    n = len(words.split())
    return f"({_array(words)})[1 + abs(hashtext({seed})) % {n}]"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a throw-away PostgreSQL database.")
    os.environ.setdefault("KEM_ROOT_KEY", BENCH_ROOT_KEY)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def run_sql(label: str, sql: str) -> None:
    """Run one bench statement (its numbers are inlined: they come from the command line as ints)."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.rowcount
    print(f"  {label}: {rows:,} rows in {time.perf_counter() - start:.1f} s", flush=True)


def fill(people: int, sessions: int) -> None:
    """Everything the reports read, made in the database with generate_series."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from cases.models import Language
    from courses.models import Course, Level, Subject
    from kem.models import Centre
    from partners.models import PartnerService

    print(f"Filling: {people:,} people, {sessions:,} sessions", flush=True)
    with transaction.atomic():
        user = get_user_model().objects.create(username="bench-statistics")
        centres = [
            Centre.objects.create(name_el=f"ΚΕΜ {i}", name_en=f"KEM {i}", municipality="Αθήνα")
            for i in range(CENTRES)
        ]
        courses = [
            Course.objects.create(
                name_el=f"Ελληνικά {lv}",
                name_en=f"Greek {lv}",
                subject=Subject.GREEK,
                level=lv,
                planned_hours=60,
            )
            for lv in (Level.A1, Level.A2, Level.B1)
        ] + [
            Course.objects.create(
                name_el="Υπολογιστές",
                name_en="Computers",
                subject=Subject.COMPUTERS,
                level=Level.BASIC,
                planned_hours=40,
            )
        ]
    centre_ids = "ARRAY[" + ", ".join(str(c.pk) for c in centres) + "]::bigint[]"
    languages = (
        "ARRAY[" + ", ".join(str(pk) for pk in Language.objects.values_list("pk", flat=True)) + "]::bigint[]"
    )
    services = (
        "ARRAY["
        + ", ".join(str(pk) for pk in PartnerService.objects.values_list("pk", flat=True))
        + "]::bigint[]"
    )
    n_lang = Language.objects.count()
    n_services = PartnerService.objects.count()
    u = user.pk
    centre_of = f"({centre_ids})[1 + g % {CENTRES}]"

    run_sql(
        "person keys",
        "INSERT INTO kem_vault_personkey (id, wrapped_key, root_key_id, created_at) "
        f"SELECT md5('pk' || g)::uuid, 'bench-not-a-key', 'bench', now() FROM generate_series(1, {people}) g",
    )
    run_sql(
        "beneficiaries",
        f"""INSERT INTO kem_beneficiary (id, given_name, family_name, given_name_latin, family_name_latin, phone,
            id_numbers, notes, birth_year, created_at, registering_centre_id, person_key_id, disability, education,
            employment, gender, housing, languages, legal_status, municipality, nationality, needs_interpreter,
            registration_date, vulnerabilities, arrival_year)
        SELECT md5('b' || g)::uuid, 'sealed', 'sealed', '', '', '', 'sealed', '', 1950 + abs(hashtext('y' || g)) % 70,
            now(), {centre_of}, md5('pk' || g)::uuid, NULL, {_pick(EDUCATION, "'e' || g")},
            {_pick(EMPLOYMENT, "'w' || g")}, {_pick(GENDERS, "'g' || g")}, {_pick(HOUSING, "'h' || g")}, '[]',
            {_pick(LEGAL, "'l' || g")}, {_pick(MUNICIPALITIES, "'m' || g")}, {_pick(NATIONALITIES, "'n' || g")},
            false, date '2019-01-01' + abs(hashtext('r' || g)) % 2555, NULL,
            CASE WHEN g % 4 = 0 THEN NULL ELSE 2010 + g % 15 END
        FROM generate_series(1, {people}) g""",
    )
    _disability_facts(people)
    # Up to five cases a person (one per area), at the person's centre.
    cases = min(sessions // 3 + 1, people * 5)
    run_sql(
        "cases",
        f"""INSERT INTO cases_case (id, area, opened_on, open_reason, close_reason, created_at, beneficiary_id,
            centre_id, counsellor_id, opened_by_id)
        SELECT k, ({_array(AREAS)})[1 + ((k - 1) / {people}) % 5], date '2023-06-01', 'self', '', now(),
            md5('b' || (1 + (k - 1) % {people}))::uuid, ({centre_ids})[1 + (1 + (k - 1) % {people}) % {CENTRES}],
            {u}, {u}
        FROM generate_series(1, {cases}) k""",
    )
    run_sql(
        "sessions",
        f"""INSERT INTO cases_session (id, starts_at, duration_minutes, ends_at, mode, status, summary,
            confidential_note, created_at, case_id, counsellor_id, created_by_id)
        SELECT md5('s' || g)::uuid, t, 45, t + interval '45 minutes', 'in_person',
            CASE WHEN g % 10 < 8 THEN 'held' WHEN g % 10 = 8 THEN 'cancelled' ELSE 'no_show' END,
            '', '', now(), 1 + abs(hashtext('c' || g)) % {cases}, {u}, {u}
        FROM (SELECT g, timestamptz '2024-01-01 08:00+02' + (abs(hashtext('d' || g)) % 731) * interval '1 day'
                     + (g % 9) * interval '1 hour' AS t
              FROM generate_series(1, {sessions}) g) s""",
    )
    run_sql(
        "interpreter requests",
        f"""INSERT INTO cases_interpreterrequest (id, mode, starts_at, duration_minutes, ends_at, gender_preference,
            gender_reason, notes, status, cancel_reason, created_at, beneficiary_id, centre_id, requested_by_id,
            language_id)
        SELECT md5('i' || g)::uuid, 'on_site', t, 60, t + interval '1 hour', 'any', '', '',
            CASE WHEN g % 7 = 0 THEN 'cancelled' ELSE 'completed' END, '', now(),
            md5('b' || (1 + abs(hashtext('ib' || g)) % {people}))::uuid, {centre_of}, {u},
            ({languages})[1 + g % {n_lang}]
        FROM (SELECT g, timestamptz '2024-01-01 09:00+02' + (abs(hashtext('id' || g)) % 731) * interval '1 day' AS t
              FROM generate_series(1, {people // 5}) g) s""",
    )
    run_sql(
        "referrals",
        f"""INSERT INTO referrals_referral (id, reason, urgency, status, override_reason, decline_reason,
            outcome_successful, outcome_reason, sent_at, responded_at, created_at, beneficiary_id, centre_id,
            contact_person_id, created_by_id, service_id)
        SELECT md5('f' || g)::uuid, '', 'routine',
            (ARRAY['sent', 'accepted', 'completed', 'completed', 'declined', 'withdrawn'])[1 + g % 6],
            '', '', CASE WHEN g % 6 IN (2, 3) THEN g % 3 > 0 END, '', t,
            CASE WHEN g % 6 IN (1, 2, 3, 4) THEN t + interval '2 days' END, now(),
            md5('b' || (1 + abs(hashtext('fb' || g)) % {people}))::uuid, {centre_of}, {u}, {u},
            ({services})[1 + g % {n_services}]
        FROM (SELECT g, timestamptz '2024-01-01 10:00+02' + (abs(hashtext('fd' || g)) % 731) * interval '1 day' AS t
              FROM generate_series(1, {people // 4}) g) s""",
    )
    classes_per_centre = max(4, people // 2000)
    run_sql(
        "classes",
        f"""INSERT INTO courses_courseclass (id, name, cycle, room, capacity, start_date, end_date, status,
            created_at, centre_id, course_id)
        SELECT k, 'T' || k, '', '', 25, d, d + 90, CASE WHEN d + 90 < current_date THEN 'finished' ELSE 'running' END,
            now(), ({centre_ids})[1 + k % {CENTRES}], (ARRAY[{", ".join(str(c.pk) for c in courses)}])[1 + k % 4]
        FROM (SELECT k, date '2024-01-08' + (k * 7) % 640 AS d FROM generate_series(1, {classes_per_centre * CENTRES}) k) s""",
    )
    n_classes = classes_per_centre * CENTRES
    run_sql(
        "lessons",
        f"""INSERT INTO courses_lesson (id, date, starts_at, ends_at, status, note, course_class_id)
        SELECT (k - 1) * 24 + j, c.start_date + j * 3, time '10:00', time '12:00', 'scheduled', '', c.id
        FROM generate_series(1, {n_classes}) k JOIN courses_courseclass c ON c.id = k, generate_series(1, 24) j""",
    )
    enrolments = people // 20
    run_sql(
        "enrolments",
        f"""INSERT INTO courses_enrolment (id, status, placement_level, placement_source, enrolled_at, ended_at,
            result_recorded_at, created_at, beneficiary_id, course_class_id, created_by_id, waitlisted_at)
        SELECT e, CASE WHEN e % 5 = 0 THEN 'dropped' WHEN e % 5 = 1 THEN 'graduated' WHEN e % 5 = 2 THEN 'completed'
                       ELSE 'enrolled' END, '', '', c.start_date::timestamptz,
            CASE WHEN e % 5 IN (0, 1, 2) THEN (c.end_date)::timestamptz END,
            CASE WHEN e % 5 = 1 THEN (c.end_date)::timestamptz END, now(),
            md5('b' || (1 + abs(hashtext('eb' || e)) % {people}))::uuid, c.id, {u},
            CASE WHEN e % 4 = 0 THEN c.start_date::timestamptz - interval '12 days' END
        FROM generate_series(1, {enrolments}) e JOIN courses_courseclass c ON c.id = 1 + e % {n_classes}""",
    )
    run_sql(
        "attendance",
        f"""INSERT INTO courses_attendance (id, mark, recorded_at, recorded_by_id, enrolment_id, lesson_id)
        SELECT (e.id - 1) * 10 + j, CASE WHEN (e.id + j) % 6 = 0 THEN 'absent' ELSE 'present' END, now(), {u},
            e.id, (e.course_class_id - 1) * 24 + j
        FROM courses_enrolment e, generate_series(1, 10) j""",
    )
    with connection.cursor() as cursor:
        for table in (
            "cases_case",
            "courses_courseclass",
            "courses_lesson",
            "courses_enrolment",
            "courses_attendance",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    # VACUUM as autovacuum would: index-only scans need the visibility map of the new rows.
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE in {time.perf_counter() - start:.1f} s", flush=True)


def _disability_facts(people: int) -> None:
    """One person in 23 has a disability: their facts under the pseudonym of their id (the sealed
    columns stay NULL, as the bench's people have no real keys)."""
    import hashlib
    import uuid

    from kem.models import SpecialCategoryFact
    from kem.models.facts import DISABILITY, PERSON_LABEL
    from kem.vault.pseudonyms import pseudonymiser

    started = time.perf_counter()
    pseudonym = pseudonymiser(PERSON_LABEL)
    ids = (uuid.UUID(hashlib.md5(f"b{g}".encode()).hexdigest()) for g in range(23, people + 1, 23))  # noqa: S324
    SpecialCategoryFact.objects.bulk_create(
        [SpecialCategoryFact(pseudonym=pseudonym(pk), category=DISABILITY) for pk in ids], batch_size=5000
    )
    print(f"  disability facts: {time.perf_counter() - started:.1f} s", flush=True)


def median_seconds(function, runs: int, *, before=None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="empty the bench data and fill again")
    args = parser.parse_args()
    setup_django()

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kem.models import Beneficiary, Centre
    from reports.disclosure import protect
    from reports.report import breakdown, esf_indicators, headline
    from reports.types import Scope

    present = Beneficiary.objects.count()
    if args.rebuild or present != args.people:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE kem_beneficiary, kem_vault_personkey, cases_case, cases_session, "
                "cases_interpreterrequest, referrals_referral, courses_courseclass, courses_lesson, "
                "courses_enrolment, courses_attendance, courses_course, kem_centre, kem_specialcategoryfact CASCADE"
            )
            cursor.execute("DELETE FROM auth_user WHERE username = 'bench-statistics'")
        fill(args.people, args.sessions)
    else:
        print(f"Reusing {present:,} bench people.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE starts_at >= '2025-01-01' AND status = 'held') FROM cases_session"
        )
        total_sessions, held_2025 = cursor.fetchone()
    print(
        f"Data: {Beneficiary.objects.count():,} people, {total_sessions:,} sessions ({held_2025:,} held in 2025)"
    )

    centres = tuple(Centre.objects.order_by("pk").values_list("pk", flat=True))
    network = Scope(centre_ids=centres, start=YEAR[0], end=YEAR[1])
    one = Scope(centre_ids=centres[:1], start=YEAR[0], end=YEAR[1])
    runs = args.runs

    with CaptureQueriesContext(connection) as queries:
        cache.clear()
        tables = headline(network)
    served = tables[0].counts[0][0]
    print(
        f"Headline 2025, network of {len(centres)} centres: {served:,} unique beneficiaries served; {len(queries)} queries"
    )

    results = [
        ("headline, network, cold", median_seconds(lambda: headline(network), runs, before=cache.clear)),
        ("headline, network, cached", median_seconds(lambda: headline(network), runs)),
        ("headline, one centre, cold", median_seconds(lambda: headline(one), runs, before=cache.clear)),
        ("headline, one centre, cached", median_seconds(lambda: headline(one), runs)),
        (
            "breakdown served nationality x gender, network, cold",
            median_seconds(
                lambda: breakdown(network, measure="served", rows="nationality", cols="gender"),
                runs,
                before=cache.clear,
            ),
        ),
        (
            "ESF+ indicators, network, cold",
            median_seconds(lambda: esf_indicators(network), runs, before=cache.clear),
        ),
        ("protect(headline tables)", median_seconds(lambda: protect(tables), runs)),
    ]
    print(f"Medians of {runs} runs:")
    for label, seconds in results:
        print(f"  {label:<55} {seconds * 1000:>10.1f} ms")


if __name__ == "__main__":
    main()
