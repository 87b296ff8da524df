"""The engine's commands as a subprocess: ledger proof, policy activation, held orders."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import DemoServer, cli
from tests.helpers import CUSTOMERS, INVOICES, write_csv

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    assert cli(tmp_path, "db", "upgrade").returncode == 0
    for name, role in (("ann", "admin"), ("ian", "analyst")):
        added = cli(tmp_path, "user", "add", name, "--role", role, "--password-stdin", stdin="long enough pw\n")
        assert added.returncode == 0
    customers = str(write_csv(tmp_path / "c.csv", CUSTOMERS))
    assert cli(tmp_path, "import", "customers", customers, "--user", "ann").returncode == 0
    assert cli(tmp_path, "import", "invoices", str(write_csv(tmp_path / "i.csv", INVOICES))).returncode == 0
    return tmp_path


def test_ledger_reconciles_and_a_tampered_total_is_caught(workdir: Path) -> None:
    ok = cli(workdir, "--json", "ledger", "reconcile")
    assert ok.returncode == 0, ok.stdout
    report = json.loads(ok.stdout)
    assert report["ok"] and report["entries"] > 0
    with sqlite3.connect(workdir / "var" / "creditdesk.db") as conn:
        conn.execute("UPDATE credit_accounts SET receivable_minor = receivable_minor + 1 WHERE customer_id = 'C1'")
    broken = cli(workdir, "--json", "ledger", "reconcile")
    assert broken.returncode == 1
    what = {(m["account"], m["what"]) for m in json.loads(broken.stdout)["mismatches"]}
    assert what == {("customer:C1", "ledger receivable"), ("customer:C1", "receivable")}


def test_policy_activation_and_its_errors(workdir: Path) -> None:
    example = ROOT / "policies" / "check-policy.example.yaml"
    assert cli(workdir, "policy", "activate", str(example), "--user", "ann").returncode == 0
    bad = write_csv(workdir / "bad.yaml", "checks:\n  default:\n    overdue_days: soon\n    limit: maybe\n")
    result = cli(workdir, "policy", "activate", str(bad), "--user", "ann")
    assert result.returncode == 65
    assert f"{bad}:3:19: BAD_NUMBER" in result.stderr and f"{bad}:4:12: BAD_REACTION" in result.stderr
    assert "Traceback" not in result.stderr
    assert cli(workdir, "policy", "activate", str(example), "--user", "ian").returncode == 1  # not an admin


def test_held_orders_worklist(workdir: Path) -> None:
    orders = write_csv(
        workdir / "o.csv", "order_id,customer_id,order_date,amount,currency,status\nX1,C1,2026-03-01,100,EUR,open\n"
    )
    assert cli(workdir, "import", "orders", str(orders)).returncode == 0
    assert json.loads(cli(workdir, "--json", "orders", "held").stdout)["count"] == 0
    missing = cli(workdir, "orders", "release", "NOPE", "--user", "ian", "--comment", "ok")
    assert missing.returncode == 65 and "does not exist" in missing.stderr
    assert cli(workdir, "orders", "release", "X1", "--user", "nobody", "--comment", "ok").returncode == 65
    assert cli(workdir, "orders", "expire").returncode == 0


def test_policy_validate_checks_the_limits_section_too(tmp_path: Path) -> None:
    example = ROOT / "policies" / "check-policy.example.yaml"
    ok = cli(tmp_path, "policy", "validate", str(example))
    assert ok.returncode == 0 and "valid" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text('name: x\nlimits:\n  margin_rate: "2"\n  grades:\n    "0": {}\n', encoding="utf-8")
    result = cli(tmp_path, "policy", "validate", str(bad))
    assert result.returncode == 65 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{bad}:3:16: OUT_OF_RANGE expected margin_rate from 0 to 1, found 2",
        f"{bad}:5:5: UNKNOWN_GRADE expected a grade from 1 to 10, found '0'",
    ]


def test_receivables_reports_on_the_demo(demo_server: DemoServer, tmp_path: Path) -> None:
    shown = cli(demo_server.cwd, "report", "dso", "--json", db=demo_server.db)
    assert shown.returncode == 0, shown.stderr
    figures = json.loads(shown.stdout)
    assert {"dso", "countback_dso", "best_possible_dso", "add", "cei"} <= set(figures)
    assert abs(figures["add"] - (figures["dso"] - figures["best_possible_dso"])) <= 0.011
    aged = json.loads(cli(demo_server.cwd, "report", "aging", "--json", db=demo_server.db).stdout)
    assert aged["total"] == figures["receivables"]
    book = tmp_path / "cei.xlsx"
    assert (
        cli(demo_server.cwd, "report", "cei", "--by", "segment", "--xlsx", str(book), db=demo_server.db).returncode == 0
    )
    sheet = load_workbook(book).active
    assert sheet is not None and [c.value for c in sheet[1]][:2] == ["currency", "segment"] and sheet.max_row > 2
    losses = json.loads(cli(demo_server.cwd, "report", "ecl", "--json", db=demo_server.db).stdout)
    assert [r["bucket"] for r in losses["matrix"]][0] == "current" and len(losses["matrix"]) == 8
    rates = [r["loss_rate"] for r in losses["matrix"]]
    assert rates == sorted(rates) and rates[-1] == 1.0  # older buckets lose more
    assert float(losses["provision"]) > 0 and float(losses["pd_lgd_ead"]) > 0
    refused = cli(demo_server.cwd, "report", "dso", "--by", "region", db=demo_server.db)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    with demo_server.client("viewer") as viewer:
        body = viewer.get("/api/v1/reports/dso").json()
        (same,) = [row for row in body["rows"] if row["currency"] == figures["currency"]]
        assert same["dso"] == figures["dso"] and len(body["rows"]) == len(figures["currencies"])
        download = viewer.get("/api/v1/reports/aging", params={"format": "xlsx", "by": "grade"})
        assert download.status_code == 200 and download.content[:2] == b"PK"
        assert viewer.get("/api/v1/reports/dso", params={"by": "region"}).status_code == 422
        assert viewer.get("/api/v1/reports/nothing").status_code == 404
        ecl_rows = viewer.get("/api/v1/reports/ecl").json()["rows"]
        assert [r["provision"] for r in ecl_rows if r["currency"] == losses["currency"]] == [losses["provision"]]


def test_working_capital_on_the_demo(demo_server: DemoServer, tmp_path: Path) -> None:
    base = ("report", "wcr", "--json", "--inventory", "1000000", "--payables", "400000", "--cost-of-sales", "36500000")
    shown = cli(demo_server.cwd, *base, "--terms-change-days", "-10", "--limit-change", "0.1", db=demo_server.db)
    assert shown.returncode == 0, shown.stderr
    wcr = json.loads(shown.stdout)
    figures = json.loads(cli(demo_server.cwd, "report", "dso", "--json", db=demo_server.db).stdout)
    assert (wcr["currency"], wcr["receivables"], wcr["dso"]) == (
        figures["currency"],
        figures["receivables"],
        figures["dso"],
    )
    assert Decimal(wcr["wcr"]) == Decimal(wcr["receivables"]) + 1000000 - 400000
    assert (wcr["dio"], wcr["dpo"]) == (10.0, 4.0)
    after = wcr["what_if"]
    assert abs(after["dso"] - (wcr["dso"] - 10)) <= 0.011 and Decimal(after["credit_sales"]) >= Decimal(
        wcr["credit_sales"]
    )
    moved = (Decimal(after["wcr"]) - Decimal(wcr["wcr"])) * Decimal("0.08")
    assert abs(Decimal(after["change_in_financing_cost"]) - moved) <= Decimal("0.01")
    by_segment = json.loads(
        cli(demo_server.cwd, "report", "wcr", "--by", "segment", "--json", db=demo_server.db).stdout
    )
    assert by_segment and all(row["customers"] > 0 and row["median_dso"] > 0 for row in by_segment)
    book = tmp_path / "wcr.xlsx"
    assert cli(demo_server.cwd, *base[:2], "--xlsx", str(book), db=demo_server.db).returncode == 0
    sheet = load_workbook(book).active
    assert sheet is not None and "wcr" in [c.value for c in sheet[1]]
    with demo_server.client("viewer") as viewer:
        params = {"inventory": "1000000", "payables": "400000", "cost_of_sales": "36500000",
                  "terms_change_days": -10, "limit_change": "0.1"}  # fmt: skip
        rows = viewer.get("/api/v1/reports/wcr", params=params).json()["rows"]
        assert [r for r in rows if r["currency"] == wcr["currency"]] == [
            {k: v for k, v in wcr.items() if k != "currencies"}
        ]
        bad = viewer.get("/api/v1/reports/wcr", params={"limit_change": "ten"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "BAD_AMOUNT"
