"""Who may read and edit the procedure catalog.

The catalog is public information (Decree 63/2010/NĐ-CP requires it to be published); editing
it, importing and exporting files and following import jobs is for platform administrators.
"""

from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register

ADMINS = frozenset({Role.PLATFORM_ADMIN})

register(
    Rule(
        "procedures.view",
        "Tra cứu thủ tục hành chính / Look up administrative procedures",
        public=True,
    ),
    Rule(
        "procedures.manage",
        "Thêm, sửa, ngừng áp dụng, nhập, xuất thủ tục hành chính / Create, edit, withdraw, import and export procedures",
        roles=ADMINS,
        scope="procedures:manage",
    ),
)
