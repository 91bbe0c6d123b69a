"""Who signs a result digitally.

* ``dossiers.sign_result``: the personal signature of the competent person, a **leader** of the
  dossier's current agency (the agency that decides).
* ``dossiers.seal_result``: the organisation's signature (its digital "seal"), applied by the
  agency's **clerk** (văn thư) or **one-stop officer**; the agency is the one whose leader signed
  (an attachment signed without a leader's signature: the dossier's current agency).

Imported by ``tinhso/dossiers/permissions.py`` so that the rules exist at start-up.
"""

from __future__ import annotations

from tinhso.core.accounts.models import Role
from tinhso.core.permissions import Rule, register
from tinhso.dossiers.permissions import agency_of

SIGN_ROLES = frozenset({Role.LEADER})
SEAL_ROLES = frozenset({Role.CLERK, Role.ONE_STOP_OFFICER})

register(
    Rule(
        "dossiers.sign_result",
        "Ký số kết quả giải quyết (chữ ký của người có thẩm quyền) / Sign a result as the competent person",
        roles=SIGN_ROLES,
        scope="dossiers:write",
        agency_of=agency_of,
        sensitive=True,
    ),
    Rule(
        "dossiers.seal_result",
        "Ký số của cơ quan (đóng dấu số) lên kết quả / Apply the organisation's signature to a result",
        roles=SEAL_ROLES,
        scope="dossiers:write",
        agency_of=agency_of,
        sensitive=True,
    ),
)
