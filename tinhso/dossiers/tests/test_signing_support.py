"""A throwaway PKI for the signing tests, built with ``cryptography`` alone (independent of the
code under test): a root CA, certificates for the world's leader and agency, and PDFs."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from fpdf import FPDF

from tinhso.dossiers import services
from tinhso.dossiers.tests.conftest import received

PASSWORD = "mat-khau-thu-nghiem"
NOW = dt.datetime.now(dt.UTC)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def make_certificate(subject, issuer_name, public_key, signing_key, *, ca: bool, days: int = 365, start=None):
    start = start or NOW - dt.timedelta(days=1)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(ca), critical=True)
        .sign(signing_key, hashes.SHA256())
    )


@dataclass
class Pki:
    directory: Path
    ca_key: ec.EllipticCurvePrivateKey
    ca_cert: x509.Certificate

    def issue(self, common_name: str, organisation: str, **kwargs):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = make_certificate(
            _name(common_name, organisation),
            self.ca_cert.subject,
            key.public_key(),
            self.ca_key,
            ca=False,
            **kwargs,
        )
        return key, cert

    def p12(self, key, cert, chain=None) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"test",
            key,
            cert,
            [self.ca_cert] if chain is None else chain,
            serialization.BestAvailableEncryption(PASSWORD.encode()),
        )

    def install(
        self, kind: str, owner: str, common_name: str, organisation: str, **kwargs
    ) -> x509.Certificate:
        key, cert = self.issue(common_name, organisation, **kwargs)
        folder = self.directory / "keystore" / ("people" if kind == "person" else "agencies")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{owner}.p12").write_bytes(self.p12(key, cert))
        return cert


def self_signed_p12(common_name: str, organisation: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, organisation)
    cert = make_certificate(name, name, key.public_key(), key, ca=False)
    return pkcs12.serialize_key_and_certificates(
        b"self", key, cert, [], serialization.BestAvailableEncryption(PASSWORD.encode())
    )


@pytest.fixture
def pki(tmp_path, settings, monkeypatch, world) -> Pki:
    """A CA trusted by the platform; keys for ``world.leader`` and ``world.dept`` in a key store."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("CA thử nghiệm", "Tinhso tests")
    ca_cert = make_certificate(ca_name, ca_name, ca_key.public_key(), ca_key, ca=True, days=3650)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    settings.SIGNING_TRUST_ROOTS = [str(roots)]
    settings.SIGNING_KEYSTORE_DIR = str(tmp_path / "keystore")
    monkeypatch.setenv("SIGNING_KEYSTORE_PASSWORD", PASSWORD)
    result = Pki(directory=tmp_path, ca_key=ca_key, ca_cert=ca_cert)
    result.install("person", world.leader.username, "Nguyễn Văn Lãnh Đạo", world.dept.name)
    result.install("organisation", world.dept.code, world.dept.name, world.dept.name)
    return result


def make_pdf(pages: int = 2) -> bytes:
    pdf = FPDF()
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("helvetica", size=14)
        pdf.cell(text=f"QUYET DINH - trang {number}")
    return bytes(pdf.output())


def sign_externally(data: bytes, p12: bytes, field: str = "Signature1") -> bytes:
    """Sign as an outside tool would (e.g. the CA's plugin with a USB token), invisibly."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load_pkcs12_data(p12, [], passphrase=PASSWORD.encode())
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name=field, subfilter=fields.SigSeedSubFilter.PADES)
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out)
    return out.getvalue()


def at_approval(world):
    """A dossier waiting for the leader's approval (the leader owns the current step)."""
    dossier = received(world)
    services.complete_step(actor=world.specialist, dossier=dossier)
    return dossier


def attach(world, dossier, data: bytes, actor=None, name="Quyết định cấp phép"):
    return services.attach_result(
        actor=actor or world.leader,
        dossier=dossier,
        name=name,
        upload=io.BytesIO(data),
        purpose="signed_document",
    )


def widget_rects(data: bytes) -> dict[str, tuple[list[float], int | None]]:
    """Field name -> (/Rect, page index) of every signature in the PDF, read with pyHanko."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data))
    pages = [
        reader.find_page_for_modification(i)[0].idnum for i in range(int(reader.root["/Pages"]["/Count"]))
    ]
    found = {}
    for embedded in reader.embedded_signatures:
        widget = embedded.sig_field
        page_ref = widget.raw_get("/P")
        found[embedded.field_name] = ([float(v) for v in widget["/Rect"]], pages.index(page_ref.idnum))
    return found
