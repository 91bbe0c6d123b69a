"""Upload purposes of the procedure catalog (see docs/files.md)."""

from tinhso.core.files import types
from tinhso.core.files.purposes import MB, Purpose, register_purpose

CATALOG_IMPORT = register_purpose(
    Purpose(
        name="procedure_catalog_import",
        allowed_types=frozenset({types.CSV, types.XLSX}),
        max_bytes=20 * MB,
        description="Tệp nhập danh mục thủ tục hành chính (CSV, XLSX) / Procedure catalog import file",
    )
)
FORM_TEMPLATE = register_purpose(
    Purpose(
        name="procedure_form_template",
        allowed_types=frozenset({types.PDF, types.DOCX, types.ODT, types.XLSX, types.ODS}),
        max_bytes=10 * MB,
        description="Mẫu đơn, tờ khai của thủ tục hành chính / Form template of a procedure",
    )
)
