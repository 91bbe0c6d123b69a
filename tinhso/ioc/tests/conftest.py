"""The IOC's tests reuse the one-stop office's test world (agencies, officers, procedures)."""

from tinhso.dossiers.tests.conftest import _clean_cache, _fast_passwords, world  # noqa: F401
