from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tinhso.cli import main
from tinhso.core.audit import services as audit

from .conftest import run_sql

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def test_verify_an_intact_chain(chain):
    output = run("verify", "--chunk-size", "2")
    assert "Audit chain intact: 5 records checked." in output
    assert f"Head: 5:{chain[-1].hash}" in output


def test_verify_an_empty_log():
    assert "0 records" in run("verify")


def test_verify_a_broken_chain_names_the_first_broken_record(chain):
    run_sql("DELETE FROM {table} WHERE seq = 3")
    with pytest.raises(CommandError) as info:
        run("verify")
    assert "BROKEN at record 3" in str(info.value)
    assert "2 record(s) before it are intact" in str(info.value)


def test_a_broken_chain_exits_non_zero(chain, capsys):
    run_sql("UPDATE {table} SET action = 'x' WHERE seq = 4")
    with pytest.raises(SystemExit) as info:
        main(["audit", "verify"])
    assert info.value.code == 1
    assert "BROKEN at record 4" in capsys.readouterr().err


def test_an_intact_chain_exits_zero(chain, capsys):
    main(["audit", "verify"])  # returns normally: exit status 0
    assert "5 records checked" in capsys.readouterr().out


def test_head_then_verify_against_it_catches_truncation(chain):
    head = run("head").strip()
    assert head == str(audit.current_head()) == f"5:{chain[-1].hash}"
    assert "matches the anchored head 5" in run("verify", "--expect-head", head)
    run_sql("DELETE FROM {table} WHERE seq = 5")
    assert "intact" in run("verify")
    with pytest.raises(CommandError, match="BROKEN at record 5.*newest records were removed"):
        run("verify", "--expect-head", head)


@pytest.mark.parametrize(
    "args",
    [("verify", "--expect-head", "5"), ("verify", "--expect-head", "5:xyz"), ("verify", "--chunk-size", "0")],
)
def test_bad_arguments_are_errors(chain, args):
    with pytest.raises(CommandError):
        run(*args)


def test_head_of_an_empty_log_is_an_error():
    with pytest.raises(CommandError, match="empty"):
        run("head")


def test_tail_prints_the_newest_records_oldest_first(chain):
    lines = run("tail", "-n", "2").splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("#4 ") and lines[1].startswith("#5 ")
    assert "system test.step" in lines[1]
    with pytest.raises(CommandError):
        run("tail", "-n", "0")
