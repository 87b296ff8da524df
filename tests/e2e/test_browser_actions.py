"""The customer page's actions in a browser, checked against the API: a manager puts an account
on hold with a reason (the badge says why) and releases it; asks for a limit far above the
recommendation and sees the warnings and that a comment is required; a second manager approves
it on the requests page (without a comment first: refused); a viewer has no action to press."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import DemoServer
from tests.e2e.test_browser import browser, shot, sign_in  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CANDIDATES = [f"C000{n}" for n in range(271, 300)]  # demo customers no other browser test acts on


def _customer(api: Any) -> tuple[str, Decimal]:
    """The first candidate in CNY with a recommendation, and that recommendation."""
    for customer_id in CANDIDATES:
        rec = api.get(f"/api/v1/customers/{customer_id}/limit-recommendation").json()
        amount = rec["final"]["amount"]
        if rec["currency"] == "CNY" and amount and Decimal(amount) > 0:
            return customer_id, Decimal(amount)
    raise AssertionError("no candidate customer")


def _open(page: Any, server: DemoServer, customer: str) -> None:
    page.goto(f"{server.url}/customers/{customer}")
    page.evaluate("document.querySelectorAll('details.action').forEach(d => d.open = true)")


def test_a_manager_acts_on_the_customer_page_and_a_second_approves(
    browser: Any,  # noqa: F811
    demo_server: DemoServer,
) -> None:
    with demo_server.client("admin") as api:
        customer, recommended = _customer(api)
        current = Decimal(api.get(f"/api/v1/customers/{customer}").json()["credit_limit"])

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    sign_in(page, demo_server, "manager")
    _open(page, demo_server, customer)
    # Hold with a reason: the badge says why; then release.
    page.fill("#standing-reason", "cheque bounced on 28 June")
    page.click("#standing-hold")
    assert "on hold" in page.locator("#flash").inner_text()
    assert "cheque bounced on 28 June" in page.locator(".kpis").inner_text()
    with demo_server.client("viewer") as api:
        assert api.get(f"/api/v1/customers/{customer}").json()["status"] == "on_hold"
    _open(page, demo_server, customer)
    page.fill("#standing-reason", "cheque cleared")
    page.click("#standing-release")
    assert "active again" in page.locator("#flash").inner_text()
    with demo_server.client("viewer") as api:
        assert api.get(f"/api/v1/customers/{customer}").json()["status"] == "active"

    # A limit five times the recommendation, sent for a second manager's approval.
    wanted = recommended * 5
    _open(page, demo_server, customer)
    assert Decimal(page.locator("#act-recommended").inner_text().split()[0].replace(",", "")) == recommended
    page.fill("#limit-amount", str(wanted))
    page.fill("#limit-reason", "the new plant's first season")
    page.check("#limit-ask")
    page.click("#limit-preview-button")
    warnings = page.locator("#preview-warnings")
    assert warnings.locator("[data-code=ABOVE_RECOMMENDATION]").count() == 1
    assert "5.00×" in warnings.inner_text()
    assert page.locator("#comment-required").is_visible()
    pct = (wanted - current) / current * 100
    assert page.locator("[data-change-pct]").get_attribute("data-change-pct") == f"{pct:.2f}"
    shot(page, "actions-limit-preview")
    page.click("#confirm-limit-submit")
    assert "sent to" in page.locator("#flash").inner_text()
    with demo_server.client("viewer") as api:
        found = api.get("/api/v1/limit-requests").json()["requests"]
    request = next(r for r in found if r["customer_id"] == customer and r["requested_by"] == "manager")
    assert (
        request["context"]["recommended"] == f"{recommended:.2f}"
        or Decimal(request["context"]["recommended"]) == recommended
    )
    assert request["context"]["warnings"][0]["code"] == "ABOVE_RECOMMENDATION"
    # The requester sees it, may not decide it (four eyes).
    page.goto(f"{demo_server.url}/worklists/limit-requests?q={customer}")
    row = page.locator(f"#request-{request['request_id']}")
    assert row.locator("button", has_text="Approve").is_disabled()
    assert "Four eyes" in row.inner_text()
    page.close()

    second = browser.new_page(viewport={"width": 1280, "height": 900})
    second.set_default_timeout(15_000)
    # The demo is unscored: the matrix sends a raise to an admin; a scored one to the other manager.
    sign_in(second, demo_server, {"manager": "manager2", "admin": "admin"}[request["required_role"]])
    second.goto(f"{demo_server.url}/worklists/limit-requests?q={customer}")
    row = second.locator(f"#request-{request['request_id']}")
    assert "Above the recommendation" in row.inner_text()
    row.locator("input[name=comment]").evaluate("e => e.removeAttribute('required')")  # past the browser
    row.locator("button", has_text="Approve").click()
    assert "needs a comment" in second.locator("#flash").inner_text()  # the service refuses
    row = second.locator(f"#request-{request['request_id']}")
    row.locator("input[name=comment]").fill("visited the plant; parent guarantee on file")
    shot(second, "actions-limit-requests")
    row.locator("button", has_text="Approve").click()
    assert "approved" in second.locator("#flash").inner_text()
    with demo_server.client("viewer") as api:
        assert Decimal(api.get(f"/api/v1/customers/{customer}").json()["credit_limit"]) == wanted
    second.close()

    viewer = browser.new_page(viewport={"width": 1280, "height": 900})
    viewer.set_default_timeout(15_000)
    sign_in(viewer, demo_server, "viewer")
    _open(viewer, demo_server, customer)
    for form in ("#limit-form", "#standing-form", "#review-form", "#promise-form"):
        assert viewer.locator(form).count() == 0, form
    assert viewer.locator("#actions button:enabled").count() == 0
    assert viewer.locator("#limit-refused button").is_disabled()
    viewer.close()
