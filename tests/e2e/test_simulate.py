"""`creditdesk simulate` on a demo portfolio: the built-in comparison, policy files, the report."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import DemoServer, cli

pytestmark = pytest.mark.e2e

REQUIRED = ("sales", "bad_debt_losses", "net_profit", "dso", "blocked_orders")
BUILT_IN = ["as-is practice", "static legacy limits", "score-based limits", "dynamic limits", "profit-optimal limits"]


def test_the_built_in_policies_compared_with_bands_report_and_workbook(demo_server: DemoServer, tmp_path: Path) -> None:
    report, book = tmp_path / "study.html", tmp_path / "study.xlsx"
    args = ("simulate", "--seeds", "3", "--months", "6", "--json", "--report", str(report), "--xlsx", str(book))
    shown = cli(demo_server.cwd, *args, db=demo_server.db)
    assert shown.returncode == 0, shown.stderr
    study = json.loads(shown.stdout)
    assert [p["policy"] for p in study["policies"]] == BUILT_IN
    # Every customer of the shared demo, with those other tests registered on it beside the 300.
    with sqlite3.connect(demo_server.db.removeprefix("sqlite:///")) as conn:
        (customers,) = conn.execute("SELECT count(*) FROM customers").fetchone()
    assert study["seeds"] == 3 and study["months"] == 6 and study["customers"] == customers >= 300
    for policy in study["policies"]:
        for name in REQUIRED:
            figure = policy[name]
            assert figure["p05"] <= figure["mean"] <= figure["p95"], (policy["policy"], name)
        margin, losses, financing = (policy[n]["mean"] for n in ("gross_margin", "bad_debt_losses", "financing_cost"))
        assert policy["net_profit"]["mean"] == pytest.approx(margin - losses - financing, abs=0.01)
        assert 0 <= policy["sales_captured"]["mean"] <= 1
        assert len(policy["monthly"]["sales"]) == 6
    as_is, legacy, score_based, dynamic, optimal = study["policies"]
    assert all(d["mean"] == 0 for d in as_is["difference"].values())
    # The book never refused an order: the as-is baseline sells what it was asked; limits
    # enforced strictly block some of it.
    assert as_is["blocked_orders"]["mean"] == 0 and legacy["blocked_orders"]["mean"] > 0
    # Twelve months of book: no year before the last six to validate the world on.
    assert study["validation"] == {"from": "2025-12-31", "months": 6, "skipped": "the book holds no year before"}
    # The policies decide differently on the same customers: the sales differ seed by seed.
    assert score_based["difference"]["sales"]["mean"] != 0 and optimal["difference"]["sales"]["mean"] != 0
    assert dynamic["customers"]["gain"] + dynamic["customers"]["lose"] > 0
    frontier = study["frontier"]["points"]
    assert [p["appetite"] for p in frontier] == ["0.5", "0.75", "1", "1.5", "2", "3"]
    captured = [p["sales_captured"]["mean"] for p in frontier]
    assert captured[0] < captured[-1]  # more appetite, more of the demand served

    html = report.read_text(encoding="utf-8")
    assert html.count("<svg") == 10 and "信用政策模拟" in html
    assert 'id="validation">The world is not checked on the book' in html  # and says why, with the day
    assert not re.search(r"""(src|href)=["']https?:""", html) and "<script" not in html  # nothing fetched
    sheets = load_workbook(book, read_only=True).sheetnames
    assert sheets == ["policies", "differences", "monthly", "customers", "frontier", "seeds"]


def test_a_seed_gives_the_same_figures_every_time(demo_server: DemoServer) -> None:
    args = ("simulate", "--seeds", "2", "--months", "3", "--no-frontier", "--json")
    first = cli(demo_server.cwd, *args, db=demo_server.db)
    again = cli(demo_server.cwd, *args, "--workers", "1", db=demo_server.db)
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert json.loads(first.stdout) == json.loads(again.stdout)


def test_policy_files_are_simulated_against_the_as_is_practice(demo_server: DemoServer, tmp_path: Path) -> None:
    example = Path(__file__).parents[2] / "policies" / "check-policy.example.yaml"
    standard = shutil.copy(example, tmp_path / "standard.yaml")
    generous = tmp_path / "generous.yaml"
    generous.write_text(
        example.read_text(encoding="utf-8").replace('peak_factor: "1.2"', 'peak_factor: "3"'), encoding="utf-8"
    )
    args = ("simulate", "--policy", str(standard), "--compare", str(generous), "--seeds", "2", "--months", "4")
    shown = cli(demo_server.cwd, *args, "--no-frontier", "--json", db=demo_server.db)
    assert shown.returncode == 0, shown.stderr
    names = [p["policy"] for p in json.loads(shown.stdout)["policies"]]
    assert names == ["as-is practice", "standard (standard-2026)", "generous (standard-2026)"]
    standard_run, generous_run = json.loads(shown.stdout)["policies"][1:]
    assert generous_run["sales"]["mean"] > standard_run["sales"]["mean"]  # a bigger need, more sold


def test_bad_policy_files_and_options_are_refused_clearly(demo_server: DemoServer, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nchecks:\n  default:\n    limit: maybe\n", encoding="utf-8")
    refused = cli(demo_server.cwd, "simulate", "--policy", str(bad), db=demo_server.db)
    assert refused.returncode == 65 and "Traceback" not in refused.stderr
    assert re.search(rf"{re.escape(str(bad))}:4:\d+: \w+", refused.stderr), refused.stderr
    lonely = cli(demo_server.cwd, "simulate", "--compare", str(bad), db=demo_server.db)
    assert lonely.returncode == 2 and "--compare needs --policy" in lonely.stderr


def test_the_as_is_world_is_validated_against_the_months_that_followed(demo_server: DemoServer) -> None:
    args = ("simulate", "validate", "--from", "2026-03-31", "--months", "3", "--seeds", "8", "--workers", "1")
    shown = cli(demo_server.cwd, *args, "--json", db=demo_server.db)
    assert shown.returncode in (0, 1), shown.stderr
    found = json.loads(shown.stdout)
    assert (shown.returncode == 0) == found["passes"] and (found["why"] == []) == found["passes"]
    assert found["baseline"] == "as-is practice" and found["start"] == "2026-04-01" and found["seeds"] == 8
    assert set(found["figures"]) == {
        "sales",
        "receivables",
        "overdue",
        "dso",
        "defaults",
        "write_offs",
        "blocked_orders",
    }
    assert 0 <= found["coverage"] <= 1
    # The book's side is the book: each month's sales are the invoices of the customers known on
    # the day the world was estimated (invoiced or registered by then), in the run's currency.
    with sqlite3.connect(demo_server.db.removeprefix("sqlite:///")) as conn:
        monthly = dict(
            conn.execute(
                "SELECT substr(invoice_date, 1, 7), sum(amount_minor) FROM invoices WHERE currency = ?"
                " AND invoice_date >= '2026-04-01' AND customer_id IN (SELECT customer_id FROM invoices"
                " WHERE invoice_date <= '2026-03-31' UNION SELECT customer_id FROM customers"
                " WHERE registered_on <= '2026-03-31') GROUP BY 1",
                (found["currency"],),
            ).fetchall()
        )
    for row in found["figures"]["sales"]:
        assert row["actual"] == pytest.approx(monthly.get(row["month"], 0) / 100)
        assert row["p05"] <= row["mean"] <= row["p95"] and row["inside"] == (row["p05"] <= row["actual"] <= row["p95"])
    table = cli(demo_server.cwd, *args, db=demo_server.db)
    assert "as-is world of 2026-03-31" in table.stdout and "receivables" in table.stdout
    # A month beyond the book (its last day is the suite's day, 2026-06-30) is refused, not guessed.
    beyond = cli(demo_server.cwd, "simulate", "validate", "--from", "2026-04-30", "--months", "3", db=demo_server.db)
    assert beyond.returncode == 2 and "reaches beyond the book" in beyond.stderr
