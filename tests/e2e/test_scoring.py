"""The scored demo portfolio: `creditdesk score`, the model registry and the score API."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from creditdesk.domain.limit_policy import LimitPolicy
from tests.e2e.conftest import SCORED_CUSTOMERS, DemoServer, cli
from tests.e2e.test_api import assert_problem

pytestmark = pytest.mark.e2e


def test_the_demo_is_scored_with_a_trained_champion(scored_demo: DemoServer) -> None:
    summary = scored_demo.summary
    assert summary["scored"] == summary["customers"] == SCORED_CUSTOMERS
    grades = {int(k): v for k, v in summary["grades"].items()}  # type: ignore[attr-defined]
    assert sum(grades.values()) == SCORED_CUSTOMERS and len(grades) >= 4  # the scale separates customers
    listed = cli(scored_demo.cwd, "model", "list", "--json", db=scored_demo.db)
    champions = json.loads(listed.stdout)["champion"]
    assert [c["version"] for c in champions] == [summary["model_version"]]
    assert 0.5 < champions[0]["metrics"]["auc"] <= 1.0
    artefact = Path(champions[0]["artefact_path"])
    assert {"model.joblib", "metadata.json", "validation.json", "reference.csv.gz"} <= {
        p.name for p in artefact.iterdir()
    }


def test_rescoring_keeps_history_and_the_api_reads_it(scored_demo: DemoServer) -> None:
    again = cli(scored_demo.cwd, "--json", "score", db=scored_demo.db)
    assert again.returncode == 0, again.stderr
    run = json.loads(again.stdout)
    assert run["trained"] == [] and run["champion"] == scored_demo.summary["model_version"]
    with scored_demo.client("viewer") as viewer:
        body = viewer.get("/api/v1/customers/C000001/score").json()
        assert body["customer_id"] == "C000001" and 1 <= body["grade"] <= 10
        # The demo scored today and back-scored the quarter before; the rescoring adds today's again.
        today = date.fromisoformat(str(scored_demo.summary["as_of"]))
        quarter_before = (today - timedelta(days=91)).isoformat()
        assert [h["as_of"] for h in body["history"]] == [today.isoformat(), today.isoformat(), quarter_before]
        assert body["model_version"] == run["champion"]
        for reason in body["reasons"]:
            assert reason["code"].isupper() and reason["direction"] == "up" and reason["points"] > 0
            assert reason["message"] and reason["message_zh"]
        assert {"provider", "grade", "native_grade", "distance", "flag"} <= set(body["bureau"][0])
        assert_problem(viewer.get("/api/v1/customers/NOBODY/score"), 404)
        assert viewer.get("/api/v1/models").json()["champion"][0]["version"] == run["champion"]
    assert_problem(httpx.get(f"{scored_demo.url}/api/v1/customers/C000001/score"), 401)


def test_drift_of_the_champion_against_its_training_sample(scored_demo: DemoServer) -> None:
    result = cli(scored_demo.cwd, "model", "drift", "--json", db=scored_demo.db)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["version"] == scored_demo.summary["model_version"] and 0 <= report["psi_score"] < 10
    assert "dbt_weighted_12m" in report["psi_features"] and "auc" in report["holdout"]


def test_a_challenger_is_scored_beside_and_can_be_promoted(scored_demo: DemoServer) -> None:
    trained = cli(scored_demo.cwd, "model", "challenger", db=scored_demo.db)
    assert trained.returncode == 0, trained.stderr
    challenger = trained.stdout.strip()
    run = json.loads(cli(scored_demo.cwd, "score", "--json", db=scored_demo.db).stdout)
    assert run["challengers"] == [challenger]
    assert cli(scored_demo.cwd, "model", "promote", challenger, db=scored_demo.db).returncode == 0
    listed = json.loads(cli(scored_demo.cwd, "model", "list", "--json", db=scored_demo.db).stdout)
    assert [c["version"] for c in listed["champion"]] == [challenger] and listed["challenger"] == []
    assert cli(scored_demo.cwd, "model", "promote", "nope", db=scored_demo.db).returncode == 2


def test_a_portfolio_too_small_to_learn_from_is_left_unscored(demo_server: DemoServer) -> None:
    assert demo_server.summary["scored"] == 0
    assert "too little history" in str(demo_server.summary["scoring_skipped"])
    result = cli(demo_server.cwd, "score", db=demo_server.db)
    assert result.returncode == 65 and "too little history" in result.stderr and "Traceback" not in result.stderr


def test_limit_recommendations_for_the_scored_portfolio(scored_demo: DemoServer) -> None:
    result = cli(scored_demo.cwd, "limits", "recommend", "--json", db=scored_demo.db)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert len(found) == SCORED_CUSTOMERS
    policy = LimitPolicy()
    for rec in found:
        assert set(rec["methods"]) >= {"need", "capacity", "bureau", "risk_budget", "profit_optimal"}
        special = policy.segments.get(rec["segment"]) if rec["segment"] else None
        methods = special.methods if special is not None and special.methods else policy.methods
        chosen = [float(rec["methods"][m]["amount"]) for m in methods if rec["methods"][m]["amount"]]
        final = float(rec["final"]["amount"])
        assert final % 1000 == 0
        if {"insured", "secured"} & set(rec["methods"]):  # support carries it up to the need at most
            assert final <= max(min(chosen, default=0.0), float(rec["methods"]["need"]["amount"] or 0))
        else:
            assert final <= min(chosen, default=0.0)
    assert any(rec["grade"] == 10 and float(rec["final"]["amount"]) == 0 for rec in found)
    one = cli(scored_demo.cwd, "limits", "recommend", "--customer", "C000001", db=scored_demo.db)
    assert one.returncode == 0 and "need" in one.stdout and "final" in one.stdout
    assert cli(scored_demo.cwd, "limits", "recommend", "--customer", "NOBODY", db=scored_demo.db).returncode == 65
    with scored_demo.client("viewer") as viewer:
        body = viewer.get("/api/v1/customers/C000001/limit-recommendation").json()
        same = next(rec for rec in found if rec["customer_id"] == "C000001")
        assert body["final"] == same["final"] and body["methods"] == same["methods"]
        assert body["policy_version"] is None
        assert_problem(viewer.get("/api/v1/customers/NOBODY/limit-recommendation"), 404)


def test_monitor_and_limits_apply_on_the_scored_portfolio(scored_demo: DemoServer) -> None:
    def run(*args: str) -> Any:
        result = cli(scored_demo.cwd, *args, "--json", db=scored_demo.db)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    # The demo ran the monitor over its last months and on its day (as the daily cycle would):
    # the same day again changes nothing, nothing flaps.
    again = run("monitor")
    assert again["accounts"] == SCORED_CUSTOMERS and again["policy_version"] is None and again["changes"] == 0
    with sqlite3.connect(scored_demo.db.removeprefix("sqlite:///")) as conn:
        history = conn.execute(
            "SELECT customer_id, rule, field, explanation_en, explanation_zh, inputs FROM account_changes"
            " WHERE actor = 'system'"
        ).fetchall()
        standing = dict(conn.execute("SELECT customer_id, status FROM credit_accounts").fetchall())
        in_default = {
            c for (c,) in conn.execute("SELECT customer_id FROM credit_accounts WHERE in_default_since IS NOT NULL")
        }
    by_rule = Counter(rule for _, rule, *_ in history)
    # Every account got its review date: from the calendar, or "now" after a bureau downgrade.
    assert {c for c, _, field, *_ in history if field == "review"} == set(standing)
    assert by_rule["DEFAULT"] > 0 and by_rule["REWARD"] > 0 and by_rule["OVERDUE_HOLD"] + by_rule["OVERDUE_BLOCK"] > 0
    for _, _, _, en, zh, inputs in history:
        assert en and zh and json.loads(inputs)

    held = next(c for c, status in sorted(standing.items()) if status in ("on_hold", "blocked"))
    check = cli(scored_demo.cwd, "check", held, "1", "--json", db=scored_demo.db)
    assert check.returncode == 1
    assert {"CUSTOMER_ON_HOLD", "CUSTOMER_BLOCKED"} & {r["code"] for r in json.loads(check.stdout)["reasons"]}
    defaulted = {c for c, rule, field, *_ in history if rule == "DEFAULT" and field == "limit"} & in_default
    assert defaulted
    with scored_demo.client("viewer") as viewer:
        for customer_id in sorted(defaulted)[:5]:
            assert viewer.get(f"/api/v1/customers/{customer_id}").json()["credit_limit"] == "0.00"

    planned = run("limits", "apply", "--dry-run")
    assert len(planned["applied"]) + len(planned["requested"]) + planned["kept"] == SCORED_CUSTOMERS
    applied = run("limits", "apply")
    assert applied["applied"] == planned["applied"] and applied["requested"] == planned["requested"]
    recommended = {r["customer_id"]: r["final"]["amount"] for r in run("limits", "recommend")}
    for line in applied["applied"]:
        assert float(line["to"]) == float(recommended[line["customer_id"]])
        assert float(line["to"]) < float(line["from"]) or line["customer_id"] not in defaulted
    again = run("limits", "apply")
    assert again["applied"] == [] and again["requested"] == []  # at the recommendation, or waiting
    pending = run("limits", "requests")
    assert {r["customer_id"] for r in pending} >= {line["customer_id"] for line in applied["requested"]}


def test_concentration_and_allocation_on_the_scored_portfolio(scored_demo: DemoServer) -> None:
    shown = cli(scored_demo.cwd, "limits", "concentration", "--json", db=scored_demo.db)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    industries = [r for r in report["concentration"] if r["dimension"] == "industry"]
    assert abs(sum(float(r["recommended_share"]) for r in industries) - 1) < 1e-3
    assert all(r["over"] == (float(r["recommended_share"]) > float(r["cap"])) for r in industries)
    for pool in report["groups"]:
        assert float(pool["pooled_limit"]) <= min(float(pool["members_total"]), float(pool["cap"]))
    args = ["limits", "allocate", "--budget", "100000000", "--loss-budget", "1000000", "--json"]
    allocated = cli(scored_demo.cwd, *args, db=scored_demo.db)
    assert allocated.returncode == 0, allocated.stderr
    result = json.loads(allocated.stdout)
    assert float(result["allocated"]) <= 100_000_000 and result["expected_loss"] <= 1_000_000 + 1
    assert "credit budget" in result["binding"] and result["shadow_prices"]["credit budget"] > 0
    with scored_demo.client("analyst") as analyst:
        body = {"budget": "100000000", "loss_budget": "1000000", "currency": "CNY"}
        same = analyst.post("/api/v1/limits/allocate", json=body).json()
        assert same["limits"] == result["limits"]
        assert analyst.get("/api/v1/portfolio/concentration").json()["concentration"] == report["concentration"]
        assert_problem(analyst.post("/api/v1/limits/allocate", json={**body, "budget": "0"}), 422)
    bad = cli(scored_demo.cwd, "limits", "allocate", "--budget", "lots", "--loss-budget", "1", db=scored_demo.db)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
