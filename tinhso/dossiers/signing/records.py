"""Reading what ``ResultDocument.signature_info`` records (no pyHanko needed).

``signature_info`` holds the last verification (``signatures``, ``status``, ``verified_at``,
``document_sha256``) and, for signatures applied in the platform, ``platform_signatures``: who
signed for which agency, with which certificate serial, replacing which file.
"""

from __future__ import annotations

from typing import Any

PERSON = "person"
ORGANISATION = "organisation"


def platform_signatures(result: Any) -> list[dict]:
    return list((result.signature_info or {}).get("platform_signatures", []))


def signatures(result: Any) -> list[dict]:
    return list((result.signature_info or {}).get("signatures", []))


def issuing_agency_id(dossier: Any, result: Any) -> int:
    """The agency whose organisation signature goes on the result: the agency of the leader who
    signed it in the platform, else the dossier's current agency."""
    for entry in reversed(platform_signatures(result)):
        if entry.get("signer") == PERSON and entry.get("agency_id"):
            return int(entry["agency_id"])
    return dossier.current_agency_id


def is_sealed(result: Any) -> bool:
    return any(s.get("role") == ORGANISATION for s in signatures(result))


def has_person_signature(result: Any) -> bool:
    return any(s.get("role") != ORGANISATION and s.get("intact") for s in signatures(result))
