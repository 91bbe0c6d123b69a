"""Where the signing keys and the trusted roots are, from Django settings (all optional).

* ``SIGNING_TRUST_ROOTS``: list of PEM files, each holding one or more CA certificates that a
  result's signature must chain to. Default: none in production; in DEBUG or tests the demo CA's
  root (``SIGNING_DEMO_CA_DIR/root-ca.pem``) when it exists.
* ``SIGNING_KEYSTORE_DIR``: directory of the file key store (default ``var/signing/keystore``).
* ``SIGNING_KEYSTORE``: dotted path of the ``SigningKeyStore`` class (default the file store).
* ``SIGNING_DEMO_CA_DIR``: where ``tinhso dossiers signing demo-ca`` keeps the demo CA
  (default ``var/signing/demo-ca``).
* Environment ``SIGNING_KEYSTORE_PASSWORD`` (all PKCS#12 files) or
  ``SIGNING_KEY_PASSWORD_<KIND>_<NAME>`` for one file (see ``keystore.password_variable``).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

# The published password of the demo accounts protects the demo PKCS#12 files, in DEBUG and tests
# only: a production key store without a password in the environment does not open.
DEMO_KEYSTORE_PASSWORD = "TinhSo-Demo-2025"


def _project_dir() -> Path:
    return Path(getattr(settings, "PROJECT_DIR", Path.cwd()))


def development() -> bool:
    return bool(getattr(settings, "DEBUG", False) or getattr(settings, "TESTING", False))


def demo_ca_dir() -> Path:
    configured = getattr(settings, "SIGNING_DEMO_CA_DIR", None)
    return Path(configured) if configured else _project_dir() / "var" / "signing" / "demo-ca"


def keystore_dir() -> Path:
    configured = getattr(settings, "SIGNING_KEYSTORE_DIR", None)
    return Path(configured) if configured else _project_dir() / "var" / "signing" / "keystore"


def demo_root_path() -> Path:
    return demo_ca_dir() / "root-ca.pem"


def trust_root_paths() -> list[Path]:
    configured = getattr(settings, "SIGNING_TRUST_ROOTS", None)
    if configured is not None:
        return [Path(p) for p in configured]
    if development() and demo_root_path().exists():
        return [demo_root_path()]
    return []


def keystore_class_path() -> str:
    return getattr(settings, "SIGNING_KEYSTORE", "tinhso.dossiers.signing.keystore.FileKeyStore")
