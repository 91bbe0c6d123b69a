"""The demo certification authority: ``tinhso dossiers signing demo-ca``.

Creates (once) a root CA under ``SIGNING_DEMO_CA_DIR`` (default ``var/signing/demo-ca``: the root
certificate ``root-ca.pem`` and its key ``root-ca.key.pem``, encrypted) and, in the file key
store, one PKCS#12 file per **leader** (their personal certificate) and per **agency** where a
leader, clerk or one-stop officer works (its organisation certificate). Idempotent: a file that
opens with the password, was issued by this root and is valid for at least 30 more days is kept.

The demo CA is trusted only in DEBUG and tests (``config.trust_root_paths``). Its certificates
have no legal value: production keys come from a licensed CA (docs/onestop.md, "Signed results").
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.utils import timezone

from tinhso.core.accounts.models import OfficerRole, Role
from tinhso.dossiers.signing import certificates, config
from tinhso.dossiers.signing.keystore import ORGANISATION, PERSON, FileKeyStore

ROOT_NAME = "Tinhso Demo CA (không có giá trị pháp lý)"
ROOT_ORGANISATION = "Tinhso demo"
RENEW_BEFORE = dt.timedelta(days=30)
AGENCY_ROLES = (Role.LEADER, Role.CLERK, Role.ONE_STOP_OFFICER)


@dataclass
class DemoCaReport:
    root_path: Path
    root_created: bool = False
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        handle.write(data)
    temporary.replace(path)


def _load_root(directory: Path, password: str) -> certificates.Authority | None:
    cert_path, key_path = directory / "root-ca.pem", directory / "root-ca.key.pem"
    if not cert_path.exists() or not key_path.exists():
        return None
    certificate = certificates.load_pem_certificates(cert_path)[0]
    key = certificates.load_key_pem(key_path.read_bytes(), password)
    return certificates.Authority(key=key, certificate=certificate)


def _issued_by(certificate: x509.Certificate, root: certificates.Authority) -> bool:
    if certificate.issuer != root.certificate.subject:
        return False
    public = root.certificate.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(
                certificate.signature,
                certificate.tbs_certificate_bytes,
                padding.PKCS1v15(),
                certificate.signature_hash_algorithm,
            )
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(
                certificate.signature,
                certificate.tbs_certificate_bytes,
                ec.ECDSA(certificate.signature_hash_algorithm),
            )
        else:
            return False
    except Exception:
        return False
    return True


def _usable(path: Path, password: str, root: certificates.Authority, now: dt.datetime) -> bool:
    if not path.exists():
        return False
    try:
        _key, certificate, _chain = certificates.read_pkcs12(path.read_bytes(), password)
    except (ValueError, OSError):
        return False
    return _issued_by(certificate, root) and certificate.not_valid_after_utc - RENEW_BEFORE > now


def _people() -> list[tuple[str, str, str]]:
    """(username, full name, agency name) of every active leader, once each."""
    today = timezone.localdate()
    rows = (
        OfficerRole.objects.filter(role=Role.LEADER, user__is_active=True, agency__isnull=False)
        .exclude(valid_to__lt=today)
        .select_related("user", "agency")
        .order_by("user__username", "agency__code")
    )
    seen: dict[str, tuple[str, str, str]] = {}
    for row in rows:
        seen.setdefault(row.user.username, (row.user.username, row.user.full_name, row.agency.name))
    return list(seen.values())


def _agencies() -> list[tuple[str, str]]:
    today = timezone.localdate()
    rows = (
        OfficerRole.objects.filter(role__in=AGENCY_ROLES, user__is_active=True)
        .exclude(valid_to__lt=today)
        .values_list("agency__code", "agency__name")
        .distinct()
        .order_by("agency__code")
    )
    return list(rows)


def ensure_demo_ca(
    *,
    now: dt.datetime | None = None,
    ca_dir: Path | None = None,
    keystore_dir: Path | None = None,
    password: str | None = None,
    key_kind: str = "rsa",
) -> DemoCaReport:
    now = now or timezone.now()
    ca_dir = Path(ca_dir) if ca_dir is not None else config.demo_ca_dir()
    store = FileKeyStore(keystore_dir)
    password = password or os.environ.get("SIGNING_KEYSTORE_PASSWORD") or config.DEMO_KEYSTORE_PASSWORD
    report = DemoCaReport(root_path=ca_dir / "root-ca.pem")

    root = _load_root(ca_dir, password)
    if root is None or root.certificate.not_valid_after_utc - RENEW_BEFORE <= now:
        root = certificates.create_root(ROOT_NAME, ROOT_ORGANISATION, now=now, key_kind=key_kind)
        _write(ca_dir / "root-ca.key.pem", certificates.key_pem(root.key, password))
        _write(ca_dir / "root-ca.pem", certificates.certificate_pem(root.certificate))
        report.root_created = True

    wanted = [
        (PERSON, username, full_name or username, agency_name, "Lãnh đạo")
        for username, full_name, agency_name in _people()
    ] + [(ORGANISATION, code, name, name, "") for code, name in _agencies()]
    for kind, owner, common_name, organisation, title in wanted:
        path = store.path_for(kind, owner)
        label = f"{kind}:{owner}"
        if path is None:
            continue  # a name that cannot be a file name (never created by the platform's forms)
        if _usable(path, password, root, now):
            report.kept.append(label)
            continue
        key, certificate = certificates.issue(
            root,
            common_name=common_name,
            organisation=organisation,
            title=title,
            uid=owner if kind == PERSON else "",
            now=now,
            key_kind=key_kind,
        )
        _write(
            path,
            certificates.pkcs12_bytes(key, certificate, [root.certificate], password=password, label=label),
        )
        report.created.append(label)
    return report
