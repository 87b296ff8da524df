"""Limit requests over HTTP against a real server: the authority matrix, four eyes, temporary
limits that lapse, and the change history with its explanations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from creditdesk.entrypoints.served import served
from tests.conftest import TEST_TODAY
from tests.e2e.conftest import PATIENCE_SECONDS, cli, person_token
from tests.e2e.test_api import assert_problem
from tests.helpers import write_csv

POLICY = """
name: authority
approval_authority:
  system: {worst_grade: 6, max_limit: {CNY: "10000"}}
  analyst: {worst_grade: 9, max_limit: {CNY: "50000"}}
  manager: {worst_grade: 9, max_limit: {CNY: "500000"}}
  admin: {max_limit: unlimited}
"""
CUSTOMERS = """customer_id,name,currency,payment_terms_days,credit_limit
K1,Kappa Supplies,CNY,30,20000.00
"""


class Desk:
    def __init__(self, url: str, cwd: Path, db: str) -> None:
        self.url, self.cwd, self.db = url, cwd, db

    def client(self, name: str, role: str) -> httpx.Client:
        token = person_token(self.cwd, self.db, name, role)
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=PATIENCE_SECONDS)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    cwd = tmp_path_factory.mktemp("limits")
    db = f"sqlite:///{cwd / 'desk.db'}"
    assert cli(cwd, "db", "upgrade", db=db).returncode == 0
    added = cli(cwd, "user", "add", "root", "--role", "admin", "--password-stdin", stdin="long enough pw\n", db=db)
    assert added.returncode == 0, added.stderr
    customers = str(write_csv(cwd / "c.csv", CUSTOMERS))
    imported = cli(cwd, "import", "customers", customers, "--user", "root", db=db)
    assert imported.returncode == 0, imported.stderr
    done = cli(cwd, "policy", "activate", str(write_csv(cwd / "p.yaml", POLICY)), "--user", "root", db=db)
    assert done.returncode == 0, done.stderr
    with served(db, cwd) as url:
        yield Desk(url, cwd, db)


def limit_of(client: httpx.Client) -> str:
    return str(client.get("/api/v1/customers/K1").json()["credit_limit"])


def test_authority_matrix_and_four_eyes(desk: Desk) -> None:
    with (
        desk.client("sam", "sales") as sam,
        desk.client("ann", "analyst") as ann,
        desk.client("bob", "analyst") as bob,
        desk.client("mia", "manager") as mia,
        desk.client("vic", "viewer") as vic,
    ):
        body = {"amount": "30000.00", "currency": "CNY", "reason": "bigger orders"}
        assert_problem(vic.put("/api/v1/customers/K1/credit-limit", json=body), 403)
        # Sales may only ask; the lowest role with authority for 30,000 at grade 9 is an analyst.
        asked = sam.put("/api/v1/customers/K1/credit-limit", json=body)
        assert asked.status_code == 202, asked.text
        request = asked.json()
        assert (request["status"], request["required_role"], request["origin"]) == ("pending", "analyst", "sales")
        assert limit_of(ann) == "20000.00"
        decidable = bob.get("/api/v1/limit-requests", params={"decidable": "true"}).json()
        assert [r["request_id"] for r in decidable["requests"]] == [request["request_id"]]
        assert sam.get("/api/v1/limit-requests", params={"decidable": "true"}).json()["count"] == 0
        assert_problem(sam.post(f"/api/v1/limit-requests/{request['request_id']}/approve", json={}), 403)
        approved = bob.post(f"/api/v1/limit-requests/{request['request_id']}/approve", json={"comment": "ok"})
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "bob"
        assert limit_of(ann) == "30000.00"
        assert_problem(bob.post(f"/api/v1/limit-requests/{request['request_id']}/approve", json={}), 409)

        # Four eyes: an analyst's own request, though within her authority, needs someone else.
        own = ann.post("/api/v1/limit-requests", json={**body, "customer_id": "K1", "amount": "40000.00"})
        assert own.status_code == 201, own.text
        refused = ann.post(f"/api/v1/limit-requests/{own.json()['request_id']}/approve", json={})
        assert_problem(refused, 403)
        assert "four eyes" in refused.json()["detail"]
        # Without sales the policy recommends nothing: 40,000 is above it, and approving needs a comment.
        assert [w["code"] for w in own.json()["context"]["warnings"]][:1] == ["ABOVE_RECOMMENDATION"]
        uncommented = bob.post(f"/api/v1/limit-requests/{own.json()['request_id']}/approve", json={})
        assert_problem(uncommented, 422)
        assert "needs a comment" in uncommented.json()["detail"]
        commented = {"comment": "checked with sales"}
        assert bob.post(f"/api/v1/limit-requests/{own.json()['request_id']}/approve", json=commented).status_code == 200

        # Beyond an analyst's 50,000: within his role he may only ask; a manager decides.
        big = ann.put("/api/v1/customers/K1/credit-limit", json={**body, "amount": "80000.00"})
        assert big.status_code == 202 and big.json()["required_role"] == "manager"
        beyond = bob.post(f"/api/v1/limit-requests/{big.json()['request_id']}/approve", json={})
        assert_problem(beyond, 403)
        assert "needs a manager" in beyond.json()["detail"]
        rejected = mia.post(f"/api/v1/limit-requests/{big.json()['request_id']}/reject", json={"comment": "no"})
        assert rejected.json()["status"] == "rejected" and limit_of(mia) == "40000.00"

        # Within one's authority a change applies at once; a cut always does.
        cut = ann.put("/api/v1/customers/K1/credit-limit", json={**body, "amount": "25000.00", "reason": "cut"})
        assert cut.status_code == 200 and cut.json()["credit_limit"] == "25000.00"
        assert_problem(ann.put("/api/v1/customers/K1/credit-limit", json={**body, "amount": "-1"}), 422)
        assert_problem(ann.post("/api/v1/limit-requests/NOPE/approve", json={}), 404)


def test_a_temporary_limit_lapses_and_the_history_explains_every_change(desk: Desk) -> None:
    today = date.fromisoformat(TEST_TODAY)
    ends = today + timedelta(days=3)
    with desk.client("amy", "analyst") as amy, desk.client("max", "manager") as boss:
        before = limit_of(amy)
        season = {"amount": "45000.00", "currency": "CNY", "reason": "season", "expires_on": ends.isoformat()}
        applied = amy.put("/api/v1/customers/K1/credit-limit", json=season)
        assert applied.status_code == 200, applied.text
        assert applied.json()["credit_limit"] == "45000.00" and applied.json()["limit_expires_on"] == ends.isoformat()
        # The monitor on the day after the end date lapses it back to the permanent limit.
        run = cli(desk.cwd, "monitor", "--as-of", (ends + timedelta(days=1)).isoformat(), "--json", db=desk.db)
        assert run.returncode == 0, run.stderr
        lapsed = [c for c in json.loads(run.stdout)["items"] if c["rule"] == "TEMPORARY_LAPSED"]
        assert [(c["before"], c["after"]) for c in lapsed] == [("45000.00", before)]
        assert limit_of(boss) == before
        history = boss.get("/api/v1/customers/K1/limit-history").json()
        rules = [c["rule"] for c in history["changes"]]
        assert "TEMPORARY_LAPSED" in rules and "REVIEW_SCHEDULED" in rules
        explained = next(c for c in history["changes"] if c["rule"] == "TEMPORARY_LAPSED")["explanation"]
        assert "ended on" in explained["en"] and "临时额度" in explained["zh"]
        assert [h["source"] for h in history["limits"]][:2] == ["rule", "manual"]
        assert {r["status"] for r in history["requests"]} >= {"approved", "rejected"}
        assert_problem(boss.get("/api/v1/customers/NOPE/limit-history"), 404)
