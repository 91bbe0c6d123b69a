"""``tinhso dossiers signing demo-ca``: the demo CA, its certificates, the key store and the
default trust of the demo root in development."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tinhso.core.errors import Conflict
from tinhso.dossiers.signing import keystore, services, verification
from tinhso.dossiers.tests.test_signing_support import at_approval, attach, make_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_dirs(tmp_path, settings, monkeypatch):
    settings.SIGNING_DEMO_CA_DIR = str(tmp_path / "demo-ca")
    settings.SIGNING_KEYSTORE_DIR = str(tmp_path / "keystore")
    if hasattr(settings, "SIGNING_TRUST_ROOTS"):
        del settings.SIGNING_TRUST_ROOTS  # the default: the demo root in development
    monkeypatch.delenv("SIGNING_KEYSTORE_PASSWORD", raising=False)
    return tmp_path


def run(*args) -> str:
    out = io.StringIO()
    call_command("dossiers", "signing", "demo-ca", *args, stdout=out)
    return out.getvalue()


def test_demo_ca_needs_debug_or_force(world, demo_dirs, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        run()
    assert not (demo_dirs / "demo-ca").exists()


def test_demo_ca_is_idempotent_and_its_keys_sign_results(world, demo_dirs, settings):
    settings.DEBUG = True
    first = run()
    assert "root:" in first and "created" in first
    leader_file = demo_dirs / "keystore" / "people" / f"{world.leader.username}.p12"
    dept_file = demo_dirs / "keystore" / "agencies" / f"{world.dept.code}.p12"
    assert leader_file.is_file() and dept_file.is_file()
    assert (demo_dirs / "demo-ca" / "root-ca.pem").is_file()
    assert oct(leader_file.stat().st_mode & 0o777) == "0o600"
    # Specialists get no personal certificate; the district (clerk, one-stop officer) gets one.
    assert not (demo_dirs / "keystore" / "people" / f"{world.specialist.username}.p12").exists()
    assert (demo_dirs / "keystore" / "agencies" / f"{world.district.code}.p12").is_file()
    before = leader_file.read_bytes()

    second = run()
    assert "certificates created=0" in second and "(kept)" in second
    assert leader_file.read_bytes() == before

    store = keystore.FileKeyStore()
    described = store.person_key(world.leader).describe()
    assert described["subject_cn"] == world.leader.full_name and described["subject_title"] == "Lãnh đạo"
    assert store.organisation_key(world.dept).describe()["subject_cn"] == world.dept.name

    # In development the demo root is trusted by default: a result signed with its keys is valid.
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    services.sign_result_document(actor=world.leader, dossier=dossier, result=result, signer="person")
    result.refresh_from_db()
    assert result.is_signed and result.signature_info["signatures"][0]["valid"]


def test_without_trust_roots_nothing_is_valid(world, demo_dirs, settings):
    settings.DEBUG = True
    run()
    settings.SIGNING_TRUST_ROOTS = []  # production default: no demo root
    dossier = at_approval(world)
    result = attach(world, dossier, make_pdf())
    services.sign_result_document(actor=world.leader, dossier=dossier, result=result, signer="person")
    result.refresh_from_db()
    assert result.is_signed is False
    assert result.signature_info["signatures"][0]["intact"] and result.signature_info["status"] == "untrusted"


def test_key_store_refuses_odd_names_and_wrong_passwords(world, demo_dirs, settings, monkeypatch):
    settings.DEBUG = True
    run()
    store = keystore.FileKeyStore()
    assert store.path_for("person", "../etc/passwd") is None
    assert store.path_for("person", "a/b") is None
    monkeypatch.setenv(keystore.password_variable("person", world.leader.username), "sai-mat-khau")
    with pytest.raises(Conflict) as wrong:
        store.person_key(world.leader)
    assert wrong.value.code == "dossiers.signing_key_unreadable"
    assert (
        keystore.password_variable("organisation", "000.00.09.H23")
        == "SIGNING_KEY_PASSWORD_AGENCY_000_00_09_H23"
    )


def test_trust_roots_missing_file_is_a_clear_error(settings, tmp_path):
    settings.SIGNING_TRUST_ROOTS = [str(tmp_path / "absent.pem")]
    with pytest.raises(Conflict) as missing:
        verification.trust_roots()
    assert missing.value.code == "dossiers.trust_roots_unavailable"


def test_long_agency_names_fit_in_a_certificate(world, demo_dirs, settings, make_agency, make_officer):
    settings.DEBUG = True
    long_name = "Trung tâm Phục vụ hành chính công và Bộ phận tiếp nhận, trả kết quả tỉnh Hậu Giang"
    assert len(long_name.encode()) > 64
    agency = make_agency(name=long_name, code="000.00.99.H23", parent=world.province)
    make_officer(username="vanthu.dai", roles=[(agency, "clerk")])
    run()
    described = keystore.FileKeyStore().organisation_key(agency).describe()
    assert long_name.startswith(described["subject_cn"]) and len(described["subject_cn"].encode()) <= 64
