"""The CLI as a subprocess: exit codes, precise error lines, JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import cli_process as cli
from tests.helpers import CUSTOMERS, INVOICES, write_csv

pytestmark = pytest.mark.e2e


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    assert cli(tmp_path, "db", "upgrade").returncode == 0
    return tmp_path


def test_import_good_bad_and_again(workdir: Path) -> None:
    customers = write_csv(workdir / "customers.csv", CUSTOMERS)
    first = cli(workdir, "import", "customers", str(customers), "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["inserted"] == 3
    again = cli(workdir, "--json", "import", "customers", str(customers))
    assert json.loads(again.stdout)["inserted"] == 0 and json.loads(again.stdout)["unchanged"] == 3

    bad = write_csv(workdir / "bad.csv", INVOICES.replace("2024-02-29", "2023-02-29").replace("500.50", "5OO.50"))
    before = (workdir / "var" / "creditdesk.db").read_bytes()
    result = cli(workdir, "import", "invoices", str(bad))
    assert result.returncode == 65
    assert result.stderr.splitlines()[:2] == [
        f"{bad}:3:5: BAD_AMOUNT amount: expected a decimal amount such as 1234.56, found '5OO.50'",
        f"{bad}:4:3: BAD_DATE invoice_date: expected a real calendar date, found '2023-02-29'",
    ]
    assert "Traceback" not in result.stderr
    assert (workdir / "var" / "creditdesk.db").read_bytes() == before


def test_check_exit_codes_and_json(workdir: Path) -> None:
    added = cli(workdir, "user", "add", "root", "--role", "admin", "--password-stdin", stdin="long enough pw\n")
    assert added.returncode == 0, added.stderr
    applied = cli(workdir, "import", "customers", str(write_csv(workdir / "c.csv", CUSTOMERS)), "--user", "root")
    assert applied.returncode == 0, applied.stderr
    ok = cli(workdir, "check", "C1", "10000.00", "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["decision"] == "approved"
    blocked = cli(workdir, "--json", "check", "C1", "10000.01")
    assert blocked.returncode == 1
    body = json.loads(blocked.stdout)
    assert body["decision"] == "blocked" and body["reasons"][0]["code"] == "OVER_LIMIT"
    assert cli(workdir, "check", "NOPE", "1").returncode == 65
    assert cli(workdir, "check", "C1", "1,5").returncode == 65
    assert cli(workdir, "check", "C1", "1", "--currency", "USD").returncode == 65


def test_usage_errors_and_missing_schema(tmp_path: Path) -> None:
    assert cli(tmp_path, "import", "widgets", "x.csv").returncode == 2
    no_schema = cli(tmp_path, "check", "C1", "1")
    assert no_schema.returncode == 69 and "db upgrade" in no_schema.stderr
    cli(tmp_path, "db", "upgrade")
    bad_role = cli(tmp_path, "token", "create", "--name", "x", "--role", "king")
    assert bad_role.returncode == 65 and "unknown role" in bad_role.stderr


def test_tokens_users_and_audit(workdir: Path) -> None:
    token = cli(workdir, "token", "create", "--name", "erp", "--role", "sales")
    assert token.returncode == 0 and token.stdout.strip().startswith("cd_") and len(token.stdout.splitlines()) == 1
    assert (
        cli(workdir, "user", "add", "ann", "--role", "manager", "--password-stdin", stdin="long enough pw\n").returncode
        == 0
    )
    assert cli(workdir, "user", "add", "bob", "--role", "manager", "--password-stdin", stdin="short\n").returncode == 65
    assert cli(workdir, "audit", "verify").returncode == 0
    import sqlite3

    with sqlite3.connect(workdir / "var" / "creditdesk.db") as conn:
        conn.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
    broken = cli(workdir, "--json", "audit", "verify")
    assert broken.returncode == 1 and json.loads(broken.stdout)["seq"] == 1


def test_credit_terms_commands(tmp_path: Path) -> None:
    found = cli(
        tmp_path, "terms", "discount", "--discount", "0.02", "--discount-days", "10", "--net-days", "30", "--json"
    )
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["simple_rate"] == round(0.02 / 0.98 * 365 / 20, 6)
    owed = cli(
        tmp_path,
        "terms",
        "interest",
        "--amount",
        "10000.00",
        "--currency",
        "EUR",
        "--days-late",
        "30",
        "--rate",
        "0.12",
        "--json",
    )
    assert json.loads(owed.stdout)["interest"] == "98.63"
    for bad in (
        ["terms", "discount", "--discount", "2", "--discount-days", "10", "--net-days", "30"],
        ["terms", "interest", "--amount", "1,000", "--currency", "EUR", "--days-late", "3", "--rate", "0.1"],
    ):
        refused = cli(tmp_path, *bad)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
    grades = json.loads(cli(tmp_path, "terms", "grades", "--json").stdout)
    assert [g["net_days"] for g in grades] == [60, 45, 30, 15, None]
