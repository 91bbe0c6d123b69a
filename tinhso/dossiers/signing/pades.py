"""Signing a PDF: one incremental PAdES signature (baseline B-B) per call, with pyHanko.

Each signature is appended as an incremental update (``IncrementalPdfFileWriter``), so earlier
signatures stay intact and keep covering their own revision. No timestamp from a time-stamping
authority is added (none is reachable offline): the signing time is the signer's claim.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.fields import SigFieldSpec
from pyhanko.stamp import TextStampStyle

from tinhso.dossiers.signing import stamps
from tinhso.dossiers.signing.keystore import SigningKey


@dataclass(frozen=True)
class Placement:
    page: int  # zero-based; negative counts from the end
    box: stamps.Box | None  # None: an invisible signature


def _inherited(page, key: str):
    node = page
    while node is not None:
        if key in node:
            return node[key]
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    return None


def page_area(reader: PdfFileReader, page_index: int) -> tuple[float, float, float]:
    """(x0, y0, width) of the page's media box."""
    ref, _resources = reader.find_page_for_modification(page_index)
    box = _inherited(ref.get_object(), "/MediaBox") or [0, 0, 595, 842]
    x0, y0, x1, _y1 = (float(v) for v in box)
    return x0, y0, x1 - x0


def page_count(reader: PdfFileReader) -> int:
    return int(reader.root["/Pages"]["/Count"])


def person_placement(data: bytes) -> Placement:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    last = page_count(reader) - 1
    x0, y0, width = page_area(reader, last)
    return Placement(page=last, box=stamps.person_box(width, x0, y0))


def seal_placement(data: bytes, person_signature: dict | None) -> Placement:
    """Over the left third of the person's stamp (found in the PDF); the default person position
    on the last page when the person's signature has no visible widget."""
    rect, page = (person_signature or {}).get("rect"), (person_signature or {}).get("page")
    if rect and page is not None and rect[2] - rect[0] > 1 and rect[3] - rect[1] > 1:
        person = stamps.Box(*(int(round(v)) for v in rect))
        return Placement(page=page, box=stamps.seal_box(person))
    default = person_placement(data)
    return Placement(page=default.page, box=stamps.seal_box(default.box))


def field_name(data: bytes, prefix: str) -> str:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    taken = {name for name, _value, _ref in fields.enumerate_sig_fields(reader)}
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def sign_pdf(
    data: bytes,
    *,
    key: SigningKey,
    name: str,
    placement: Placement,
    style: TextStampStyle | None,
    signer_name: str,
    reason: str,
    location: str = "",
) -> bytes:
    """``data`` with one more signature (field ``name``) appended as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=signer_name[:200],
        reason=reason,
        location=location[:200] or None,
    )
    spec = SigFieldSpec(
        sig_field_name=name,
        on_page=placement.page,
        box=placement.box.as_tuple() if placement.box is not None else None,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=key.signer,
        stamp_style=style if placement.box is not None else None,
        new_field_spec=spec,
    )
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()
