"""X.509 certificates: reading what a certificate says, and issuing the demo CA's certificates.

Production certificates come from a licensed certification authority (in Vietnam, for state
bodies, the Government Cipher Committee's specialised CA, or a licensed public CA); this module
only *issues* certificates for the demo and for tests. Everything here uses ``cryptography``;
pyHanko receives the results as PKCS#12 files through the key store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# --- Reading -------------------------------------------------------------------------------------


def _name_part(name, key: str) -> str:
    value = name.native.get(key, "")
    if isinstance(value, list):  # a repeated attribute
        value = ", ".join(str(v) for v in value)
    return str(value or "")


def describe(certificate: asn1_x509.Certificate) -> dict:
    """What a signature's certificate tells a reader (JSON-able): subject CN/O/title, serial,
    issuer and validity. No personal identifiers beyond what the signer published in it."""
    subject, issuer = certificate.subject, certificate.issuer
    validity = certificate["tbs_certificate"]["validity"]
    return {
        "subject_cn": _name_part(subject, "common_name"),
        "subject_o": _name_part(subject, "organization_name"),
        "subject_title": _name_part(subject, "title"),
        "serial": format(certificate.serial_number, "X"),
        "issuer_cn": _name_part(issuer, "common_name"),
        "not_before": validity["not_before"].native.isoformat(),
        "not_after": validity["not_after"].native.isoformat(),
        "sha256": hashlib.sha256(certificate.dump()).hexdigest(),
    }


def to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def load_pem_certificates(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(Path(path).read_bytes())


# --- Issuing (demo and tests) --------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    key: PrivateKey
    certificate: x509.Certificate


def new_key(kind: str = "rsa") -> PrivateKey:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def fit(text: str, limit: int = 64) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes (the X.509 upper bound of most name parts, as
    ``cryptography`` counts it), on a character boundary: long Vietnamese agency names exceed it."""
    encoded = text.encode("utf-8")[:limit]
    return encoded.decode("utf-8", errors="ignore").strip()


def _name(common_name: str, organisation: str = "", title: str = "", uid: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, fit(organisation)))
    if title:
        parts.append(x509.NameAttribute(NameOID.TITLE, fit(title)))
    if uid:
        parts.append(x509.NameAttribute(NameOID.USER_ID, fit(uid)))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, fit(common_name)))
    return x509.Name(parts)


def create_root(
    common_name: str, organisation: str, *, now: dt.datetime, years: int = 10, key_kind: str = "rsa"
) -> Authority:
    key = new_key(key_kind)
    name = _name(common_name, organisation)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(key=key, certificate=certificate)


def issue(
    authority: Authority,
    *,
    common_name: str,
    organisation: str,
    title: str = "",
    uid: str = "",
    now: dt.datetime,
    days: int = 730,
    key_kind: str = "rsa",
) -> tuple[PrivateKey, x509.Certificate]:
    """A signing certificate (digital signature + non-repudiation, as document signing needs)."""
    key = new_key(key_kind)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organisation, title, uid))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(min(now + dt.timedelta(days=days), authority.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False
        )
        .sign(authority.key, hashes.SHA256())
    )
    return key, certificate


def pkcs12_bytes(
    key: PrivateKey,
    certificate: x509.Certificate,
    chain: list[x509.Certificate],
    *,
    password: str,
    label: str,
) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        label.encode("utf-8")[:64],
        key,
        certificate,
        chain,
        serialization.BestAvailableEncryption(password.encode("utf-8")),
    )


def certificate_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def key_pem(key: PrivateKey, password: str) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode("utf-8")),
    )


def load_key_pem(data: bytes, password: str) -> PrivateKey:
    key = serialization.load_pem_private_key(data, password=password.encode("utf-8"))
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("unsupported key type")
    return key


def read_pkcs12(data: bytes, password: str) -> tuple[PrivateKey, x509.Certificate, list[x509.Certificate]]:
    key, certificate, chain = pkcs12.load_key_and_certificates(data, password.encode("utf-8"))
    if key is None or certificate is None:
        raise ValueError("the PKCS#12 file holds no key or no certificate")
    return key, certificate, list(chain)
