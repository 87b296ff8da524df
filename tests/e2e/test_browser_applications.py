"""A credit application in headless Chromium: a sales user submits the form with two documents,
an analyst approves first and a manager second (four eyes above an analyst's authority), and the
customer page shows the new customer with its limit, its documents and the application's note."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from creditdesk.bootstrap import bootstrap
from creditdesk.domain.roles import Role
from creditdesk.entrypoints.served import served
from creditdesk.service.auth import add_user
from tests.e2e.test_browser import browser  # noqa: F401  (the headless Chromium fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
PASSWORD = "long enough pw"
STATEMENT = {  # the statement model's grade 7: beyond an analyst's authority alone
    "revenue": "12000000",
    "total_assets": "8000000",
    "total_liabilities": "5000000",
    "current_assets": "4000000",
    "current_liabilities": "2500000",
    "equity": "3000000",
    "net_income": "400000",
    "ebit": "700000",
    "retained_earnings": "1500000",
}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[str]:
    """A server on an empty database with three people: sales, an analyst and a manager."""
    cwd = tmp_path_factory.mktemp("applications")
    (cwd / "var").mkdir()
    shutil.copyfile(migrated_sqlite, cwd / "var" / "creditdesk.db")
    db = f"sqlite:///{cwd / 'var' / 'creditdesk.db'}"
    services = bootstrap(db)
    services.settings.var_dir = cwd / "var"
    try:
        for name, role in (("br-sales", Role.SALES), ("br-analyst", Role.ANALYST), ("br-manager", Role.MANAGER)):
            add_user(name, PASSWORD, role, services.uow(), services.hasher, "tests")
    finally:
        services.engine.dispose()
    with served(db, cwd, upgrade=False) as url:  # a copy of the migrated template: at head already
        yield url


def _sign_in(chromium: Any, url: str, username: str) -> Any:
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return page


def test_sales_submits_with_two_files_two_people_approve_and_the_customer_has_its_limit(
    browser: Any,  # noqa: F811
    desk: str,
    tmp_path: Path,
) -> None:
    pdf, csv = tmp_path / "annual report 2025.pdf", tmp_path / "bank statement.csv"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    csv.write_text("month,balance\n2026-01,1200000\n2026-02,1350000\n", encoding="utf-8")

    sales = _sign_in(browser, desk, "br-sales")
    sales.click("#nav-applications")
    sales.fill("#a-customer-id", "C-BROWSER")
    sales.fill("#a-name", "Suzhou Browser Fittings Co.")
    sales.select_option("#a-segment", "standard")
    sales.fill("#a-limit", "150000")
    sales.fill("#a-terms", "45")
    sales.fill("#a-sales", "120000")
    sales.click("#a-statement summary")
    sales.fill("#a-period-end", "2025-12-31")
    for field, value in STATEMENT.items():
        sales.fill(f"#a-{field}", value)
    sales.set_input_files("#a-files", [str(pdf), str(csv)])
    sales.click("#a-submit")
    sales.wait_for_url(f"{desk}/applications/APP-*")
    where = sales.url
    assert sales.locator("#documents #attachments tbody tr").count() == 2
    assert sales.locator("#working tbody tr").count() >= 5  # every method, the final, the terms
    assert sales.locator("#approve-form").count() == 0  # never the submitter's to decide
    sales.fill("#note-body", "Met the CFO; references from two suppliers")
    sales.click("#note-form button")
    sales.wait_for_url(where)

    analyst = _sign_in(browser, desk, "br-analyst")
    analyst.goto(where)
    analyst.click("#approve-button")
    analyst.wait_for_url(where)
    assert analyst.locator("#approvals li").count() == 1
    assert analyst.locator("#app-status").inner_text() in ("pending", "待审批")

    manager = _sign_in(browser, desk, "br-manager")
    manager.goto(where)
    manager.click("#approve-button")
    manager.wait_for_url(where)
    assert manager.locator("#approvals li").count() == 2
    decided = manager.locator("#decided strong").inner_text()
    manager.click("#customer-link")
    manager.wait_for_url(f"{desk}/customers/C-BROWSER")
    body = manager.locator("body").inner_text()
    assert "Suzhou Browser Fittings Co." in body
    assert decided.split()[0] in body  # the decided limit on the customer's page
    assert manager.locator("#notes #attachments tbody tr").count() == 2
    assert "Met the CFO" in manager.locator("#notes-list").inner_text()
