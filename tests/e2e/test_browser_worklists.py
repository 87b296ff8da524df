"""Worklists with their context, the collections page, the import page (issue 21, H2).

Each test writes its own ids (WEB21-…) on the shared demo so as not to meet the others' data.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DemoServer
from tests.e2e.test_browser import browser, shot, sign_in  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_the_collections_page_is_the_apis_worklist_and_records_a_promise(
    browser: Any,  # noqa: F811
    demo_server: DemoServer,
) -> None:
    with demo_server.client("viewer") as api:
        worklist = api.get("/api/v1/collections/worklist").json()["items"]
    assert len(worklist) > 50, "the demo has more than a page of overdue items"
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(page, demo_server, "analyst")
    page.click("#nav-collections")
    page.wait_for_url(f"{demo_server.url}/collections")
    assert int(page.inner_text("#coll-total")) == len(worklist)
    rows = page.locator("#collections tbody tr")
    assert rows.count() == 50
    # The first page is the API's first 50 items, in its order (highest expected loss first).
    shown = [(r.get_attribute("id"), r.get_attribute("data-expected-loss")) for r in rows.all()]
    assert shown == [(f"coll-{i['invoice_id']}", i["expected_loss"]) for i in worklist[:50]]
    shot(page, "collections")
    # At 1440 px the actions are in view: no sentence in a cell pushes them off the card.
    edges = page.locator("#collections").evaluate(
        "t => [t.getBoundingClientRect().right, t.closest('section, .card').getBoundingClientRect().right]"
    )
    assert edges[0] <= edges[1] + 1, edges
    # A customer whose overdue items are all disputed is said to be so, not "0 days" late.
    flags: dict[str, list[bool]] = {}
    for i in worklist:
        flags.setdefault(i["customer_id"], []).append(bool(i["disputed"]))
    disputed = next((i for i in worklist if all(flags[i["customer_id"]])), None)
    assert disputed is not None, "the demo has a customer whose overdue items are all disputed"
    page.goto(f"{demo_server.url}/collections?q={disputed['invoice_id']}")
    cell = page.locator(f"[id='coll-{disputed['invoice_id']}'] td.note-cell").inner_text()
    assert "all of it disputed" in cell and "oldest 0 days" not in cell, cell

    # One click on a line further down: a promise to pay for its customer, then the API has it.
    item = next(i for i in worklist[60:] if not i["promise_id"] and not i["disputed"])
    page.goto(f"{demo_server.url}/collections?q={item['invoice_id']}")
    row = page.locator(f"[id='coll-{item['invoice_id']}']")
    row.locator("summary", has_text="Promise to pay").click()
    form = row.locator("form[action='/collections/promise']")
    form.locator("input[name=amount]").fill(item["open_amount"])
    form.locator("input[name=promised_on]").fill("2026-07-10")
    form.locator("input[name=note]").fill("treasurer confirmed by phone")
    assert "level will not rise" in form.inner_text()  # the consequence, stated before the click
    form.locator("button", has_text="Confirm").click()
    assert "promise to pay recorded" in page.inner_text("#flash")
    assert f"q={item['invoice_id']}" in page.url  # back to the list as it was
    with demo_server.client("viewer") as api:
        promises = api.get("/api/v1/collections/promises", params={"customer_id": item["customer_id"]}).json()
        after = api.get("/api/v1/collections/worklist").json()["items"]
    (made,) = [p for p in promises["promises"] if p["note"] == "treasurer confirmed by phone"]
    assert (made["amount"], made["promised_on"], made["recorded_by"]) == (
        item["open_amount"],
        "2026-07-10",
        "analyst",
    )
    (line,) = [i for i in after if i["invoice_id"] == item["invoice_id"]]
    assert line["promise_id"] == made["promise_id"]
    assert Decimal(page.locator(f"[id='coll-{item['invoice_id']}'] .promise").inner_text().split()[0].replace(",", ""))
    page.close()

    # A viewer reads the list and has nothing to press; a forged form is refused.
    viewer = browser.new_page()
    sign_in(viewer, demo_server, "viewer")
    viewer.goto(f"{demo_server.url}/collections")
    assert viewer.locator("#collections details.act").count() == 0 and viewer.locator("#coll-read-only").count() == 1
    token = viewer.locator("input[name=csrf]").first.get_attribute("value")
    forged = viewer.request.post(
        f"{demo_server.url}/collections/note", form={"csrf": token or "", "customer_id": "C000001", "body": "x"}
    )
    assert forged.status == 403
    viewer.close()


CUSTOMERS_BAD = (
    "customer_id,name,currency,payment_terms_days\nWEB21-IMP-1,Good Ltd,CNY,30\nWEB21-IMP-2,Bad Ltd,XXX,30\n"
)
CUSTOMERS_GOOD = "customer_id,name,currency,payment_terms_days\nWEB21-IMP-1,华东精密有限公司,CNY,30\nWEB21-IMP-2,Good Two Ltd,CNY,45\n"


def _upload(page: Any, path: Path, kind: str = "customers") -> None:
    page.select_option("#import-kind", kind)
    page.set_input_files("#import-file", str(path))
    page.click("#import-check")
    page.wait_for_selector("#import-report")


def test_the_import_page_shows_a_files_problems_and_imports_after_confirmation(
    browser: Any,  # noqa: F811
    demo_server: DemoServer,
    tmp_path: Path,
) -> None:
    bad, good = tmp_path / "customers-bad.csv", tmp_path / "customers.csv"
    bad.write_text(CUSTOMERS_BAD)
    good.write_text(CUSTOMERS_GOOD)
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(page, demo_server, "analyst")
    page.click("#nav-imports")
    _upload(page, bad)
    problem = page.locator("#import-problems tr.problem")
    assert problem.count() == 1
    assert (problem.get_attribute("data-line"), problem.get_attribute("data-code")) == ("3", "UNKNOWN_CURRENCY")
    assert "customers-bad.csv" in problem.inner_text()  # the file as the user named it
    assert page.locator("#import-confirm").count() == 0  # nothing to confirm
    shot(page, "import-problems")

    _upload(page, good)
    assert page.get_attribute("#import-report", "data-dry-run") == "true"
    assert (page.inner_text("#count-rows"), page.inner_text("#count-inserted")) == ("2", "2")
    with demo_server.client("viewer") as api:
        assert api.get("/api/v1/customers/WEB21-IMP-1").status_code == 404  # a dry run writes nothing
    token = page.get_attribute("#import-confirm input[name=token]", "value")
    sha = page.get_attribute("#import-confirm input[name=sha256]", "value")

    # Another user (another session) cannot confirm this upload, even knowing its token and hash.
    other = browser.new_page()
    sign_in(other, demo_server, "manager")
    other.goto(f"{demo_server.url}/imports")
    csrf = other.locator("input[name=csrf]").first.get_attribute("value")
    stolen = other.request.post(
        f"{demo_server.url}/imports/confirm", form={"csrf": csrf or "", "token": token or "", "sha256": sha or ""}
    )
    assert stolen.ok and "can no longer be confirmed" in stolen.text()
    other.close()
    with demo_server.client("viewer") as api:
        assert api.get("/api/v1/customers/WEB21-IMP-1").status_code == 404

    page.click("#import-confirm-button")
    page.wait_for_selector("#import-report[data-dry-run=false]")
    inserted = int(page.inner_text("#count-inserted"))
    with demo_server.client("viewer") as api:
        found = [api.get(f"/api/v1/customers/WEB21-IMP-{n}") for n in (1, 2)]
    assert inserted == sum(r.status_code == 200 for r in found) == 2
    assert found[0].json()["name"] == "华东精密有限公司"
    shot(page, "import-done")
    # The same confirmation again: the upload is gone.
    again = page.request.post(
        f"{demo_server.url}/imports/confirm",
        form={
            "csrf": page.locator("input[name=csrf]").first.get_attribute("value") or "",
            "token": token or "",
            "sha256": sha or "",
        },
    )
    assert "can no longer be confirmed" in again.text()
    page.close()

    viewer = browser.new_page()
    sign_in(viewer, demo_server, "viewer")
    assert viewer.locator("#nav-imports").count() == 0
    assert viewer.request.get(f"{demo_server.url}/imports").status == 403
    viewer.close()


def test_held_orders_show_context_and_only_the_buttons_a_user_may_press(
    browser: Any,  # noqa: F811
    demo_server: DemoServer,
) -> None:
    with demo_server.client("sales") as sales:
        account = sales.get("/api/v1/customers/C000005").json()
        amount = f"{Decimal(account['available']) + 2_000_000:.2f}"
        order = {"order_id": "WEB21-HELD-1", "customer_id": "C000005", "amount": amount, "currency": "CNY"}
        placed = sales.post("/api/v1/orders", json=order)
        assert placed.status_code == 201 and placed.json()["decision"] == "blocked", placed.text
    viewer = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(viewer, demo_server, "viewer")
    viewer.goto(f"{demo_server.url}/worklists/orders?q=WEB21-HELD-1")
    held = viewer.locator("#order-WEB21-HELD-1")
    assert held.locator("button").count() == 0  # nothing a viewer may press
    assert held.locator("[data-code=OVER_LIMIT]").count() == 1
    assert held.locator("[data-field=limit]").inner_text().replace(",", "").startswith(account["credit_limit"])
    assert account["name"] in held.inner_text()
    viewer.close()

    page = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(page, demo_server, "analyst")
    page.goto(f"{demo_server.url}/worklists/orders?q=WEB21-HELD-1")
    row = page.locator("#order-WEB21-HELD-1")
    row.locator("input[name=comment]").fill(
        "advance payment announced by the treasurer on the phone, confirmed by email"
    )
    row.locator("button", has_text="Release").click()
    assert "second approver" in page.inner_text("#flash")
    page.goto(f"{demo_server.url}/worklists/orders?q=WEB21-HELD-1")
    release = page.locator("#order-WEB21-HELD-1 button", has_text="Release")
    assert release.is_disabled() and "second approver" in (release.get_attribute("title") or "")
    page.close()

    manager = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(manager, demo_server, "manager")
    manager.goto(f"{demo_server.url}/worklists/orders?q=WEB21-HELD-1")
    assert manager.locator("#order-WEB21-HELD-1 button", has_text="Release").is_enabled()
    # The comment the release was asked with wraps under the amount: the buttons stay in view.
    assert "confirmed by email" in manager.locator("#order-WEB21-HELD-1 .release-asked").inner_text()
    edges = manager.locator("#held-orders").evaluate(
        "t => [t.getBoundingClientRect().right, t.closest('section, .card').getBoundingClientRect().right]"
    )
    assert edges[0] <= edges[1] + 1, edges
    manager.close()


def test_the_reviews_list_pages_sorts_and_filters(browser: Any, demo_server: DemoServer) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(page, demo_server, "viewer")
    page.click("#nav-reviews")
    page.wait_for_url(f"{demo_server.url}/worklists/reviews")
    total = int(page.inner_text("#reviews-total"))
    rows = page.locator("#reviews tbody tr")
    assert rows.count() == min(50, total)
    if total > 50:
        page.click("#pager-next")
        page.wait_for_url(re.compile(r"page=2"))  # the next page loaded, not the old one read
        assert rows.count() == min(50, total - 50)
    page.goto(f"{demo_server.url}/worklists/reviews")
    page.click("#sort-due")  # the due date, latest first
    page.wait_for_url(re.compile(r"dir=desc"))  # the sorted page loaded (its URL, then its load event)
    dues = [r.locator("td").first.inner_text() for r in rows.all()]
    assert dues and dues[0] >= dues[-1]
    segment = page.locator("#list-filters-segment option").nth(1).get_attribute("value")
    page.select_option("#list-filters-segment", segment)
    page.click("#list-filters button[type=submit]")
    page.wait_for_url(re.compile(f"segment={re.escape(str(segment))}"))
    shown = {c.inner_text() for c in page.locator("#reviews [data-field=segment]").all()}
    assert len(shown) <= 1
    assert re.search(r"\d", page.inner_text("#pager"))

    # The home page's customer list: filtered by segment, sorted by name.
    page.goto(f"{demo_server.url}/?segment=strategic&sort=name&dir=asc")
    cells = page.locator("#customers tbody tr")
    names = [r.locator("td").nth(1).inner_text() for r in cells.all()]
    assert names and names == sorted(names)  # as the database orders them
    assert {r.locator("td").nth(2).inner_text() for r in cells.all()} == {"Strategic"}
    following = page.locator("#customers-pager-next")
    assert following.count() == 0 or "segment=strategic" in (following.get_attribute("href") or "")
    page.close()


def test_operations_show_the_event_feed_webhook_deliveries_and_notifications(
    browser: Any,  # noqa: F811
    demo_server: DemoServer,
) -> None:
    with demo_server.client("admin") as api:
        failed = api.get("/api/v1/webhooks/deliveries", params={"status": "failed", "limit": 1000}).json()
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(page, demo_server, "manager")
    page.goto(f"{demo_server.url}/operations")
    assert int(page.inner_text("#feed-events")) > 0
    assert page.inner_text("#deliveries-failed").split()[-1] == str(len(failed["deliveries"]))
    # A manager sees the counts; the deliveries themselves (addresses, errors) are for admins.
    assert page.locator("#deliveries-admin-only").count() == 1 and page.locator("#recent-deliveries").count() == 0
    assert page.get_attribute("#link-notifications", "href") == "/notifications"
    page.close()
    admin = browser.new_page(viewport={"width": 1440, "height": 900})
    sign_in(admin, demo_server, "admin")
    admin.goto(f"{demo_server.url}/operations")
    assert admin.get_attribute("#link-webhooks", "href") == "/admin/webhooks"
    assert admin.locator("#failed-deliveries tbody tr").count() == min(20, len(failed["deliveries"]))
    shot(admin, "operations")
    admin.close()
