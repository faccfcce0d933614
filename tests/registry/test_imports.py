"""Spreadsheet import: reading, mapping, the dry-run report, duplicates, both modes, what is kept."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from bench.imports.sheets import HEADERS, MAPPING, amka, person_row, xlsx_bytes
from kem import tasks
from kem.forms.beneficiaries import BeneficiaryForm
from kem.forms.imports import RowValidator
from kem.models import Beneficiary, ImportJob, ImportMapping, ImportStatus, Role
from kem.selectors.beneficiaries import beneficiaries_visible_to
from kem.services import imports as services
from kem.sheets import private_dir, read_rows
from kem.vault.search import search_people

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def xlsx_upload(rows, headers=HEADERS, name="people.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes(rows, headers))


def post(client, url, data):
    """A POST whose queued tasks run when its transaction commits (eagerly, as in the embedded profile)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data)


def upload(client, file) -> ImportJob:
    response = post(client, reverse("import-upload"), {"file": file})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("pk")


def map_columns(client, job, mapping=MAPPING) -> ImportJob:
    data = {f"col_{i}": mapping.get(header, "") for i, header in enumerate(job.headers)}
    response = post(client, reverse("import-mapping", kwargs={"pk": job.pk}), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    job.refresh_from_db()
    return job


def run(client, job, mode) -> ImportJob:
    response = post(client, reverse("import-run", kwargs={"pk": job.pk}), {"mode": mode})
    assert response.status_code == 302
    job.refresh_from_db()
    return job


def checked_job(client, rows) -> ImportJob:
    return map_columns(client, upload(client, xlsx_upload(rows)))


def errors_by_row(job) -> dict[int, list[tuple[str, str]]]:
    return {
        r["row"]: [(e["column"], e["code"]) for e in r["errors"]] for r in job.report["rows"] if r["errors"]
    }


# --- reading ------------------------------------------------------------------------------------
def test_an_xlsx_sheet_is_read_with_its_dates_and_greek_names(tmp_path):
    path = tmp_path / "s.xlsx"
    path.write_bytes(xlsx_bytes([person_row(1)]))

    rows = list(read_rows(path, "xlsx"))

    assert rows[0] == (1, HEADERS)
    number, cells = rows[1]
    assert number == 2 and cells[0] == "Αχμέτ" and isinstance(cells[5], dt.datetime)


def test_a_csv_with_a_byte_order_mark_and_semicolons_imports(manager_client):
    text = f"Όνομα;Επώνυμο;ΑΜΚΑ;Ημ. γέννησης\nΜαρία;Ραχίμι;{amka(dt.date(1930, 1, 1), 7)};01/01/1930\n"
    job = upload(manager_client, SimpleUploadedFile("people.csv", "\ufeff".encode() + text.encode()))

    assert job.file_format == "csv"
    assert job.headers == ["Όνομα", "Επώνυμο", "ΑΜΚΑ", "Ημ. γέννησης"]
    job = map_columns(manager_client, job)
    assert (job.status, job.valid_rows, job.invalid_rows) == (ImportStatus.CHECKED, 1, 0)


def test_a_csv_with_commas_and_no_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("given,family\nAli,Karimi\n", encoding="utf-8")

    assert list(read_rows(path, "csv")) == [(1, ["given", "family"]), (2, ["Ali", "Karimi"])]


def test_a_file_that_is_not_a_spreadsheet_is_refused(manager_client):
    response = manager_client.post(
        reverse("import-upload"), {"file": SimpleUploadedFile("people.xlsx", b"\xff\xfe\x00garbage")}
    )

    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not ImportJob.objects.exists()


def test_the_row_validator_gives_the_registration_forms_answers():
    validator = RowValidator(MAPPING)
    bad = person_row(3)
    bad[6] = "12345678901"  # a wrong check digit

    form, errors = validator.validate(HEADERS, bad)
    plain = BeneficiaryForm(form.data)

    assert plain.errors.as_data()["amka_number"][0].code == "amka_checksum"
    assert errors == [
        {"column": "ΑΜΚΑ", "field": "amka_number", "code": "amka_checksum", "message": errors[0]["message"]}
    ]


# --- mapping ------------------------------------------------------------------------------------
def test_the_mapping_is_remembered_and_prefilled_for_the_same_headers(manager_client, athens):
    first = checked_job(manager_client, [person_row(1)])
    assert ImportMapping.objects.get(centre=athens).mapping == MAPPING

    reordered = [HEADERS[1], HEADERS[0], *HEADERS[2:]]
    second = upload(manager_client, xlsx_upload([], headers=reordered))
    page = manager_client.get(reverse("import-mapping", kwargs={"pk": second.pk}))

    assert first.pk != second.pk
    assert second.mapping == MAPPING
    form = page.context["form"]
    assert form["col_0"].initial == "family_name" and form["col_1"].initial == "given_name"


def test_a_mapping_without_the_names_is_refused(manager_client):
    job = upload(manager_client, xlsx_upload([person_row(1)]))
    data = {f"col_{i}": "" for i in range(len(job.headers))}

    response = manager_client.post(reverse("import-mapping", kwargs={"pk": job.pk}), data)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors().as_data()[0].code == "required_fields_unmapped"


# --- the dry run --------------------------------------------------------------------------------
def test_the_dry_run_lists_every_bad_row_with_its_cell_errors(manager_client):
    rows = [person_row(n) for n in range(30)]
    rows[4][6] = "12345678901"  # sheet row 6: AMKA check digit
    rows[9][7] = "123"  # row 11: phone
    rows[9][8] = "Atlantis"  # row 11: nationality
    rows[20][0] = None  # row 22: given name missing
    rows[25][5] = "31/02/1990"  # row 27: no such date

    job = checked_job(manager_client, rows)

    assert (job.total_rows, job.valid_rows, job.invalid_rows) == (30, 26, 4)
    assert errors_by_row(job) == {
        6: [("ΑΜΚΑ", "amka_checksum")],
        11: [("Nationality", "unknown_country"), ("Τηλέφωνο", "phone_invalid")],
        22: [("Όνομα", "required")],
        27: [("Ημ. γέννησης", "invalid_date")],
    }
    page = manager_client.get(reverse("import-check", kwargs={"pk": job.pk}))
    assert [r["row"] for r in page.context["error_rows"]] == [6, 11, 22, 27]
    assert Beneficiary.objects.count() == 0


def test_the_report_holds_no_cell_values(manager_client):
    rows = [person_row(n) for n in range(3)]
    rows[0][8] = "Ατλαντίδα"
    rows[1][6] = amka(dt.date(1999, 9, 9), 1)  # another birth date than the row's

    job = checked_job(manager_client, rows)

    text = str(job.report)
    assert "Ατλαντίδα" not in text and rows[1][6] not in text and "09/09/1999" not in text
    assert errors_by_row(job) == {2: [("Nationality", "unknown_country")], 3: [("ΑΜΚΑ", "amka_birth_date")]}


def test_the_same_amka_twice_in_the_file_stops_the_later_row(manager_client):
    rows = [person_row(n) for n in range(5)]
    rows[3] = person_row(1)
    rows[3][0], rows[3][2] = "Άλλος", "Allos"

    job = checked_job(manager_client, rows)

    assert errors_by_row(job) == {5: [("ΑΜΚΑ", "duplicate_in_file")]}


def test_an_amka_already_registered_stops_the_row(manager_client, register):
    row = person_row(2)
    register(given_name="Άλλη", family_name="Γυναίκα", documents=[{"kind": "amka", "number": row[6]}])

    job = checked_job(manager_client, [person_row(1), row])

    assert errors_by_row(job) == {3: [("ΑΜΚΑ", "duplicate_id")]}


def test_a_similar_person_with_the_same_birth_year_is_a_warning(manager_client, register):
    row = person_row(1)
    existing = register(given_name="Ahmet", family_name="Rahimi", birth_year=row[5].year)

    job = checked_job(manager_client, [row, person_row(7)])

    warnings = {r["row"]: r["warnings"] for r in job.report["rows"] if r["warnings"]}
    assert list(warnings) == [2]
    assert warnings[2][0]["code"] == "similar_people" and warnings[2][0]["people"] == [str(existing.pk)]
    assert (job.valid_rows, job.warning_rows) == (2, 1)


# --- the import ---------------------------------------------------------------------------------
def test_all_or_nothing_commits_nothing_when_one_row_is_bad(manager_client):
    rows = [person_row(n) for n in range(30)]
    rows[17][7] = "not a phone"
    job = checked_job(manager_client, rows)

    job = run(manager_client, job, "all_or_nothing")

    assert job.status == ImportStatus.FAILED and job.failure == "invalid_rows"
    assert job.imported_rows == 0
    assert Beneficiary.objects.count() == 0
    assert errors_by_row(job) == {19: [("Τηλέφωνο", "phone_invalid")]}


def test_all_or_nothing_imports_every_row_of_a_valid_sheet(manager_client, athens, manager):
    job = checked_job(manager_client, [person_row(n) for n in range(30)])

    job = run(manager_client, job, "all_or_nothing")

    assert (job.status, job.imported_rows) == (ImportStatus.DONE, 30)
    people = Beneficiary.objects.filter(registering_centre=athens)
    assert people.count() == 30
    person = next(p for p in people if p.id_numbers.get("amka") == person_row(4)[6])
    assert (person.given_name, person.family_name_latin) == ("Λεϊλά", "Rahimi")
    assert person.birth_year == person_row(4)[5].year and person.registered_by == manager
    assert person.phone == "+30" + person_row(4)[7]
    assert person.nationality.code == "IQ" and person.languages == ["fa"] and person.needs_interpreter


def test_valid_rows_mode_commits_the_good_rows_and_skips_the_bad(manager_client):
    rows = [person_row(n) for n in range(30)]
    rows[2][6] = "12345678901"
    rows[10][0] = ""
    job = checked_job(manager_client, rows)

    job = run(manager_client, job, "valid_rows")

    assert (job.status, job.imported_rows, job.invalid_rows) == (ImportStatus.DONE, 28, 2)
    assert job.report["skipped"] == 2
    assert Beneficiary.objects.count() == 28
    held = {p.id_numbers.get("amka") for p in Beneficiary.objects.all()}
    assert rows[0][6] in held and rows[10][6] not in held


def test_the_history_names_the_manager(manager_client, manager):
    job = run(manager_client, checked_job(manager_client, [person_row(n) for n in range(3)]), "valid_rows")

    history = Beneficiary.history.all()
    assert job.imported_rows == 3 and history.count() == 3
    assert {h.history_user_id for h in history} == {manager.pk}
    assert {h.history_type for h in history} == {"+"}
    assert {h.instance.given_name for h in history} == {"Μαρία", "Αχμέτ", "Φατιμά"}


def test_sealed_fields_are_envelopes_in_the_database_and_people_are_searchable(manager_client, manager):
    run(manager_client, checked_job(manager_client, [person_row(1)]), "all_or_nothing")
    person = Beneficiary.objects.get()
    table = Beneficiary._meta.db_table

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT given_name, phone, id_numbers FROM {table}")  # noqa: S608
        given, phone, ids = cursor.fetchone()

    assert (given, phone, ids) == (person.given_name_sealed, person.phone_sealed, person.id_numbers_sealed)
    for raw in (given, phone, ids):
        assert "Αχμέτ" not in raw and person_row(1)[7] not in raw and person_row(1)[6] not in raw
    found = search_people("Ahmet Rahimi", queryset=beneficiaries_visible_to(manager))
    assert [c.person.pk for c in found] == [person.pk]


def test_the_uploaded_file_is_kept_privately_and_deleted_after_the_import(manager_client):
    job = checked_job(manager_client, [person_row(1)])
    path = job.file_path
    assert path.exists() and path.parent == private_dir()
    assert oct(path.stat().st_mode & 0o777) == "0o600" and "people" not in path.name

    job = run(manager_client, job, "valid_rows")

    assert not path.exists() and job.stored_name == ""
    assert list(private_dir().iterdir()) == []


def test_cancelling_deletes_the_file(manager_client):
    job = checked_job(manager_client, [person_row(1)])
    path = job.file_path

    response = manager_client.post(reverse("import-cancel", kwargs={"pk": job.pk}))
    job.refresh_from_db()

    assert response.status_code == 302 and job.status == ImportStatus.CANCELLED
    assert not path.exists()


def test_files_older_than_seven_days_are_deleted(manager_client):
    job = checked_job(manager_client, [person_row(1)])
    path = job.file_path

    assert services.import_files_cleanup() == 0
    assert services.import_files_cleanup(now=timezone.now() + dt.timedelta(days=8)) == 1

    job.refresh_from_db()
    assert not path.exists() and job.status == ImportStatus.CANCELLED and job.failure == "expired"


def test_a_job_cannot_run_twice(manager_client):
    job = run(manager_client, checked_job(manager_client, [person_row(1)]), "valid_rows")

    run(manager_client, job, "valid_rows")

    assert Beneficiary.objects.count() == 1


# --- access -------------------------------------------------------------------------------------
def test_a_manager_sees_the_imports_of_their_centre(manager_client):
    job = checked_job(manager_client, [person_row(1)])

    listing = manager_client.get(reverse("import-list"))
    report = manager_client.get(reverse("import-check", kwargs={"pk": job.pk}))
    status = manager_client.get(reverse("import-status", kwargs={"pk": job.pk}))

    assert listing.status_code == 200 and list(listing.context["jobs"]) == [job]
    assert report.status_code == 200 and status.status_code == 200


def test_a_front_desk_officer_may_not_import(client, manager_client, make_staff, athens):
    job = checked_job(manager_client, [person_row(1)])
    officer = make_staff(Role.FRONT_DESK, athens)
    client.force_login(officer)

    assert client.get(reverse("import-list")).status_code == 403
    assert client.get(reverse("import-upload")).status_code == 403
    assert client.get(reverse("import-check", kwargs={"pk": job.pk})).status_code == 403
    assert (
        client.post(reverse("import-run", kwargs={"pk": job.pk}), {"mode": "valid_rows"}).status_code == 403
    )
    assert Beneficiary.objects.count() == 0


def test_another_centres_import_is_not_found(client, manager_client, make_staff, thessaloniki):
    job = checked_job(manager_client, [person_row(1)])
    other = make_staff(Role.MANAGER, thessaloniki)
    client.force_login(other)

    assert client.get(reverse("import-check", kwargs={"pk": job.pk})).status_code == 404
    assert client.get(reverse("import-mapping", kwargs={"pk": job.pk})).status_code == 404
    assert (
        client.post(reverse("import-run", kwargs={"pk": job.pk}), {"mode": "valid_rows"}).status_code == 404
    )
    assert list(client.get(reverse("import-list")).context["jobs"]) == []


# --- at size ------------------------------------------------------------------------------------
@pytest.mark.skipif(not os.environ.get("KEM_SLOW_TESTS"), reason="10,000 rows: set KEM_SLOW_TESTS=1")
def test_a_sheet_of_ten_thousand_rows_imports_completely(manager_client, athens):
    job = checked_job(manager_client, [person_row(n) for n in range(10_000)])
    assert (job.total_rows, job.valid_rows) == (10_000, 10_000)

    job = run(manager_client, job, "all_or_nothing")

    assert (job.status, job.imported_rows) == (ImportStatus.DONE, 10_000)
    assert Beneficiary.objects.filter(registering_centre=athens).count() == 10_000
    assert Beneficiary.history.count() == 10_000


def test_a_broken_workbook_is_refused_and_not_kept(manager_client):
    response = manager_client.post(
        reverse("import-upload"), {"file": SimpleUploadedFile("people.xlsx", b"PK\x03\x04 not really a zip")}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists() and list(private_dir().iterdir()) == []


def test_the_report_links_a_registered_duplicate_the_manager_may_open(manager_client, register):
    existing = register(documents=[{"kind": "amka", "number": person_row(1)[6]}])
    job = checked_job(manager_client, [person_row(1)])

    page = manager_client.get(reverse("import-check", kwargs={"pk": job.pk}))

    assert reverse("beneficiary-detail", kwargs={"pk": existing.pk}) in page.content.decode()


def test_the_progress_partial_polls_while_running_and_reloads_when_done(manager_client):
    job = upload(manager_client, xlsx_upload([person_row(1)]))
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.MAPPED, progress=40)
    url = reverse("import-status", kwargs={"pk": job.pk})

    running = manager_client.get(url, headers={"HX-Request": "true"})
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKED)
    done = manager_client.get(url, headers={"HX-Request": "true"})

    assert 'hx-trigger="every 1s"' in running.content.decode() and 'value="40"' in running.content.decode()
    assert done.headers["HX-Refresh"] == "true"


def test_a_failing_import_task_is_retried_with_backoff_and_fails_the_job_at_the_last_try(
    manager_client, monkeypatch
):
    job = upload(manager_client, xlsx_upload([person_row(1)]))
    job = services.import_map(job=job, by=job.created_by, mapping=MAPPING)

    def broken(*, job_id):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "import_check_job", broken)
    task = tasks.import_check
    assert task.autoretry_for == (Exception,) and task.retry_backoff and task.max_retries == 3

    task.push_request(retries=1, is_eager=False)
    try:
        with pytest.raises(RuntimeError):
            task.run(job.pk)
        job.refresh_from_db()
        assert job.status == ImportStatus.MAPPED and job.stored_name  # a retry will come
    finally:
        task.pop_request()

    task.push_request(retries=task.max_retries, is_eager=False)
    try:
        with pytest.raises(RuntimeError):
            task.run(job.pk)
    finally:
        task.pop_request()
    job.refresh_from_db()
    assert (job.status, job.failure, job.stored_name) == (ImportStatus.FAILED, "task_failed", "")
