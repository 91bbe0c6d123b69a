from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tinhso.core.audit.models import AuditRecord
from tinhso.core.units.models import AdministrativeUnit

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("units", *args, stdout=out, skip_checks=True)
    return out.getvalue()


def test_load_prints_a_summary_and_is_idempotent():
    first = run("load", "--province", "93", "--province", "92")
    count = AdministrativeUnit.objects.count()
    assert "asked 92, 93; loaded legacy 92, 93, 94 and current 92" in first
    assert f"Units: created {count}, updated 0, unchanged 0, ended 0" in first
    assert "Successions: created " in first and "Registry changed." in first
    second = run("load", "--province", "93", "--province", "92")
    assert f"Units: created 0, updated 0, unchanged {count}, ended 0" in second
    assert "Successions: created 0, updated 0" in second and "removed 0" in second
    assert "Registry already up to date." in second
    assert AdministrativeUnit.objects.count() == count
    assert AuditRecord.objects.filter(action="units.loaded", channel="cli").count() == 2


def test_load_refuses_an_unknown_province():
    with pytest.raises(CommandError, match="units.unknown_province"):
        run("load", "--province", "03")
    assert not AdministrativeUnit.objects.exists()


def test_show_prints_successors_and_predecessors(can_tho):
    hau_giang = run("show", "93")
    assert "legacy/93 Tỉnh Hậu Giang (tỉnh, province)" in hau_giang
    assert "valid: … → 2025-06-30" in hau_giang
    assert "2025-07-01 → current/92 Thành phố Cần Thơ" in hau_giang
    tan_binh = run("show", "31399", "--structure", "current")
    assert "current/31399 Xã Tân Bình" in tan_binh and "parent: current/92 Thành phố Cần Thơ" in tan_binh
    assert "← legacy/31402 Xã Bình Thành" in tan_binh
    assert "← legacy/934 Huyện Phụng Hiệp (part, derived)" in tan_binh
    assert "legacy/31399 Xã Tân Bình (xã, commune)" not in tan_binh  # only the structure asked for
    both = run("show", "92")
    assert both.index("current/92 Thành phố Cần Thơ") < both.index("legacy/92 Thành phố Cần Thơ")


def test_show_unknown_code_fails(can_tho):
    with pytest.raises(CommandError, match="No unit has the code"):
        run("show", "77777")
    with pytest.raises(CommandError, match="units.not_found"):
        run("show", "93", "--structure", "current")


def test_as_of_lists_the_tree_of_a_province(can_tho):
    before = run("as-of", "2025-06-30", "--province", "93")
    lines = before.splitlines()
    assert lines[0] == "93 Tỉnh Hậu Giang [legacy]"
    assert "  934 Huyện Phụng Hiệp [legacy]" in lines
    assert "    31402 Xã Bình Thành [legacy]" in lines
    assert lines[-1] == f"{len(lines) - 1} unit(s) on 2025-06-30"
    after = run("as-of", "2025-07-01", "--province", "93")
    assert after.strip() == "0 unit(s) on 2025-07-01"
    provinces = run("as-of", "2025-07-01", "--level", "province")
    assert provinces.splitlines() == ["92 Thành phố Cần Thơ [current]", "1 unit(s) on 2025-07-01"]


def test_as_of_refuses_bad_input(can_tho):
    with pytest.raises(CommandError, match="Not a date"):
        run("as-of", "30/06/2025")
    with pytest.raises(CommandError, match="Not a province code"):
        run("as-of", "2025-06-30", "--province", "HG")
