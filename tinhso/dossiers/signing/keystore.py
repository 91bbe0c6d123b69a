"""Where signing keys come from: the ``SigningKeyStore`` interface and its file implementation.

A key store answers two questions: the personal key of an officer (a leader signing as the
competent person) and the key of an agency (its organisation signature, the digital "seal").

``FileKeyStore`` keeps one PKCS#12 file per officer and per agency::

    <SIGNING_KEYSTORE_DIR>/people/<username>.p12
    <SIGNING_KEYSTORE_DIR>/agencies/<agency code>.p12

The password of each file comes from the environment: ``SIGNING_KEY_PASSWORD_<KIND>_<NAME>``
(``KIND`` is ``PERSON`` or ``AGENCY``, ``NAME`` the username or code in capitals with every other
character replaced by ``_``), else ``SIGNING_KEYSTORE_PASSWORD``; in DEBUG and tests the demo
password is the last resort. Keys on a server are what a remote signing service or an HSM
replaces in production; a USB token, which signs on the officer's own computer through the CA's
plugin, has **no** implementation here (docs/onestop.md, "Signed results").
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from django.utils.module_loading import import_string
from pyhanko.sign import signers

from tinhso.dossiers import errors
from tinhso.dossiers.signing import certificates, config

PERSON = "person"
ORGANISATION = "organisation"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,149}$")


@dataclass(frozen=True)
class SigningKey:
    """A pyHanko signer with its certificate, for one officer or one agency."""

    kind: str  # PERSON or ORGANISATION
    owner: str  # username or agency code
    signer: signers.Signer
    certificate: asn1_x509.Certificate

    def describe(self) -> dict:
        return certificates.describe(self.certificate)


def _missing(kind: str, owner: str) -> Exception:
    if kind == PERSON:
        return errors.conflict(
            "signing_key_missing",
            "Chưa có chứng thư số cá nhân của bạn trong kho khóa của hệ thống; liên hệ quản trị.",
            "Your personal signing certificate is not in the platform's key store; contact the administrators.",
            kind=kind,
        )
    return errors.conflict(
        "signing_key_missing",
        f"Chưa có chứng thư số của cơ quan {owner} trong kho khóa của hệ thống; liên hệ quản trị.",
        f"The signing certificate of agency {owner} is not in the platform's key store; contact the administrators.",
        kind=kind,
        agency=owner,
    )


def _unreadable(kind: str, owner: str) -> Exception:
    return errors.conflict(
        "signing_key_unreadable",
        "Không mở được khóa ký số (sai mật khẩu hoặc tệp hỏng); liên hệ quản trị.",
        "The signing key could not be opened (wrong password or damaged file); contact the administrators.",
        kind=kind,
        owner=owner,
    )


class SigningKeyStore(ABC):
    """Gives the key an officer or an agency signs with; raises ``dossiers.signing_key_missing``."""

    @abstractmethod
    def person_key(self, user: Any) -> SigningKey: ...

    @abstractmethod
    def organisation_key(self, agency: Any) -> SigningKey: ...

    def has_person_key(self, user: Any) -> bool:
        return True

    def has_organisation_key(self, agency: Any) -> bool:
        return True


def password_variable(kind: str, name: str) -> str:
    label = "PERSON" if kind == PERSON else "AGENCY"
    return f"SIGNING_KEY_PASSWORD_{label}_{re.sub(r'[^A-Z0-9]', '_', name.upper())}"


class FileKeyStore(SigningKeyStore):
    """PKCS#12 files in a directory (see the module docstring)."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else config.keystore_dir()

    def path_for(self, kind: str, name: str) -> Path | None:
        if not _SAFE_NAME.match(name or "") or ".." in name:
            return None  # a name that is not a plain file name never maps to a path
        folder = "people" if kind == PERSON else "agencies"
        return self.directory / folder / f"{name}.p12"

    @staticmethod
    def password(kind: str, name: str) -> str | None:
        value = os.environ.get(password_variable(kind, name)) or os.environ.get("SIGNING_KEYSTORE_PASSWORD")
        if value:
            return value
        return config.DEMO_KEYSTORE_PASSWORD if config.development() else None

    def _load(self, kind: str, name: str) -> SigningKey:
        path = self.path_for(kind, name)
        if path is None or not path.is_file():
            raise _missing(kind, name)
        password = self.password(kind, name)
        if password is None:
            raise _unreadable(kind, name)
        try:
            signer = signers.SimpleSigner.load_pkcs12_data(
                path.read_bytes(), [], passphrase=password.encode("utf-8")
            )
        except (ValueError, OSError):
            raise _unreadable(kind, name) from None
        return SigningKey(kind=kind, owner=name, signer=signer, certificate=signer.signing_cert)

    def person_key(self, user: Any) -> SigningKey:
        return self._load(PERSON, getattr(user, "username", "") or "")

    def organisation_key(self, agency: Any) -> SigningKey:
        return self._load(ORGANISATION, agency.code)

    def has_person_key(self, user: Any) -> bool:
        path = self.path_for(PERSON, getattr(user, "username", "") or "")
        return path is not None and path.is_file()

    def has_organisation_key(self, agency: Any) -> bool:
        path = self.path_for(ORGANISATION, agency.code)
        return path is not None and path.is_file()


def get_keystore() -> SigningKeyStore:
    return import_string(config.keystore_class_path())()
