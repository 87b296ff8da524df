"""The web app in headless Chromium: sign in, read the portfolio, open a customer, switch language."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from creditdesk.entrypoints.portfolio_views import standard_views
from tests.conftest import ARTIFACTS, TEST_TODAY
from tests.e2e.conftest import PATIENCE_SECONDS, DemoServer, cli, person_token

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed; `make test` installs it (scripts/ensure-system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield _Patient(browser)
        browser.close()


class _Patient:
    """The browser, whose pages wait up to PATIENCE_SECONDS for an element or a navigation
    (Playwright's 30 s default fails a loaded machine, not a broken page)."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_page(self, **options: Any) -> Any:
        page = self._browser.new_page(**options)
        page.set_default_timeout(PATIENCE_SECONDS * 1000)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page: Any, server: DemoServer, username: str = "admin") -> None:
    page.goto(f"{server.url}/")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "creditdesk-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def until_fresh(page: Any, marker: str, patience: float = 180) -> None:
    """Reload until the page shows ``marker``: its snapshots computed from the ledger as it
    stands (the other tests move the shared demo's ledger, which leaves them stale a while)."""
    deadline = time.monotonic() + patience
    while page.locator(marker).count() == 0:
        assert time.monotonic() < deadline, f"{page.url}: {marker} not shown within {patience} s"
        time.sleep(1)
        page.reload()


def _count(server: DemoServer, sql: str, *params: str) -> int:
    """A count read from the demo's database as it stands (the other tests of the shared demo add
    customers: an application approved, a customer imported)."""
    with closing(sqlite3.connect(server.db.removeprefix("sqlite:///"))) as db:
        (count,) = db.execute(sql, params).fetchone()
    return int(count)


def test_home_page_shows_the_portfolio(browser: Any, demo_server: DemoServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{demo_server.url}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "User name or password is wrong."
    sign_in(page, demo_server)
    customers = _count(demo_server, "SELECT count(*) FROM customers")
    assert customers >= int(str(demo_server.summary["customers"]))
    in_cny = _count(demo_server, "SELECT count(*) FROM credit_accounts WHERE currency = ?", "CNY")
    assert page.locator("#kpi-customers-CNY").inner_text() == f"{in_cny:,}"
    with demo_server.client("viewer") as api:
        first_id = page.locator("#customers tbody tr td a").first.inner_text()
        shown = api.get(f"/api/v1/customers/{first_id}").json()
    row = page.locator("#customers tbody tr").first
    assert f"{float(shown['exposure']['total']):,.2f}" in row.inner_text()
    assert page.locator("#ageing-CNY tbody tr").count() == 6

    def column_total(table: str) -> int:
        cells = page.locator(f"#{table} tbody tr td:nth-child(2)").all_inner_texts()
        return sum(int(cell.replace(",", "")) for cell in cells)

    # Every customer is in one industry and one country; every scored customer has one grade.
    assert column_total("industries") == column_total("countries") == customers
    assert column_total("grades") == demo_server.summary.get("scored", 0)
    assert page.locator("#alert-orders strong").inner_text() == page.locator("#nav-orders .count").inner_text()
    assert page.locator("#customers tbody tr").count() == 50
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.reload()
    assert requests and all(url.startswith(demo_server.url) for url in requests)  # every asset is local
    shot(page, "home-en")

    page.click("#lang-switch")
    assert page.locator("h1").first.inner_text().startswith("客户组合")
    assert page.locator("#lang-switch").inner_text() == "English"
    shot(page, "home-zh")
    page.click("#lang-switch")
    assert page.locator("h1").first.inner_text().startswith("Portfolio")

    page.click(f"text={first_id}")
    page.wait_for_url(f"{demo_server.url}/customers/{first_id}")
    assert page.locator("#kpi-limit").inner_text() == f"{float(shown['credit_limit']):,.2f} CNY"
    assert page.locator("#limit-history tbody tr").count() >= 1
    with demo_server.client("viewer") as api:
        recommended = api.get(f"/api/v1/customers/{first_id}/limit-recommendation").json()
        scored = api.get(f"/api/v1/customers/{first_id}/score")
    # The page shows the same working as the API: every method, and the limit the policy takes.
    assert page.locator("#methods tbody tr").count() == len(recommended["methods"])
    shown_limit = page.locator("#recommended").inner_text().split(" CNY")[0]
    assert shown_limit.replace(",", "") == (recommended["final"]["amount"] or "—")
    if scored.status_code == 200:
        assert page.locator("#grade").inner_text().endswith(f" {scored.json()['grade']}")
        assert page.locator("#reasons li").count() == len(scored.json()["reasons"])
    assert page.locator("#lang-switch").inner_text() == "中文"
    shot(page, "customer-en")
    page.close()


def test_search_and_sign_out(browser: Any, demo_server: DemoServer) -> None:
    page = browser.new_page()
    sign_in(page, demo_server, "viewer")
    page.fill("#q", "C000007")
    page.press("#q", "Enter")
    assert page.locator("#customers tbody tr").count() == 1
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    page.goto(f"{demo_server.url}/customers/C000007")
    assert "/login" in page.url
    page.close()


def _token(server: DemoServer, name: str, role: str) -> str:
    return person_token(server.cwd, server.db, name, role)


def test_a_due_review_is_done_from_its_worklist(browser: Any, demo_server: DemoServer) -> None:
    with demo_server.client("manager") as manager:
        due = manager.put(
            "/api/v1/customers/C000011/standing", json={"reason": "annual review", "next_review_on": "2026-01-15"}
        )
        assert due.status_code == 200, due.text
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, demo_server, "analyst")
    page.click("#nav-reviews")
    page.wait_for_url(f"{demo_server.url}/worklists/reviews")  # count() does not wait for the page
    row = page.locator("#review-C000011")
    assert row.count() == 1
    shot(page, "worklist-reviews")
    row.locator("input[name=comment]").fill("statements and payments checked")
    row.locator("button", has_text="Reviewed").click()
    assert "C000011 reviewed" in page.locator("#flash").inner_text()
    assert page.locator("#review-C000011").count() == 0
    with demo_server.client("viewer") as api:
        history = api.get("/api/v1/customers/C000011/limit-history").json()
    # The demo's own reviews come before (its analyst completes the reviews due at each month-end).
    (done,) = [c for c in history["changes"] if c["rule"] == "REVIEW_COMPLETED" and c["before"] == "2026-01-15"]
    assert (done["actor"], done["before"]) == ("analyst", "2026-01-15") and done["after"] > TEST_TODAY
    page.close()


def test_reports_show_the_apis_figures_and_download(browser: Any, demo_server: DemoServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, demo_server, "viewer")
    page.click("#nav-reports")
    page.click("#report-dso")
    page.select_option("#by", "segment")
    page.click("button:has-text('Show')")
    until_fresh(page, "#report-fresh")
    with demo_server.client("viewer") as api:
        rows = api.get("/api/v1/reports/dso", params={"by": "segment"}).json()["rows"]
    assert page.locator("#report-table tbody tr").count() == len(rows)
    headers = [th.get_attribute("data-key") for th in page.locator("#report-table thead th").all()]
    first = dict(
        zip(headers, page.locator("#report-table tbody tr").first.locator("td").all_inner_texts(), strict=True)
    )
    assert first["dso"] == str(rows[0]["dso"])
    shot(page, "report-dso")
    csv = page.request.get(f"{demo_server.url}{page.locator('#download-csv').get_attribute('href')}")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text().splitlines()[0].split(",") == headers and len(csv.text().splitlines()) == len(rows) + 1
    xlsx = page.request.get(f"{demo_server.url}{page.locator('#download-xlsx').get_attribute('href')}")
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"  # a zip: the workbook
    page.click("#lang-switch")  # the headings in the reader's language, the downloads keep the names
    assert page.locator("#report-table th[data-key=receivables]").inner_text() == "应收账款"
    page.click("#lang-switch")
    assert page.locator("#report-table th[data-key=receivables]").inner_text() == "Receivables"
    page.goto(f"{demo_server.url}/reports/aging?as_of=2026-02-30")
    assert "not valid" in page.locator("[role=alert]").inner_text()
    page.close()


def test_an_admin_adds_a_user_and_a_token_and_others_may_not(browser: Any, demo_server: DemoServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, demo_server, "analyst")
    assert page.locator("#nav-admin").count() == 0
    assert page.goto(f"{demo_server.url}/admin").status == 403
    page.close()

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, demo_server, "admin")
    page.click("#nav-admin")
    page.fill("#new-username", "newbie")
    page.select_option("#new-role", "analyst")
    page.fill("#new-password", "short")
    page.click("#add-user")  # the browser refuses a password under 8 characters before sending it
    assert page.locator("#admin-added").count() == 0
    page.fill("#new-password", "a long enough secret")
    page.click("#add-user")
    assert "newbie" in page.locator("#admin-added").inner_text()
    page.fill("#token-name", "erp-link")
    page.select_option("#token-role", "sales")
    page.click("#create-token")
    token = page.locator("#new-token").inner_text()
    shot(page, "admin")
    page.close()
    with httpx.Client(base_url=demo_server.url, headers={"Authorization": f"Bearer {token}"}) as erp:
        assert erp.get("/api/v1/customers/C000001").status_code == 200
        admin = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(admin, demo_server, "admin")
        admin.goto(f"{demo_server.url}/admin")
        admin.locator("#tokens tbody tr", has_text="erp-link").locator("button:has-text('Revoke')").click()
        assert "erp-link" in admin.locator("#admin-revoked").inner_text()
        row = admin.locator("#tokens tbody tr", has_text="erp-link")
        assert row.locator("button").count() == 0  # revoked: no button, the time instead
        admin.close()
        # The API caches a verified token for 10 s, but the server that revoked it forgets it at once.
        assert erp.get("/api/v1/customers/C000001").status_code == 401, "a revoked token still works"
    newbie = browser.new_page()
    newbie.goto(f"{demo_server.url}/login")
    newbie.fill("input[name=username]", "newbie")
    newbie.fill("input[name=password]", "a long enough secret")
    newbie.click("button[type=submit]")
    newbie.wait_for_url(f"{demo_server.url}/")
    assert "newbie" in newbie.locator(".who").inner_text()
    newbie.close()


def _amount(text: str) -> Decimal:
    return Decimal(text.replace(",", "").split()[0])


def test_the_customer_page_shows_group_behaviour_and_events(browser: Any, demo_server: DemoServer) -> None:
    with sqlite3.connect(demo_server.db.removeprefix("sqlite:///")) as db:  # a member of a pooled group
        customer_id, group_id, pool_minor = db.execute(
            "SELECT c.customer_id, g.group_id, g.limit_minor FROM customers c"
            " JOIN group_accounts g ON g.group_id = c.group_id WHERE g.currency = 'CNY' ORDER BY c.customer_id LIMIT 1"
        ).fetchone()
    with demo_server.client("viewer") as api:
        grouped = api.get(f"/api/v1/customers/{customer_id}").json()
    page = browser.new_page(viewport={"width": 1280, "height": 1600})
    sign_in(page, demo_server, "viewer")
    page.goto(f"{demo_server.url}/customers/{customer_id}")
    assert group_id in page.locator("#group").inner_text()
    assert page.locator("#group-pool").inner_text().startswith(f"{Decimal(pool_minor) / 100:,.2f} CNY")
    assert page.locator("#payment-behaviour tbody tr").count() == 12
    exposure = grouped["exposure"]
    assert _amount(page.locator("#kpi-reserved").inner_text()) == Decimal(exposure["orders"])
    events = page.locator("#events li")
    assert events.count() >= 3
    invoice = page.locator("#open-items tbody tr td").first
    if invoice.count():
        assert page.locator("#events li", has_text=invoice.inner_text()).count() >= 1
    shot(page, "customer-360")
    page.click("#lang-switch")
    assert page.locator("#behaviour h2").inner_text().startswith("月度付款表现")
    page.click("#lang-switch")
    page.close()


def test_the_models_page_shows_validation_and_drift(browser: Any, scored_demo: DemoServer) -> None:
    demo_server = scored_demo  # the small demo is too small to learn a model from
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    sign_in(page, demo_server, "analyst")
    page.click("#nav-models")
    with demo_server.client("viewer") as api:
        models = api.get("/api/v1/models").json()
    champion = models["champion"][0]
    row = page.locator("#registry tbody tr", has_text=champion["version"])
    assert row.count() == 1
    assert f"{champion['metrics']['auc']:.3f}" in row.inner_text()
    until_fresh(page, "#psi-score")
    until_fresh(page, "#power-table")  # computed after the drift, in the same background queue
    assert page.locator("#psi-features tbody tr").count() >= 5
    shot(page, "models")
    page.close()


def test_cash_forecast_and_working_capital_reports(browser: Any, demo_server: DemoServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    sign_in(page, demo_server, "viewer")
    page.goto(f"{demo_server.url}/reports/cash")
    until_fresh(page, "#report-fresh")
    with demo_server.client("viewer") as api:
        cash = api.get("/api/v1/forecast/cash").json()
        wcr = api.get("/api/v1/reports/wcr", params={"inventory": "5000000", "terms_change_days": "-10"}).json()
    assert page.locator("#report-table tbody tr").count() == 13 * len(cash["currencies"])
    shot(page, "report-cash")
    page.goto(f"{demo_server.url}/reports/ecl")
    until_fresh(page, "#report-fresh")
    with demo_server.client("viewer") as api:
        ecl = api.get("/api/v1/reports/ecl").json()["rows"]
    # One line per currency and bucket, and each segment's two estimates side by side.
    assert page.locator("#report-table tbody tr").count() == sum(len(doc["matrix"]) for doc in ecl)
    currencies = page.locator("#report-table tbody td:first-child").all_inner_texts()
    assert sorted(set(currencies)) == sorted(doc["currency"] for doc in ecl)
    assert page.locator("#ecl-by-segment tbody tr").count() == sum(len(doc["by_segment"]) for doc in ecl)
    page.goto(f"{demo_server.url}/reports/wcr")
    page.fill("#inventory", "5000000")
    page.fill("#terms_change_days", "-10")
    page.click("button:has-text('Show')")
    until_fresh(page, "#report-fresh")
    headers = [th.get_attribute("data-key") for th in page.locator("#report-table thead th").all()]
    first = dict(
        zip(headers, page.locator("#report-table tbody tr").first.locator("td").all_inner_texts(), strict=True)
    )
    expected = wcr["rows"][0]
    assert first["wcr"].replace(",", "") == expected["wcr"]  # grouped digits on the page
    assert first["what_if_change_in_receivables"].replace(",", "") == expected["what_if"]["change_in_receivables"]
    shot(page, "report-wcr")
    page.fill("#inventory", "lots")
    page.click("button:has-text('Show')")
    assert page.locator("#report-error").count() == 1
    page.close()


def test_an_alert_opens_the_customers_it_counts(browser: Any, demo_server: DemoServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, demo_server, "viewer")
    counted = int(page.locator("#alert-over_limit strong").inner_text().replace(",", ""))
    page.click("#alert-over_limit a")
    assert page.locator("#alert-filter").count() == 1
    listed = page.locator("#customers tbody tr")
    assert listed.count() == min(counted, 50)
    assert counted > 0 and f"of {counted}" in page.locator(".pager").inner_text()
    for row in listed.all()[:10]:  # each listed account is over its limit: negative available
        assert "neg" in (row.locator("td").nth(6).get_attribute("class") or "")
    page.close()


def test_the_nightly_refresh_fills_the_report_snapshots(browser: Any, demo_server: DemoServer) -> None:
    done = cli(demo_server.cwd, "report", "refresh", "--json", db=demo_server.db)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    day = date.fromisoformat(summary["as_of"])
    assert summary["snapshots"] == len(list(standard_views(day))) == len(summary["seconds"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, demo_server, "viewer")
    # Computed ahead: the first request is answered from a fresh snapshot, never "being computed".
    page.goto(f"{demo_server.url}/reports/aging?by=grade")
    assert page.locator("#report-fresh").count() == 1 and page.locator("#report-pending").count() == 0
    with demo_server.client("viewer") as api:
        rows = api.get("/api/v1/reports/aging", params={"by": "grade"}).json()["rows"]
    assert page.locator("#report-table tbody tr").count() == len(rows)
    page.close()
