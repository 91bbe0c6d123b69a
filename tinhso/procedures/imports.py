"""Importing and exporting the catalog as CSV or XLSX files.

An import is a job: :func:`start_import` stores the upload and queues :func:`run_import` as a
background task, which reads the file, checks every row, then writes the procedures through the
catalog services while recording its progress on the ``ImportJob`` row (the import page polls it).

Guarantee of the "all or nothing" mode: every row of every table is checked before the first
write, so a file with any invalid row writes nothing. Writes are committed in batches so that
progress is visible; should the server stop in the middle of the write phase, the job is left
"running" until an operator runs the same file again (imports are idempotent by code).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from tinhso.core.audit import services as audit
from tinhso.core.errors import DomainError, PermissionDenied, ValidationFailed
from tinhso.core.events import services as events
from tinhso.core.files import services as files
from tinhso.core.files import types as file_types
from tinhso.core.permissions import SYSTEM, as_principal, can, require
from tinhso.procedures import selectors, services, spreadsheets
from tinhso.procedures.events import CatalogImported
from tinhso.procedures.file_purposes import CATALOG_IMPORT
from tinhso.procedures.models import ImportJob, ImportMode, ImportPhase, ImportStatus, Procedure
from tinhso.procedures.spreadsheets import CellProblem, FileProblem, Row
from tinhso.procedures.validation import Lookups, Problem, clean_procedure, procedure_as_data

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000
BATCH_SIZE = 20  # procedures per write transaction, and per progress update

# Where an input path of clean_procedure lives in the spreadsheet.
_PROCEDURE_COLUMN = {
    "code": "code",
    "name": "name",
    "field_code": "field_code",
    "field_name": "field_name",
    "levels": "levels",
    "agencies": "agencies",
    "processing_days": "processing_days",
    "processing_note": "processing_note",
    "fee_rule": "fee",
    "fee_description": "fee_description",
    "result_type": "result_type",
    "online_level": "online_level",
    "legal_basis": "legal_basis",
    "is_active": "is_active",
    "active_from": "active_from",
    "active_to": "active_to",
}
_CHILD_COLUMN = {"template": "template_file"}


# --- Export ---------------------------------------------------------------------------------------


def catalog_data(*, include_inactive: bool = True) -> list[dict[str, Any]]:
    queryset = selectors.with_details(Procedure.objects.order_by("code"))
    if not include_inactive:
        queryset = queryset.filter(selectors.active_on(timezone.localdate()))
    data = []
    for procedure in queryset:
        item = procedure_as_data(procedure)
        item["field_name"] = procedure.field.name
        data.append(item)
    return data


def export_catalog(*, actor: Any, file_format: str, include_inactive: bool = True) -> tuple[bytes, str, str]:
    """The whole catalog as (content, file name, content type) in the import layout."""
    require(actor, "procedures.manage")
    if file_format not in ("csv", "xlsx"):
        raise ValidationFailed(
            "Định dạng xuất là csv hoặc xlsx.",
            "The export format is csv or xlsx.",
            code="procedures.invalid_format",
        )
    data = catalog_data(include_inactive=include_inactive)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if file_format == "csv":
        return spreadsheets.write_csv(data), f"thu-tuc-hanh-chinh-{stamp}.csv", "text/csv; charset=utf-8"
    return spreadsheets.write_xlsx(data), f"thu-tuc-hanh-chinh-{stamp}.xlsx", file_types.XLSX


# --- Starting an import ---------------------------------------------------------------------------


@transaction.atomic
def start_import(
    *, actor: Any, file: Any, name: str | None = None, mode: str = ImportMode.ALL_OR_NOTHING
) -> ImportJob:
    """Store an uploaded CSV/XLSX file and queue its import; returns the job to follow."""
    require(actor, "procedures.manage")
    if mode not in ImportMode.values:
        raise ValidationFailed(
            "Chế độ nhập là all_or_nothing hoặc valid_rows.",
            "The import mode is all_or_nothing or valid_rows.",
            code="procedures.invalid_import_mode",
        )
    stored = files.store_upload(actor=actor, purpose=CATALOG_IMPORT.name, file=file, name=name)
    file_format = "xlsx" if stored.content_type == file_types.XLSX else "csv"
    principal = as_principal(actor)
    job = ImportJob(
        file=stored,
        file_format=file_format,
        mode=mode,
        created_by=principal.user if principal.kind == "officer" else None,
    )
    job.save()
    audit.record(
        actor=actor,
        action="procedures.import_started",
        obj=job,
        changes={"file": str(stored.public_id), "format": file_format, "mode": mode, "size": stored.size},
    )
    job_id = str(job.public_id)
    transaction.on_commit(lambda: _enqueue(job_id))
    return job


def _enqueue(job_id: str) -> None:
    from tinhso.procedures.tasks import run_import_job

    run_import_job.enqueue(job_id)


def get_job_for(actor: Any, public_id: Any) -> ImportJob:
    from tinhso.core.errors import NotFound

    require(actor, "procedures.manage")
    job = ImportJob.objects.select_related("file", "created_by").filter(public_id=public_id).first()
    if job is None:
        raise NotFound(
            "Không tìm thấy lượt nhập.", "The import job was not found.", code="procedures.import_not_found"
        )
    return job


# --- Running an import ----------------------------------------------------------------------------


@dataclass
class _Group:
    """One procedure of the file: its row, its child rows, and the data built from them."""

    code: str
    row: Row
    children: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    problems: list[CellProblem] = field(default_factory=list)

    def rows(self) -> list[Row]:
        return [self.row] + [row for rows in self.children.values() for row in rows]

    def data(self) -> dict[str, Any]:
        values = dict(self.row.values)
        data = {key: values.get(column) for key, column in _PROCEDURE_COLUMN.items() if column in values}
        data["code"] = self.code
        data["fee_rule"] = values.get("fee")
        data.setdefault("levels", [])
        data["documents"] = [
            {
                "order": r.values.get("order"),
                "name": r.values.get("name"),
                "is_required": r.values.get("is_required"),
                "copies": r.values.get("copies"),
                "accepts": r.values.get("accepts"),
                "template": r.values.get("template_file"),
            }
            for r in self.children["documents"]
        ]
        data["form_fields"] = [
            {
                "order": r.values.get("order"),
                "key": r.values.get("key"),
                "label": r.values.get("label"),
                "datatype": r.values.get("datatype"),
                "required": r.values.get("required"),
                "choices": r.values.get("choices"),
                "help_text": r.values.get("help_text"),
            }
            for r in self.children["form_fields"]
        ]
        data["route_steps"] = [
            {
                "order": r.values.get("order"),
                "name": r.values.get("name"),
                "kind": r.values.get("kind"),
                "role": r.values.get("role"),
                "share_days": r.values.get("share_days"),
                "agency_level": r.values.get("agency_level"),
                "agency": r.values.get("agency"),
            }
            for r in self.children["route_steps"]
        ]
        return data

    def locate(self, problem: Problem) -> CellProblem:
        """Turn a path of clean_procedure into a sheet, a row and a column."""
        path = problem.path
        row, column = self.row, "code"
        head = path.split(".", 1)[0].split("[", 1)[0]
        if head in _PROCEDURE_COLUMN:
            column = _PROCEDURE_COLUMN[head]
        elif head in ("documents", "form_fields", "route_steps"):
            rows = self.children[head]
            if "[" in path and rows:
                index_text = path.split("[", 1)[1].split("]", 1)[0]
                index = 0 if index_text == "*" else int(index_text)
                row = rows[min(index, len(rows) - 1)]
                rest = path.split("].", 1)[1] if "]." in path else ""
                column = rest.split(".", 1)[0].split("[", 1)[0] or "name"
                column = _CHILD_COLUMN.get(column, column)
            else:
                column = "code"
        return CellProblem(
            row.sheet, row.number, column, problem.code, problem.message_vi, problem.message_en, self.code
        )


def _group_rows(rows: list[Row]) -> tuple[dict[str, _Group], list[CellProblem]]:
    problems: list[CellProblem] = []
    groups: dict[str, _Group] = {}
    for row in rows:
        if row.table is spreadsheets.PROCEDURES:
            code = str(row.values.get("code") or "").strip().upper()
            if not code:
                continue  # reported by validation of the row itself
            if code in groups:
                first = groups[code].row
                problems.append(
                    CellProblem(
                        row.sheet,
                        row.number,
                        "code",
                        "procedures.import_duplicate_code",
                        f"Mã {code} đã có ở dòng {first.number}.",
                        f"Code {code} already appears on row {first.number}.",
                        code,
                    )
                )
                continue
            groups[code] = _Group(code=code, row=row)
    for row in rows:
        if row.table is spreadsheets.PROCEDURES:
            continue
        code = str(row.values.get("procedure_code") or "").strip().upper()
        group = groups.get(code)
        if group is None:
            problems.append(
                CellProblem(
                    row.sheet,
                    row.number,
                    "procedure_code",
                    "procedures.import_unknown_procedure",
                    f"Không có thủ tục mã {code!r} trong bảng procedures của tệp.",
                    f"There is no procedure {code!r} in the procedures table of the file.",
                    code,
                )
            )
            continue
        group.children[row.table.name].append(row)
    return groups, problems


def _set_progress(job: ImportJob, **fields: Any) -> None:
    for key, value in fields.items():
        setattr(job, key, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _finish(job: ImportJob, *, status: str, problems: list[CellProblem], message: str = "") -> ImportJob:
    problems = sorted(problems, key=lambda p: (p.sheet != "procedures", p.sheet, p.row, p.column))
    fields = {
        "status": status,
        "phase": ImportPhase.DONE,
        "errors": [problem.as_dict() for problem in problems[:MAX_STORED_ERRORS]],
        "error_count": len(problems),
        "message": message,
        "finished_at": timezone.now(),
        "created_count": job.created_count,
        "updated_count": job.updated_count,
        "skipped_count": job.skipped_count,
        "processed_rows": job.processed_rows,
    }
    with transaction.atomic():
        _set_progress(job, **fields)
        audit.record(
            actor=SYSTEM,
            action="procedures.import_finished",
            obj=job,
            changes={
                "status": status,
                "created": job.created_count,
                "updated": job.updated_count,
                "skipped": job.skipped_count,
                "errors": len(problems),
            },
        )
        events.publish(
            CatalogImported(
                job_id=str(job.public_id),
                status=status,
                created=job.created_count,
                updated=job.updated_count,
                skipped=job.skipped_count,
            )
        )
    return job


def _claim(public_id: str) -> ImportJob | None:
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("file", "created_by")
            .filter(public_id=public_id)
            .first()
        )
        if job is None or job.status != ImportStatus.QUEUED:
            return None  # unknown, or already taken by another run of the task
        job.status = ImportStatus.RUNNING
        job.phase = ImportPhase.READING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "phase", "started_at"])
        return job


def run_import(public_id: str) -> str:
    """Run the import job ``public_id`` (the task body); safe to call twice: the second does nothing."""
    job = _claim(public_id)
    if job is None:
        return "skipped"
    actor = job.created_by
    if actor is None or not actor.is_active or not can(actor, "procedures.manage"):
        return _finish(
            job,
            status=ImportStatus.FAILED,
            problems=[],
            message="Người tạo lượt nhập không còn quyền quản lý thủ tục / The importer lost the right to manage procedures.",
        ).status
    try:
        return _run(job, actor).status
    except Exception:  # record the failure on the job, then let the worker log it
        logger.exception("procedure import %s failed", public_id)
        _finish(
            job,
            status=ImportStatus.FAILED,
            problems=[],
            message="Lỗi hệ thống khi nhập; xem nhật ký máy chủ / Internal error during the import; see the server log.",
        )
        raise


def _read(job: ImportJob) -> list[Row]:
    with files.open_stored_file(actor=SYSTEM, stored_file=job.file) as handle:
        if job.file_format == "xlsx":
            return spreadsheets.read_xlsx(handle)
        return spreadsheets.read_csv(handle)


def _run(job: ImportJob, actor: Any) -> ImportJob:
    try:
        rows = _read(job)
    except FileProblem as error:
        return _finish(job, status=ImportStatus.FAILED, problems=[error.problem])
    if not any(row.table is spreadsheets.PROCEDURES for row in rows):
        problem = CellProblem(
            "procedures" if job.file_format == "xlsx" else "csv",
            1,
            "",
            "procedures.import_empty",
            "Tệp không có thủ tục nào.",
            "The file holds no procedure.",
        )
        return _finish(job, status=ImportStatus.FAILED, problems=[problem])
    _set_progress(job, total_rows=len(rows), processed_rows=0, phase=ImportPhase.VALIDATING)

    problems: list[CellProblem] = []
    for row in rows:
        problems.extend(spreadsheets.convert_row(row))
    groups, group_problems = _group_rows(rows)
    problems.extend(group_problems)
    _fill_field_names(groups)

    lookups = Lookups()
    specs = {}
    checked = 0
    bad_rows = {(p.sheet, p.row) for p in problems}
    for index, group in enumerate(groups.values(), start=1):
        # A procedure with an unreadable cell is not checked as a whole: rules spanning several
        # cells (the route adds up, a fee needs a fee step) would report consequences, not causes.
        if not any((row.sheet, row.number) in bad_rows for row in group.rows()):
            spec, found = clean_procedure(group.data(), lookups=lookups, allow_new_field=True)
            problems.extend(group.locate(problem) for problem in found)
            if spec is not None:
                specs[group.code] = spec
        checked += len(group.rows())
        if index % BATCH_SIZE == 0:
            _set_progress(job, processed_rows=min(checked, job.total_rows))
    _set_progress(job, processed_rows=job.total_rows)

    if problems and job.mode == ImportMode.ALL_OR_NOTHING:
        return _finish(job, status=ImportStatus.FAILED, problems=problems)

    failed_codes = {p.procedure_code for p in problems}
    writable = [group for code, group in groups.items() if code in specs and code not in failed_codes]
    job.skipped_count = len(groups) - len(writable)
    _set_progress(job, phase=ImportPhase.WRITING, processed_rows=0, skipped_count=job.skipped_count)
    written_rows = 0
    for start in range(0, len(writable), BATCH_SIZE):
        batch = writable[start : start + BATCH_SIZE]
        with transaction.atomic():
            for group in batch:
                try:
                    _, outcome = services.upsert_procedure(actor=actor, spec=specs[group.code])
                except (DomainError, PermissionDenied) as error:
                    problem = CellProblem(
                        group.row.sheet,
                        group.row.number,
                        "code",
                        error.code,
                        error.message_vi,
                        error.message_en,
                        group.code,
                    )
                    if job.mode == ImportMode.ALL_OR_NOTHING:
                        # Only a change made meanwhile by someone else gets here: every row was
                        # checked before. The batch in progress is rolled back; earlier ones stay.
                        return _stop_writing(job, problem)
                    problems.append(problem)
                    job.skipped_count += 1
                    continue
                if outcome == "created":
                    job.created_count += 1
                elif outcome == "updated":
                    job.updated_count += 1
                written_rows += len(group.rows())
        _set_progress(
            job,
            processed_rows=written_rows,
            created_count=job.created_count,
            updated_count=job.updated_count,
            skipped_count=job.skipped_count,
        )
    job.processed_rows = job.total_rows
    return _finish(job, status=ImportStatus.SUCCEEDED, problems=problems)


def _stop_writing(job: ImportJob, problem: CellProblem) -> ImportJob:
    written = job.created_count + job.updated_count
    return _finish(
        job,
        status=ImportStatus.FAILED,
        problems=[problem],
        message=(
            f"Dừng ghi vì dữ liệu vừa bị thay đổi; {written} thủ tục đã ghi trước đó được giữ nguyên. "
            f"Hãy nhập lại tệp. / Stopped because the data changed meanwhile; the {written} procedures "
            "written before stay. Import the file again."
        ),
    )


def _fill_field_names(groups: dict[str, _Group]) -> None:
    """A field named on one row of the file is known on all its rows (only one needs the name)."""
    names: dict[str, str] = {}
    for group in groups.values():
        code = str(group.row.values.get("field_code") or "").strip().upper()
        name = group.row.values.get("field_name")
        if code and name and code not in names:
            names[code] = name
    for group in groups.values():
        code = str(group.row.values.get("field_code") or "").strip().upper()
        if code in names and not group.row.values.get("field_name"):
            group.row.values["field_name"] = names[code]
