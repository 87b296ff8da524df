"""A credit manager's working day in the browser, on a copy of the scored demo: what needs
attention, why an account is held, a held order released with a second manager's confirmation,
a limit request approved in sight of its warnings, a promise to pay, a note, a rescore, and a
policy what-if run from the form and activated after its confirmation. Every step is checked against the API.

The ERP and the other people of the day act through the API first (an order for a held account,
a salesperson's request for a limit five times the recommendation)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from creditdesk.entrypoints.served import served
from tests.e2e.conftest import SCORED_CUSTOMERS, DemoServer, demo_copy
from tests.e2e.test_browser import _amount, browser, shot, sign_in, until_fresh  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

HOLD_REASON = "付款计划洽谈中，暂停新增赊销"
REQUEST_REASON = "new plant, first season"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """A copy of the scored demo: the day changes standings, limits and the policy."""
    cwd = tmp_path_factory.mktemp("day")
    db, summary = demo_copy(tmp_path_factory, SCORED_CUSTOMERS, 24, cwd)
    with served(db, cwd) as url:
        yield DemoServer(url, cwd, db, summary)


def _money(value: str) -> Decimal:
    return Decimal(value)


def _customers(api: Any) -> list[dict[str, Any]]:
    """Active, scored customers of a good grade with credit left, each with what is available."""
    found = api.get("/api/v1/customers", params={"limit": 200, "status": "active"}).json()["items"]
    rows = []
    for c in found:
        limit, exposure = _money(c["credit_limit"] or "0"), _money(c["exposure"] or "0")
        if limit > exposure and c["grade"] is not None and c["grade"] <= 5 and c["segment"] == "standard":
            rows.append({**c, "available": limit - exposure})
    return rows


def _morning(desk: DemoServer) -> dict[str, Any]:
    """What the others did before the manager came in."""
    with desk.client("manager") as boss, desk.client("sales") as sales:
        held, asked = _customers(boss)[:2]
        # Another manager holds an account; the ERP then sends an order beyond what is available.
        put = boss.put(
            f"/api/v1/customers/{held['customer_id']}/standing", json={"status": "on_hold", "reason": HOLD_REASON}
        )
        assert put.status_code == 200, put.text
        amount = (held["available"] + Decimal("50000")).quantize(Decimal("0.01"))
        order = sales.post(
            "/api/v1/orders",
            json={"order_id": "DAY-ORDER-1", "customer_id": held["customer_id"], "amount": str(amount),
                  "currency": held["currency"]},
        )  # fmt: skip
        assert order.status_code == 201 and order.json()["decision"] != "approved", order.text
        # Sales asks for five times the recommended limit (sales requests, a credit person decides).
        recommended = boss.get(f"/api/v1/customers/{asked['customer_id']}/limit-recommendation").json()
        advised = _money(recommended["final"]["amount"])
        wanted = (advised * 5).quantize(Decimal("1"))
        request = sales.put(
            f"/api/v1/customers/{asked['customer_id']}/credit-limit",
            json={"amount": str(wanted), "currency": asked["currency"], "reason": REQUEST_REASON},
        )
        assert request.status_code == 202, request.text  # beyond what sales may set: it waits
        overdue = boss.get("/api/v1/collections/worklist").json()["items"]
    return {
        "held": held,
        "order_amount": amount,
        "asked": asked,
        "wanted": wanted,
        "request_id": request.json()["request_id"],
        "overdue": overdue,
    }


def _say(page: Any) -> str:
    return str(page.locator("#flash").inner_text())


def test_a_managers_working_day(browser: Any, desk: DemoServer) -> None:  # noqa: F811
    day = _morning(desk)
    held, order_id = day["held"]["customer_id"], "DAY-ORDER-1"
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(page, desk, "manager")

    # 1. What needs attention: the held orders, counted as the worklist counts them.
    alert = page.locator("#alert-orders")
    waiting = int(alert.locator("strong").inner_text().replace(",", ""))
    assert waiting >= 1
    alert.locator("a").click()
    page.wait_for_url("**/worklists/orders")
    assert int(page.locator("#held-total").inner_text().replace(",", "")) == waiting
    row = page.locator(f"#order-{order_id}")
    assert row.locator("[data-code=CUSTOMER_ON_HOLD]").count() == 1

    # 2. Why the account is held: the badge says who held it, when and why.
    page.goto(f"{desk.url}/customers/{held}")
    standing = page.locator("#kpi-status, .kpi .standing").first
    assert HOLD_REASON in standing.inner_text() or HOLD_REASON in (
        page.locator(".standing [title]").first.get_attribute("title") or ""
    )
    with desk.client("viewer") as api:
        assert api.get(f"/api/v1/customers/{held}").json()["status"] == "on_hold"

    # 3. Release the order: beyond the limit, so it waits for a second manager.
    page.goto(f"{desk.url}/worklists/orders?q={order_id}")
    page.fill(f"#comment-{order_id}", "payment plan signed this morning")
    page.locator(f"#order-{order_id} button", has_text="Release").click()
    assert "second approver" in _say(page)
    with desk.client("viewer") as api:
        assert api.get(f"/api/v1/orders/{order_id}").json()["status"] == "release_pending"
    second = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(second, desk, "manager2")
    second.goto(f"{desk.url}/worklists/orders?q={order_id}")
    assert "payment plan signed this morning" in second.locator(f"#order-{order_id}").inner_text()  # why it was asked
    second.fill(f"#comment-{order_id}", "agreed: plan signed, first instalment received")
    second.locator(f"#order-{order_id} button", has_text="Release").click()
    assert "released" in _say(second)
    with desk.client("viewer") as api:
        released = api.get(f"/api/v1/orders/{order_id}").json()
        assert released["status"] == "open"
        account = api.get(f"/api/v1/customers/{held}").json()
    assert _money(account["exposure"]["orders"]) >= day["order_amount"]
    second.close()

    # 4. The salesperson's request: its warnings in sight; no approval without a comment.
    request_id, asked = day["request_id"], day["asked"]["customer_id"]
    page.goto(f"{desk.url}/worklists/limit-requests?q={asked}")
    row = page.locator(f"#request-{request_id}")
    assert "ABOVE_RECOMMENDATION" in (row.get_attribute("data-warnings") or "")
    assert "Above the recommendation" in row.inner_text()
    row.locator("input[name=comment]").evaluate("e => e.removeAttribute('required')")  # past the browser
    row.locator("button", has_text="Approve").click()
    assert "needs a comment" in _say(page)
    page.locator(f"#request-{request_id} input[name=comment]").fill("parent guarantee on file; visited the plant")
    page.locator(f"#request-{request_id} button", has_text="Approve").click()
    assert "approved" in _say(page)
    with desk.client("viewer") as api:
        assert _money(api.get(f"/api/v1/customers/{asked}").json()["credit_limit"]) == day["wanted"]

    # 5. A promise to pay on the collections worklist's first line (the largest expected loss).
    top = day["overdue"][0]
    page.goto(f"{desk.url}/collections")
    line = page.locator(f"#coll-{top['invoice_id']}")
    line.locator(f"#promise-{top['invoice_id']} summary").click()
    promise_form = line.locator(f"#promise-{top['invoice_id']} form")
    promise_form.locator("input[name=amount]").fill("1000.00")
    promise_form.locator("input[name=note]").fill("CFO on the phone: wire on Friday")
    promise_form.locator("button[type=submit]").click()
    assert "promise" in _say(page).lower()
    with desk.client("viewer") as api:
        promises = api.get("/api/v1/collections/promises", params={"customer_id": top["customer_id"]}).json()
    mine = [p for p in promises["promises"] if p["recorded_by"] == "manager"]
    assert [Decimal(p["amount"]) for p in mine] == [Decimal("1000.00")]

    # 6. A note on the held customer.
    page.goto(f"{desk.url}/customers/{held}#notes")
    page.fill("#note-body", "通话记录：客户确认周五付款")
    page.locator("#note-form button[type=submit]").click()
    with desk.client("viewer") as api:
        notes = api.get("/api/v1/notes", params={"customer_id": held}).json()
    assert any(n["body"] == "通话记录：客户确认周五付款" and n["author"] == "manager" for n in notes["notes"])

    # 6b. Rescore the held customer after the morning's news: the flash tells the grade the API has.
    with desk.client("viewer") as api:
        graded = api.get(f"/api/v1/customers/{held}/score").json()["grade"]
    page.goto(f"{desk.url}/customers/{held}")
    page.click("#rescore-submit")
    with desk.client("viewer") as api:
        regraded = api.get(f"/api/v1/customers/{held}/score").json()["grade"]
    assert f"Rescored: grade {graded} → {regraded}." in _say(page)

    # 7. A what-if from the form: orders with items 20 days overdue go to review. Activated after
    #    the confirmation, a check on the API then applies it.
    oldest: dict[str, int] = {}
    for item in day["overdue"]:
        oldest[item["customer_id"]] = max(oldest.get(item["customer_id"], 0), item["days_past_due"])
    late = next((i for i in day["overdue"] if 20 < oldest[i["customer_id"]] <= 45), None)
    assert late is not None, "the demo has a customer whose oldest overdue item is 21 to 45 days late"
    with desk.client("sales") as api:
        before = api.post(
            "/api/v1/checks", json={"customer_id": late["customer_id"], "amount": "1.00", "currency": late["currency"]}
        ).json()
    assert "OVERDUE" not in {r["code"] for r in before["reasons"]}  # the built-in policy waits 60 days
    page.goto(f"{desk.url}/policy")
    page.fill("[name='f.checks.default.overdue_days']", "20")
    page.fill("#seeds", "1")
    page.fill("#months", "1")
    page.click("#simulate")
    page.wait_for_selector("#what-if-result", timeout=180_000)
    headline = page.locator("#verdict-headline").inner_text()
    assert headline
    page.click("#activate")
    assert headline in page.locator("#activate-consequence").inner_text()  # the confirmation states it
    shot(page, "day-what-if-confirm")
    page.click("#confirm-activate")
    page.wait_for_url(f"{desk.url}/policy")
    assert "is active" in _say(page)
    with desk.client("sales") as api:
        after = api.post(
            "/api/v1/checks", json={"customer_id": late["customer_id"], "amount": "1.00", "currency": late["currency"]}
        ).json()
    assert "OVERDUE" in {r["code"] for r in after["reasons"]}
    page.close()
