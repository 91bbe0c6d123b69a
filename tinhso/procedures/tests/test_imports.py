import copy
import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from tinhso.core.errors import DomainError, PermissionDenied
from tinhso.core.events.models import OutboxEvent
from tinhso.core.permissions import SYSTEM
from tinhso.procedures import imports, services, spreadsheets
from tinhso.procedures.models import Field, ImportJob, Procedure
from tinhso.procedures.validation import procedure_as_data

from .conftest import procedure_data

pytestmark = pytest.mark.django_db

FEE_STEP = {"name": "Thu lệ phí", "kind": "fee", "role": "one_stop_officer", "share_days": "0"}


def _catalog(agency) -> list[dict]:
    """Three procedures, as the export would produce them, with a field that does not exist yet."""
    steps = procedure_data()["route_steps"]

    def with_fee():
        return copy.deepcopy([*steps[:3], FEE_STEP, steps[3]])

    items = [
        procedure_data(agencies=[agency.code]),
        procedure_data(
            code="2.000635",
            name="Cấp bản sao Trích lục hộ tịch",
            fee_rule={"kind": "fixed", "amount": 8000},
            route_steps=with_fee(),
            legal_basis="- Luật Hộ tịch\n=SUM(A1)",  # starts like spreadsheet formulas on purpose
        ),
        procedure_data(
            code="DEMO.CT.001",
            name="Chứng thực bản sao từ bản chính",
            field_code="CT",
            fee_rule={
                "kind": "per_unit",
                "unit": "trang",
                "amount": 2000,
                "first_units": 2,
                "next_amount": 1000,
                "max_amount": 200000,
            },
            route_steps=with_fee(),
            online_level="partial",
        ),
    ]
    for item in items:
        item["field_name"] = {"HT": "Hộ tịch", "CT": "Chứng thực"}[item["field_code"]]
        for step in item["route_steps"]:
            step["share_days"] = str(step["share_days"])
        _canonical(item)
    return items


def _canonical(item: dict) -> dict:
    for key, default in (("active_from", None), ("active_to", None), ("is_active", True)):
        item.setdefault(key, default)
    for i, doc in enumerate(item["documents"], start=1):
        doc.setdefault("order", i)
        doc.setdefault("is_required", True)
        doc.setdefault("accepts", [])
        doc.setdefault("template", None)
    for i, f in enumerate(item["form_fields"], start=1):
        f.setdefault("order", i)
        f.setdefault("choices", [])
        f.setdefault("help_text", "")
    for i, s in enumerate(item["route_steps"], start=1):
        s.setdefault("order", i)
        s.setdefault("agency_level", "")
        s.setdefault("agency", None)
    return item


def _upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def _run(actor, content: bytes, name: str, capture, mode="all_or_nothing") -> ImportJob:
    with capture(execute=True):
        job = imports.start_import(actor=actor, file=_upload(content, name), name=name, mode=mode)
    job.refresh_from_db()
    return job


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def test_csv_import_creates_the_catalog_and_its_fields(
    platform_admin, agency, django_capture_on_commit_callbacks
):
    content = spreadsheets.write_csv(_catalog(agency))
    job = _run(platform_admin, content, "danh-muc.csv", django_capture_on_commit_callbacks)
    assert (job.status, job.phase, job.error_count) == ("succeeded", "done", 0)
    assert (job.created_count, job.updated_count, job.skipped_count) == (3, 0, 0)
    assert job.total_rows == job.processed_rows == 3 + 6 + 6 + 14
    assert set(Field.objects.values_list("code", "name")) == {("HT", "Hộ tịch"), ("CT", "Chứng thực")}
    copy = Procedure.objects.get(code="2.000635")
    assert copy.legal_basis == "- Luật Hộ tịch\n=SUM(A1)"
    event = OutboxEvent.objects.get(name="procedures.catalog_imported")
    assert event.payload["created"] == 3


def test_reimport_is_idempotent_and_updates_by_code(
    platform_admin, agency, django_capture_on_commit_callbacks
):
    items = _catalog(agency)
    _run(platform_admin, spreadsheets.write_csv(items), "a.csv", django_capture_on_commit_callbacks)
    again = _run(platform_admin, spreadsheets.write_csv(items), "a.csv", django_capture_on_commit_callbacks)
    assert (again.created_count, again.updated_count, again.status) == (0, 0, "succeeded")
    items[0]["name"] = "Đăng ký khai sinh (sửa)"
    changed = _run(platform_admin, spreadsheets.write_csv(items), "a.csv", django_capture_on_commit_callbacks)
    assert (changed.created_count, changed.updated_count) == (0, 1)
    assert Procedure.objects.get(code="1.001193").name == "Đăng ký khai sinh (sửa)"
    assert Procedure.objects.count() == 3


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_gives_the_same_catalog(
    platform_admin, agency, django_capture_on_commit_callbacks, file_format
):
    for item in _catalog(agency):
        services.import_procedure_data(actor=SYSTEM, data=item)
    before = {p.code: procedure_as_data(p) for p in Procedure.objects.all()}
    content, name, _ = imports.export_catalog(actor=platform_admin, file_format=file_format)
    Procedure.objects.all().delete()
    Field.objects.all().delete()
    job = _run(platform_admin, content, name, django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors
    after = {p.code: procedure_as_data(p) for p in Procedure.objects.all()}
    assert after == before
    if file_format == "csv":  # (an XLSX file carries its creation time)
        again, _, _ = imports.export_catalog(actor=platform_admin, file_format=file_format)
        assert again == content


def test_xlsx_never_turns_text_into_formulas(platform_admin, agency):
    for item in _catalog(agency):
        services.import_procedure_data(actor=SYSTEM, data=item)
    content, _, _ = imports.export_catalog(actor=platform_admin, file_format="xlsx")
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["procedures"]
    header = [cell.value for cell in sheet[1]]
    cells = [row[header.index("legal_basis")] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    assert sorted(workbook.sheetnames) == ["documents", "form_fields", "procedures", "route_steps"]


def test_invalid_rows_are_reported_and_nothing_is_written(
    platform_admin, agency, django_capture_on_commit_callbacks
):
    rows = _csv_rows(spreadsheets.write_csv(_catalog(agency)))
    header = rows[0]
    col = header.index
    # Row 3 (second procedure): a negative processing time; a route step row: share not a number.
    rows[2][col("processing_days")] = "-2"
    step_rows = [i for i, r in enumerate(rows) if r[0] == "route_step"]
    rows[step_rows[0]][col("share_days")] = "nửa ngày"
    # A document of a procedure the file does not hold.
    extra = [""] * len(header)
    extra[0], extra[col("procedure_code")], extra[col("name")] = "document", "9.999999", "Giấy tờ lạc"
    rows.append(extra)
    job = _run(platform_admin, _csv_bytes(rows), "loi.csv", django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert Procedure.objects.count() == 0 and Field.objects.count() == 0
    found = {(e["row"], e["column"], e["code"]) for e in job.errors}
    assert (3, "processing_days", "procedures.import_bad_value") in found
    assert (step_rows[0] + 1, "share_days", "procedures.import_bad_value") in found
    assert (len(rows), "procedure_code", "procedures.import_unknown_procedure") in found
    assert all(e["message_vi"] and e["message_en"] and e["sheet"] == "csv" for e in job.errors)


def test_validation_errors_point_at_the_cell(platform_admin, agency, django_capture_on_commit_callbacks):
    items = _catalog(agency)
    items[0]["processing_days"] = 4  # route shares add up to 1
    items[2]["route_steps"][0]["kind"] = "process"  # no receive step first
    items[2]["agencies"] = ["000.00.77.X77"]
    content = spreadsheets.write_xlsx(items)
    job = _run(platform_admin, content, "loi.xlsx", django_capture_on_commit_callbacks)
    assert job.status == "failed"
    found = {(e["sheet"], e["row"], e["column"], e["code"]) for e in job.errors}
    # route_steps sheet: the 4 steps of 1.001193 are rows 2-5, 2.000635 rows 6-10, DEMO.CT.001 rows 11-15.
    assert ("route_steps", 2, "share_days", "procedures.route_shares_mismatch") in found
    assert ("route_steps", 11, "kind", "procedures.route_receive_first") in found
    assert ("procedures", 4, "agencies", "procedures.unknown_agency") in found
    assert Procedure.objects.count() == 0


def test_valid_rows_mode_writes_the_good_procedures(
    platform_admin, agency, django_capture_on_commit_callbacks
):
    items = _catalog(agency)
    items[1]["fee_rule"] = {"kind": "fixed", "amount": -8000}
    job = _run(
        platform_admin,
        spreadsheets.write_csv(items),
        "mot-phan.csv",
        django_capture_on_commit_callbacks,
        "valid_rows",
    )
    assert job.status == "succeeded"
    assert (job.created_count, job.skipped_count, job.error_count) == (2, 1, 1)
    assert job.errors[0]["column"] == "fee" and job.errors[0]["procedure_code"] == "2.000635"
    assert set(Procedure.objects.values_list("code", flat=True)) == {"1.001193", "DEMO.CT.001"}


def test_progress_is_recorded_while_writing(
    platform_admin, agency, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(imports, "BATCH_SIZE", 1)
    seen = []
    original = imports._set_progress

    def spy(job, **fields):
        original(job, **fields)
        stored = ImportJob.objects.get(pk=job.pk)  # what a polling page would read
        seen.append((stored.phase, stored.processed_rows, stored.total_rows, stored.percent))

    monkeypatch.setattr(imports, "_set_progress", spy)
    job = _run(
        platform_admin, spreadsheets.write_csv(_catalog(agency)), "a.csv", django_capture_on_commit_callbacks
    )
    writing = [entry for entry in seen if entry[0] == "writing"]
    assert [entry[1] for entry in writing] == [0, 9, 19, 29]  # rows written after each procedure
    assert [entry[3] for entry in writing] == [0, 31, 65, 100]
    assert job.percent == 100


def test_malformed_files(platform_admin, django_capture_on_commit_callbacks):
    with pytest.raises(DomainError) as caught:
        imports.start_import(actor=platform_admin, file=_upload(b"%PDF-1.4\n%%EOF\n", "a.pdf"), name="a.pdf")
    assert caught.value.code == "files.type_not_allowed"
    with pytest.raises(DomainError):
        imports.start_import(actor=platform_admin, file=_upload(b"", "a.csv"), name="a.csv")

    wrong = _run(platform_admin, b"ma,ten\n1,2\n", "sai.csv", django_capture_on_commit_callbacks)
    assert wrong.status == "failed"
    assert wrong.errors[0]["code"] == "procedures.import_bad_header"
    assert wrong.errors[0]["row"] == 1

    workbook = Workbook()
    workbook.active.title = "Sheet1"
    workbook.active.append(["a", "b"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    no_sheet = _run(platform_admin, buffer.getvalue(), "sai.xlsx", django_capture_on_commit_callbacks)
    assert no_sheet.status == "failed" and "procedures" in no_sheet.errors[0]["message_en"]

    header_only = _run(
        platform_admin,
        ",".join(spreadsheets.CSV_COLUMNS).encode(),
        "rong.csv",
        django_capture_on_commit_callbacks,
    )
    assert header_only.errors[0]["code"] == "procedures.import_empty"


def test_too_many_rows(platform_admin, agency, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_DATA_ROWS", 10)
    job = _run(
        platform_admin,
        spreadsheets.write_csv(_catalog(agency)),
        "lon.csv",
        django_capture_on_commit_callbacks,
    )
    assert job.status == "failed" and job.errors[0]["code"] == "procedures.import_too_many_rows"
    assert Procedure.objects.count() == 0


def test_a_job_runs_once(platform_admin, agency, django_capture_on_commit_callbacks):
    job = _run(
        platform_admin, spreadsheets.write_csv(_catalog(agency)), "a.csv", django_capture_on_commit_callbacks
    )
    assert imports.run_import(str(job.public_id)) == "skipped"
    assert OutboxEvent.objects.filter(name="procedures.catalog_imported").count() == 1


def test_importer_who_lost_the_role_writes_nothing(
    platform_admin, agency, django_capture_on_commit_callbacks
):
    from tinhso.core.accounts import services as accounts

    job = imports.start_import(
        actor=platform_admin, file=_upload(spreadsheets.write_csv(_catalog(agency)), "a.csv"), name="a.csv"
    )
    role = platform_admin.officer_roles.get()
    accounts.revoke_role(actor=SYSTEM, officer_role=role)
    assert imports.run_import(str(job.public_id)) == "failed"
    assert Procedure.objects.count() == 0


def test_only_platform_admins_import_and_export(make_officer, agency):
    officer = make_officer(roles=[(agency, "one_stop_officer")])
    with pytest.raises(PermissionDenied):
        imports.start_import(actor=officer, file=_upload(b"a,b\n1,2\n", "a.csv"), name="a.csv")
    with pytest.raises(PermissionDenied):
        imports.export_catalog(actor=officer, file_format="csv")
    assert not ImportJob.objects.exists()
