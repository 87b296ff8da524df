"""`creditdesk collections ...` on a small demo of its own (the run moves levels that other
tests' checks would see), and the collections endpoints on the shared demo server."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import TEST_TODAY
from tests.e2e.conftest import DemoServer, cli, demo_copy
from tests.e2e.test_api import assert_problem

pytestmark = pytest.mark.e2e


def test_the_dunning_run_and_the_worklist_from_the_command_line(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db, _ = demo_copy(tmp_path_factory, 60, 6, tmp_path)
    # The demo ran the dunning on its day (as the daily cycle would): that day has nothing left to move.
    assert json.loads(cli(tmp_path, "collections", "run", "--json", db=db).stdout)["changes"] == []
    before = json.loads(cli(tmp_path, "collections", "worklist", "--json", db=db).stdout)
    assert any(i["dunning_level"] for i in before)
    later = (date.fromisoformat(TEST_TODAY) + timedelta(days=30)).isoformat()  # a month on, items have aged
    first = json.loads(cli(tmp_path, "collections", "run", "--as-of", later, "--json", db=db).stdout)
    assert first["changes"] and sum(first["to_level"].values()) == len(first["changes"])
    assert json.loads(cli(tmp_path, "collections", "run", "--as-of", later, "--json", db=db).stdout)["changes"] == []
    items = json.loads(cli(tmp_path, "collections", "worklist", "--json", db=db).stdout)
    losses = [float(i["expected_loss"]) for i in items]
    assert items and losses == sorted(losses, reverse=True) and all(i["days_past_due"] > 0 for i in items)
    moved = {c["customer_id"]: c["after"] for c in first["changes"]}
    was = {i["customer_id"]: i["dunning_level"] for i in before}
    assert all(
        i["dunning_level"] == moved.get(i["customer_id"], was.get(i["customer_id"], 0))
        for i in items
        if not i["disputed"]
    )
    customer, currency = items[0]["customer_id"], items[0]["currency"]
    promised = cli(
        tmp_path, "collections", "promise", "PR-1", customer, "100.00", "--currency", currency,
        "--by", "2099-01-01", "--json", db=db,
    )  # fmt: skip
    assert promised.returncode == 0, promised.stderr
    assert json.loads(promised.stdout)["created"] is True
    listed = json.loads(cli(tmp_path, "collections", "promises", "--customer", customer, "--json", db=db).stdout)
    assert [(p["promise_id"], p["status"]) for p in listed] == [("PR-1", "open")]
    shown = json.loads(cli(tmp_path, "collections", "worklist", "--json", db=db).stdout)
    assert {i["promised_on"] for i in shown if i["customer_id"] == customer} == {"2099-01-01"}
    wrong = cli(
        tmp_path,
        "collections",
        "promise",
        "PR-2",
        customer,
        "1,000",
        "--currency",
        currency,
        "--by",
        "2099-01-01",
        db=db,
    )
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    book = tmp_path / "worklist.xlsx"
    assert cli(tmp_path, "collections", "worklist", "--xlsx", str(book), db=db).returncode == 0
    sheet = load_workbook(book).active
    assert sheet is not None and sheet.max_row == len(items) + 1


def test_promises_and_the_worklist_over_http(demo_server: DemoServer) -> None:
    with demo_server.client("analyst") as analyst, demo_server.client("viewer") as viewer:
        customer = {"customer_id": "COL-1", "name": "Promise Ltd", "currency": "EUR", "credit_limit": "1000.00"}
        assert analyst.post("/api/v1/customers", json=customer).status_code in (200, 201)
        promise = {"promise_id": "PR-COL-1", "customer_id": "COL-1", "amount": "250.00", "currency": "EUR",
                   "promised_on": "2099-01-01"}  # fmt: skip
        assert analyst.post("/api/v1/collections/promises", json=promise).status_code == 201
        assert analyst.post("/api/v1/collections/promises", json=promise).status_code == 200
        assert_problem(analyst.post("/api/v1/collections/promises", json={**promise, "amount": "251.00"}), 409)
        bad = assert_problem(
            analyst.post("/api/v1/collections/promises", json={**promise, "promise_id": "X", "amount": "1.001"}), 422
        )
        assert bad["errors"][0]["code"] == "BAD_AMOUNT"  # type: ignore[index]
        assert_problem(viewer.post("/api/v1/collections/promises", json=promise), 403)
        assert_problem(analyst.post("/api/v1/collections/run", json={}), 403)
        listed = viewer.get("/api/v1/collections/promises", params={"customer_id": "COL-1"}).json()["promises"]
        assert [(p["promise_id"], p["amount"], p["recorded_by"]) for p in listed] == [
            ("PR-COL-1", "250.00", "test-analyst")
        ]
        whole = viewer.get("/api/v1/collections/worklist").json()
        items = whole["items"]
        assert items and all(i["days_past_due"] > 0 for i in items) and whole["total"] == len(items)
        window = viewer.get("/api/v1/collections/worklist", params={"limit": 1, "offset": 1}).json()
        assert (window["total"], window["items"]) == (len(items), items[1:2])
        assert_problem(viewer.get("/api/v1/collections/worklist", params={"limit": 0}), 422)
        assert viewer.get("/api/v1/collections/worklist", params={"format": "xlsx"}).content[:2] == b"PK"
