"""Master data that changes with history: import changes, group moves, deactivation, merges."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from creditdesk.adapters.db import tables as t
from creditdesk.adapters.importing.pipeline import import_file
from creditdesk.bootstrap import Services
from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.service import master_data as md
from creditdesk.service.accounts import SetGroupLimit, set_group_limit
from creditdesk.service.audit import verify_audit_chain
from creditdesk.service.errors import Conflict, Forbidden
from creditdesk.service.limits import SetCreditLimit, set_credit_limit
from tests.engine import Driver
from tests.helpers import write_csv

HEADER = "customer_id,name,currency,segment,group_id,country,payment_terms_days,credit_limit\n"


def _import(services: Services, path: Path, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("actor", "ana")
    kw.setdefault("role", Role.ANALYST)
    return import_file("customers", path, services.engine, services.clock, **kw)


def _versions(services: Services, customer_id: str) -> list[dict[str, object]]:
    with services.engine.connect() as conn:
        v = t.customer_versions
        rows = conn.execute(select(v).where(v.c.customer_id == customer_id).order_by(v.c.version)).mappings()
        return [dict(r) for r in rows]


def _pool(driver: Driver, group_id: str) -> dict[str, int]:
    return driver.totals(f"group:{group_id}")


def test_a_changed_file_moves_groups_exactly_and_reimport_changes_nothing(services: Services, tmp_path: Path) -> None:
    """Both engines: names, segments (state_owned), terms and group moves of customers with open
    orders and invoices; the pools after are exact, the ledger reconciles, replay rebuilds."""
    drv = Driver(services)
    rates = write_csv(tmp_path / "fx.csv", "base_currency,quote_currency,rate_date,rate\nEUR,USD,2026-03-31,1.1\n")
    assert import_file("fx_rates", rates, services.engine, services.clock, role=Role.ADMIN).ok
    groups = write_csv(
        tmp_path / "groups.csv", "group_id,name,parent_group_id\nP,Holding,\nG1,One,P\nG2,Two,P\nG3,Three,\n"
    )
    assert import_file("groups", groups, services.engine, services.clock, role=Role.ADMIN).ok
    first = write_csv(
        tmp_path / "customers.csv",
        HEADER
        + "A,Alpha,EUR,standard,G1,CN,30,1000\nB,Beta,EUR,standard,G1,CN,30,1000\nC,Gamma,EUR,standard,G2,,45,\n",
    )
    report = _import(services, first, role=Role.ADMIN)
    assert report.ok and report.inserted == 3, report.as_json()
    for group, ccy in (("P", "EUR"), ("G1", "EUR"), ("G2", "EUR"), ("G3", "USD")):
        set_group_limit(
            SetGroupLimit(group, Money.of("5000", ccy), "pooled", "boss", Role.ADMIN), services.uow(), drv.clock
        )
    assert drv.order("OA", "A", "300").body["decision"] == "approved"
    drv.invoice("IA", "A", "120", order_id="OA")  # the rest of OA is released
    assert drv.order("OA1", "A", "200").body["decision"] == "approved"
    assert drv.order("OB", "B", "200").body["decision"] == "approved"
    assert _pool(drv, "G1")["reserved"] == 20000 + 20000 and _pool(drv, "G1")["receivable"] == 12000

    changed = write_csv(
        tmp_path / "customers-2.csv",
        HEADER
        + "A,Alpha Holdings,EUR,state_owned,G3,CN,60,1000\nB,Beta Ltd,EUR,standard,G2,CN,30,1000\nC,Gamma,EUR,standard,G2,,45,\n",
    )
    dry = _import(services, changed, dry_run=True)
    assert dry.ok and dry.changed == 2 and dry.unchanged == 1
    assert ("A", "segment", "standard", "state_owned") in dry.changes
    assert ("B", "group_id", "G1", "G2") in dry.changes
    assert _versions(services, "A")[-1]["version"] == 1  # a dry run writes nothing

    report = _import(services, changed)
    assert report.ok and (report.changed, report.unchanged, report.inserted) == (2, 1, 0), report.as_json()
    # A left G1 and P (G3 has no parent) and entered G3 at 1.1 USD; B moved within P: P keeps it.
    assert _pool(drv, "G1") == {"receivable": 0, "reserved": 0, "delivered": 0, "unapplied": 0}
    assert _pool(drv, "G2")["reserved"] == 20000
    assert _pool(drv, "G3") == {"receivable": 13200, "reserved": 22000, "delivered": 0, "unapplied": 0}
    assert _pool(drv, "P") == {"receivable": 0, "reserved": 20000, "delivered": 0, "unapplied": 0}
    assert drv.reconcile().ok, drv.reconcile().as_json()
    assert drv.replay_bytes(drv.events()) == drv.state_bytes()
    history = _versions(services, "A")
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["valid_to"] == history[1]["valid_from"] == date(2026, 3, 31)
    assert history[1]["source"] == "import:customers-2.csv" and history[1]["changed_by"] == "ana"
    assert "segment" in str(history[1]["changes"]) and "payment_terms_days" in str(history[1]["changes"])

    # New orders after the move go to the new pools only.
    drv.order("OA2", "A", "100")
    assert _pool(drv, "G3")["reserved"] == 22000 + 11000 and _pool(drv, "G1")["reserved"] == 0
    again = _import(services, changed)
    assert again.ok and again.changed == 0 and again.unchanged == 3
    assert len(_versions(services, "A")) == 2
    assert drv.reconcile().ok
    with services.read_uow() as uow:
        assert verify_audit_chain(uow) is None
    # The published events satisfy their schema (docs/events/customer.changed.schema.json).
    import json

    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[2] / "docs/events/customer.changed.schema.json").read_text())
    changed_events = [e for e in drv.events() if e.type == "customer.changed"]
    assert {e.stream for e in changed_events} == {"A", "B"}
    for event in changed_events:
        jsonschema.validate(event.payload, schema)


def test_protected_limits_and_permission(sqlite_services: Services, tmp_path: Path) -> None:
    services = sqlite_services
    drv = Driver(services)
    path = write_csv(tmp_path / "c.csv", HEADER + "K,Kappa,EUR,standard,,CN,30,1000\n")
    assert _import(services, path, role=Role.ADMIN).ok
    set_credit_limit(
        SetCreditLimit("K", Money.of("2500", "EUR"), "reviewed", "boss", Role.ADMIN), services.uow(), drv.clock
    )
    changed = write_csv(tmp_path / "c2.csv", HEADER + "K,Kappa AG,EUR,standard,,CN,30,9000\n")
    report = _import(services, changed)
    assert report.ok and report.changed == 1 and report.protected == 1
    assert report.protected_fields == [("K", "credit_limit (set by the credit team)", "2500.00", "9000.00")]
    with services.engine.connect() as conn:
        limit = conn.execute(select(t.credit_accounts.c.limit_minor).where(t.credit_accounts.c.customer_id == "K"))
        assert limit.scalar() == 250000
    # Changes need the importing user's permission; nothing is half-written.
    renamed = write_csv(tmp_path / "c3.csv", HEADER + "K,Kappa SE,EUR,standard,,CN,30,\nN,New,EUR,standard,,,30,\n")
    refused = _import(services, renamed, actor="sam", role=Role.SALES)
    assert not refused.ok and [p.code.value for p in refused.errors] == ["FORBIDDEN"]
    assert refused.errors[0].line == 2
    with services.read_uow() as uow:
        assert uow.customers.get("N") is None and uow.customers.get("K").name == "Kappa AG"  # type: ignore[union-attr]


def test_deactivate_merge_and_currency(sqlite_services: Services) -> None:
    services = sqlite_services
    drv = Driver(services)
    drv.customer("A", "1000")
    drv.customer("B", "1000")
    clock = drv.clock
    with pytest.raises(Forbidden):
        md.set_status(md.SetStatus("A", False, "sam", Role.SALES), services.uow(), clock)
    md.set_status(md.SetStatus("A", False, "ana", Role.ANALYST), services.uow(), clock)
    refused = drv.order("O1", "A", "10")
    assert refused.body["decision"] == "blocked"
    assert [r["code"] for r in refused.body["reasons"]] == ["CUSTOMER_INACTIVE"]
    md.set_status(md.SetStatus("A", True, "ana", Role.ANALYST), services.uow(), clock)
    assert drv.order("O2", "A", "10").body["decision"] == "approved"

    with pytest.raises(Conflict, match="settle first open orders 1000 minor units"):
        md.merge_customer(md.MergeCustomer("A", "B", "ana", Role.ANALYST), services.uow(), clock)
    drv.cancel("O2")
    with pytest.raises(Conflict, match="currency"):
        md.change_customer(md.ChangeCustomer("A", {"currency": "USD"}, "ana", Role.ANALYST), services.uow(), clock)
    md.merge_customer(md.MergeCustomer("A", "B", "ana", Role.ANALYST), services.uow(), clock)
    merged = drv.order("O3", "A", "10")
    assert "merged into B" in merged.body["reasons"][0]["message"]
    assert _versions(services, "A")[-1]["status"] == "merged"
    assert "merged_from" in str(_versions(services, "B")[-1]["changes"])
    with pytest.raises(Conflict):
        md.set_status(md.SetStatus("A", True, "ana", Role.ANALYST), services.uow(), clock)
    assert drv.reconcile().ok


def _client(services: Services):  # type: ignore[no-untyped-def]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    from creditdesk.entrypoints.api.app import create_app

    return TestClient(create_app(services), raise_server_exceptions=True)


def test_patch_history_list_and_merge_over_the_api(sqlite_services: Services) -> None:
    from creditdesk.service.auth import add_user, create_token

    services = sqlite_services
    drv = Driver(services)
    for cid in ("API-1", "API-2", "OTHER-3"):
        drv.customer(cid, "1000")
    add_user("sam", "correct horse", Role.SALES, services.uow(), services.hasher, "admin")  # signs in below
    headers = {
        "sam": {
            "Authorization": f"Bearer {create_token('sam-api', services.uow(), services.clock, 'admin', user='sam')}"
        },
        "ann": {
            "Authorization": f"Bearer {create_token('erp', services.uow(), services.clock, 'admin', role=Role.ANALYST)}"
        },
    }
    client = _client(services)
    body = {"name": "Api One Ltd", "segment": "state_owned", "payment_terms_days": 45, "country": None}
    assert client.patch("/api/v1/customers/API-1", json=body, headers=headers["sam"]).status_code == 403
    done = client.patch("/api/v1/customers/API-1", json=body, headers=headers["ann"])
    assert done.status_code == 200, done.text
    assert done.json()["version"] == 2 and done.json()["changes"]["segment"] == ["standard", "state_owned"]
    same = client.patch("/api/v1/customers/API-1", json=body, headers=headers["ann"]).json()
    assert same["version"] is None and same["changes"] == {}
    bad = client.patch("/api/v1/customers/API-1", json={"segment": "royal", "country": "China"}, headers=headers["ann"])
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert client.patch("/api/v1/customers/NOPE", json=body, headers=headers["ann"]).status_code == 404
    assert client.get("/api/v1/customers/API-1", headers=headers["sam"]).json()["segment"] == "state_owned"

    history = client.get("/api/v1/customers/API-1/history", headers=headers["sam"]).json()
    assert [v["version"] for v in history["versions"]] == [1, 2]
    assert history["versions"][1]["changed_by"] == "erp" and history["versions"][1]["source"] == "api"
    assert history["versions"][0]["valid_to"] == history["versions"][1]["valid_from"]

    page = client.get("/api/v1/customers?q=api&limit=1", headers=headers["sam"]).json()
    assert page["total"] == 2 and [r["customer_id"] for r in page["items"]] == ["API-1"]
    assert (
        client.get("/api/v1/customers?q=api&limit=1&offset=1", headers=headers["sam"]).json()["items"][0]["customer_id"]
        == "API-2"
    )
    assert client.get("/api/v1/customers?segment=state_owned", headers=headers["sam"]).json()["total"] == 1
    assert client.get("/api/v1/customers?grade=3", headers=headers["sam"]).json()["total"] == 0
    assert client.get("/api/v1/customers?company_code=X1", headers=headers["sam"]).json()["total"] == 0
    assert client.get("/api/v1/customers?status=bogus", headers=headers["sam"]).status_code == 422

    merged = client.post("/api/v1/customers/API-2/merge", json={"into": "API-1"}, headers=headers["ann"])
    assert merged.status_code == 200, merged.text
    assert (
        client.get("/api/v1/customers?status=merged", headers=headers["sam"]).json()["items"][0]["merged_into"]
        == "API-1"
    )
    drv.order("O-OTHER", "OTHER-3", "10")
    refused = client.post("/api/v1/customers/OTHER-3/merge", json={"into": "API-1"}, headers=headers["ann"])
    assert refused.status_code == 409 and "settle first" in refused.json()["detail"]
    off = client.post("/api/v1/customers/OTHER-3/deactivate", json={}, headers=headers["ann"])
    assert off.status_code == 200 and off.json()["changes"]["status"] == ["active", "inactive"]
    assert client.post("/api/v1/customers/OTHER-3/reactivate", json={}, headers=headers["ann"]).status_code == 200

    # The customer page: the versions, newest first, and the merged banner; the survivor names it.
    import re

    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf is not None
    client.post("/login", data={"username": "sam", "password": "correct horse", "csrf": csrf.group(1)})
    page = client.get("/customers/API-2")
    assert page.status_code == 200 and 'id="master-data-versions"' in page.text
    assert "This customer was merged into API-1" in page.text
    survivor = client.get("/customers/API-1").text
    assert "Merged into this customer: API-2" in survivor and "state_owned" in survivor


def test_limit_inputs_read_the_master_data_valid_on_their_date(sqlite_services: Services) -> None:
    services = sqlite_services
    drv = Driver(services)
    drv.customer("PIT", "1000")  # version 1 from today (2026-03-31)
    change = md.ChangeCustomer("PIT", {"segment": "state_owned", "industry": "steel"}, "ana", Role.ANALYST, "api",
                               date(2026, 4, 10))  # fmt: skip
    assert md.change_customer(change, services.uow(), drv.clock).version == 2
    store = services.limit_inputs()
    [before] = store.limit_inputs(date(2026, 4, 9), "PIT")
    [after] = store.limit_inputs(date(2026, 4, 10), "PIT")
    assert (before.segment, before.industry) == ("standard", None)
    assert (after.segment, after.industry) == ("state_owned", "steel")
    with pytest.raises(Exception, match="before the newest version"):
        md.change_customer(
            md.ChangeCustomer("PIT", {"name": "Late"}, "ana", Role.ANALYST, "api", date(2026, 4, 1)),
            services.uow(),
            drv.clock,
        )


def test_an_order_waiting_on_a_group_move_lands_in_the_new_pools(services: Services, tmp_path: Path) -> None:
    """The move holds the customer's account; an order that waits for it must then see the new
    group (PostgreSQL row locks; SQLite serialises whole write transactions)."""
    import threading
    import time

    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    if services.engine.dialect.name != "postgresql":
        pytest.skip("row-lock interleaving: PostgreSQL only")
    drv = Driver(services)
    groups = write_csv(tmp_path / "groups.csv", "group_id,name,parent_group_id\nG1,One,\nG2,Two,\n")
    assert import_file("groups", groups, services.engine, services.clock, role=Role.ADMIN).ok
    drv.customer("A", "1000", group_id="G1")
    for group in ("G1", "G2"):
        set_group_limit(
            SetGroupLimit(group, Money.of("5000", "EUR"), "pooled", "boss", Role.ADMIN), services.uow(), drv.clock
        )
    drv.order("O1", "A", "100")
    answers = {}
    with services.uow() as uow:
        md.apply_change(uow, md.ChangeCustomer("A", {"group_id": "G2"}, "ana", Role.ANALYST), drv.clock)

        def race() -> None:
            try:
                answers.update(order=drv.order("O2", "A", "50"))
            except Exception as error:
                answers.update(error=error)

        racer = threading.Thread(target=race)
        racer.start()
        waiting = (
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        # Not one of the pool's connections; autocommit, so each poll reads pg_stat_activity afresh
        # (inside one transaction PostgreSQL keeps showing its first snapshot of it).
        watcher = create_engine(services.engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with watcher.connect() as conn:
            # Until the order waits for the account's lock: a condition, with a bound generous
            # enough for a loaded machine (the thread's first order may take seconds to get there).
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if conn.execute(text(waiting)).scalar() or not racer.is_alive():
                    break
                time.sleep(0.02)
            if not conn.execute(text(waiting)).scalar():
                states = conn.execute(
                    text("SELECT state, wait_event_type, wait_event, left(query, 80) FROM pg_stat_activity")
                ).all()
                pytest.fail(f"the order never waited for the move's lock: {answers} {states}")
        watcher.dispose()
        uow.commit()
    racer.join(timeout=30)
    assert answers["order"].body["decision"] == "approved"
    assert _pool(drv, "G1") == {"receivable": 0, "reserved": 0, "delivered": 0, "unapplied": 0}
    assert _pool(drv, "G2")["reserved"] == 15000
    assert drv.reconcile().ok


def test_the_web_form_changes_master_data_for_analysts(sqlite_services: Services) -> None:
    import re

    from creditdesk.service.auth import add_user

    services = sqlite_services
    drv = Driver(services)
    drv.customer("WEB-1", "1000")
    add_user("amy", "correct horse", Role.ANALYST, services.uow(), services.hasher, "admin")
    client = _client(services)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf is not None
    client.post("/login", data={"username": "amy", "password": "correct horse", "csrf": csrf.group(1)})
    page = client.get("/customers/WEB-1").text
    assert 'id="md-form"' in page
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf": token.group(1), "name": "Web One", "segment": "state_owned", "group_id": "GW",
            "country": "CN", "industry": "", "payment_terms_days": "60"}  # fmt: skip
    done = client.post("/customers/WEB-1/master-data", data=form)
    assert done.status_code == 200 and "version 2 saved" in done.text, done.text[-2000:]
    assert client.post("/customers/WEB-1/master-data", data={**form, "csrf": "forged"}).status_code == 200
    assert _versions(services, "WEB-1")[-1]["version"] == 2  # the forged form changed nothing
    latest = _versions(services, "WEB-1")[-1]
    assert (latest["segment"], latest["group_id"], latest["source"], latest["changed_by"]) == (
        "state_owned", "GW", "web", "amy"
    )  # fmt: skip
    off = client.post("/customers/WEB-1/status/deactivate", data={"csrf": token.group(1)})
    assert "version 3 saved" in off.text and "This customer is deactivated" in off.text
