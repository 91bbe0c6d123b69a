"""The catalog as a spreadsheet: the column layout, reading CSV/XLSX into rows and writing them.

Layout (docs/procedures.md has the full reference). Four tables:

* ``procedures``  — one row per procedure;
* ``documents``   — one row per required document, linked by ``procedure_code``;
* ``form_fields`` — one row per online form field, linked by ``procedure_code``;
* ``route_steps`` — one row per step of the processing route, linked by ``procedure_code``.

An XLSX workbook has one sheet per table, named as above, each with a header row. A CSV file
holds all four in one table: its first column ``record`` says which table a row belongs to
(``procedure``, ``document``, ``form_field``, ``route_step``) and its header is the union of the
columns; a cell filled in a column that its record does not use is an error (it usually means the
columns are shifted).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tinhso.procedures import fees
from tinhso.procedures.search import normalize

MAX_DATA_ROWS = 50_000
MAX_CELL_CHARS = 20_000
CSV_SHEET = "csv"


@dataclass(frozen=True)
class Table:
    name: str  # sheet name in XLSX
    record: str  # value of the "record" column in CSV
    columns: tuple[str, ...]
    required: frozenset[str]


PROCEDURES = Table(
    "procedures",
    "procedure",
    (
        "code",
        "name",
        "field_code",
        "field_name",
        "levels",
        "agencies",
        "processing_days",
        "processing_note",
        "fee",
        "fee_description",
        "result_type",
        "online_level",
        "legal_basis",
        "is_active",
        "active_from",
        "active_to",
    ),
    frozenset({"code", "name", "field_code", "levels", "processing_days"}),
)
DOCUMENTS = Table(
    "documents",
    "document",
    ("procedure_code", "order", "name", "is_required", "copies", "accepts", "template_file"),
    frozenset({"procedure_code", "name"}),
)
FORM_FIELDS = Table(
    "form_fields",
    "form_field",
    ("procedure_code", "order", "key", "label", "datatype", "required", "choices", "help_text"),
    frozenset({"procedure_code", "key", "label"}),
)
ROUTE_STEPS = Table(
    "route_steps",
    "route_step",
    ("procedure_code", "order", "name", "kind", "role", "share_days", "agency_level", "agency"),
    frozenset({"procedure_code", "name", "kind", "role", "share_days"}),
)
TABLES = (PROCEDURES, DOCUMENTS, FORM_FIELDS, ROUTE_STEPS)
BY_RECORD = {table.record: table for table in TABLES}
CSV_COLUMNS: tuple[str, ...] = ("record",) + tuple(
    dict.fromkeys(column for table in TABLES for column in table.columns)
)

INT_COLUMNS = {"processing_days", "order"}
BOOL_COLUMNS = {"is_active", "is_required", "required"}
DATE_COLUMNS = {"active_from", "active_to"}
MULTILINE_COLUMNS = {"legal_basis", "fee_description"}

_TRUE = {"1", "true", "yes", "y", "x", "co", "dung"}
_FALSE = {"0", "false", "no", "n", "khong", "sai"}
_LEVEL_ALIASES = {
    "provincial": "provincial",
    "tinh": "provincial",
    "cap tinh": "provincial",
    "district": "district",
    "huyen": "district",
    "cap huyen": "district",
    "commune": "commune",
    "xa": "commune",
    "cap xa": "commune",
}
_ONLINE_ALIASES = {
    "full": "full",
    "toan trinh": "full",
    "truc tuyen toan trinh": "full",
    "partial": "partial",
    "mot phan": "partial",
    "truc tuyen mot phan": "partial",
    "none": "none",
    "khong": "none",
}
_SPLIT = re.compile(r"[;,\n]+")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CellProblem:
    sheet: str
    row: int
    column: str
    code: str
    message_vi: str
    message_en: str
    procedure_code: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message_vi": self.message_vi,
            "message_en": self.message_en,
            "procedure_code": self.procedure_code,
        }


class FileProblem(Exception):
    """The file as a whole cannot be read (wrong headers, not a workbook, too many rows)."""

    def __init__(self, problem: CellProblem) -> None:
        super().__init__(problem.message_en)
        self.problem = problem


@dataclass
class Row:
    table: Table
    sheet: str
    number: int  # XLSX: the sheet's row number; CSV: the record number (the header is 1)
    cells: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)  # typed, filled by convert_row


# --- Reading --------------------------------------------------------------------------------------


def _header_problem(sheet: str, column: str, vi: str, en: str, row: int = 1) -> FileProblem:
    return FileProblem(CellProblem(sheet, row, column, "procedures.import_bad_header", vi, en))


def _check_header(header: list[str], allowed: Iterable[str], required: Iterable[str], sheet: str) -> None:
    allowed = list(allowed)
    seen = set()
    for column in header:
        if column == "":
            continue
        if column not in allowed:
            raise _header_problem(
                sheet,
                column,
                f"Cột {column!r} không thuộc mẫu nhập; các cột dùng được: {', '.join(allowed)}.",
                f"Column {column!r} is not part of the layout; allowed columns: {', '.join(allowed)}.",
            )
        if column in seen:
            raise _header_problem(
                sheet, column, f"Cột {column!r} bị lặp.", f"Column {column!r} appears twice."
            )
        seen.add(column)
    missing = [column for column in required if column not in seen]
    if missing:
        raise _header_problem(
            sheet,
            missing[0],
            f"Thiếu cột bắt buộc: {', '.join(sorted(missing))}.",
            f"Missing required columns: {', '.join(sorted(missing))}.",
        )


def _clean_header(values: Iterable[Any]) -> list[str]:
    return [str(value).strip().lower() if value is not None else "" for value in values]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _too_many(sheet: str, row: int) -> FileProblem:
    return FileProblem(
        CellProblem(
            sheet,
            row,
            "",
            "procedures.import_too_many_rows",
            f"Tệp có quá {MAX_DATA_ROWS} dòng dữ liệu; hãy chia thành nhiều tệp.",
            f"The file has more than {MAX_DATA_ROWS} data rows; split it into several files.",
        )
    )


def read_xlsx(stream: io.BufferedIOBase | io.BytesIO) -> list[Row]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for damaged files
        raise FileProblem(
            CellProblem(
                "",
                0,
                "",
                "procedures.import_unreadable",
                "Không đọc được tệp XLSX (tệp hỏng hoặc không phải bảng tính Excel).",
                "The XLSX file cannot be read (damaged, or not an Excel workbook).",
            )
        ) from None
    try:
        names = {name.strip().lower(): name for name in workbook.sheetnames}
        if PROCEDURES.name not in names:
            raise _header_problem(
                PROCEDURES.name,
                "",
                "Bảng tính cần có trang (sheet) tên procedures; các trang documents, form_fields, route_steps tùy chọn.",
                "The workbook needs a sheet named procedures; documents, form_fields and route_steps are optional.",
                row=0,
            )
        rows: list[Row] = []
        for table in TABLES:
            if table.name not in names:
                continue
            sheet = workbook[names[table.name]]
            iterator = sheet.iter_rows(values_only=True)
            header_cells = next(iterator, None)
            header = _clean_header(header_cells or [])
            _check_header(header, table.columns, table.required, table.name)
            for number, values in enumerate(iterator, start=2):
                if all(_blank(value) for value in values):
                    continue
                if len(rows) >= MAX_DATA_ROWS:
                    raise _too_many(table.name, number)
                cells = {
                    column: value
                    for column, value in zip(header, values, strict=False)
                    if column and not _blank(value)
                }
                rows.append(Row(table, table.name, number, cells))
        return rows
    finally:
        workbook.close()


def read_csv(stream: io.BufferedIOBase | io.BytesIO) -> list[Row]:
    raw = stream.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(
            CellProblem(
                CSV_SHEET,
                0,
                "",
                "procedures.import_not_utf8",
                "Tệp CSV phải mã hóa UTF-8.",
                "A CSV file must be encoded in UTF-8.",
            )
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL_CHARS)
    rows: list[Row] = []
    try:
        header = _clean_header(next(reader, []))
        _check_header(header, CSV_COLUMNS, ("record",), CSV_SHEET)
        number = 1
        while True:
            number += 1
            try:
                values = next(reader)
            except StopIteration:
                break
            except csv.Error:
                raise FileProblem(
                    CellProblem(
                        CSV_SHEET,
                        number,
                        "",
                        "procedures.import_bad_csv",
                        f"Dòng {number}: không đọc được (ô quá dài hoặc dấu ngoặc kép không đóng).",
                        f"Record {number} cannot be read (a cell too long, or an unclosed quote).",
                    )
                ) from None
            if all(_blank(value) for value in values):
                continue
            if len(rows) >= MAX_DATA_ROWS:
                raise _too_many(CSV_SHEET, number)
            cells = {column: value for column, value in zip(header, values, strict=False) if column}
            record = (cells.pop("record", "") or "").strip().lower()
            table = BY_RECORD.get(record)
            if table is None:
                rows.append(Row(PROCEDURES, CSV_SHEET, number, {"__bad_record__": record}))
                continue
            cells = {column: _unguard(value) for column, value in cells.items() if not _blank(value)}
            rows.append(Row(table, CSV_SHEET, number, cells))
    finally:
        csv.field_size_limit(old_limit)
    return rows


def _unguard(value: str) -> str:
    """Undo the export's protection against spreadsheet formulas ("'=..." → "=...")."""
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START:
        return value[1:]
    return value


def _guard(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# --- Converting cells to values ----------------------------------------------------------------


def _problem(row: Row, column: str, code: str, vi: str, en: str) -> CellProblem:
    return CellProblem(
        row.sheet,
        row.number,
        column,
        code,
        vi,
        en,
        procedure_code=str(row.values.get("procedure_code") or row.values.get("code") or ""),
    )


def _as_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def convert_row(row: Row) -> list[CellProblem]:
    """Fill ``row.values`` with typed values from its cells; return the cells that cannot be read."""
    problems: list[CellProblem] = []
    if "__bad_record__" in row.cells:
        return [
            _problem(
                row,
                "record",
                "procedures.import_bad_record",
                "Cột record phải là procedure, document, form_field hoặc route_step.",
                "The record column must be procedure, document, form_field or route_step.",
            )
        ]
    allowed = set(row.table.columns)
    for column, raw in row.cells.items():
        if column not in allowed:
            problems.append(
                _problem(
                    row,
                    column,
                    "procedures.import_column_not_used",
                    f"Cột {column} không dùng cho loại dòng {row.table.record}; có thể các cột bị lệch.",
                    f"Column {column} is not used by {row.table.record} rows; the columns may be shifted.",
                )
            )
            continue
        if isinstance(raw, str) and len(raw) > MAX_CELL_CHARS:
            problems.append(
                _problem(row, column, "procedures.too_long", "Ô quá dài.", "The cell is too long.")
            )
            continue
        try:
            row.values[column] = _convert(column, raw)
        except ValueError as error:
            vi, en = (
                error.args if len(error.args) == 2 else ("Giá trị không hợp lệ.", "The value is not valid.")
            )
            problems.append(_problem(row, column, "procedures.import_bad_value", vi, en))
    return problems


def _convert(column: str, raw: Any) -> Any:
    if column in INT_COLUMNS:
        if isinstance(raw, bool):
            raise ValueError("Cần một số nguyên.", "A whole number is expected.")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        text = str(raw).strip()
        if re.fullmatch(r"\d{1,6}", text):
            return int(text)
        raise ValueError("Cần một số nguyên không âm.", "A non-negative whole number is expected.")
    if column in BOOL_COLUMNS:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int | float) and raw in (0, 1):
            return bool(raw)
        word = normalize(str(raw))
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueError("Cần giá trị có/không (1/0).", "A yes/no value (1/0) is expected.")
    if column in DATE_COLUMNS:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValueError("Ngày phải có dạng YYYY-MM-DD.", "A date must look like YYYY-MM-DD.") from None
    if column == "share_days":
        if isinstance(raw, bool):
            raise ValueError("Cần một số.", "A number is expected.")
        try:
            return (
                Decimal(repr(raw)) if isinstance(raw, float) else Decimal(str(raw).strip().replace(",", "."))
            )
        except InvalidOperation:
            raise ValueError(
                "Cần một số ngày (ví dụ 0.5).", "A number of days is expected (e.g. 0.5)."
            ) from None
    text = _as_text(raw)
    if column == "levels":
        levels = []
        for part in _SPLIT.split(text):
            key = normalize(part)
            if not key:
                continue
            if key not in _LEVEL_ALIASES:
                raise ValueError(
                    "Cấp thực hiện: provincial, district, commune (hoặc tỉnh, huyện, xã).",
                    "Levels: provincial, district, commune.",
                )
            levels.append(_LEVEL_ALIASES[key])
        return levels
    if column in {"agencies", "accepts"}:
        return [
            part.strip().lower() if column == "accepts" else part.strip().upper()
            for part in _SPLIT.split(text)
            if part.strip()
        ]
    if column == "online_level":
        key = normalize(text)
        if key not in _ONLINE_ALIASES:
            raise ValueError(
                "Mức độ trực tuyến: full (toàn trình), partial (một phần) hoặc none.",
                "Online level: full, partial or none.",
            )
        return _ONLINE_ALIASES[key]
    if column == "fee":
        return parse_fee(text)
    if column == "choices":
        return parse_choices(text)
    if column in {"kind", "role", "datatype", "agency_level", "key"}:
        return text.strip().lower()
    if column in MULTILINE_COLUMNS:
        return text.strip()
    return text.strip()


def parse_fee(text: str) -> dict:
    """ "0"/"" → free, "50000" or "50.000" → fixed, a JSON object → the rule itself."""
    text = text.strip()
    if not text:
        return dict(fees.FREE)
    compact = text.replace(".", "").replace(" ", "").replace("đ", "").replace("VND", "")
    if re.fullmatch(r"\d{1,11}", compact):
        amount = int(compact)
        return dict(fees.FREE) if amount == 0 else {"kind": "fixed", "amount": amount}
    if text.startswith("{"):
        try:
            rule = json.loads(text)
        except ValueError:
            raise ValueError("Cột fee: JSON không hợp lệ.", "The fee column holds invalid JSON.") from None
        if isinstance(rule, dict):
            return rule
    raise ValueError(
        "Cột fee: ghi số tiền (ví dụ 50000), 0 nếu không thu, hoặc cách tính dạng JSON.",
        "The fee column holds an amount (e.g. 50000), 0 when free, or a JSON fee rule.",
    )


def parse_choices(text: str) -> list[dict[str, str]]:
    """ "nam=Nam | nu=Nữ" → [{"value": "nam", "label": "Nam"}, {"value": "nu", "label": "Nữ"}]."""
    choices = []
    for part in text.split("|"):
        part = part.strip()
        if not part:
            continue
        value, sep, label = part.partition("=")
        if not sep:
            raise ValueError(
                "Lựa chọn ghi dạng ma=Nhãn, cách nhau bởi dấu |.",
                "Choices are written value=Label, separated by |.",
            )
        choices.append({"value": value.strip(), "label": label.strip()})
    return choices


# --- Writing --------------------------------------------------------------------------------------


def format_fee(rule: dict) -> str:
    kind = rule.get("kind", "free")
    if kind == "free":
        return "0"
    if kind == "fixed":
        return str(rule["amount"])
    return json.dumps(rule, ensure_ascii=False, separators=(",", ":"))


def table_rows(data: Iterable[dict]) -> dict[str, list[dict[str, Any]]]:
    """Procedures as given by ``validation.procedure_as_data`` → rows of each table."""
    out: dict[str, list[dict[str, Any]]] = {table.name: [] for table in TABLES}
    for item in data:
        code = item["code"]
        out[PROCEDURES.name].append(
            {
                "code": code,
                "name": item["name"],
                "field_code": item["field_code"],
                "field_name": item.get("field_name", ""),
                "levels": ", ".join(item["levels"]),
                "agencies": "; ".join(item["agencies"]),
                "processing_days": item["processing_days"],
                "processing_note": item["processing_note"],
                "fee": format_fee(item["fee_rule"]),
                "fee_description": item["fee_description"],
                "result_type": item["result_type"],
                "online_level": item["online_level"],
                "legal_basis": item["legal_basis"],
                "is_active": item["is_active"],
                "active_from": item["active_from"],
                "active_to": item["active_to"],
            }
        )
        for d in item["documents"]:
            out[DOCUMENTS.name].append(
                {
                    "procedure_code": code,
                    "order": d["order"],
                    "name": d["name"],
                    "is_required": d["is_required"],
                    "copies": d["copies"],
                    "accepts": ", ".join(d["accepts"]),
                    "template_file": d["template"] or "",
                }
            )
        for f in item["form_fields"]:
            out[FORM_FIELDS.name].append(
                {
                    "procedure_code": code,
                    "order": f["order"],
                    "key": f["key"],
                    "label": f["label"],
                    "datatype": f["datatype"],
                    "required": f["required"],
                    "choices": " | ".join(f"{c['value']}={c['label']}" for c in f["choices"]),
                    "help_text": f["help_text"],
                }
            )
        for s in item["route_steps"]:
            out[ROUTE_STEPS.name].append(
                {
                    "procedure_code": code,
                    "order": s["order"],
                    "name": s["name"],
                    "kind": s["kind"],
                    "role": s["role"],
                    "share_days": Decimal(s["share_days"]),
                    "agency_level": s["agency_level"],
                    "agency": s["agency"] or "",
                }
            )
    return out


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return _guard(str(value))


def write_csv(data: Iterable[dict]) -> bytes:
    """UTF-8 with a BOM (so that Excel shows Vietnamese correctly), comma-separated, CRLF lines."""
    tables = table_rows(data)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for table in TABLES:
        for row in tables[table.name]:
            writer.writerow(
                [table.record]
                + [_csv_cell(row.get(column)) if column in row else "" for column in CSV_COLUMNS[1:]]
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(data: Iterable[dict]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    tables = table_rows(data)
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in TABLES:
        sheet = workbook.create_sheet(table.name)
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in tables[table.name]:
            cells = []
            for column in table.columns:
                value = row.get(column)
                if isinstance(value, Decimal):
                    value = float(value)
                cell = WriteOnlyCell(sheet, value=value if value != "" else None)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
